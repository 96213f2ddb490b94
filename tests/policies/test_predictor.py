import numpy as np

from sim.policies.predictor import MIN_VERDICTS, features, fit_logistic, predicted_wrong


def test_logistic_fit_recovers_a_known_relation() -> None:
    rng = np.random.default_rng(0)
    x = np.column_stack([np.ones(4000), rng.normal(size=4000)])
    p = 1 / (1 + np.exp(-(-1.0 + 2.0 * x[:, 1])))
    y = rng.random(4000) < p
    beta = fit_logistic(x, y, ridge=0.0)
    np.testing.assert_allclose(beta, [-1.0, 2.0], atol=0.15)


def test_too_few_or_one_sided_verdicts_keep_the_fallback() -> None:
    x = features(np.full(50, 0.2), np.linspace(0, 1, 50), np.zeros(50, dtype=np.int8))
    fallback = np.full(50, 0.2)
    trained = np.zeros(50, dtype=bool)
    trained[: MIN_VERDICTS - 1] = True
    y = np.arange(50) % 2 == 0
    assert predicted_wrong(x, trained, y, fallback) is fallback
    trained[:30] = True
    assert predicted_wrong(x, trained, np.zeros(50, dtype=bool), fallback) is fallback


def test_support_lowers_the_predicted_error() -> None:
    rng = np.random.default_rng(1)
    support = rng.random(400)
    y = rng.random(400) < 0.9 - 0.8 * support  # labels the runs support are rarely wrong
    x = features(np.full(400, 0.5), support, np.full(400, 2, dtype=np.int8))
    pred = predicted_wrong(x, np.ones(400, dtype=bool), y, np.full(400, 0.5))
    assert pred[support > 0.8].mean() < 0.3 < 0.7 < pred[support < 0.2].mean()
