"""sktime_eeg.explain: band importance, spatial patterns and representational similarity.

The explanations are checked against the ground truth of ``make_motor_imagery``: the band
that carries the simulated event-related desynchronisation, and the mixing patterns of the
hand-area sources beneath C3 and C4.
"""

from __future__ import annotations

import math
import subprocess
import sys

import matplotlib
import mne
import numpy as np
import pandas as pd
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import NotFittedError
from sklearn.metrics import balanced_accuracy_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from sktime_eeg import Conv1DEEGClassifier, Conv2DEEGClassifier
from sktime_eeg.baselines import make_ts_lr
from sktime_eeg.datasets import _montage, make_motor_imagery
from sktime_eeg.explain import (
    DEFAULT_BANDS,
    band_importance,
    layer_activations,
    linear_cka,
    plot_patterns,
    plot_similarity,
    rdm,
    representational_similarity,
    rsa,
    spatial_patterns,
)
from sktime_eeg.explain import bands as bands_module
from sktime_eeg.explain import patterns as patterns_module
from sktime_eeg.explain import representations as representations_module
from sktime_eeg.explain.bands import _band_component, _resolve_bands

matplotlib.use("Agg")

SFREQ = 64.0
# A 3 x 3 grid over the sensorimotor cortex: left column over the right-hand area (C3),
# right column over the left-hand area (C4).
GRID = ["FC3", "FCz", "FC4", "C3", "Cz", "C4", "CP3", "CPz", "CP4"]
LEFT_SIDE, RIGHT_SIDE = {"FC3", "C3", "CP3"}, {"FC4", "C4", "CP4"}
N_TRAIN = 400
SMALL_NET = dict(
    n_filters=8,
    kernel_length=9,
    pool_length=24,
    pool_stride=6,
    batch_size=32,
    lr=3e-3,
    weight_decay=1e-2,
)


def _simulate(band: str):
    X, y, truth = make_motor_imagery(
        600,
        montage=GRID,
        sfreq=SFREQ,
        duration=3.0,
        band=band,
        snr=3.0,
        return_truth=True,
        random_state=0,
    )
    return X[:N_TRAIN], y[:N_TRAIN], X[N_TRAIN:], y[N_TRAIN:], truth


@pytest.fixture(scope="module")
def mu_data():
    return _simulate("mu")


@pytest.fixture(scope="module")
def beta_data():
    return _simulate("beta")


@pytest.fixture(scope="module")
def mu_model(mu_data):
    X_train, y_train, *_ = mu_data
    return Conv2DEEGClassifier(max_epochs=30, random_state=0, **SMALL_NET).fit(X_train, y_train)


@pytest.fixture(scope="module")
def beta_model(beta_data):
    X_train, y_train, *_ = beta_data
    return Conv2DEEGClassifier(max_epochs=30, random_state=0, **SMALL_NET).fit(X_train, y_train)


@pytest.fixture(scope="module")
def tiny_models(mu_data):
    """Briefly trained 1D and 2D models (for the mechanics, not for their accuracy)."""
    X_train, y_train, *_ = mu_data
    kwargs = dict(SMALL_NET, n_filters=4, max_epochs=2)
    conv1d = Conv1DEEGClassifier(n_filters_time=4, random_state=1, **kwargs)
    conv2d = Conv2DEEGClassifier(random_state=2, **kwargs)
    return conv1d.fit(X_train[:100], y_train[:100]), conv2d.fit(X_train[:100], y_train[:100])


def _epochs(X, ch_names=GRID, sfreq=SFREQ):
    info = mne.create_info(list(ch_names), sfreq, "eeg")
    return mne.EpochsArray(X, info, verbose="error")


# -- band importance: ground truth ------------------------------------------------------------


def test_band_importance_finds_planted_mu(mu_model, mu_data):
    *_, X_test, y_test, truth = mu_data
    assert truth.band == (8.0, 13.0)
    df = band_importance(mu_model, X_test, y_test, sfreq=SFREQ, n_repeats=5, random_state=0)
    assert list(df.columns) == ["band", "fmin", "fmax", "importance", "spread", "score"]
    assert list(df["band"]) == list(DEFAULT_BANDS)
    assert df.attrs["baseline_score"] > 0.65  # the model learned the task
    top = df.sort_values("importance", ascending=False)
    assert top["band"].iloc[0] == "mu/alpha"
    assert top["importance"].iloc[0] > 0.15
    assert top["importance"].iloc[0] > 5 * max(top["importance"].iloc[1], 0.01)
    mu = df.set_index("band").loc["mu/alpha"]
    assert mu["score"] == pytest.approx(df.attrs["baseline_score"] - mu["importance"])
    assert 0 < mu["spread"] < 0.1
    # gamma ends at Nyquist
    assert df.set_index("band").loc["gamma", "fmax"] == SFREQ / 2


def test_band_importance_finds_planted_beta(beta_model, beta_data):
    *_, X_test, y_test, truth = beta_data
    assert truth.band == (15.0, 25.0)
    df = band_importance(
        beta_model, X_test, y_test, sfreq=SFREQ, method="permute", n_repeats=4, random_state=0
    )
    assert df.attrs["baseline_score"] > 0.65
    top = df.sort_values("importance", ascending=False)["band"]
    assert top.iloc[0] in {"low beta", "high beta"}  # the planted 15-25 Hz straddles 20 Hz
    bands = {"theta": (4, 8), "mu": (8, 13), "beta": (13, 30)}
    df = band_importance(
        beta_model, X_test, y_test, bands=bands, sfreq=SFREQ, method="permute", random_state=0
    )
    importance = df.set_index("band")["importance"]
    assert importance.idxmax() == "beta"
    assert importance["beta"] > 0.15 > max(importance["theta"], importance["mu"])


