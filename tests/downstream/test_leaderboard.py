import itertools

import numpy as np
import pytest

from sim.config.schema import EvaluatedModelConfig, LeaderboardConfig
from sim.downstream.leaderboard import leaderboard_summary
from sim.kernels.leaderboard import (
    ANSWER_ORIGINAL,
    ANSWER_TRUTH,
    kendall_tau_b,
    leaderboard_metrics,
    model_accuracies,
    model_answer,
)
from sim.kernels.metrics import DROPPED
from sim.metrics import leaderboard
from sim.model.agreement import AgreementRule, agrees, rule_array
from sim.model.benchmark import Strata, generate_benchmark
from sim.model.evaluated import EvaluatedModels
from tests.conftest import small_config, stream

RULE = AgreementRule()


def bench_and_models(models: list[EvaluatedModelConfig], size: int = 2000):
    cfg = small_config()
    for s in cfg.scenario.strata:
        s.size = size
    strata = Strata.from_config(cfg.scenario)
    bench = generate_benchmark(strata, cfg.scenario.error_profile, RULE, stream(1))
    return bench, EvaluatedModels.from_config(LeaderboardConfig(models), strata.group_names)


def test_accuracies_follow_the_answer_model() -> None:
    """Against the truth a model scores a(1 - e*pi); against the originals (1-e)a + e*pi."""
    models = [
        EvaluatedModelConfig(name="a", accuracy=0.8, shared_blind_spot_probability=0.1),
        EvaluatedModelConfig(name="b", accuracy=0.5, shared_blind_spot_probability=0.7),
    ]
    bench, ev = bench_and_models(models)
    e = bench.original_wrong(RULE).mean()
    keep = np.zeros(bench.n_items, dtype=np.int8)
    board = leaderboard(bench, bench.truth, keep, RULE, ev, np.uint64(7))
    n = bench.n_items
    for m, cfg in enumerate(models):
        a, pi = cfg.accuracy, cfg.shared_blind_spot_probability
        sd = 0.5 / np.sqrt(n)
        assert board[m, 2] == pytest.approx(a * (1 - e * pi), abs=5 * sd)
        assert board[m, 0] == pytest.approx((1 - e) * a + e * pi, abs=5 * sd)
        # maintained labels equal to the truth: the same score as against the truth
        assert board[m, 1] == board[m, 2]


def test_perfect_and_mimicking_models() -> None:
    models = [
        EvaluatedModelConfig(name="oracle", accuracy=1.0, shared_blind_spot_probability=0.0),
        EvaluatedModelConfig(name="mimic", accuracy=0.0, shared_blind_spot_probability=1.0),
    ]
    bench, ev = bench_and_models(models, size=50)
    wrong = bench.original_wrong(RULE)
    keep = np.zeros(bench.n_items, dtype=np.int8)
    board = leaderboard(bench, bench.original, keep, RULE, ev, np.uint64(3))
    assert board[0, 2] == 1.0
    # an answer is scored with the label as the reference of the agreement rule
    assert board[0, 0] == pytest.approx(
        agrees(bench.truth, bench.original, bench.value_kind, RULE).mean()
    )
    assert board[1, 2] == 0.0
    assert board[1, 0] == pytest.approx(wrong.mean())
    assert board[1, 1] == board[1, 0]  # maintained = original here


def test_dropped_items_leave_the_maintained_leaderboard() -> None:
    models = [EvaluatedModelConfig(name="oracle", accuracy=1.0, shared_blind_spot_probability=0)]
    bench, ev = bench_and_models(models, size=50)
    wrong = bench.original_wrong(RULE)
    decision = np.where(wrong, 3, 0).astype(np.int8)  # drop every wrong original
    board = leaderboard(bench, bench.original, decision, RULE, ev, np.uint64(3))
    assert board[0, 1] == 1.0


def test_group_accuracy_overrides_apply_to_their_group_only() -> None:
    models = [
        EvaluatedModelConfig(
            name="m", accuracy=1.0, shared_blind_spot_probability=0.0, group_accuracy={"date": 0.0}
        )
    ]
    bench, ev = bench_and_models(models, size=20)
    date = ev.accuracy[0] == 0.0
    assert date.sum() == 1
    keep = np.zeros(bench.n_items, dtype=np.int8)
    board = leaderboard(bench, bench.truth, keep, RULE, ev, np.uint64(1))
    share_date = np.isin(bench.group, np.flatnonzero(date)).mean()
    assert board[0, 2] == pytest.approx(1 - share_date)


