"""stewardsim: simulate expert review of LLM-made benchmark labels before spending expert time."""

__version__ = "0.1.0"