def test_band_importance_of_a_riemannian_pipeline_on_epochs(mu_data):
    X_train, y_train, X_test, y_test, _ = mu_data
    pipeline = make_ts_lr(cov_estimator="scm").fit(_epochs(X_train), y_train)
    df = band_importance(pipeline, _epochs(X_test), y_test, n_repeats=3, random_state=0)
    assert df.attrs["baseline_score"] == pytest.approx(pipeline.score(_epochs(X_test), y_test))
    assert df.attrs["baseline_score"] > 0.65
    assert df.sort_values("importance")["band"].iloc[-1] == "mu/alpha"


# -- band importance: mechanics ---------------------------------------------------------------


def test_default_bands_tile_the_spectrum():
    """Band components of the default bands add up to the signal (crossovers at the edges)."""
    rng = np.random.default_rng(0)
    for sfreq in (64.0, 250.0):
        X = rng.standard_normal((2, 3, int(8 * sfreq)))
        parts = [
            _band_component(X, sfreq, fmin, fmax, 2.0, {})
            for _, fmin, fmax in _resolve_bands(None, sfreq / 2)
        ]
        total = np.sum(parts, axis=0)
        core = slice(int(2 * sfreq), int(-2 * sfreq))  # away from the edge padding
        np.testing.assert_allclose(total[..., core], X[..., core], atol=1e-3)
        mu = parts[2]
        spectrum = np.abs(np.fft.rfft(mu, axis=-1)) / np.abs(np.fft.rfft(X, axis=-1))
        freqs = np.fft.rfftfreq(X.shape[-1], 1 / sfreq)
        assert np.median(spectrum[..., (freqs > 9.5) & (freqs < 11.5)]) > 0.95
        assert np.median(spectrum[..., (freqs < 6) | (freqs > 15)]) < 0.05


def test_band_importance_from_epochs_equals_array(mu_model, mu_data):
    *_, X_test, y_test, _ = mu_data
    X, y = X_test[:60], y_test[:60]
    kwargs = dict(method="permute", n_repeats=2, random_state=3)
    from_array = band_importance(mu_model, X, y, sfreq=SFREQ, **kwargs)
    # Epochs are read in microvolts: these Epochs read as X, the units mu_model was fitted in
    from_epochs = band_importance(mu_model, _epochs(X * 1e-6), y, **kwargs)
    pd.testing.assert_frame_equal(from_array, from_epochs)
    assert from_epochs.attrs["sfreq"] == SFREQ
    with pytest.raises(ValueError, match="sfreq=100.0 but the Epochs are sampled at 64.0 Hz"):
        band_importance(mu_model, _epochs(X * 1e-6), y, sfreq=100.0)


def test_band_importance_custom_scorer_sees_the_real_estimator_and_epochs(mu_model, mu_data):
    """Built-in scorers score bootstrap resamples from stored predictions; a callable scorer
    gets the estimator and resampled Epochs (trials repeated). Both give the same numbers."""
    *_, X_test, y_test, _ = mu_data
    # Epochs are read in microvolts: these read as X_test, the units mu_model was fitted in
    X, y = _epochs(X_test[:60] * 1e-6), y_test[:60]
    seen = []

    def accuracy(estimator, X_scored, y_scored):
        seen.append((estimator, len(X_scored)))
        return float(np.mean(estimator.predict(X_scored) == y_scored))

    kwargs = dict(bands={"mu": (8, 13), "beta": (13, 30)}, n_repeats=3, random_state=0)
    cached = band_importance(mu_model, X, y, **kwargs)
    direct = band_importance(mu_model, X, y, scoring=accuracy, **kwargs)
    pd.testing.assert_frame_equal(cached, direct)
    assert all(estimator is mu_model and n == 60 for estimator, n in seen)
    assert len(seen) == 3 * (1 + 3)  # (intact + 2 bands) x (all trials + 3 resamples)
    assert cached.attrs["baseline_score"] == pytest.approx(mu_model.score(X, y))


def test_band_importance_reads_sfreq_of_a_model_fitted_on_epochs(mu_data):
    X_train, y_train, X_test, y_test, _ = mu_data
    clf = Conv2DEEGClassifier(max_epochs=1, random_state=0, **dict(SMALL_NET, n_filters=2))
    clf.fit(_epochs(X_train[:40]), y_train[:40])
    # fitted on Epochs (read in microvolts): arrays in microvolts
    X_uv = X_test[:20] * 1e6
    df = band_importance(clf, X_uv, y_test[:20], bands={"mu": (8, 13)}, n_repeats=2)
    assert df.attrs["sfreq"] == SFREQ


def test_band_importance_reads_the_input_sfreq_of_a_resampling_pipeline(mu_data):
    from sktime_eeg.preprocessing import Resampler

    X_train, y_train, X_test, y_test, _ = mu_data
    clf = Conv2DEEGClassifier(
        max_epochs=1, random_state=0, **dict(SMALL_NET, n_filters=2, pool_length=12, pool_stride=3)
    )
    pipeline = make_pipeline(Resampler(SFREQ / 2), clf)
    pipeline.fit(_epochs(X_train[:40]), y_train[:40])
    assert pipeline[-1].sfreq_ == SFREQ / 2  # the network sees the resampled data
    # arrays at the rate the pipeline was fitted on: the bands are cut at SFREQ, not SFREQ / 2
    X_uv = X_test[:20] * 1e6
    df = band_importance(pipeline, X_uv, y_test[:20], bands={"mu": (8, 13)}, n_repeats=2)
    assert df.attrs["sfreq"] == SFREQ


