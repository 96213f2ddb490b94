"""``python -m sim.report DIR``: PNG figures and one HTML page for a run or a sweep folder."""