def brute_tau_b(x: np.ndarray, y: np.ndarray) -> float:
    c = d = tx = ty = 0
    for i, j in itertools.combinations(range(len(x)), 2):
        sx, sy = np.sign(x[i] - x[j]), np.sign(y[i] - y[j])
        if sx == 0 and sy == 0:
            continue
        if sx == 0:
            tx += 1
        elif sy == 0:
            ty += 1
        elif sx == sy:
            c += 1
        else:
            d += 1
    return (c - d) / np.sqrt((c + d + tx) * (c + d + ty))


def test_kendall_tau_b() -> None:
    x = np.arange(6.0)
    assert kendall_tau_b(x, x) == 1.0
    assert kendall_tau_b(x, -x) == -1.0
    assert np.isnan(kendall_tau_b(x, np.ones(6)))
    rng = np.random.default_rng(0)
    for _ in range(50):
        a = rng.integers(0, 4, 7).astype(float)
        b = rng.integers(0, 4, 7).astype(float)
        if len(set(a)) > 1 and len(set(b)) > 1:
            assert kendall_tau_b(a, b) == pytest.approx(brute_tau_b(a, b))


def test_leaderboard_metrics_and_summary() -> None:
    board = np.array([[0.5, 0.7, 0.9], [0.8, 0.6, 0.6], [0.3, 0.4, 0.5]])
    out = np.empty(6)
    leaderboard_metrics(board, out)
    assert out[0] == pytest.approx(100 * np.mean([-0.4, 0.2, -0.2]))
    assert out[1] == pytest.approx(100 * np.mean([0.4, 0.2, 0.2]))
    assert out[2] == pytest.approx(100 * np.mean([-0.2, 0.0, -0.1]))
    assert out[3] == pytest.approx(100 * np.mean([0.2, 0.0, 0.1]))
    assert out[4] == pytest.approx(brute_tau_b(board[:, 0], board[:, 2]))
    assert out[5] == pytest.approx(brute_tau_b(board[:, 1], board[:, 2]))
    rows = leaderboard_summary(("a", "b", "c"), board[None])
    assert [r["model"] for r in rows] == ["a", "b", "c"]
    assert [r["rank_original"] for r in rows] == [2, 1, 3]
    empty = np.empty(6)
    leaderboard_metrics(np.empty((0, 3)), empty)
    assert np.isnan(empty).all()


@pytest.mark.parametrize("seed", range(5))
def test_tallies_equal_a_count_of_each_answer(seed: int) -> None:
    """The branch-free tallies of ``model_accuracies`` count :func:`model_answer` exactly."""
    rng = np.random.default_rng(seed)
    n, n_groups, n_models = 300, 4, 3
    kind = rng.integers(0, 4, n).astype(np.int8)
    truth = np.round(rng.uniform(0, 30, n))
    truth[rng.random(n) < 0.05] = np.nan
    original = np.where(rng.random(n) < 0.3, truth + rng.integers(1, 4, n), truth)
    final = np.where(rng.random(n) < 0.5, truth, original)
    decision = rng.integers(0, 4, n).astype(np.int8)
    group = rng.integers(0, n_groups, n).astype(np.int32)
    accuracy = rng.uniform(0.2, 0.9, (n_models, n_groups))
    blind_spot = rng.uniform(0.0, 0.8, n_models)
    rule = rule_array(RULE)
    key = np.uint64(rng.integers(1, 2**62))
    board = np.empty((n_models, 3))
    model_accuracies(
        truth, original, final, decision, kind, group, rule, accuracy, blind_spot, key, board
    )

    def agree(a: float, b: float, k: int) -> bool:
        return bool(agrees(np.array([a]), np.array([b]), np.array([k]), RULE)[0])

    expected = np.zeros((n_models, 3))
    kept = decision != DROPPED
    for i in range(n):
        wrong = not agree(original[i], truth[i], kind[i])
        for m in range(n_models):
            a = model_answer(key, i, m, n_models, wrong, accuracy[m, group[i]], blind_spot[m])
            answer = {ANSWER_TRUTH: truth[i], ANSWER_ORIGINAL: original[i]}.get(a)
            if answer is None:
                continue
            expected[m, 0] += agree(answer, original[i], kind[i])
            expected[m, 1] += kept[i] and agree(answer, final[i], kind[i])
            expected[m, 2] += agree(answer, truth[i], kind[i])
    expected[:, [0, 2]] /= n
    expected[:, 1] /= kept.sum()
    np.testing.assert_array_equal(board, expected)
