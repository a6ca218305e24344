"""The weight fitter: a known answer on synthetic data, the constraints, and the metrics."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from diligence import calibration as cal
from diligence.backtest import auc as reference_auc


def synthetic(n: int = 6000, seed: int = 1, flag_logits=(1.2, 0.0, 0.6), groups=("a", "b")):
    """Offerings whose bad outcomes follow known per-rule log-odds and a baseline per group."""
    rng = np.random.default_rng(seed)
    k = len(flag_logits)
    flags = (rng.random((n, k)) < 0.3).astype(float)
    group = rng.choice(groups, n)
    baseline = np.where(group == groups[0], -1.0, 0.5)
    z = baseline + flags @ np.asarray(flag_logits)
    bad = (rng.random(n) < 1 / (1 + np.exp(-z))).astype(float)
    start = dt.date(2017, 1, 1)
    dates = tuple(start + dt.timedelta(days=int(d)) for d in rng.integers(0, 1500, n))
    return cal.Design(
        codes=tuple(f"rule.{i}" for i in range(k)),
        flags=flags,
        unknowns=np.zeros((n, k)),
        bad=bad,
        groups=group.astype(object),
        dates=dates,
        prior_weights=np.full(k, 6.0),  # prior 0.9 log-odds each, ceiling 1.8
    )


def irls(features: np.ndarray, y: np.ndarray, iterations: int = 50) -> np.ndarray:
    """Reference: plain unpenalised logistic regression by Newton's method."""
    beta = np.zeros(features.shape[1])
    for _ in range(iterations):
        p = 1 / (1 + np.exp(-features @ beta))
        hessian = features.T @ (features * (p * (1 - p))[:, None])
        beta += np.linalg.solve(hessian, features.T @ (y - p))
    return beta


def test_the_fit_recovers_known_log_odds_and_group_baselines():
    design = synthetic()

    model = cal.fit(design, lam=0.01)

    assert model.flag == pytest.approx([1.2, 0.0, 0.6], abs=0.15)
    assert model.baselines == pytest.approx({"a": -1.0, "b": 0.5}, abs=0.15)


def test_without_shrinkage_or_active_bounds_it_matches_plain_logistic_regression():
    design = synthetic(flag_logits=(1.0, 0.4, 0.7))
    membership = np.column_stack([design.groups == "a", design.groups == "b"]).astype(float)

    reference = irls(np.hstack([membership, design.flags]), design.bad)
    model = cal.fit(design, lam=1e-9)

    assert model.flag == pytest.approx(reference[2:], abs=1e-3)
    assert [model.baselines["a"], model.baselines["b"]] == pytest.approx(reference[:2], abs=1e-3)


def test_a_rule_that_warns_the_wrong_way_gets_zero_not_a_bonus():
    design = synthetic(flag_logits=(1.0, -1.5, 0.5))

    model = cal.fit(design, lam=0.01)

    assert model.flag[1] == 0.0
    assert (model.flag >= 0).all()


def test_a_flag_weight_stays_within_twice_its_prior():
    design = synthetic(flag_logits=(4.0, 0.2, 0.2))

    model = cal.fit(design, lam=0.01)

    assert model.flag[0] == pytest.approx(cal.FLAG_CEILING * 0.9)


def test_a_rule_the_data_never_decides_keeps_its_prior():
    design = synthetic()
    flags = design.flags.copy()
    flags[:, 1] = 0.0  # never flagged, never decided either way
    never = cal.Design(**{**design.__dict__, "flags": flags})

    model = cal.fit(never, lam=3.0)

    assert model.flag[1] == pytest.approx(0.9, abs=1e-6)


def test_stronger_shrinkage_pulls_every_weight_towards_its_prior():
    design = synthetic(flag_logits=(1.7, 0.0, 0.6), n=1500)

    loose, tight = cal.fit(design, lam=0.01), cal.fit(design, lam=300.0)

    assert (abs(tight.flag - 0.9) <= abs(loose.flag - 0.9) + 1e-9).all()
    assert abs(tight.flag - 0.9).max() < 0.1


def test_a_flag_is_compared_with_a_pass_not_with_a_gap():
    # Rule 0 is mostly unknown, and its gaps go with failure more than its flags do.
    rng = np.random.default_rng(9)
    n = 8000
    state = rng.choice(["pass", "flag", "gap"], n, p=[0.2, 0.2, 0.6])
    z = np.select([state == "flag", state == "gap"], [0.8, 1.6], 0.0) - 1.0
    design = cal.Design(
        codes=("rule.0",),
        flags=(state == "flag").astype(float)[:, None],
        unknowns=(state == "gap").astype(float)[:, None],
        bad=(rng.random(n) < 1 / (1 + np.exp(-z))).astype(float),
        groups=np.array(["a"] * n, dtype=object),
        dates=(None,) * n,
        prior_weights=np.array([6.0]),
    )

    model = cal.fit(design, lam=0.01)

    assert model.flag[0] == pytest.approx(0.8, abs=0.15)  # not pushed to zero by the gaps
    assert model.gap[0] == pytest.approx(1.6, abs=0.15)
    assert (model.unknown == 0).all()  # and gaps cost no points in the score
    assert (model.risk(design) == design.flags[:, 0] * model.flag[0]).all()


def test_platt_calibration_recovers_a_known_curve():
    rng = np.random.default_rng(3)
    risk = rng.normal(1.0, 1.0, 20000)
    good = (rng.random(20000) < 1 / (1 + np.exp(-(0.5 - 1.3 * risk)))).astype(float)

    fitted = cal.calibrate(risk, good)

    assert (fitted.intercept, fitted.slope) == pytest.approx((0.5, 1.3), abs=0.08)
    assert fitted.probability(0.0) == pytest.approx(1 / (1 + np.exp(-fitted.intercept)))


def test_the_vectorised_auc_matches_the_reference_with_ties():
    rng = np.random.default_rng(7)
    scores = rng.integers(0, 20, 500).astype(float)
    good = (rng.random(500) < 0.4).astype(float)

    assert cal.auc(scores, good) == pytest.approx(reference_auc(list(scores), list(good)))
    assert cal.auc(scores, np.ones(500)) is None


def test_grouped_auc_ignores_differences_between_groups():
    # Within each group the score ranks perfectly; across groups it is upside down.
    scores = np.array([1.0, 2.0, 11.0, 12.0])
    good = np.array([0.0, 1.0, 0.0, 1.0])
    groups = np.array(["x", "x", "y", "y"], dtype=object)

    assert cal.grouped_auc(scores, good, groups) == 1.0
    assert cal.auc(scores, good) == 0.75


def test_lambda_is_chosen_on_later_sales_of_the_training_data():
    design = synthetic(n=3000)

    lam = cal.choose_lambda(design, lambdas=(0.1, 1000.0))

    assert lam in (0.1, 1000.0)
    assert cal.choose_lambda(design.subset(np.arange(len(design)) < 10)) == max(cal.LAMBDAS)


def test_bootstrap_gives_one_row_of_weights_per_resample():
    design = synthetic(n=800)

    flags, unknowns, calibrations = cal.bootstrap_fits(design, 3.0, samples=4)

    assert flags.shape == unknowns.shape == (4, 3)
    assert len(calibrations) == 4
    assert len({tuple(row) for row in flags}) == 4  # resamples differ
