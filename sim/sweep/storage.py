"""Where a study lives: an SQLite file in the sweep's folder unless a SQLAlchemy URL is given;
trials a killed worker on this machine left running are found and run again.

A worker claims each trial with its :func:`worker_id` already on it (:func:`claim_trial`), so a
kill at any moment leaves no running trial without the worker that ran it."""

from __future__ import annotations

import os
import socket
import sqlite3
import time
from pathlib import Path
from typing import Any, NoReturn

import optuna
from optuna.trial import TrialState, create_trial
from sqlalchemy import event

DEFAULT_FILE = "study.db"


class StorageError(RuntimeError):
    """The storage URL cannot be opened."""


def default_url(sweep_dir: Path) -> str:
    return f"sqlite:///{(sweep_dir / DEFAULT_FILE).resolve()}"


def open_storage(
    url: str, *, write_ahead: bool = False, key: str = "hydra.sweeper.storage"
) -> optuna.storages.RDBStorage:
    """Connect (creating the schema on first use); one clear error, naming the setting ``key``
    that gave the URL, when that fails. With ``write_ahead``, an SQLite study logs ahead while
    this process has it open (:func:`write_ahead_log`; a sweep's workers do, a report only
    reads)."""
    engine_kwargs: dict[str, Any] = {}
    if url.startswith("sqlite"):
        # Several local workers share the file: wait for the lock rather than fail.
        engine_kwargs["connect_args"] = {"timeout": 120}
    # Workers started together race to create the schema; the loser sees a unique-key
    # violation on a schema that is there a moment later, so it tries again.
    for attempt in range(_SCHEMA_ATTEMPTS):
        try:
            storage = optuna.storages.RDBStorage(url, engine_kwargs=engine_kwargs)
        except Exception as err:
            if attempt + 1 < _SCHEMA_ATTEMPTS and _is_schema_race(err):
                time.sleep(0.2 * (attempt + 1))
                continue
            _raise_unopenable(key, url, err)
        if write_ahead and storage.engine.name == "sqlite":
            event.listen(storage.engine, "connect", write_ahead_log)
            storage.engine.dispose()  # the connection that created the schema goes too
        return storage
    raise AssertionError("the loop returns or raises")


_SCHEMA_ATTEMPTS = 5


def write_ahead_log(dbapi_connection: Any, _record: Any) -> None:
    """An SQLite connection logs ahead and syncs at checkpoints, not at every commit: a trial
    commits about 20 times, and a synced commit costs milliseconds. A killed process loses
    nothing committed; a power cut may lose the last commits, never the file."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def end_write_ahead_log(storage: optuna.storages.RDBStorage) -> bool:
    """Leave an SQLite study as one plain file again (a rollback journal), which a reader can
    open from a read-only folder; True if it did. While another worker has the study open the
    switch is refused at once, and the last worker to finish makes it."""
    if storage.engine.name != "sqlite":
        return False
    storage.engine.dispose()
    connection = storage.engine.raw_connection()
    try:
        cursor = connection.cursor()
        cursor.execute("PRAGMA busy_timeout=0")
        try:
            cursor.execute("PRAGMA journal_mode=DELETE")
            row = cursor.fetchone()
        except sqlite3.OperationalError:  # locked by another worker
            return False
        return row is not None and str(row[0]) == "delete"
    finally:
        connection.close()
        storage.engine.dispose()


def _is_schema_race(err: Exception) -> bool:
    text = str(err).lower()
    return "unique constraint" in text or "duplicate key" in text or "already exists" in text


def _raise_unopenable(key: str, url: str, err: Exception) -> NoReturn:
    first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
    raise StorageError(
        f"{key}={url!r}: cannot be opened ({first}); expected a "
        "SQLAlchemy URL of a reachable database, e.g. sqlite:///path/study.db or "
        "postgresql+psycopg://user:password@host/db"
    ) from None


def worker_id() -> str:
    """``host:pid`` of this process, recorded on every trial it runs."""
    return f"{socket.gethostname()}:{os.getpid()}"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def recover_interrupted(study: optuna.Study) -> list[int]:
    """Mark as failed the running trials whose worker on this host has died, and queue their
    parameters again; returns their numbers. Trials of live or remote workers are left alone."""
    host = socket.gethostname()
    lost: list[int] = []
    for t in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
        worker = str(t.user_attrs.get("worker", ""))
        w_host, _, w_pid = worker.rpartition(":")
        if w_host != host or not w_pid.isdigit() or _alive(int(w_pid)):
            continue
        study._storage.set_trial_user_attr(t._trial_id, "interrupted", True)
        study._storage.set_trial_state_values(t._trial_id, TrialState.FAIL)
        study.enqueue_trial(t.params, user_attrs={"retry_of": t.number})
        lost.append(t.number)
    return lost


def claim_trial(study: optuna.Study, worker: str) -> optuna.Trial:
    """The next trial for ``worker``, as :meth:`optuna.Study.ask` gives it (a queued trial
    first, else a new one), but marked with ``worker`` before it is running. ``ask`` marks a
    trial running first, and a worker killed before it could add its name left a trial no
    recovery could attribute, counted as done forever."""
    storage = study._storage
    for waiting in storage.get_all_trials(
        study._study_id, deepcopy=False, states=(TrialState.WAITING,)
    ):
        try:
            storage.set_trial_user_attr(waiting._trial_id, "worker", worker)
            if not storage.set_trial_state_values(waiting._trial_id, TrialState.RUNNING):
                continue  # another worker popped it first
        except optuna.exceptions.UpdateFinishedTrialError:
            continue
        storage.set_trial_user_attr(waiting._trial_id, "worker", worker)  # win a race
        return optuna.Trial(study, waiting._trial_id)
    template = create_trial(state=TrialState.RUNNING, user_attrs={"worker": worker})
    return optuna.Trial(study, storage.create_new_trial(study._study_id, template))
