"""Tests of sktime_eeg.baselines: the four Riemannian pipelines on real and simulated EEG."""

from __future__ import annotations

import pickle

import mne
import numpy as np
import pytest
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, cross_val_score

from sktime_eeg.baselines import make_csp_lda, make_fgmdm, make_mdm, make_ts_lr
from sktime_eeg.preprocessing import BandpassFilter, TimeCrop

BASELINES = [make_csp_lda, make_mdm, make_ts_lr, make_fgmdm]
CLASSES = np.array(["left_hand", "right_hand"])


@pytest.fixture(scope="module")
def lateralized():
    """40 trials, 4 channels: 'left_hand' has 3x the amplitude on channel 0, 'right_hand' on
    channel 3 (microvolts)."""
    rng = np.random.default_rng(0)
    X = 10.0 * rng.standard_normal((40, 4, 200))
    y = np.tile(CLASSES, 20)
    X[y == "left_hand", 0] *= 3.0
    X[y == "right_hand", 3] *= 3.0
    return X, y


def as_epochs(X_uv: np.ndarray, sfreq: float = 100.0) -> mne.EpochsArray:
    info = mne.create_info(["C3", "C1", "C2", "C4"][: X_uv.shape[1]], sfreq, ch_types="eeg")
    return mne.EpochsArray(X_uv * 1e-6, info, verbose=False)


@pytest.mark.parametrize("make", BASELINES)
def test_string_labels_arrays_and_epochs(make, lateralized):
    X, y = lateralized
    from_arrays = make().fit(X[:30], y[:30])
    assert list(from_arrays.classes_) == list(CLASSES)
    predictions = from_arrays.predict(X[30:])
    assert predictions.dtype.kind == "U" and set(predictions) <= set(CLASSES)
    assert from_arrays.score(X[30:], y[30:]) == 1.0
    # Epochs (volts) give the same model as microvolt arrays: the first step converts them
    from_epochs = make().fit(as_epochs(X[:30]), y[:30])
    np.testing.assert_array_equal(from_epochs.predict(as_epochs(X[30:])), predictions)


def as_mixed_epochs(X_uv: np.ndarray, eog_uv: np.ndarray, stim: np.ndarray) -> mne.EpochsArray:
    """EEG C3/C1/C2/C4 and EOG (microvolts, stored in volts) plus a stim channel."""
    info = mne.create_info(
        ["C3", "C1", "C2", "C4", "EOG", "STI"], 100.0, ch_types=["eeg"] * 4 + ["eog", "stim"]
    )
    data = np.concatenate([X_uv * 1e-6, eog_uv * 1e-6, stim], axis=1)
    return mne.EpochsArray(data, info, verbose=False)


@pytest.mark.parametrize("make", BASELINES)
def test_epochs_with_several_channel_types(make, lateralized):
    """EEG + EOG + stim Epochs: EEG and EOG go in in microvolts, the stim channel as it is,
    exactly like the array of those values."""
    X, y = lateralized
    eog = 30.0 * np.random.default_rng(1).standard_normal((40, 1, 200))
    stim = np.zeros((40, 1, 200))
    stim[:, 0, 0] = 1.0
    epochs = as_mixed_epochs(X, eog, stim)
    X_all = np.concatenate([X, eog, stim], axis=1)
    from_epochs = make().fit(epochs[:30], y[:30])
    from_arrays = make().fit(X_all[:30], y[:30])
    np.testing.assert_allclose(
        from_epochs[:2].transform(epochs), from_arrays[:2].transform(X_all), rtol=1e-9
    )
    np.testing.assert_array_equal(from_epochs.predict(epochs[30:]), from_arrays.predict(X_all[30:]))
    assert from_epochs.score(epochs[30:], y[30:]) == 1.0


@pytest.mark.parametrize("make", BASELINES)
def test_cross_val_score_on_epochs(make, lateralized):
    X, y = lateralized
    scores = cross_val_score(make(), as_epochs(X), y, cv=2)
    np.testing.assert_array_equal(scores, [1.0, 1.0])