def test_band_importance_needs_a_sampling_frequency(mu_model, mu_data):
    *_, X_test, y_test, _ = mu_data
    with pytest.raises(ValueError, match=r"needs the sampling frequency of array input: set sfreq"):
        band_importance(mu_model, X_test, y_test)
    with pytest.raises(ValueError, match=r"sfreq must be a real number in \(0, inf\), got -1.0"):
        band_importance(mu_model, X_test, y_test, sfreq=-1.0)


def test_band_importance_bands_are_validated(mu_model, mu_data):
    *_, X_test, y_test, _ = mu_data
    X, y = X_test[:20], y_test[:20]
    with pytest.warns(UserWarning, match="above the Nyquist frequency"):
        df = band_importance(
            mu_model, X, y, bands={"mu": (8, 13), "high": (40, 60)}, sfreq=SFREQ, n_repeats=2
        )
    assert list(df["band"]) == ["mu"]
    for bad, match in [
        ({"mu": (13, 8)}, "must satisfy 0 <= fmin < fmax"),
        ({"mu": 10}, "must be a pair"),
        ({}, "non-empty dict"),
        ({"all": (0, math.inf)}, "covers the whole spectrum"),
    ]:
        with pytest.raises(ValueError, match=match):
            band_importance(mu_model, X, y, bands=bad, sfreq=SFREQ)
    with pytest.raises(ValueError, match=r"method must be one of \['bandstop', 'permute'\]"):
        band_importance(mu_model, X, y, sfreq=SFREQ, method="occlude")
    with pytest.raises(
        ValueError, match=r"band_importance: n_repeats must be a positive integer, got 0\."
    ):
        band_importance(mu_model, X, y, sfreq=SFREQ, n_repeats=0)
    for bad in (0, -2.0, math.inf, True):
        with pytest.raises(
            ValueError,
            match=rf"band_importance: transition_bandwidth must be a real number in "
            rf"\(0, inf\), got {bad!r}\.",
        ):
            band_importance(mu_model, X, y, sfreq=SFREQ, transition_bandwidth=bad)
    with pytest.raises(ValueError, match="X has 20 trials but y has 19 labels"):
        band_importance(mu_model, X, y[:19], sfreq=SFREQ)


def test_bands_all_above_nyquist_name_the_fix():
    with (
        pytest.warns(UserWarning, match="above the Nyquist frequency"),
        pytest.raises(ValueError, match=r"No band lies below .*pass bands below 32.0 Hz, or check"),
    ):
        _resolve_bands({"high": (40, 60)}, 32.0)


def test_band_importance_randomness_and_scoring(mu_model, mu_data):
    *_, X_test, y_test, _ = mu_data
    X, y = X_test[:80], y_test[:80]
    bands = {"mu": (8.0, 13.0)}
    kwargs = dict(bands=bands, sfreq=SFREQ, n_repeats=3)
    a = band_importance(mu_model, X, y, method="permute", random_state=0, **kwargs)
    b = band_importance(mu_model, X, y, method="permute", random_state=0, **kwargs)
    pd.testing.assert_frame_equal(a, b)
    # bandstop is deterministic: the seed moves only the bootstrap spread
    c = band_importance(mu_model, X, y, random_state=0, **kwargs)
    d = band_importance(mu_model, X, y, random_state=1, **kwargs)
    assert c["importance"].iloc[0] == d["importance"].iloc[0]
    assert c["spread"].iloc[0] != d["spread"].iloc[0]
    e = band_importance(mu_model, X, y, scoring="balanced_accuracy", **kwargs)
    assert e.attrs["baseline_score"] == pytest.approx(
        balanced_accuracy_score(y, mu_model.predict(X))
    )
    # the input is left as it was
    X_before = X.copy()
    band_importance(mu_model, X, y, method="permute", random_state=0, **kwargs)
    np.testing.assert_array_equal(X, X_before)


class _RecordingClassifier(ClassifierMixin, BaseEstimator):
    """Predicts from the mean of channel 0 and keeps a copy of every input it is given."""

    def fit(self, X, y):
        self.classes_ = np.unique(y)
        self.inputs_ = []
        return self

    def predict(self, X):
        self.inputs_.append(np.array(X))
        return self.classes_[(np.asarray(X)[:, 0].mean(axis=-1) > 1.0).astype(int)]


@pytest.mark.parametrize(
    "estimator", [Conv2DEEGClassifier(), make_ts_lr()], ids=["network", "pipeline"]
)
def test_band_importance_checks_that_the_estimator_is_fitted_first(estimator, monkeypatch):
    """Before: a ValueError about sfreq (arrays) or an AttributeError about classes_."""

    def no_filtering(*args, **kwargs):
        raise AssertionError("filtered before checking that the estimator is fitted")

    monkeypatch.setattr(bands_module, "_band_component", no_filtering)
    X = np.random.default_rng(0).standard_normal((10, 3, 128))
    y = np.array(["a", "b"] * 5)
    match = (
        rf"^band_importance needs a fitted classifier, but this {type(estimator).__name__} "
        r"instance is not fitted yet: call its fit\(X_train, y_train\) first"
    )
    with pytest.raises(NotFittedError, match=match):
        band_importance(estimator, X, y)  # no sfreq: the fitted check comes before it
    with pytest.raises(NotFittedError, match=match):
        band_importance(estimator, X, y, sfreq=64.0)
    with pytest.raises(NotFittedError, match=match):
        band_importance(estimator, _epochs(X, ["C3", "Cz", "C4"]), y)


