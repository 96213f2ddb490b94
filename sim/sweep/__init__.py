"""Budget-optimal search: Hydra sweeps over an Optuna study, whose trials write one Parquet
dataset (``python -m sim +sweep=<name>``; configs in ``conf/sweep/``)."""