@pytest.mark.parametrize("make", BASELINES)
def test_clone_and_pickle(make, lateralized):
    X, y = lateralized
    fitted = make().fit(X, y)
    restored = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(restored.predict(X), fitted.predict(X))
    assert not hasattr(clone(fitted)[-1], "classes_")  # clone is unfitted


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")  # the scm case
@pytest.mark.parametrize("make", BASELINES)
def test_oas_default_handles_rank_deficient_eeg(make, lateralized):
    """After an average reference the trial covariances are singular: 'scm' breaks, 'oas'
    (the default) does not."""
    X, y = lateralized
    X_avg_ref = X - X.mean(axis=1, keepdims=True)
    assert make().fit(X_avg_ref, y).score(X_avg_ref, y) == 1.0
    with pytest.raises(ValueError, match="positive definite|NaN"):
        make(cov_estimator="scm").fit(X_avg_ref, y)


def test_pipeline_parameters_are_tunable(lateralized):
    X, y = lateralized
    csp = make_csp_lda(n_components=2)
    assert list(csp.named_steps) == ["to_array", "covariances", "csp", "lda"]
    assert csp.get_params()["csp__nfilter"] == 2
    assert csp.get_params()["covariances__estimator"] == "oas"
    search = GridSearchCV(make_ts_lr(), {"logreg__C": [0.1, 1.0]}, cv=2).fit(X, y)
    assert search.best_params_["logreg__C"] in (0.1, 1.0)
    assert make_mdm(metric="logeuclid").get_params()["mdm__metric"] == "logeuclid"
    assert make_fgmdm(cov_estimator="lwf").get_params()["covariances__estimator"] == "lwf"


def test_invalid_arguments():
    with pytest.raises(ValueError, match=r"cov_estimator must be one of .*got 'sample'"):
        make_ts_lr(cov_estimator="sample")
    for bad, shown in [(0, "0"), (np.int64(-2), "-2"), (True, "True"), (2.0, "2.0")]:
        with pytest.raises(
            ValueError,
            match=rf"^make_csp_lda: n_components must be a positive integer, got {shown}\.$",
        ):
            make_csp_lda(n_components=bad)


def test_numpy_integer_n_components(lateralized):
    X, y = lateralized
    clf = make_csp_lda(np.int64(2))
    nfilter = clf.get_params()["csp__nfilter"]
    assert nfilter == 2 and type(nfilter) is int
    np.testing.assert_array_equal(clf.fit(X, y).predict(X), make_csp_lda(2).fit(X, y).predict(X))
    np.testing.assert_array_equal(clf[-2].filters_, make_csp_lda(2).fit(X, y)[-2].filters_)


def test_with_preprocessing_in_front(lateralized):
    X, y = lateralized
    from sklearn.pipeline import make_pipeline

    # 2 s trials: an IIR filter, as MNE's FIR filter for 1 Hz would be longer than the trials
    pipe = make_pipeline(BandpassFilter(1.0, 40.0, method="iir"), TimeCrop(0.0, 1.0), make_mdm())
    scores = cross_val_score(pipe, as_epochs(X), y, cv=2)
    assert scores.min() >= 0.9


# -- real data: BCI Competition IV 2b ---------------------------------------------------------
# Subject 4, train on sessions 1-3 (360 trials), test on sessions 4-5 (240 trials), the
# 0.5-3.5 s window (samples 125..875 of the 4 s export at 250 Hz). Measured (sklearn 1.9,
# pyriemann 0.12): CSP+LDA 0.9417, MDM 0.9542, TS+LR 0.9583, FgMDM 0.9500.
EXPECTED_BCI_IV_2B_S4 = {
    "make_csp_lda": 0.9417,
    "make_mdm": 0.9542,
    "make_ts_lr": 0.9583,
    "make_fgmdm": 0.9500,
}


