"""Comparing policies with common random numbers: paired differences of run metrics."""
