"""Real stewardship traces: parsing labels and deriving scenario shapes from them."""