@pytest.fixture(scope="module")
def bci_iv_2b_subject_4():
    from helpers import require_shared_data

    require_shared_data("bnci2014_004")
    from benchmarks.local_data import load_bnci2014_004

    X_train, y_train, _ = load_bnci2014_004(4, sessions=(1, 2, 3))
    X_test, y_test, _ = load_bnci2014_004(4, sessions=(4, 5))
    return X_train[..., 125:875], y_train, X_test[..., 125:875], y_test


@pytest.mark.parametrize("make", BASELINES)
def test_bci_iv_2b_subject_4_cross_session(make, bci_iv_2b_subject_4):
    X_train, y_train, X_test, y_test = bci_iv_2b_subject_4
    assert X_train.shape == (360, 3, 750) and X_test.shape == (240, 3, 750)
    accuracy = make().fit(X_train, y_train).score(X_test, y_test)
    assert accuracy >= 0.90
    assert accuracy == pytest.approx(EXPECTED_BCI_IV_2B_S4[make.__name__], abs=0.02)


# -- the input contract (problems found by a user probe) ------------------------------------
@pytest.mark.parametrize("make", BASELINES)
def test_reordered_channels_are_refused_not_mis_mapped(make, lateralized):
    """The same channels in another order used to be classified as if in the fitted order
    (TS+LR: 1.0 on the fitted order, chance reversed)."""
    X, y = lateralized
    clf = make().fit(as_epochs(X), y)
    reordered = as_epochs(X).reorder_channels(["C4", "C1", "C2", "C3"])
    with pytest.raises(
        ValueError,
        match=r"^EpochsToArray: the channels of X differ from those seen in fit: the same "
        r"channels in another order .*epochs\.reorder_channels\(\['C3', 'C1', 'C2', 'C4'\]\)\.$",
    ):
        clf.predict(reordered)
    with pytest.raises(ValueError, match=r"missing \['C4'\], not seen in fit \['Cz'\]"):
        clf.predict(as_epochs(X).rename_channels({"C4": "Cz"}))


@pytest.mark.parametrize("make", BASELINES)
def test_units_microvolt_arrays_agree_with_epochs_and_volts_are_refused(make, lateralized):
    """Fitted on Epochs (read in microvolts): the microvolt array gives the same predictions,
    the volt array of epochs.get_data() (which used to score at chance) is refused."""
    X, y = lateralized
    epochs = as_epochs(X)
    clf = make().fit(epochs[:30], y[:30])
    np.testing.assert_array_equal(clf.predict(X[30:]), clf.predict(epochs[30:]))
    np.testing.assert_allclose(
        clf.predict_proba(X[30:]), clf.predict_proba(epochs[30:]), rtol=1e-9, atol=1e-12
    )
    with pytest.raises(
        ValueError, match=r"amplitude of X is 1\.0e-06 times .*volts where microvolts.*X \* 1e6"
    ):
        clf.score(epochs[30:].get_data(), y[30:])


@pytest.mark.parametrize("make", BASELINES)
def test_input_a_covariance_cannot_use_gets_the_package_messages(make, lateralized):
    """2D X, one-sample trials and a single class used to raise pyRiemann's internals (or,
    for MDM and one class, to fit silently)."""
    X, y = lateralized
    with pytest.raises(ValueError, match=r"1 sample\(s\) per trial.*2D X \(n_trials, n_feat"):
        make().fit(X[:, :, 0], y)
    with pytest.raises(ValueError, match=r"1 sample\(s\) per trial, fewer than the 2 needed"):
        make().fit(X[:, :, :1], y)
    with pytest.raises(
        ValueError,
        match=rf"^{make.__name__}\(\) needs at least two classes to train; got one class "
        r"\('left_hand'\) in all 40 trials",
    ):
        make().fit(X, np.full(40, "left_hand"))
    with pytest.raises(ValueError, match="X has 40 trials but y has 39 labels"):
        make().fit(X, y[:-1])
    fitted = make().fit(X, y)
    with pytest.raises(ValueError, match=r"1 sample\(s\) per trial"):
        fitted.predict(X[:, :, :1])