def test_band_importance_filters_float64_input_without_rounding_it():
    """Float64 trials reach the filters and the classifier unrounded (not via float32)."""
    rng = np.random.default_rng(0)
    X = 1.0 + 1e-9 * rng.standard_normal((12, 2, 256))  # float32 would round it all to 1.0
    y = np.array(["a", "b"] * 6)
    clf = _RecordingClassifier().fit(X, y)
    band_importance(clf, X, y, bands={"mu": (8.0, 13.0)}, sfreq=SFREQ, n_repeats=2)
    intact, without_mu = clf.inputs_  # predictions are computed once per data set
    assert intact.dtype == without_mu.dtype == np.float64
    np.testing.assert_array_equal(intact, X)
    np.testing.assert_array_equal(without_mu, X - _band_component(X, SFREQ, 8.0, 13.0, 2.0, {}))
    assert np.ptp(without_mu) > 1e-9  # the 1e-9 details were filtered, not rounded away
    # other dtypes still work, filtered in float64
    X32 = X.astype(np.float32)
    clf = _RecordingClassifier().fit(X32, y)
    band_importance(clf, X32, y, bands={"mu": (8.0, 13.0)}, sfreq=SFREQ, n_repeats=2)
    assert clf.inputs_[0].dtype == np.float64
    np.testing.assert_array_equal(clf.inputs_[0], X32.astype(np.float64))


# -- spatial patterns ------------------------------------------------------------------------


def test_spatial_patterns_peak_over_planted_hand_areas(mu_model, mu_data):
    *_, X_test, y_test, truth = mu_data
    patterns = spatial_patterns(mu_model, X_test)
    assert patterns.shape == (SMALL_NET["n_filters"], len(GRID))
    # the filters whose band power separates the classes best
    log_power = np.log(layer_activations(mu_model, X_test, "stem").var(axis=-1))
    t = stats.ttest_ind(log_power[y_test == "left_hand"], log_power[y_test == "right_hand"])
    best = np.argsort(-np.abs(t.statistic))[:2]
    hand_areas = [truth.source_names.index(s) for s in ("left_hand_area", "right_hand_area")]
    true_patterns = truth.patterns[hand_areas]  # beneath C4, beneath C3
    peaks = {GRID[i] for i in np.abs(patterns[best]).argmax(axis=1)}
    assert peaks & LEFT_SIDE and peaks & RIGHT_SIDE  # one filter per hemisphere
    match = np.abs(np.corrcoef(patterns[best], true_patterns)[:2, 2:])
    assert match.max(axis=1).min() > 0.85
    # one matches the C3 source, the other the C4 source
    assert set(match.argmax(axis=1)) == {0, 1}


def test_spatial_patterns_recover_instantaneous_mixing_in_data_units():
    """Data = one source mixed instantaneously: every filter's pattern is the mixing vector.

    The channels have scales 10^-6 to 10, so a pattern left in the standardized units of the
    network (mixing / scale) would point elsewhere.
    """
    rng = np.random.default_rng(0)
    mixing = np.array([1.0, -2.0, 0.5, 3.0]) * np.array([1e-6, 1e-3, 1.0, 10.0])
    source = rng.standard_normal((60, 1, 128))
    X = mixing[None, :, None] * source + 1e-4 * mixing[None, :, None] * rng.standard_normal(
        (60, 4, 128)
    )
    y = np.repeat(["a", "b"], 30)
    clf = Conv2DEEGClassifier(
        n_filters=3, kernel_length=5, pool_length=8, pool_stride=4, max_epochs=1, random_state=0
    ).fit(X, y)
    patterns = spatial_patterns(clf, X)
    cosine = patterns @ mixing / np.linalg.norm(patterns, axis=1) / np.linalg.norm(mixing)
    np.testing.assert_allclose(np.abs(cosine), 1.0, atol=1e-6)
    full = spatial_patterns(clf, X, spatiotemporal=True)
    assert full.shape == (3, 4, 5)
    singular_values = np.linalg.svd(full, compute_uv=False)
    assert (singular_values[:, 1] < 1e-3 * singular_values[:, 0]).all()  # rank one
    np.testing.assert_allclose(np.linalg.norm(patterns, axis=1), singular_values[:, 0])
    # White source s0 and kernel W on standardized channels: the filter output is g * s0 with
    # g[tau] = sum_c W[c, tau] mixing[c] / scale[c], so the pattern is mixing / ||g||.
    weight = clf.net_.module_.stem.conv.weight.detach().double().numpy()
    g = np.einsum("fct,c->ft", weight, mixing / clf.scale_)
    expected = np.abs(mixing)[None] / np.linalg.norm(g, axis=1, keepdims=True)
    np.testing.assert_allclose(np.abs(patterns), expected, rtol=0.05)
    # the largest-magnitude entry of each spatial pattern is positive
    assert (patterns[np.arange(3), np.abs(patterns).argmax(axis=1)] > 0).all()


def test_spatial_patterns_of_1d_model_equal_its_fold(tiny_models, mu_data):
    conv1d, _ = tiny_models
    *_, X_test, _, _ = mu_data
    np.testing.assert_allclose(
        spatial_patterns(conv1d, X_test[:50]),
        spatial_patterns(conv1d.fold(), X_test[:50]),
        rtol=1e-4,
        atol=1e-6 * np.abs(spatial_patterns(conv1d, X_test[:50])).max(),
    )


