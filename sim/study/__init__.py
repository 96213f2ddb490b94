"""``python -m sim.study budget``: policies against expert-hour budgets, side by side."""
