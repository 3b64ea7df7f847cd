"""Alignment for transfer: TargetAligner (Euclidean) and RecentredCovariances (pyRiemann)."""

from __future__ import annotations

import mne
import numpy as np
import pytest
from pyriemann.estimation import Covariances
from pyriemann.geometry.mean import mean_riemann
from sklearn.base import clone
from transfer_helpers import make_subjects

from sktime_eeg import Conv2DEEGClassifier
from sktime_eeg.baselines import make_ts_lr
from sktime_eeg.preprocessing import EuclideanAligner
from sktime_eeg.transfer import (
    RecentredCovariances,
    TargetAligner,
    make_aligned,
    make_ts_lr_recentred,
)


def _subjects(n_subjects=3, n_trials=30, seed=0):
    X, y, subjects, _ = make_subjects(n_subjects, n_trials, seed=seed, montage="bci_iv_2b")
    return X, y, subjects


def _mean_cov(X):
    return (X @ X.transpose(0, 2, 1) / X.shape[-1]).mean(axis=0)


def test_target_aligner_uses_the_target_reference_not_the_test_data():
    X, _, g = _subjects()
    pool, target = g < 2, g == 2
    X_t = X[target]
    X_ref, X_test = X_t[:10], X_t[10:]
    aligner = TargetAligner().fit(X[pool], groups=g[pool], X_target=X_ref)
    out = aligner.transform(X_test)
    expected = EuclideanAligner(reference="fit").fit(X_ref).transform(X_test)
    np.testing.assert_allclose(out, expected)
    # the test trials were not whitened by their own covariance
    assert not np.allclose(_mean_cov(out), np.eye(3), atol=0.05)
    np.testing.assert_allclose(_mean_cov(aligner.transform(X_ref)), np.eye(3), atol=1e-8)
    # the pool: each subject with its own reference
    train = aligner.fit_transform(X[pool], groups=g[pool], X_target=X_ref)
    for s in (0, 1):
        np.testing.assert_allclose(_mean_cov(train[g[pool] == s]), np.eye(3), atol=1e-8)


def test_target_rows_use_x_target_when_given():
    X, _, g = _subjects()
    X_ref = X[g == 2][:10]
    cal = X[g == 2][10:15]
    X_fit, g_fit = np.concatenate([X[g < 2], cal]), np.concatenate([g[g < 2], [2] * 5])
    aligner = TargetAligner(target=2)
    out = aligner.fit_transform(X_fit, groups=g_fit, X_target=X_ref)
    expected = EuclideanAligner(reference="fit").fit(X_ref).transform(cal)
    np.testing.assert_allclose(out[-5:], expected)
    # without X_target, the target's reference is its rows in X
    out = aligner.fit_transform(X_fit, groups=g_fit)
    np.testing.assert_allclose(_mean_cov(out[-5:]), np.eye(3), atol=1e-8)
    # groups in transform: seen groups and the target
    both = aligner.transform(X_fit, groups=g_fit)
    np.testing.assert_allclose(both, out)


def test_no_target_reference_is_an_error():
    X, _, g = _subjects()
    aligner = TargetAligner().fit(X[g < 2], groups=g[g < 2])
    with pytest.raises(ValueError, match=r"no reference for the target.*fit_target\(X_target\)"):
        aligner.transform(X[g == 2])
    with pytest.raises(ValueError, match=r"groups \[7\] were neither seen in fit"):
        aligner.transform(X[:3], groups=[7, 7, 7])
    with pytest.raises(ValueError, match=r"X has 2 features, but TargetAligner \(X_target\)"):
        aligner.fit_target(X[g == 2][:, :2])


def test_a_target_label_of_another_type_than_the_groups_is_refused():
    X, _, g = _subjects()
    text = g.astype(str)  # e.g. subject labels read back from a CSV
    for make in (TargetAligner, RecentredCovariances):
        with pytest.raises(
            ValueError,
            match=r"target=2 matches no group, but groups hold "
            r"\['2'\].*e\.g\. target='2'",
        ):
            make(target=2).fit(X, groups=text, X_target=X[g == 2][:10])
        make(target="2").fit(X, groups=text, X_target=X[g == 2][:10])
    fitted = TargetAligner(target=2).fit(X, groups=g)
    with pytest.raises(ValueError, match="target=2 matches no group"):
        fitted.transform(X, groups=text)
    mine = g == 2
    np.testing.assert_allclose(fitted.transform(X[mine], groups=g[mine]), fitted.transform(X[mine]))