def test_spatial_patterns_of_a_hybrid_read_its_stem(mu_data):
    from sktime_eeg.estimators import ConformerEEGClassifier

    X_train, y_train, *_ = mu_data
    clf = ConformerEEGClassifier(
        stem="1d",
        n_filters_time=3,
        n_filters=3,
        kernel_length=9,
        pool_length=24,
        pool_stride=12,
        d_model=8,
        n_heads=2,
        n_layers=1,
        dim_feedforward=8,
        max_epochs=1,
        random_state=0,
    ).fit(X_train[:40], y_train[:40])
    patterns = spatial_patterns(clf, X_train[:40])
    assert patterns.shape == (3, len(GRID))
    assert np.isfinite(patterns).all() and (np.abs(patterns).max(axis=1) > 0).all()
    tokens = layer_activations(clf, X_train[:5], ["stem.temporal", "encoder.layers.0"])
    assert tokens["encoder.layers.0"].shape[0] == 5


def test_spatial_patterns_reject_models_without_a_network(mu_data):
    X_train, y_train, *_ = mu_data
    pipeline = make_ts_lr(cov_estimator="scm").fit(X_train[:40], y_train[:40])
    with pytest.raises(TypeError, match="reads the layers of a sktime_eeg network"):
        spatial_patterns(pipeline, X_train[:40])
    with pytest.raises(TypeError, match="use band_importance"):
        layer_activations(pipeline, X_train[:40])


def test_plot_patterns(tiny_models, mu_data):
    _, conv2d = tiny_models
    *_, X_test, _, _ = mu_data
    patterns = spatial_patterns(conv2d, X_test[:30])
    fig = plot_patterns(patterns, GRID, n_cols=3)
    images = [ax for ax in fig.axes if ax.images or ax.collections]
    assert len(images) == 4
    assert fig.axes[0].get_title() == "filter 0"
    epochs, _ = make_motor_imagery(
        4, montage=GRID, sfreq=SFREQ, duration=1.0, return_epochs=True, random_state=0
    )
    plot_patterns(patterns, epochs.info)
    fig = plot_patterns(patterns, epochs, picks=[2, 0], titles=["a", "b"])
    assert [ax.get_title() for ax in fig.axes[:2]] == ["a", "b"]
    fig = plot_patterns(
        patterns[:, [3, 4, 5]], ["C3", "Cz", "C4"], topomap_kwargs={"extrapolate": "local"}
    )
    assert len(fig.axes) == 4
    with pytest.raises(ValueError, match="patterns have 9 channels but info has 3"):
        plot_patterns(patterns, ["C3", "Cz", "C4"])
    with pytest.raises(ValueError, match="has no channel positions; set a montage"):
        plot_patterns(patterns, mne.create_info(GRID, SFREQ, "eeg"))
    with pytest.raises(ValueError, match=r"No standard 10-05 position for channel\(s\) \['X1'\]"):
        plot_patterns(patterns[:, :2], ["C3", "X1"])
    with pytest.raises(ValueError, match="out of range"):
        plot_patterns(patterns, GRID, picks=[10])
    matplotlib.pyplot.close("all")


def test_plot_patterns_places_channel_names_with_the_shared_10_05_montage():
    """One 10-05 template for the package (datasets._montage), not a private copy."""
    assert not hasattr(patterns_module, "_standard_montage")
    assert patterns_module.standard_montage is _montage.standard_montage
    montage = _montage.standard_montage()
    before = {name: pos.copy() for name, pos in montage.get_positions()["ch_pos"].items()}
    info = patterns_module._as_info(["C3", "cz", "C4"], 3)  # matched case-insensitively
    expected = mne.create_info(["C3", "Cz", "C4"], 1.0, "eeg")
    expected.set_montage(montage, verbose=False)
    np.testing.assert_array_equal(
        [ch["loc"][:3] for ch in info["chs"]], [ch["loc"][:3] for ch in expected["chs"]]
    )
    after = montage.get_positions()["ch_pos"]  # the cached montage is left unchanged
    assert list(after) == list(before)
    for name, pos in before.items():
        np.testing.assert_array_equal(after[name], pos)


@pytest.mark.parametrize(
    "imports",
    [
        "import sktime_eeg.explain.patterns; import sktime_eeg.datasets",
        "import sktime_eeg.datasets; import sktime_eeg.explain",
    ],
)
def test_explain_and_datasets_import_in_either_order(imports):
    """explain.patterns imports datasets._montage: no import cycle, whichever comes first."""
    result = subprocess.run(
        [sys.executable, "-c", imports], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr


# -- representational similarity ------------------------------------------------------------


def test_linear_cka_of_identical_inputs_is_one():
    a = np.random.default_rng(0).standard_normal((50, 7, 3))
    assert linear_cka(a, a) == pytest.approx(1.0, abs=1e-12)
    assert linear_cka(a, a, debiased=True) == pytest.approx(1.0, abs=1e-12)


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 2**31 - 1),
    n_features=st.integers(1, 12),
    scale=st.floats(1e-3, 1e3),
)
def test_linear_cka_invariant_to_rotation_and_isotropic_scaling(seed, n_features, scale):
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((30, n_features))
    b = a @ rng.standard_normal((n_features, 5)) + rng.standard_normal((30, 5))
    rotation, _ = np.linalg.qr(rng.standard_normal((n_features, n_features)))
    shifted = scale * a @ rotation + rng.standard_normal(n_features)  # offsets are centred out
    for debiased in (False, True):
        expected = linear_cka(a, b, debiased=debiased)
        assert linear_cka(shifted, b, debiased=debiased) == pytest.approx(expected, abs=1e-9)
        assert linear_cka(b, shifted, debiased=debiased) == pytest.approx(expected, abs=1e-9)


