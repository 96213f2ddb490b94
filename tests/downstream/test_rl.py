import numpy as np
import pytest

from benchmarks.grpo_reference import train_reference
from sim.config.schema import RLConfig
from sim.downstream import rl
from sim.kernels import grpo
from sim.model.agreement import AgreementRule
from sim.model.benchmark import Strata, generate_benchmark
from sim.model.errors import ErrorMode
from tests.conftest import small_config, stream

RULE = AgreementRule()


def small_bench(error_rate: float | None = None, size: int = 40):
    cfg = small_config()
    for s in cfg.scenario.strata:
        s.size = size
        s.error_rate = error_rate
    strata = Strata.from_config(cfg.scenario)
    return strata, generate_benchmark(strata, cfg.scenario.error_profile, RULE, stream(2))


def test_answers_and_rewards_follow_the_definitions() -> None:
    _strata, bench = small_bench(error_rate=0.5)
    value, other = rl.answers(bench)
    reward = rl.rewards(value, other, bench.original, bench, RULE, 1.0, 0.1)
    mode = bench.error_mode
    # the procedure carrying an item's error mode reproduces the original: full reward
    for action, m in ((grpo.EXTRACTION, ErrorMode.EXTRACTION), (grpo.LOGIC, ErrorMode.LOGIC)):
        assert (reward[mode == m, action] == 1.0).all()
        assert (reward[mode != m, action] == 0.1).all()  # a wrong number elsewhere
    wrong = bench.original_wrong(RULE)
    truth_na = np.isnan(bench.truth)
    assert truth_na.any()
    assert (wrong & ~truth_na).any()
    # the correct procedure against a wrong original: a wrong number (0.1) or a wrong N/A (0)
    assert (reward[wrong & ~truth_na, grpo.CORRECT] == 0.1).all()
    assert (reward[wrong & truth_na, grpo.CORRECT] == 0.0).all()
    assert (reward[~wrong, grpo.CORRECT] == 1.0).all()
    # abstaining matches only an N/A label
    assert (reward[:, grpo.ABSTAIN] == np.where(np.isnan(bench.original), 1.0, 0.0)).all()
    against_truth = rl.rewards(value, other, bench.truth, bench, RULE, 1.0, 0.0)
    assert (against_truth[:, grpo.CORRECT] == 1.0).all()


@pytest.mark.parametrize(("kl", "by_std"), [(0.0, False), (0.05, False), (0.0, True)])
def test_kernel_matches_the_reference_loop(kl: float, by_std: bool) -> None:
    strata, bench = small_bench(error_rate=0.5, size=10)
    value, other = rl.answers(bench)
    reward = rl.rewards(value, other, bench.original, bench, RULE, 1.0, 0.1)
    train_items = np.arange(0, bench.n_items, 2)
    init = np.log(np.array([0.4, 0.2, 0.2, 0.1, 0.1]))
    n_groups = len(strata.group_names)
    W = np.empty((n_groups, 5))
    U = np.empty((strata.n_strata, 5))
    grpo.train(
        reward,
        bench.stratum,
        strata.group,
        train_items,
        init,
        60,
        8,
        4,
        0.5,
        kl,
        by_std,
        stream(9),
        W,
        U,
    )
    W_ref, U_ref = train_reference(
        reward,
        bench.stratum,
        strata.group,
        train_items,
        init,
        60,
        8,
        4,
        0.5,
        kl,
        by_std,
        stream(9),
        n_groups,
    )
    np.testing.assert_allclose(W, W_ref, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(U, U_ref, rtol=1e-9, atol=1e-12)
    assert not np.allclose(U, 0.0)


def test_training_learns_what_the_labels_reward() -> None:
    """Every original wrong: trained on originals, the policy leaves the correct procedure;
    trained on the truth it converges to it, on held-out items and untrained strata alike."""
    strata, bench = small_bench(error_rate=1.0, size=40)
    cfg = RLConfig(seeds=4, steps=400)
    keep = np.zeros(bench.n_items, dtype=np.int8)
    res = rl.run_experiment(
        [(bench, bench.truth, keep)], strata.group, len(strata.group_names), RULE, cfg, 0
    )
    o, m, t = (rl.ARMS.index(a) for a in ("original", "maintained", "truth"))
    start = res.start_heldout_items
    assert (res.heldout_items[..., t] > 0.9).all()
    assert (res.heldout_items[..., m] == res.heldout_items[..., t]).all()  # same labels
    assert (res.heldout_items[..., o] < start).all()
    assert (res.heldout_strata[..., t] > start).all()
    summary = rl.summarize(res)
    gap = summary["heldout_items.gap_truth_vs_original"]
    assert gap["ci_low"] > 50.0
    assert summary["heldout_items.gap_truth_vs_maintained"]["mean"] == 0.0


def test_experiment_is_reproducible_and_paired() -> None:
    strata, bench = small_bench()
    cfg = RLConfig(seeds=3, steps=50)
    keep = np.zeros(bench.n_items, dtype=np.int8)
    args = ([(bench, bench.original, keep)], strata.group, len(strata.group_names), RULE, cfg)
    a = rl.run_experiment(*args, 5)
    b = rl.run_experiment(*args, 5)
    np.testing.assert_array_equal(a.heldout_items, b.heldout_items)
    # maintained labels = originals: the two arms train identically (same split and prompts)
    np.testing.assert_array_equal(a.heldout_items[..., 0], a.heldout_items[..., 1])
    c = rl.run_experiment(*args, 6)
    assert not np.array_equal(a.heldout_items, c.heldout_items)


def test_split_holds_out_strata_per_group_and_keeps_one_trained() -> None:
    strata, bench = small_bench()
    cfg = RLConfig(heldout_strata_share=0.5, heldout_item_share=0.25)
    role = rl.split_items(bench, strata.group, cfg, stream(4))
    for g in range(len(strata.group_names)):
        members = np.flatnonzero(strata.group == g)
        held = [s for s in members if (role[bench.stratum == s] == rl.HELDOUT_STRATUM).all()]
        assert 1 <= len(held) < len(members)
    trained = role != rl.HELDOUT_STRATUM
    assert 0.15 < (role[trained] == rl.HELDOUT_ITEM).mean() < 0.35


@pytest.mark.parametrize(
    ("df", "t"), [(2, 4.302653), (4, 2.776445), (5, 2.570582), (10, 2.228139), (29, 2.045230)]
)
def test_t_quantile(df: int, t: float) -> None:
    assert rl.t_quantile_975(df) == pytest.approx(t, abs=3e-4)


def test_paired_gap_interval() -> None:
    a = np.array([0.5, 0.6, 0.7, 0.8])
    g = rl.paired_gap(a, a - 0.1)
    assert g["mean"] == pytest.approx(10.0)
    assert g["ci_low"] == pytest.approx(10.0)
    assert g["ci_high"] == pytest.approx(10.0)
    assert np.isnan(rl.paired_gap(a[:1], a[:1])["mean"])
