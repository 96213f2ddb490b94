"""The shared review queue: a binary heap of (key, seq) entries with lazy re-prioritisation.

First reviews carry the policy's key; follow-up stages (second review, adjudication) carry
``-inf`` so started items finish first, in the order they were queued."""

from __future__ import annotations

import heapq
import math

import numpy as np

FIRST_STAGE = 0


class ReviewQueue:
    """Entries are ``(key, seq, item, stage, version)``; an item's first-stage entry is live only
    while its version is current and the item has not started review. The per-item state is
    kept in Python lists: a policy that re-keys items after every verdict touches it thousands
    of times a replication, and a NumPy scalar access costs several times a list's."""

    def __init__(self, keys: np.ndarray) -> None:
        n = keys.shape[0]
        items = np.flatnonzero(np.isfinite(keys)).tolist()
        item_keys = keys[items].tolist()
        # Entries are unique by seq, so the heap pops them in the same order however it is built.
        self._heap: list[tuple[float, int, int, int, int]] = [
            (key, seq, item, FIRST_STAGE, 0)
            for seq, (item, key) in enumerate(zip(items, item_keys, strict=True))
        ]
        heapq.heapify(self._heap)
        self._seq = len(items)
        self._version = [0] * n
        self._queued = [False] * n
        self._key = [math.inf] * n
        for item, key in zip(items, item_keys, strict=True):
            self._queued[item] = True
            self._key[item] = key
        self.started = [False] * n
        self.n_live = len(items)

    def _push(self, key: float, item: int, stage: int) -> None:
        if stage == FIRST_STAGE:
            self._key[item] = key
        heapq.heappush(self._heap, (key, self._seq, item, stage, self._version[item]))
        self._seq += 1

    def requeue(self, items: list[int], keys: list[float]) -> None:
        """Give each not-yet-started item its new key, in turn (``inf`` removes it from the
        queue). A queued item whose key is unchanged keeps its entry: a fresh one would sort
        the same, as no two live first-stage entries share a key (policies break ties by
        item)."""
        started, queued, key_of, version = self.started, self._queued, self._key, self._version
        for item, key in zip(items, keys, strict=True):
            if started[item] or (queued[item] and key_of[item] == key):
                continue
            version[item] += 1
            if queued[item]:
                self.n_live -= 1
            queued[item] = math.isfinite(key)
            if queued[item]:
                self.n_live += 1
                self._push(key, item, FIRST_STAGE)

    def push_follow_up(self, item: int, stage: int) -> None:
        self._push(-np.inf, item, stage)
        self.n_live += 1

    def _live(self, entry: tuple[float, int, int, int, int]) -> bool:
        _, _, item, stage, version = entry
        if stage != FIRST_STAGE:
            return True
        return version == self._version[item] and not self.started[item]

    def pop_eligible(
        self, done_by_expert: set[tuple[int, int]], expert: int
    ) -> tuple[float, int, int, int, int] | None:
        """Remove and return the first live entry ``expert`` has not reviewed, or None."""
        skipped = []
        found = None
        while self._heap:
            entry = heapq.heappop(self._heap)
            if not self._live(entry):
                continue
            if (entry[2], expert) in done_by_expert:
                skipped.append(entry)
                continue
            found = entry
            break
        for entry in skipped:
            heapq.heappush(self._heap, entry)
        return found

    def take(self, entry: tuple[float, int, int, int, int]) -> None:
        """Mark a popped entry as started."""
        item = entry[2]
        self.started[item] = True
        self._queued[item] = False
        self.n_live -= 1

    def put_back(self, entry: tuple[float, int, int, int, int]) -> None:
        heapq.heappush(self._heap, entry)