def test_linear_cka_matches_feature_space_formula_and_is_not_affine_invariant():
    rng = np.random.default_rng(1)
    a, b = rng.standard_normal((40, 3)), rng.standard_normal((40, 6))
    a_c, b_c = a - a.mean(0), b - b.mean(0)
    expected = np.linalg.norm(b_c.T @ a_c) ** 2 / (
        np.linalg.norm(a_c.T @ a_c) * np.linalg.norm(b_c.T @ b_c)
    )
    assert linear_cka(a, b) == pytest.approx(expected, rel=1e-12)
    stretched = a @ np.diag([1.0, 10.0, 0.1])
    assert linear_cka(a, stretched) < 0.9


def test_linear_cka_near_zero_for_independent_features():
    rng = np.random.default_rng(2)
    a, b = rng.standard_normal((2000, 10)), rng.standard_normal((2000, 10))
    assert 0 <= linear_cka(a, b) < 0.02
    assert abs(linear_cka(a, b, debiased=True)) < 0.005
    # many more features than trials: the plain estimator drifts up, the debiased does not
    wide_a, wide_b = rng.standard_normal((40, 4000)), rng.standard_normal((40, 4000))
    assert linear_cka(wide_a, wide_b) > 0.9
    assert abs(linear_cka(wide_a, wide_b, debiased=True)) < 0.05


def test_linear_cka_errors():
    a = np.random.default_rng(3).standard_normal((10, 3))
    with pytest.raises(ValueError, match="a has 10 trials but b has 9"):
        linear_cka(a, a[:9])
    with pytest.raises(
        ValueError,
        match=r"^b does not vary across trials \(every feature is constant, e\.g\. a layer of "
        r"dead ReLUs\), so CKA is undefined \(0 / 0\)\. Compare a different layer",
    ):
        linear_cka(a, np.ones((10, 2)))
    with pytest.raises(ValueError, match=r"shape \(n_trials, n_features, \.\.\.\)"):
        linear_cka(a[:, 0], a)
    with pytest.raises(ValueError, match="needs at least 4 trials"):
        linear_cka(a[:3], a[:3], debiased=True)


def test_linear_cka_of_constant_features_is_an_error_not_rounding_noise():
    """Constant features leave rounding residue when centred (here up to 5e-4): before, a
    large constant gave a CKA computed from that noise, and small activations (EEG in
    volts) were taken for constant."""
    rng = np.random.default_rng(5)
    a, b = rng.standard_normal((100, 3)), rng.standard_normal((100, 4))
    with pytest.raises(ValueError, match="^a does not vary across trials"):
        linear_cka(np.full((100, 2), 1e12 / 3), b)
    with pytest.raises(ValueError, match="^b does not vary across trials"):
        linear_cka(a, np.full((100, 4), 1e12 / 3), debiased=True)
    # a large constant feature next to tiny varying ones: only the varying ones count
    offset = np.column_stack([np.full(100, 1e12 / 3), 1e-9 * a])
    assert linear_cka(offset, b) == pytest.approx(linear_cka(a, b), rel=1e-9)
    # CKA is scale-invariant down to microvolts and beyond, and up to large values
    for scale in (1e-6, 1e-150, 1e150):
        assert linear_cka(scale * a, b) == pytest.approx(linear_cka(a, b), rel=1e-9)
        assert linear_cka(scale * a, b, debiased=True) == pytest.approx(
            linear_cka(a, b, debiased=True), rel=1e-9
        )


def test_debiased_linear_cka_refuses_an_undefined_self_similarity():
    """Variation confined to one trial: the unbiased HSIC of the representation with itself
    is 0 (-1e-17 after rounding), and the debiased CKA was NaN."""
    rng = np.random.default_rng(6)
    one_trial = np.zeros((10, 2))
    one_trial[3] = 1.0
    b = rng.standard_normal((10, 3))
    with pytest.raises(
        ValueError,
        match=r"^The debiased CKA of a is undefined: the unbiased estimate of its HSIC with "
        r"itself is .*Use debiased=False, or more trials\.$",
    ):
        linear_cka(one_trial, b, debiased=True)
    assert 0 < linear_cka(one_trial, b) <= 1  # the plain estimator is defined
    two_trials = np.zeros((10, 1))
    two_trials[[0, 1], 0] = [1.0, -1.0]
    assert np.isfinite(linear_cka(two_trials, b, debiased=True))


def test_rdm_refuses_undefined_distances():
    """Before: NaN entries, returned silently (and rsa of them was NaN too)."""
    rng = np.random.default_rng(7)
    activations = rng.standard_normal((6, 4))
    activations[2] = 3.0  # constant across features
    activations[4] = 0.0  # constant, and all zeros
    with pytest.raises(
        ValueError,
        match=r"^Cannot build the RDM: trial\(s\) \[2, 4\] of activations have constant "
        r"activations \(the same value for every feature, e\.g\. all zeros after a ReLU\), so "
        r"the correlation distance \(1 - Pearson r\) to them is undefined; it would be NaN\. "
        r"Use metric='euclidean', which is defined for any activations, or compare a "
        r"different layer \(see layer_activations\)\.$",
    ):
        rdm(activations)
    with pytest.raises(
        ValueError, match=r"trial\(s\) \[4\] of activations are all zeros, so the cosine"
    ):
        rdm(activations, metric="cosine")
    with pytest.raises(
        ValueError,
        match=r"the <function .*> distance is undefined for 15 pair\(s\) of trials of "
        r"activations \(first: \(0, 1\)\)",
    ):
        rdm(activations, metric=lambda u, v: np.nan)
    euclidean = rdm(activations, metric="euclidean")
    assert np.isfinite(euclidean).all()
    assert euclidean[2, 4] == pytest.approx(6.0)  # |(3, 3, 3, 3)|
    assert np.isfinite(rdm(activations[[0, 1, 3, 5]])).all()


