"""The model's nouns as struct-of-arrays: items, errors, verifiers, experts, calendars."""
