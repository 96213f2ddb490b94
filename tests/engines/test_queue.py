import numpy as np

from sim.engines.queue import ReviewQueue


def test_lowest_key_first_and_unqueued_items_never_appear() -> None:
    q = ReviewQueue(np.array([3.0, np.inf, 1.0, 2.0]))
    assert q.n_live == 3
    order = []
    while (entry := q.pop_eligible(set(), expert=0)) is not None:
        q.take(entry)
        order.append(entry[2])
    assert order == [2, 3, 0]
    assert q.n_live == 0


def test_requeue_moves_and_removes_items() -> None:
    q = ReviewQueue(np.array([1.0, 2.0, 3.0]))
    q.requeue([2], [0.5])  # jumps ahead
    q.requeue([0], [np.inf])  # leaves the queue
    q.requeue([1], [np.inf])
    q.requeue([1], [4.0])  # comes back
    assert q.n_live == 2
    first = q.pop_eligible(set(), 0)
    assert first is not None
    assert first[2] == 2
    q.take(first)
    q.requeue([2], [0.1])  # started items cannot be re-queued
    second = q.pop_eligible(set(), 0)
    assert second is not None
    assert second[2] == 1


def test_follow_ups_go_first_and_skip_their_earlier_reviewers() -> None:
    q = ReviewQueue(np.array([1.0, 2.0]))
    q.push_follow_up(1, stage=1)
    entry = q.pop_eligible({(1, 0)}, expert=0)  # expert 0 already reviewed item 1
    assert entry is not None
    assert (entry[2], entry[3]) == (0, 0)
    q.put_back(entry)
    entry = q.pop_eligible(set(), expert=1)
    assert entry is not None
    assert (entry[2], entry[3]) == (1, 1)


def test_requeue_keeps_the_entry_of_an_unchanged_key() -> None:
    q = ReviewQueue(np.array([1.0, 2.0, 3.0]))
    heap_size = len(q._heap)
    q.requeue([0, 1, 2], [1.0, 2.0, 0.5])  # only item 2 moves
    assert len(q._heap) == heap_size + 1
    q.requeue([1, 1], [np.inf, 2.0])  # removed, then back with its old key
    assert len(q._heap) == heap_size + 2
    order = []
    while (entry := q.pop_eligible(set(), expert=0)) is not None:
        q.take(entry)
        order.append(entry[2])
    assert order == [2, 0, 1]
    assert q.n_live == 0