def test_rsa_refuses_rdms_it_cannot_correlate():
    """Before: NaN (with a ConstantInputWarning for a constant RDM)."""
    rng = np.random.default_rng(8)
    good = rdm(rng.standard_normal((5, 3)))
    constant = rdm(np.tile(rng.standard_normal(3), (5, 1)), metric="euclidean")  # all zero
    with pytest.raises(
        ValueError,
        match=r"^rdm_b is constant \(all 10 dissimilarities equal 0\), so its correlation "
        r"with another RDM is undefined \(NaN\)\. This happens when the layer represents "
        r"every trial the same way",
    ):
        rsa(good, constant)
    with_nan = good.copy()
    with_nan[0, 1] = with_nan[1, 0] = np.nan
    for method in ("spearman", "pearson", "kendall"):
        with pytest.raises(
            ValueError,
            match=r"^rdm_a contains NaN or infinite dissimilarities, so its correlation "
            r"with another RDM is undefined\. Build the RDMs with rdm\(activations\), which "
            r"names the trials whose distances are undefined, e\.g\. rdm\(activations, "
            r"metric='euclidean'\)\.$",
        ):
            rsa(with_nan, good, method=method)


def test_representational_similarity_names_the_model_with_constant_activations(monkeypatch):
    rng = np.random.default_rng(9)
    varying = rng.standard_normal((8, 2, 3))
    constant = np.zeros((8, 2, 3))  # e.g. a layer of dead ReLUs

    def fake_layer_activations(model, X, layer, *, batch_size):
        return constant if model == "dead" else varying

    monkeypatch.setattr(representations_module, "layer_activations", fake_layer_activations)
    models = {"alive": "alive", "dead": "dead"}
    with pytest.raises(ValueError, match=r"^layer 'stem' of 'dead' does not vary across trials"):
        representational_similarity(models, None)
    with pytest.raises(
        ValueError,
        match=r"^Cannot build the RDM: trial\(s\) \[0, 1, 2, 3, 4, 5, 6, 7\] of layer 'stem' "
        r"of 'dead' have constant activations .* Use rdm_metric='euclidean'",
    ):
        representational_similarity(models, None, method="rsa")
    with pytest.raises(
        ValueError, match=r"^the RDM of layer 'stem' of 'dead' is constant \(all 28"
    ):
        representational_similarity(models, None, method="rsa", rdm_metric="euclidean")


def test_rdm_and_rsa():
    rng = np.random.default_rng(4)
    activations = rng.standard_normal((12, 2, 5))
    matrix = rdm(activations)
    assert matrix.shape == (12, 12)
    np.testing.assert_allclose(matrix, matrix.T)
    np.testing.assert_allclose(np.diag(matrix), 0, atol=1e-12)
    np.testing.assert_allclose(matrix, 1 - np.corrcoef(activations.reshape(12, -1)), atol=1e-12)
    assert rsa(matrix, matrix) == pytest.approx(1.0)
    assert rsa(matrix, matrix, method="pearson") == pytest.approx(1.0)
    assert rsa(matrix, matrix**3, method="spearman") == pytest.approx(1.0)  # rank-based
    assert rsa(matrix, matrix**3, method="pearson") < 1.0
    assert rsa(matrix, matrix, method="kendall") == pytest.approx(1.0)
    other = rdm(rng.standard_normal((12, 10)), metric="euclidean")
    assert abs(rsa(matrix, other)) < 0.5
    with pytest.raises(ValueError, match="method must be one of"):
        rsa(matrix, matrix, method="cosine")
    with pytest.raises(ValueError, match="must cover the same trials"):
        rsa(matrix, matrix[:5, :5])
    with pytest.raises(ValueError, match="rdm_b must be a square"):
        rsa(matrix, matrix[:, :5])


def test_layer_activations(tiny_models, mu_data):
    conv1d, conv2d = tiny_models
    *_, X_test, _, _ = mu_data
    X = X_test[:20]
    n_out = X.shape[-1] - SMALL_NET["kernel_length"] + 1
    layers = layer_activations(conv2d, X, ["stem", "bnorm", "pool", "drop", "classifier"])
    assert layers["stem"].shape == layers["bnorm"].shape == (20, 4, n_out)
    n_pooled = (n_out - SMALL_NET["pool_length"]) // SMALL_NET["pool_stride"] + 1
    assert layers["pool"].shape == layers["drop"].shape == (20, 4, n_pooled)
    # dropout is off: "drop" holds the log band power of the pooled squared signals
    np.testing.assert_allclose(layers["drop"], np.log(np.maximum(layers["pool"], 1e-6)), rtol=1e-5)
    logits = torch.from_numpy(layers["classifier"])
    np.testing.assert_allclose(
        torch.softmax(logits, dim=1).numpy(), conv2d.predict_proba(X), rtol=1e-5, atol=1e-6
    )
    # batching does not change anything, and the training mode is restored
    module = conv2d.net_.module_
    module.train()
    np.testing.assert_allclose(layer_activations(conv2d, X, "drop", batch_size=3), layers["drop"])
    assert module.training and module.fold_batch_norm
    module.eval()
    assert "stem.temporal" in dict(conv1d.net_.module_.named_modules())
    assert layer_activations(conv1d, X, "stem.temporal").shape[:2] == (20, 4)


