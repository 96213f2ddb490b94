import numpy as np
import pytest

from sim.policies.beliefs import (
    AGREEING,
    CONTENTIOUS,
    NO_CONSENSUS,
    Beliefs,
    beta_mean_sd,
)


def make() -> Beliefs:
    return Beliefs(3, np.array([0.75, 0.5, 0.1]), 0.7, strength=4.0)


def test_prior_means_before_any_verdict() -> None:
    a, b = make().original_wrong_params()
    mean, _ = beta_mean_sd(a, b)
    np.testing.assert_allclose(mean, np.tile([0.75, 0.5, 0.1], (3, 1)))
    ra, rb = make().recompute_right_params()
    np.testing.assert_allclose(ra / (ra + rb), 0.7)


def test_a_verdict_moves_its_stratum_most_and_the_others_a_little() -> None:
    bel = make()
    for _ in range(5):
        bel.update(0, AGREEING, original_wrong=True, recompute_right=False)
    mean, _ = beta_mean_sd(*bel.original_wrong_params())
    assert mean[0, AGREEING] > 0.6  # its own stratum learnt the rate
    # the pooled prior of the others moved up, as one stratum's vote against four of the prior
    assert mean[1, AGREEING] == pytest.approx((1.0 + 4 * 0.1) / 5)
    assert mean[1, AGREEING] == mean[2, AGREEING]
    np.testing.assert_allclose(mean[:, CONTENTIOUS], 0.75)  # other classes untouched


def test_contentious_verdicts_teach_the_recomputation_reliability() -> None:
    bel = make()
    bel.update(1, CONTENTIOUS, original_wrong=True, recompute_right=False)
    bel.update(1, CONTENTIOUS, original_wrong=True, recompute_right=False)
    bel.update(1, NO_CONSENSUS, original_wrong=True, recompute_right=False)
    assert bel.rc_seen.tolist() == [0, 2, 0]
    ra, rb = bel.recompute_right_params()
    assert ra[1] / (ra[1] + rb[1]) < ra[0] / (ra[0] + rb[0]) < 0.7


@pytest.mark.parametrize(("a", "b"), [(1.0, 1.0), (3.0, 7.0)])
def test_beta_mean_sd(a: float, b: float) -> None:
    rng = np.random.default_rng(0)
    draws = rng.beta(a, b, 200_000)
    mean, sd = beta_mean_sd(np.array([a]), np.array([b]))
    assert mean[0] == pytest.approx(draws.mean(), abs=3e-3)
    assert sd[0] == pytest.approx(draws.std(), abs=3e-3)