@pytest.mark.parametrize("make", [TargetAligner, RecentredCovariances])
def test_the_input_contract_holds_for_the_transfer_steps(make):
    """Fitted on Epochs: reordered channels, another sfreq and volt arrays are refused; the
    same data as a microvolt array gives the same output (the package's units convention)."""
    X, _, g = _subjects()
    info = mne.create_info(["C3", "Cz", "C4"], 250.0, "eeg")
    epochs = mne.EpochsArray(X * 1e-6, info, verbose=False)  # volts; read back in µV
    step = make().fit(epochs[g < 2], groups=g[g < 2], X_target=epochs[g == 2][:10])
    expected = step.transform(epochs[g == 2][10:])
    np.testing.assert_allclose(step.transform(X[g == 2][10:]), expected, rtol=1e-10)
    reordered = epochs[g == 2][10:].copy().reorder_channels(["C4", "Cz", "C3"])
    with pytest.raises(ValueError, match=r"another order.*reorder_channels"):
        step.transform(reordered)
    with pytest.raises(ValueError, match=r"volts where microvolts were seen"):
        step.transform(X[g == 2][10:] * 1e-6)
    with pytest.raises(ValueError, match=r"volts where microvolts were seen"):
        step.fit_target(X[g == 2][:10] * 1e-6)
    resampled = mne.EpochsArray(X[g == 2][10:] * 1e-6, mne.create_info(info.ch_names, 125.0, "eeg"))
    with pytest.raises(ValueError, match=r"sampled at 125.0 Hz"):
        step.transform(resampled)


def test_recentred_covariances_match_pyriemann():
    X, _, g = _subjects()
    pool, X_t = g < 2, X[g == 2]
    X_ref, X_test = X_t[:10], X_t[10:]
    rc = RecentredCovariances()
    train = rc.fit_transform(X[pool], groups=g[pool], X_target=X_ref)
    for s in (0, 1):
        np.testing.assert_allclose(mean_riemann(train[g[pool] == s]), np.eye(3), atol=1e-6)
    out = rc.transform(X_test)
    covs_ref = Covariances("oas").transform(X_ref)
    covs_test = Covariances("oas").transform(X_test)
    # test covariances re-centred at the reference's mean: M^-1/2 C M^-1/2
    w, v = np.linalg.eigh(mean_riemann(covs_ref))
    isqrt = v @ np.diag(w**-0.5) @ v.T
    np.testing.assert_allclose(out, isqrt @ covs_test @ isqrt, atol=1e-8)
    assert not np.allclose(mean_riemann(out), np.eye(3), atol=1e-3)


def test_ts_lr_recentred_pipeline_transfers_across_subjects():
    X, y, g, _ = make_subjects(4, 40)  # 22 channels, each subject mixed differently
    pool, target = g < 3, g == 3
    pipe = make_ts_lr_recentred()
    pipe.fit(X[pool], y[pool], recentre__groups=g[pool], recentre__X_target=X[target][:20])
    recentred = pipe.score(X[target][20:], y[target][20:])
    plain = make_ts_lr().fit(X[pool], y[pool]).score(X[target][20:], y[target][20:])
    assert recentred >= 0.7 and recentred >= plain + 0.2
    assert clone(pipe).get_params()["recentre__target"] is None


def test_make_aligned_with_a_cnn_and_a_new_subject():
    X, y, g = _subjects(n_subjects=3, n_trials=30)
    pool, X_t, y_t = g < 2, X[g == 2], y[g == 2]
    cnn = Conv2DEEGClassifier(
        n_filters=4, kernel_length=5, pool_length=10, pool_stride=5, max_epochs=2, random_state=0
    )
    pipe = make_aligned(cnn).fit(X[pool], y[pool], align__groups=g[pool])
    pipe.named_steps["align"].fit_target(X_t[:10])
    proba = pipe.predict_proba(X_t[10:])
    aligned = EuclideanAligner(reference="fit").fit(X_t[:10]).transform(X_t[10:])
    np.testing.assert_allclose(proba, pipe.named_steps["clf"].predict_proba(aligned), atol=1e-6)
    # fine-tune the pooled network on the aligned calibration trials
    clf = pipe.named_steps["clf"].set_params(warm_start=True, max_epochs=1)
    clf.fit(pipe.named_steps["align"].transform(X_t[:10]), y_t[:10])
    assert pipe.predict(X_t[10:]).shape == (20,)
