import numpy as np
import pytest

from sim.config.schema import PolicyConfig
from sim.kernels.policies import CONTENTIOUS_ORDERS
from sim.policies import Decision, DisagreementTriage, ExpertVerdicts, PhasedStewardship
from sim.policies.triage import contentious, disagreement_with_original
from sim.testing.policies import contract_evidence, policy_stream


def test_disagreement_reviews_largest_disagreement_first() -> None:
    ev, _ = contract_evidence()
    keys = DisagreementTriage(PolicyConfig(name="disagreement")).triage(ev, policy_stream(0))
    d = disagreement_with_original(ev)
    queued = np.isfinite(keys)
    np.testing.assert_array_equal(queued, contentious(d, 0.05))
    order = np.argsort(keys[queued])
    by_key = d[queued][order]
    assert (by_key[:-1] >= by_key[1:]).all()


def test_phased_reviews_audit_flags_first_and_drops_without_consensus() -> None:
    ev, _ = contract_evidence()
    policy = PhasedStewardship(PolicyConfig(name="phased"))
    keys = policy.triage(ev, policy_stream(0))
    queued = np.isfinite(keys)
    assert ev.audit is not None
    assert ev.recompute is not None
    flagged_keys = keys[queued & ev.audit.flagged]
    other_keys = keys[queued & ~ev.audit.flagged]
    assert flagged_keys.max() < other_keys.min()
    n = ev.n_items
    none = ExpertVerdicts(np.full(n, np.nan), np.zeros(n, dtype=bool))
    final, decision = policy.finalize(ev, none)
    np.testing.assert_array_equal(decision == Decision.DROPPED, ~ev.recompute.consensus)
    kept = decision == Decision.RECOMPUTED
    np.testing.assert_array_equal(final[kept], ev.recompute.label[kept])


def test_review_rest_queues_every_item_after_the_contentious_ones() -> None:
    ev, _ = contract_evidence()
    assert ev.recompute is not None
    for name, cls in (("phased", PhasedStewardship), ("disagreement", DisagreementTriage)):
        base = cls(PolicyConfig(name=name)).triage(ev, policy_stream(0))
        keys = cls(PolicyConfig(name=name, review_rest=True)).triage(ev, policy_stream(0))
        contentious_items = np.isfinite(base)
        np.testing.assert_array_equal(keys[contentious_items], base[contentious_items])
        assert np.isfinite(keys).all()
        assert np.unique(keys).size == ev.n_items
        rest = ~contentious_items
        assert keys[rest].min() > keys[contentious_items].max()
        without_consensus = rest & ~ev.recompute.consensus
        with_consensus = rest & ev.recompute.consensus
        if without_consensus.any() and with_consensus.any():
            assert keys[without_consensus].max() < keys[with_consensus].min()


@pytest.mark.parametrize("name", ["disagreement", "phased"])
def test_contentious_order_ranks_the_same_items_by_increasing_or_random_disagreement(
    name: str,
) -> None:
    ev, _ = contract_evidence()
    cls = {"disagreement": DisagreementTriage, "phased": PhasedStewardship}[name]
    d = disagreement_with_original(ev)

    def keys_for(order: str, stream_seed: int = 0) -> np.ndarray:
        config = PolicyConfig(name=name, contentious_order=order, audit_first=False)
        return cls(config).triage(ev, policy_stream(stream_seed))

    decreasing, increasing = keys_for("decreasing"), keys_for("increasing")
    queued = np.isfinite(decreasing)
    assert queued.sum() >= 3
    for keys in (increasing, keys_for("random"), keys_for("random", 1)):
        np.testing.assert_array_equal(np.isfinite(keys), queued)
        assert sorted(keys[queued]) == list(range(int(queued.sum())))
    by_key = d[queued][np.argsort(increasing[queued])]
    assert (by_key[:-1] <= by_key[1:]).all()
    by_key = d[queued][np.argsort(decreasing[queued])]
    assert (by_key[:-1] >= by_key[1:]).all()
    np.testing.assert_array_equal(keys_for("random"), keys_for("random"))
    assert not np.array_equal(keys_for("random")[queued], keys_for("random", 1)[queued])


def test_phased_puts_audit_flags_first_in_every_contentious_order() -> None:
    ev, _ = contract_evidence()
    assert ev.audit is not None
    for order in CONTENTIOUS_ORDERS:
        policy = PhasedStewardship(PolicyConfig(name="phased", contentious_order=order))
        keys = policy.triage(ev, policy_stream(0))
        queued = np.isfinite(keys)
        assert keys[queued & ev.audit.flagged].max() < keys[queued & ~ev.audit.flagged].min()
