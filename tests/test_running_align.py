"""RunningEuclideanAligner: causal alignment, as a test session allows it online."""

from __future__ import annotations

import mne
import numpy as np
import pytest
import sklearn
from helpers import make_easy_data
from sklearn.pipeline import make_pipeline

from sktime_eeg import Conv2DEEGClassifier
from sktime_eeg.preprocessing import EuclideanAligner, RunningEuclideanAligner


def _data(n_trials=30, seed=0):
    rng = np.random.default_rng(seed)
    mixing = rng.standard_normal((3, 3)) + 3 * np.eye(3)
    return mixing @ rng.standard_normal((n_trials, 3, 200))


def _scm(X):
    return np.einsum("nct,ndt->ncd", X, X) / X.shape[-1]


def test_no_trial_depends_on_itself_or_later_trials():
    train, test = _data(40, seed=0), _data(25, seed=1) * 3.0
    aligner = RunningEuclideanAligner().fit(train)
    full = aligner.transform(test)
    for k in (1, 2, 10, 24):
        np.testing.assert_allclose(aligner.transform(test[:k]), full[:k], rtol=1e-12)
    # Changing trial k changes trials after it, never trial k itself or those before.
    changed = test.copy()
    changed[10] *= 5.0
    out = aligner.transform(changed)
    np.testing.assert_allclose(out[:10], full[:10], rtol=1e-12)
    np.testing.assert_allclose(out[10], 5.0 * full[10], rtol=1e-10)
    assert not np.allclose(out[11:], full[11:])


def test_references_are_the_running_means():
    train, test = _data(40, seed=0), _data(6, seed=1)
    aligner = RunningEuclideanAligner(prior_weight=2.0).fit(train)
    np.testing.assert_allclose(aligner.reference_, _scm(train).mean(axis=0))
    out = aligner.transform(test)
    covs = _scm(test)
    for i in range(6):
        reference = (2.0 * aligner.reference_ + covs[:i].sum(axis=0)) / (2.0 + i)
        eigvals, eigvecs = np.linalg.eigh(reference)
        inv_sqrt = eigvecs @ np.diag(eigvals**-0.5) @ eigvecs.T
        np.testing.assert_allclose(out[i], inv_sqrt @ test[i], rtol=1e-10, atol=1e-12)


def test_groups_start_afresh_and_converge_to_the_group_reference():
    train = _data(40, seed=0)
    test = np.concatenate([_data(300, seed=1), _data(300, seed=2) * 10])
    groups = np.repeat(["s4", "s5"], 300)
    aligner = RunningEuclideanAligner().fit(train)
    out = aligner.transform(test, groups=groups)
    np.testing.assert_allclose(out[300:], aligner.transform(test[300:]), rtol=1e-12)
    # Late in each group the running reference is close to the group's own: the aligned
    # covariances average near the identity, as with EuclideanAligner.
    np.testing.assert_allclose(_scm(out[200:300]).mean(axis=0), np.eye(3), atol=0.15)
    np.testing.assert_allclose(_scm(out[500:]).mean(axis=0), np.eye(3), atol=0.15)
    full = EuclideanAligner().transform(test, groups=groups)
    np.testing.assert_allclose(out[-1], full[-1], rtol=0.05, atol=0.05 * np.abs(full).max())


def test_shrinkage_and_errors():
    train = _data(40)
    shrunk = RunningEuclideanAligner(shrinkage=0.5).fit(train)
    reference = _scm(train).mean(axis=0)
    expected = 0.5 * reference + 0.5 * np.trace(reference) / 3 * np.eye(3)
    np.testing.assert_allclose(shrunk.reference_, expected)
    with pytest.raises(ValueError, match=r"prior_weight must be a real number in \(0, inf\)"):
        RunningEuclideanAligner(prior_weight=0).fit(train)
    with pytest.raises(ValueError, match=r"shrinkage must be a real number in \[0, 1\)"):
        RunningEuclideanAligner(shrinkage=1.0).fit(train)
    singular = np.repeat(train[:, :1], 3, axis=1)
    with pytest.raises(ValueError, match=r"singular .* RunningEuclideanAligner\(shrinkage=0.1\)"):
        RunningEuclideanAligner().fit(singular)
    with pytest.raises(ValueError, match="is expecting 3 features"):
        RunningEuclideanAligner().fit(train).transform(train[:, :2])
    with pytest.raises(sklearn.exceptions.NotFittedError):
        RunningEuclideanAligner().transform(train)


def test_epochs_keep_their_other_channels():
    X = _data(20)
    info = mne.create_info(["C3", "Cz", "C4", "EOG"], 100.0, ch_types=["eeg"] * 3 + ["eog"])
    data = np.concatenate([X, X[:, :1] * 2], axis=1) * 1e-6
    epochs = mne.EpochsArray(data, info, verbose="error")
    aligner = RunningEuclideanAligner().fit(epochs)
    out = aligner.transform(epochs)
    np.testing.assert_allclose(out.get_data()[:, 3], data[:, 3])
    arrays = RunningEuclideanAligner().fit(data[:, :3])
    np.testing.assert_allclose(
        out.get_data(picks="eeg", units="uV"), arrays.transform(data[:, :3]), rtol=1e-8
    )


def test_pipeline_with_sessions():
    X, y = make_easy_data(n_trials=60)
    sessions = np.repeat([1, 2, 3], 20)
    pipe = make_pipeline(
        RunningEuclideanAligner(),
        Conv2DEEGClassifier(
            n_filters=4,
            kernel_length=9,
            pool_length=20,
            pool_stride=10,
            max_epochs=2,
            batch_size=10,
            random_state=0,
        ),
    )
    pipe.fit(X[:40], y[:40], runningeuclideanaligner__groups=sessions[:40])
    proba = pipe.predict_proba(X[40:])
    # predicting trial by trial, the first k trials give the same answers as all of them
    np.testing.assert_allclose(pipe.predict_proba(X[40:45]), proba[:5], rtol=1e-5)
    with sklearn.config_context(enable_metadata_routing=True):
        routed = make_pipeline(
            RunningEuclideanAligner()
            .set_fit_request(groups=True)
            .set_transform_request(groups=True),
            Conv2DEEGClassifier(
                n_filters=4,
                kernel_length=9,
                pool_length=20,
                pool_stride=10,
                max_epochs=2,
                batch_size=10,
                random_state=0,
            ),
        )
        routed.fit(X[:40], y[:40], groups=sessions[:40])
        np.testing.assert_allclose(
            routed.predict_proba(X[40:], groups=sessions[40:]), proba, rtol=1e-6
        )