def test_layer_activations_errors_list_the_valid_layers(tiny_models, mu_data):
    _, conv2d = tiny_models
    *_, X_test, _, _ = mu_data
    with pytest.raises(
        ValueError,
        match=r"Unknown layer 'conv' for ShallowNet; valid layers are: 'stem', 'bnorm', 'pool', "
        r"'drop', 'classifier'\.",
    ):
        layer_activations(conv2d, X_test[:4], "conv")
    with pytest.raises(ValueError, match="layer is empty"):
        layer_activations(conv2d, X_test[:4], [])
    with pytest.raises(ValueError, match="X has 3 features, but Conv2DEEGClassifier"):
        layer_activations(conv2d, X_test[:4, :3], "stem")


def test_layer_activations_through_a_pipeline(tiny_models, mu_data):
    X_train, y_train, X_test, *_ = mu_data
    double = FunctionTransformer(lambda X: 2 * X)
    network = Conv2DEEGClassifier(max_epochs=1, random_state=0, **dict(SMALL_NET, n_filters=2))
    pipeline = make_pipeline(double, network)
    pipeline.fit(X_train[:40], y_train[:40])
    np.testing.assert_allclose(
        layer_activations(pipeline, X_test[:5], "stem"),
        layer_activations(pipeline[-1], 2 * X_test[:5], "stem"),
    )


def test_1d_model_and_its_fold_have_identical_representations(tiny_models, mu_data):
    conv1d, conv2d = tiny_models
    *_, X_test, _, _ = mu_data
    folded = conv1d.fold()
    stem_1d = layer_activations(conv1d, X_test, "stem")
    stem_folded = layer_activations(folded, X_test, "stem")
    np.testing.assert_allclose(stem_folded, stem_1d, rtol=1e-4, atol=1e-5 * np.abs(stem_1d).max())
    assert linear_cka(stem_1d, stem_folded) == pytest.approx(1.0, abs=1e-6)
    models = {"1d": conv1d, "1d folded": folded, "2d": conv2d}
    cka = representational_similarity(models, X_test, layer="drop")
    assert list(cka.index) == list(cka.columns) == ["1d", "1d folded", "2d"]
    np.testing.assert_allclose(cka.to_numpy(), cka.to_numpy().T)
    np.testing.assert_allclose(np.diag(cka), 1.0)
    assert cka.loc["1d", "1d folded"] == pytest.approx(1.0, abs=1e-6)
    assert cka.loc["1d", "2d"] < 0.999
    assert cka.attrs["method"] == "cka"
    # values equal the pairwise function
    drop = {name: layer_activations(m, X_test, "drop") for name, m in models.items()}
    assert cka.loc["1d", "2d"] == pytest.approx(linear_cka(drop["1d"], drop["2d"]))
    rsa_matrix = representational_similarity(models, X_test[:60], layer="drop", method="rsa")
    assert rsa_matrix.loc["1d", "1d folded"] == pytest.approx(1.0, abs=1e-4)
    expected = rsa(rdm(drop["1d"][:60]), rdm(drop["2d"][:60]))
    assert rsa_matrix.loc["1d", "2d"] == pytest.approx(expected)
    per_model = representational_similarity(
        models, X_test[:60], layer={"1d": "stem.spatial", "1d folded": "stem", "2d": "stem"}
    )
    assert per_model.loc["1d", "1d folded"] == pytest.approx(1.0, abs=1e-6)
    fig = plot_similarity(cka)
    assert len(fig.axes[0].texts) == 9
    assert fig.axes[0].get_title() == "CKA at layer 'drop'"
    matplotlib.pyplot.close("all")


def test_representational_similarity_errors(tiny_models, mu_data):
    conv1d, conv2d = tiny_models
    *_, X_test, _, _ = mu_data
    with pytest.raises(ValueError, match="at least two models"):
        representational_similarity({"a": conv2d}, X_test[:10])
    with pytest.raises(ValueError, match=r"method must be one of \['cka', 'rsa'\]"):
        representational_similarity({"a": conv2d, "b": conv1d}, X_test[:10], method="svcca")
    with pytest.raises(ValueError, match=r"layer has no entry for model\(s\) \['b'\]"):
        representational_similarity({"a": conv2d, "b": conv1d}, X_test[:10], layer={"a": "stem"})
    with pytest.raises(ValueError, match="square pandas DataFrame"):
        plot_similarity(pd.DataFrame(np.ones((2, 3))))


def test_spatial_patterns_of_epochs_are_in_microvolts_like_the_model_input():
    """Epochs are read in µV by the estimators, so their patterns equal those of the µV array."""
    rng = np.random.default_rng(0)
    X_uv = 10.0 * rng.standard_normal((40, 3, 100))
    y = np.repeat(["a", "b"], 20)
    X_uv[y == "b", 0] *= 2.0
    epochs = mne.EpochsArray(X_uv * 1e-6, mne.create_info(["C3", "Cz", "C4"], 100.0, "eeg"))
    clf = Conv2DEEGClassifier(
        n_filters=4, kernel_length=9, pool_length=20, pool_stride=10, max_epochs=2, random_state=0
    ).fit(epochs, y)
    np.testing.assert_allclose(
        spatial_patterns(clf, epochs), spatial_patterns(clf, X_uv), rtol=1e-4, atol=1e-6
    )
