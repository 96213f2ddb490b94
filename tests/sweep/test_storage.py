"""Claiming trials and finding the ones a killed worker left running."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import optuna
from optuna.trial import TrialState

from sim.sweep.storage import (
    claim_trial,
    end_write_ahead_log,
    open_storage,
    recover_interrupted,
    worker_id,
)


def _study(tmp_path: Path, sampler: optuna.samplers.BaseSampler | None = None) -> optuna.Study:
    storage = open_storage(f"sqlite:///{tmp_path / 'study.db'}")
    return optuna.create_study(study_name="s", storage=storage, sampler=sampler)


def _dead_worker() -> str:
    """``host:pid`` of a process that has exited."""
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    host = worker_id().rpartition(":")[0]
    return f"{host}:{proc.pid}"


def test_a_claimed_trial_is_running_with_its_worker_already_on_it(tmp_path: Path) -> None:
    study = _study(tmp_path)
    trial = claim_trial(study, "host:1")
    (stored,) = study.get_trials()
    assert stored.number == trial.number
    assert stored.state == TrialState.RUNNING
    assert stored.user_attrs == {"worker": "host:1"}
    assert stored.datetime_start is not None


def test_a_queued_trial_is_claimed_first_with_its_params_and_attrs(tmp_path: Path) -> None:
    study = _study(tmp_path)
    study.enqueue_trial({"x": 0.25}, user_attrs={"retry_of": 7})
    trial = claim_trial(study, "host:2")
    assert trial.suggest_float("x", 0.0, 1.0) == 0.25
    (stored,) = study.get_trials()
    assert stored.state == TrialState.RUNNING
    assert stored.user_attrs == {"retry_of": 7, "worker": "host:2"}
    assert claim_trial(study, "host:2").number == 1  # the queue is empty: a new trial


def test_a_worker_killed_right_after_claiming_leaves_a_trial_recovery_finds(
    tmp_path: Path,
) -> None:
    study = _study(tmp_path)
    finished = claim_trial(study, _dead_worker())
    study.tell(finished, 1.0)
    lost = claim_trial(study, _dead_worker())  # the worker died before suggesting anything
    alive = claim_trial(study, worker_id())
    assert recover_interrupted(study) == [lost.number]
    states = {t.number: t.state for t in study.get_trials()}
    assert states == {
        finished.number: TrialState.COMPLETE,
        lost.number: TrialState.FAIL,
        alive.number: TrialState.RUNNING,
        3: TrialState.WAITING,  # the lost trial's parameters, queued again
    }
    assert claim_trial(study, worker_id()).number == 3


def test_claiming_keeps_the_grid_samplers_order(tmp_path: Path) -> None:
    grid = {"x": [0.1, 0.2, 0.3, 0.4]}
    orders = []
    for name, ask in (("a", False), ("b", True)):
        (tmp_path / name).mkdir()
        study = _study(tmp_path / name, optuna.samplers.GridSampler(grid, seed=3))
        order = []
        for _ in range(3):
            trial = study.ask() if ask else claim_trial(study, "host:3")
            order.append(trial.suggest_float("x", 0.0, 1.0))
            study.tell(trial, 0.0)
        orders.append(order)
    assert orders[0] == orders[1]
    assert len(set(orders[0])) == 3


def journal_mode(db: Path) -> str:
    conn = sqlite3.connect(db)
    try:
        return str(conn.execute("PRAGMA journal_mode").fetchone()[0])
    finally:
        conn.close()


def test_an_sqlite_study_logs_ahead_while_open_and_ends_as_one_plain_file(
    tmp_path: Path,
) -> None:
    db = tmp_path / "study.db"
    storage = open_storage(f"sqlite:///{db}", write_ahead=True)
    study = optuna.create_study(study_name="s", storage=storage)
    study.add_trial(optuna.trial.create_trial(params={}, distributions={}, value=1.5))
    with storage.engine.connect() as conn:
        mode = conn.exec_driver_sql("PRAGMA journal_mode").scalar()
        synchronous = conn.exec_driver_sql("PRAGMA synchronous").scalar()
    assert (mode, synchronous) == ("wal", 1)  # 1 = NORMAL: synced at checkpoints
    reading = open_storage(f"sqlite:///{db}")
    reader = optuna.load_study(study_name="s", storage=reading)
    assert [t.value for t in reader.get_trials()] == [1.5]
    reading.engine.dispose()

    other_worker = sqlite3.connect(db)
    other_worker.execute("SELECT count(*) FROM trials").fetchall()
    other_worker.execute("BEGIN")
    other_worker.execute("SELECT count(*) FROM trials").fetchall()  # holds a read lock
    assert not end_write_ahead_log(storage)
    assert journal_mode(db) == "wal"
    other_worker.rollback()
    other_worker.close()
    assert end_write_ahead_log(storage)
    assert journal_mode(db) == "delete"
    assert not Path(f"{db}-wal").exists()
    assert [
        t.value for t in optuna.load_study(study_name="s", storage=f"sqlite:///{db}").get_trials()
    ] == [1.5]


def test_a_study_opened_to_read_keeps_its_journal(tmp_path: Path) -> None:
    db = tmp_path / "study.db"
    optuna.create_study(study_name="s", storage=open_storage(f"sqlite:///{db}"))
    reader = open_storage(f"sqlite:///{db}")
    optuna.get_all_study_names(reader)
    assert journal_mode(db) == "delete"
