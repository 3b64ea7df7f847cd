"""Tests of sktime_eeg.preprocessing: the scikit-learn contract, the signal processing against
MNE and slow references, Epochs/array equivalence, and use inside pipelines."""

from __future__ import annotations

import pickle
import warnings

import mne
import numpy as np
import pytest
import sklearn
from sklearn.base import clone
from sklearn.model_selection import LeaveOneGroupOut, cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.utils import _safe_indexing, get_tags
from sklearn.utils.estimator_checks import parametrize_with_checks

from sktime_eeg import Conv2DEEGClassifier
from sktime_eeg.baselines import make_ts_lr
from sktime_eeg.preprocessing import (
    BandpassFilter,
    ChannelPicker,
    EpochsToArray,
    EuclideanAligner,
    ExponentialStandardizer,
    Resampler,
    TimeCrop,
)

SFREQ = 250.0
CH_NAMES = ["C3", "Cz", "C4"]


def make_epochs(X_uv: np.ndarray, tmin: float = 0.0, sfreq: float = SFREQ) -> mne.EpochsArray:
    """Epochs (volts) holding ``X_uv`` microvolts, channels C3/Cz/C4."""
    info = mne.create_info(CH_NAMES[: X_uv.shape[1]], sfreq, ch_types="eeg")
    return mne.EpochsArray(X_uv * 1e-6, info, tmin=tmin, verbose=False)


MIXED_CH_NAMES = ["C3", "Cz", "C4", "EOG", "ECG", "EMG", "STI", "MISC"]
MIXED_CH_TYPES = ["eeg", "eeg", "eeg", "eog", "ecg", "emg", "stim", "misc"]


def make_mixed_epochs(X_uv: np.ndarray) -> mne.EpochsArray:
    """Epochs whose EEG C3/Cz/C4 holds ``X_uv`` microvolts (stored in volts), followed by EOG,
    ECG and EMG channels (volts), a stim channel (event codes) and a misc channel."""
    rng = np.random.default_rng(7)
    n_trials, _, n_times = X_uv.shape
    other_uv = 50.0 * rng.standard_normal((n_trials, 3, n_times))
    stim = np.zeros((n_trials, 1, n_times))
    stim[:, 0, 0] = np.arange(1, n_trials + 1)
    misc = rng.standard_normal((n_trials, 1, n_times))
    data = np.concatenate([X_uv * 1e-6, other_uv * 1e-6, stim, misc], axis=1)
    info = mne.create_info(MIXED_CH_NAMES, SFREQ, ch_types=MIXED_CH_TYPES)
    return mne.EpochsArray(data, info, verbose=False)


@pytest.fixture
def X_uv() -> np.ndarray:
    """8 trials, 3 channels, 2 s at 250 Hz of coloured noise in microvolts."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((8, 3, 500)).cumsum(axis=-1)
    return 10.0 * (X - X.mean(axis=-1, keepdims=True))


# -- the scikit-learn contract --------------------------------------------------------------
CHECKED = [
    EpochsToArray(),
    BandpassFilter(8.0, 30.0, sfreq=SFREQ),
    Resampler(500.0, sfreq=SFREQ),
    ChannelPicker([0]),
    TimeCrop(0.0, 0.0, sfreq=SFREQ),
    ExponentialStandardizer(),
    EuclideanAligner(),
    EuclideanAligner(reference="fit"),
]


def expected_failed_checks(estimator) -> dict[str, str]:
    if isinstance(estimator, EuclideanAligner) and estimator.reference == "data":
        return {
            "check_methods_subset_invariance": (
                "by design transform aligns the data it is given with that data's own "
                "reference, so a subset is aligned with another reference"
            )
        }
    return {}


# sklearn's checks use 2D data, read as one sample per channel: MNE warns that its filter is
# longer than that one-sample signal.
@pytest.mark.filterwarnings("ignore:filter_length.*longer than the signal:RuntimeWarning")
@parametrize_with_checks(CHECKED, expected_failed_checks=expected_failed_checks)
def test_sklearn_contract(estimator, check):
    check(estimator)


@pytest.mark.parametrize(
    ("transformer", "stateless"),
    [
        (EpochsToArray(), True),
        (BandpassFilter(8.0, 30.0), True),
        (Resampler(100.0), True),
        (ChannelPicker(["C3"]), True),
        (TimeCrop(0.5, 1.0), True),
        (ExponentialStandardizer(), True),
        (EuclideanAligner(), True),
        (EuclideanAligner(reference="fit"), False),
    ],
    ids=repr,
)
def test_stateless_tag(transformer, stateless):
    assert get_tags(transformer).requires_fit is not stateless
    assert get_tags(transformer).input_tags.three_d_array


ALL_FOR_ARRAYS = [
    EpochsToArray(),
    BandpassFilter(8.0, 30.0, sfreq=SFREQ),
    Resampler(100.0, sfreq=SFREQ),
    ChannelPicker(["C4", "C3"], ch_names=CH_NAMES),
    TimeCrop(0.5, 1.5, sfreq=SFREQ),
    ExponentialStandardizer(init_block_size=100),
    EuclideanAligner(),
    EuclideanAligner(reference="fit"),
]
ALL_FOR_EPOCHS = [
    EpochsToArray(),
    BandpassFilter(8.0, 30.0),
    Resampler(100.0),
    ChannelPicker(["C4", "C3"]),
    TimeCrop(0.5, 1.5),
    ExponentialStandardizer(init_block_size=100),
    EuclideanAligner(),
    EuclideanAligner(reference="fit"),
]


@pytest.mark.parametrize("transformer", ALL_FOR_ARRAYS, ids=repr)
def test_clone_and_pickle_round_trip(transformer, X_uv):
    fitted = clone(transformer).fit(X_uv)
    restored = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(restored.transform(X_uv), fitted.transform(X_uv))
    assert clone(restored).get_params() == transformer.get_params()


@pytest.mark.parametrize("transformer", ALL_FOR_ARRAYS, ids=repr)
def test_arrays_never_modified(transformer, X_uv):
    for X in (X_uv, X_uv.astype(np.float32)):
        before = X.copy()
        out = clone(transformer).fit_transform(X)
        np.testing.assert_array_equal(X, before)
        assert not np.shares_memory(out, X)
        assert out.dtype == np.float64


@pytest.mark.parametrize("transformer", ALL_FOR_EPOCHS, ids=repr)
def test_epochs_never_modified(transformer, X_uv):
    epochs = make_epochs(X_uv)
    data, info_before, times = epochs.get_data(), epochs.info.copy(), epochs.times.copy()
    out = clone(transformer).fit_transform(epochs)
    np.testing.assert_array_equal(epochs.get_data(), data)
    assert epochs.ch_names == CH_NAMES
    assert epochs.info["sfreq"] == info_before["sfreq"]
    assert epochs.info["highpass"] == info_before["highpass"]
    np.testing.assert_array_equal(epochs.times, times)
    if isinstance(transformer, EpochsToArray):
        assert isinstance(out, np.ndarray)
    else:
        assert isinstance(out, mne.BaseEpochs) and out is not epochs


@pytest.mark.parametrize("transformer", ALL_FOR_EPOCHS, ids=repr)
def test_epochs_that_are_not_preloaded(transformer, X_uv):
    """Epochs read lazily from a Raw are loaded on a copy; the user's stay lazy."""
    raw = mne.io.RawArray(
        np.concatenate(list(X_uv), axis=-1) * 1e-6,
        mne.create_info(CH_NAMES, SFREQ, ch_types="eeg"),
        verbose=False,
    )
    events = np.column_stack([np.arange(8) * 500, np.zeros(8, int), np.ones(8, int)])
    lazy = mne.Epochs(
        raw, events, tmin=0.0, tmax=1.996, baseline=None, preload=False, verbose=False
    )
    out = clone(transformer).fit_transform(lazy)
    assert not lazy.preload
    expected = clone(transformer).fit_transform(make_epochs(X_uv))
    if isinstance(out, np.ndarray):
        np.testing.assert_allclose(out, expected, rtol=1e-9)
    else:
        np.testing.assert_allclose(out.get_data(), expected.get_data(), rtol=1e-9, atol=1e-15)


# -- arrays and Epochs give the same numbers ------------------------------------------------
@pytest.mark.parametrize(
    ("for_arrays", "for_epochs"),
    [
        (BandpassFilter(8.0, 30.0, sfreq=SFREQ), BandpassFilter(8.0, 30.0)),
        (
            BandpassFilter(8.0, 30.0, sfreq=SFREQ, method="iir"),
            BandpassFilter(8.0, 30.0, method="iir"),
        ),
        (Resampler(100.0, sfreq=SFREQ), Resampler(100.0)),
        (TimeCrop(0.5, 1.5, sfreq=SFREQ), TimeCrop(0.5, 1.5)),
        (ChannelPicker(["C4", "C3"], ch_names=CH_NAMES), ChannelPicker(["C4", "C3"])),
        (ChannelPicker([2, 0]), ChannelPicker([2, 0])),
        # unit-free outputs are stored so that they read back unchanged in microvolts
        (
            ExponentialStandardizer(init_block_size=100),
            ExponentialStandardizer(init_block_size=100),
        ),
        (EuclideanAligner(), EuclideanAligner()),
    ],
    ids=repr,
)
def test_arrays_and_epochs_give_the_same_numbers(for_arrays, for_epochs, X_uv):
    """Epochs are read in microvolts and results written back so that they read back in
    microvolts: the array path and the Epochs path agree."""
    from_array = for_arrays.fit_transform(X_uv)
    out_epochs = for_epochs.fit_transform(make_epochs(X_uv))
    from_epochs = out_epochs.get_data(units="uV")
    assert from_array.shape == from_epochs.shape
    np.testing.assert_allclose(from_epochs, from_array, rtol=1e-9, atol=1e-9)


def test_epochs_to_array_units(X_uv):
    epochs = make_epochs(X_uv)
    np.testing.assert_allclose(EpochsToArray().fit_transform(epochs), X_uv, rtol=1e-12)
    np.testing.assert_allclose(
        EpochsToArray(units="V").fit_transform(epochs), X_uv * 1e-6, rtol=1e-12
    )
    # arrays carry no units: returned as they are
    np.testing.assert_array_equal(EpochsToArray(units="V").fit_transform(X_uv), X_uv)


def test_epochs_to_array_with_several_channel_types(X_uv):
    """A voltage unit scales every volt channel (EEG, EOG, ECG, EMG), not stim or misc."""
    epochs = make_mixed_epochs(X_uv)
    stored = epochs.get_data()
    out = EpochsToArray().fit_transform(epochs)
    assert out.shape == (8, 8, 500) and out.dtype == np.float64
    np.testing.assert_allclose(out[:, :3], X_uv, rtol=1e-12)
    np.testing.assert_allclose(out[:, 3:6], stored[:, 3:6] * 1e6, rtol=1e-12)
    np.testing.assert_array_equal(out[:, 6:], stored[:, 6:])  # stim and misc: as stored
    np.testing.assert_array_equal(out[:, 6, 0], np.arange(1, 9))  # the event codes
    millivolts = EpochsToArray(units="mV").fit_transform(epochs)
    np.testing.assert_allclose(millivolts[:, :6], stored[:, :6] * 1e3, rtol=1e-12)
    np.testing.assert_array_equal(millivolts[:, 6:], stored[:, 6:])
    np.testing.assert_array_equal(EpochsToArray(units=None).fit_transform(epochs), stored)
    # a dict goes to MNE as it is: only the EEG in microvolts here
    eeg_only = EpochsToArray(units={"eeg": "uV"}).fit_transform(epochs)
    np.testing.assert_allclose(eeg_only[:, :3], X_uv, rtol=1e-12)
    np.testing.assert_array_equal(eeg_only[:, 3:], stored[:, 3:])
    with pytest.raises(ValueError, match="xV is not a valid unit for eeg, use a sub-multiple"):
        EpochsToArray(units="xV").fit_transform(epochs)
    # EEG + MEG: the EEG in microvolts, the magnetometer stays in tesla
    info = mne.create_info(["C3", "MEG1"], SFREQ, ch_types=["eeg", "mag"])
    meg = mne.EpochsArray(
        np.stack([X_uv[:, 0] * 1e-6, X_uv[:, 1] * 1e-13], axis=1), info, verbose=False
    )
    out = EpochsToArray().fit_transform(meg)
    np.testing.assert_allclose(out[:, 0], X_uv[:, 0], rtol=1e-12)
    np.testing.assert_array_equal(out[:, 1], meg.get_data()[:, 1])


def test_list_of_epochs_from_cross_validation_indexing_is_concatenated(X_uv):
    """sklearn's CV indexes Epochs into a list of one-trial Epochs; they are joined back."""
    epochs = make_epochs(X_uv)
    subset = _safe_indexing(epochs, np.array([5, 1, 2]))
    assert isinstance(subset, list)
    out = BandpassFilter(8.0, 30.0).fit_transform(subset)
    assert isinstance(out, mne.BaseEpochs) and len(out) == 3
    expected = BandpassFilter(8.0, 30.0).fit_transform(epochs[[5, 1, 2]])
    np.testing.assert_allclose(out.get_data(), expected.get_data(), rtol=1e-12)
    np.testing.assert_allclose(EpochsToArray().fit_transform(subset), X_uv[[5, 1, 2]])


# -- BandpassFilter -------------------------------------------------------------------------
def _amplitude(X: np.ndarray, freq: float, sfreq: float = SFREQ) -> np.ndarray:
    """Amplitude of the ``freq`` Hz component along the last axis (an integer number of cycles)."""
    t = np.arange(X.shape[-1]) / sfreq
    return 2 * np.abs(X @ np.exp(-2j * np.pi * freq * t)) / X.shape[-1]


def test_bandpass_keeps_the_band_and_removes_the_rest():
    t = np.arange(1000) / SFREQ  # 4 s
    mix = 3.0 * np.sin(2 * np.pi * 5 * t) + 1.0 * np.sin(2 * np.pi * 20 * t)
    X = np.tile(mix, (2, 3, 1))
    out = BandpassFilter(8.0, 30.0, sfreq=SFREQ).fit_transform(X)
    middle = out[..., 250:750]  # 2 s away from the edges: 10 and 40 whole cycles
    np.testing.assert_allclose(_amplitude(middle, 20.0), 1.0, atol=0.01)
    assert _amplitude(middle, 5.0).max() < 0.01  # 3.0 before: attenuated > 300x
    before = _amplitude(X[..., 250:750], 5.0)
    np.testing.assert_allclose(before, 3.0, atol=1e-9)


def test_bandpass_updates_epochs_info(X_uv):
    out = BandpassFilter(8.0, 30.0).fit_transform(make_epochs(X_uv))
    assert out.info["highpass"] == 8.0 and out.info["lowpass"] == 30.0


# -- Resampler ------------------------------------------------------------------------------
def test_resampler_changes_n_times_and_sfreq(X_uv):
    out = Resampler(100.0, sfreq=SFREQ).fit_transform(X_uv)
    assert out.shape == (8, 3, 200)
    epochs_out = Resampler(100.0).fit_transform(make_epochs(X_uv, tmin=-0.5))
    assert epochs_out.info["sfreq"] == 100.0
    assert epochs_out.get_data().shape == (8, 3, 200)
    np.testing.assert_allclose(epochs_out.times, -0.5 + np.arange(200) / 100.0)
    # 250 -> 100 Hz keeps a 10 Hz rhythm and filters out 60 Hz (above the new Nyquist
    # frequency) instead of aliasing it to 40 Hz
    t = np.arange(500) / SFREQ
    X = (np.sin(2 * np.pi * 10 * t) + np.sin(2 * np.pi * 60 * t))[None, None]
    middle = Resampler(100.0, sfreq=SFREQ).fit_transform(X)[..., 50:150]
    np.testing.assert_allclose(_amplitude(middle, 10.0, 100.0), 1.0, atol=0.01)
    assert _amplitude(middle, 40.0, 100.0).max() < 0.01


def test_resampler_2d_input_stays_2d_unless_upsampled():
    X = np.arange(12.0).reshape(4, 3)
    assert Resampler(250.0, sfreq=SFREQ).fit_transform(X).shape == (4, 3)
    assert Resampler(500.0, sfreq=SFREQ).fit_transform(X).shape == (4, 3, 2)


# -- TimeCrop -------------------------------------------------------------------------------
def test_time_crop_exact_samples(X_uv):
    X = np.tile(np.arange(1000.0), (2, 3, 1))  # value = sample index
    out = TimeCrop(0.5, 3.5, sfreq=SFREQ).fit_transform(X)
    np.testing.assert_array_equal(out[0, 0], np.arange(125, 876))
    out = TimeCrop(0.5, 3.5, sfreq=SFREQ, include_tmax=False).fit_transform(X)
    np.testing.assert_array_equal(out, X[..., 125:875])
    assert TimeCrop(None, 1.0, sfreq=SFREQ).fit_transform(X).shape[-1] == 251
    assert TimeCrop(3.0, None, sfreq=SFREQ).fit_transform(X).shape[-1] == 250
    # Epochs use their own time axis: here sample 0 is at -0.5 s
    epochs = make_epochs(X_uv, tmin=-0.5)
    out = TimeCrop(0.0, 1.0, include_tmax=False).fit_transform(epochs)
    np.testing.assert_allclose(out.get_data(units="uV"), X_uv[..., 125:375], rtol=1e-12)
    np.testing.assert_allclose(out.times, np.arange(250) / SFREQ)


def test_time_crop_window_outside_the_trials_is_an_error(X_uv):
    with pytest.raises(ValueError, match=r"not inside the trials, which span 0 to 1\.996 s"):
        TimeCrop(0.5, 3.5, sfreq=SFREQ).fit_transform(X_uv)
    with pytest.raises(ValueError, match=r"span -0\.5 to 1\.496 s"):
        TimeCrop(-1.0, 0.5).fit_transform(make_epochs(X_uv, tmin=-0.5))
    with pytest.raises(ValueError, match=r"tmin \(2\.0 s\) must not be after tmax"):
        TimeCrop(2.0, 1.0, sfreq=SFREQ).fit(X_uv)


# -- ChannelPicker --------------------------------------------------------------------------
def test_channel_picker_by_name_on_epochs(X_uv):
    out = ChannelPicker(["C4", "C3"]).fit_transform(make_epochs(X_uv))
    assert out.ch_names == ["C4", "C3"]
    np.testing.assert_allclose(out.get_data(units="uV"), X_uv[:, [2, 0]], rtol=1e-12)
    assert ChannelPicker("Cz").fit_transform(make_epochs(X_uv)).ch_names == ["Cz"]


def test_channel_picker_on_arrays(X_uv):
    np.testing.assert_array_equal(ChannelPicker([2, 0]).fit_transform(X_uv), X_uv[:, [2, 0]])
    by_name = ChannelPicker(["Cz"], ch_names=CH_NAMES).fit_transform(X_uv)
    np.testing.assert_array_equal(by_name, X_uv[:, [1]])
    with pytest.raises(ValueError, match=r"arrays carry none.*ch_names=\["):
        ChannelPicker(["C3"]).fit_transform(X_uv)
    with pytest.raises(ValueError, match=r"channels \['C5'\] are not among ch_names"):
        ChannelPicker(["C5"], ch_names=CH_NAMES).fit_transform(X_uv)
    with pytest.raises(ValueError, match=r"indices \[3\] are out of range for 3 channel"):
        ChannelPicker([0, 3]).fit_transform(X_uv)
    with pytest.raises(ValueError, match="ch_names has 2 names but X has 3 channels"):
        ChannelPicker(["C3"], ch_names=["C3", "C4"]).fit_transform(X_uv)
    with pytest.raises(ValueError, match="more than once"):
        ChannelPicker(["C3", "C3"], ch_names=CH_NAMES).fit(X_uv)


# -- ExponentialStandardizer ----------------------------------------------------------------
def slow_exponential_standardize(X, factor_new, init_block_size, eps):
    """The documented recursion, one sample at a time."""
    out = np.empty_like(X, dtype=np.float64)
    for trial in range(X.shape[0]):
        for channel in range(X.shape[1]):
            x = X[trial, channel].astype(np.float64)
            n_init = min(init_block_size, x.size)
            mean, var = x[:n_init].mean(), x[:n_init].var()
            for t in range(x.size):
                if t < n_init:
                    out[trial, channel, t] = (x[t] - x[:n_init].mean()) / max(
                        np.sqrt(x[:n_init].var()), eps
                    )
                mean = factor_new * x[t] + (1 - factor_new) * mean
                var = factor_new * (x[t] - mean) ** 2 + (1 - factor_new) * var
                if t >= n_init:
                    out[trial, channel, t] = (x[t] - mean) / max(np.sqrt(var), eps)
    return out


@pytest.mark.parametrize(
    ("factor_new", "init_block_size", "eps"),
    [(0.1, 10, 1e-4), (1e-3, 1, 1e-4), (0.5, 80, 1e-4), (0.05, 20, 50.0)],
)
@pytest.mark.filterwarnings("ignore:ExponentialStandardizer.*below eps:UserWarning")  # eps=50
def test_exponential_standardizer_matches_slow_reference(factor_new, init_block_size, eps):
    rng = np.random.default_rng(1)
    X = rng.normal(3.0, 20.0, size=(3, 2, 60)) * np.linspace(1, 4, 60)  # drifting variance
    out = ExponentialStandardizer(factor_new, init_block_size, eps).fit_transform(X)
    expected = slow_exponential_standardize(X, factor_new, init_block_size, eps)
    np.testing.assert_allclose(out, expected, rtol=1e-10, atol=1e-12)


def test_exponential_standardizer_defaults_z_score_short_trials(X_uv):
    out = ExponentialStandardizer().fit_transform(X_uv)  # 500 samples <= init_block_size
    expected = (X_uv - X_uv.mean(-1, keepdims=True)) / X_uv.std(-1, keepdims=True)
    np.testing.assert_allclose(out, expected, rtol=1e-10)


def test_exponential_standardizer_tracks_changing_scale():
    rng = np.random.default_rng(2)
    X = rng.standard_normal((4, 2, 6000)) * np.repeat([1.0, 10.0], 3000)  # scale x10 at t=3000
    out = ExponentialStandardizer(factor_new=1e-2, init_block_size=500).fit_transform(X)
    np.testing.assert_allclose(out[..., 1000:3000].std(), 1.0, atol=0.05)
    np.testing.assert_allclose(out[..., 4000:].std(), 1.0, atol=0.05)


def test_exponential_standardizer_warns_for_signals_below_eps(X_uv):
    with pytest.warns(UserWarning, match=r"below eps=0\.0001.*microvolts"):
        ExponentialStandardizer().fit_transform(X_uv * 1e-6)  # volts
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ExponentialStandardizer().fit_transform(make_epochs(X_uv))  # Epochs: microvolts


def test_exponential_standardizer_standardizes_only_the_data_channels_of_epochs(X_uv):
    epochs = make_mixed_epochs(X_uv)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the EEG is standardized in microvolts: no eps warning
        out = ExponentialStandardizer(init_block_size=100).fit_transform(epochs)
    assert out.ch_names == MIXED_CH_NAMES and out.get_channel_types() == MIXED_CH_TYPES
    expected = ExponentialStandardizer(init_block_size=100).fit_transform(X_uv)
    # read back in the package's units (microvolts), the values of the array path
    read_back = EpochsToArray().fit_transform(out)[:, :3]
    np.testing.assert_allclose(read_back, expected, rtol=1e-9, atol=1e-9)
    # EOG, ECG, EMG, stim and misc pass through unchanged
    np.testing.assert_array_equal(out.get_data()[:, 3:], epochs.get_data()[:, 3:])


def test_exponential_standardizer_accepts_numpy_integers(X_uv):
    out = ExponentialStandardizer(init_block_size=np.int64(100)).fit_transform(X_uv)
    np.testing.assert_array_equal(
        out, ExponentialStandardizer(init_block_size=100).fit_transform(X_uv)
    )


# -- data channels of Epochs ----------------------------------------------------------------
@pytest.mark.parametrize(
    "transformer", [ExponentialStandardizer(init_block_size=100), EuclideanAligner()], ids=repr
)
def test_only_mne_data_channels_are_processed(transformer, X_uv):
    """The processed channels are those epochs.pick("data") keeps: sEEG and bad EEG included,
    EOG and stim not."""
    rng = np.random.default_rng(8)
    names = ["C3", "Cz", "C4", "SEEG1", "EOG", "STI"]
    info = mne.create_info(names, SFREQ, ch_types=["eeg", "eeg", "eeg", "seeg", "eog", "stim"])
    info["bads"] = ["Cz"]
    extra = rng.standard_normal((8, 3, 500)) * np.array([2e-5, 5e-5, 0.0])[:, None]
    epochs = mne.EpochsArray(np.concatenate([X_uv * 1e-6, extra], axis=1), info, verbose=False)
    before = epochs.get_data()
    after = transformer.fit_transform(epochs).get_data()
    changed = [
        name for k, name in enumerate(names) if not np.array_equal(after[:, k], before[:, k])
    ]
    assert changed == epochs.copy().pick("data").ch_names == ["C3", "Cz", "C4", "SEEG1"]
    np.testing.assert_array_equal(after[:, 4:], before[:, 4:])


@pytest.mark.parametrize("transformer", [ExponentialStandardizer(), EuclideanAligner()], ids=repr)
def test_data_channels_in_different_units_are_an_error(transformer, X_uv):
    info = mne.create_info(["C3", "Cz", "MEG1"], SFREQ, ch_types=["eeg", "eeg", "mag"])
    data = np.concatenate([X_uv[:, :2] * 1e-6, X_uv[:, 2:3] * 1e-13], axis=1)
    epochs = mne.EpochsArray(data, info, verbose=False)
    name = type(transformer).__name__
    with pytest.raises(
        ValueError,
        match=rf"{name}: the data channels of the Epochs are measured in different units "
        rf"\(eeg: V, mag: T\).*{name}\(\)\.fit_transform\(epochs\.copy\(\)\.pick\('eeg'\)\)",
    ):
        transformer.fit_transform(epochs)
    np.testing.assert_array_equal(epochs.get_data(), data)


def test_epochs_to_array_in_volts_needs_volt_channels(X_uv):
    info = mne.create_info(["MEG1", "MEG2"], SFREQ, ch_types=["mag", "mag"])
    epochs = mne.EpochsArray(X_uv[:, :2] * 1e-13, info, verbose=False)
    with pytest.raises(ValueError, match="uV is not a valid unit for mag"):
        EpochsToArray().fit_transform(epochs)
    in_tesla = EpochsToArray(units=None).fit_transform(epochs)
    np.testing.assert_array_equal(in_tesla, epochs.get_data())


@pytest.mark.parametrize("transformer", [ExponentialStandardizer(), EuclideanAligner()], ids=repr)
def test_epochs_without_data_channels_are_an_error(transformer, X_uv):
    info = mne.create_info(["EOG", "STI"], SFREQ, ch_types=["eog", "stim"])
    epochs = mne.EpochsArray(X_uv[:, :2] * 1e-6, info, verbose=False)
    name = type(transformer).__name__
    with pytest.raises(
        ValueError,
        match=rf"{name}: the Epochs have no data channels \(EEG, MEG, .*only channels of type "
        r"\['eog', 'stim'\]",
    ):
        transformer.fit_transform(epochs)


# -- EuclideanAligner -----------------------------------------------------------------------
def mean_covariance(X: np.ndarray) -> np.ndarray:
    return (X @ X.transpose(0, 2, 1)).mean(axis=0) / X.shape[-1]


@pytest.fixture
def grouped_data():
    """Three 'subjects' with different channel scales and mixing; 12 trials each."""
    rng = np.random.default_rng(3)
    Xs = []
    for subject in range(3):
        mixing = np.eye(3) + 0.5 * rng.standard_normal((3, 3))
        Xs.append(
            np.einsum("ij,njt->nit", mixing * (1 + 4 * subject), rng.standard_normal((12, 3, 200)))
        )
    return np.concatenate(Xs), np.repeat(["s1", "s2", "s3"], 12)


def test_euclidean_alignment_makes_each_group_mean_covariance_identity(grouped_data):
    X, groups = grouped_data
    aligner = EuclideanAligner()
    out = aligner.fit_transform(X, groups=groups)
    for group in ("s1", "s2", "s3"):
        np.testing.assert_allclose(mean_covariance(out[groups == group]), np.eye(3), atol=1e-10)
        np.testing.assert_allclose(
            aligner.references_[group], mean_covariance(X[groups == group]), rtol=1e-10
        )
    # the groups were far from identity before
    assert not np.allclose(mean_covariance(X[groups == "s3"]), np.eye(3), atol=0.5)
    # the aligned trials are the input mapped by R^{-1/2} (a fixed linear map per group)
    np.testing.assert_allclose(
        out, EuclideanAligner().fit(X, groups=groups).transform(X, groups=groups), atol=1e-12
    )


def test_euclidean_alignment_of_new_groups_uses_their_own_data(grouped_data):
    """reference='data': a new subject is aligned with its own trials (no labels needed)."""
    X, groups = grouped_data
    aligner = EuclideanAligner().fit(X[groups != "s3"], groups=groups[groups != "s3"])
    new = aligner.transform(X[groups == "s3"])  # groups=None: one group
    np.testing.assert_allclose(mean_covariance(new), np.eye(3), atol=1e-10)


def test_euclidean_alignment_with_fitted_references(grouped_data):
    X, groups = grouped_data
    aligner = EuclideanAligner(reference="fit").fit(X, groups=groups)
    one_trial = aligner.transform(X[:1], groups=groups[:1])  # online: a single trial works
    np.testing.assert_allclose(one_trial, EuclideanAligner().fit_transform(X, groups=groups)[:1])
    with pytest.raises(ValueError, match=r"groups \['s4'\] were not seen in fit"):
        aligner.transform(X[:2], groups=["s1", "s4"])
    with pytest.raises(ValueError, match="pass groups= to transform"):
        aligner.transform(X[:2])
    single = EuclideanAligner(reference="fit").fit(X[:12])
    np.testing.assert_allclose(mean_covariance(single.transform(X[:12])), np.eye(3), atol=1e-10)
    with pytest.raises(ValueError, match="fitted without groups"):
        single.transform(X[:2], groups=["s1", "s1"])


def test_euclidean_alignment_singular_reference_and_shrinkage(grouped_data):
    X, _ = grouped_data
    X_avg_ref = X - X.mean(axis=1, keepdims=True)  # average reference: rank 2
    with pytest.raises(ValueError, match=r"singular \(rank 2 for 3 channels.*shrinkage=0\.1"):
        EuclideanAligner().fit(X_avg_ref)
    out = EuclideanAligner(shrinkage=0.1).fit_transform(X_avg_ref)
    assert np.isfinite(out).all()
    with pytest.raises(ValueError, match="one label .* per trial"):
        EuclideanAligner().fit(X, groups=[1, 2])


def test_euclidean_alignment_of_epochs_aligns_only_the_data_channels(grouped_data):
    X, groups = grouped_data
    epochs = make_mixed_epochs(X)
    stored = epochs.get_data()
    aligner = EuclideanAligner()
    out = aligner.fit_transform(epochs, groups=groups)
    assert out.ch_names == MIXED_CH_NAMES
    np.testing.assert_allclose(
        EpochsToArray().fit_transform(out)[:, :3],  # read back in the package's units
        EuclideanAligner().fit_transform(X, groups=groups),
        rtol=1e-9,
        atol=1e-9,
    )
    np.testing.assert_array_equal(out.get_data()[:, 3:], stored[:, 3:])  # EOG ... misc
    assert aligner.n_features_in_ == 8
    for group in ("s1", "s2", "s3"):  # references in microvolts^2 (Epochs are read in uV)
        np.testing.assert_allclose(
            aligner.references_[group],
            mean_covariance(stored[groups == group, :3] * 1e6),
            rtol=1e-10,
        )
    np.testing.assert_array_equal(
        aligner.transform(epochs, groups=groups).get_data(), out.get_data()
    )
    fitted = EuclideanAligner(reference="fit").fit(epochs, groups=groups)
    np.testing.assert_allclose(
        fitted.transform(epochs, groups=groups).get_data(), out.get_data(), rtol=1e-12
    )
    # every channel of an array is a data channel: 8, not the 3 of the fitted references
    as_array = EpochsToArray().fit_transform(epochs)  # the package's units, as fit saw them
    with pytest.raises(ValueError, match=r"fitted on 3 data channel\(s\), but X has 8\."):
        fitted.transform(as_array, groups=groups)
    # the stored values (volts) are refused by the scale guard, not aligned 1e6 times off
    with pytest.raises(ValueError, match=r"amplitude of X is 1\.0e-06 times.*X \* 1e6"):
        fitted.transform(stored, groups=groups)


def test_euclidean_aligner_in_pipeline_without_routing(grouped_data):
    X, groups = grouped_data
    y = np.tile(["left_hand", "right_hand"], 18)
    pipe = make_pipeline(EuclideanAligner(), make_ts_lr())
    pipe.fit(X, y, euclideanaligner__groups=groups)  # groups reach fit_transform
    aligned = pipe[:-1].transform(X[groups == "s2"])  # predict time: X is one group
    np.testing.assert_allclose(mean_covariance(aligned), np.eye(3), atol=1e-10)
    assert pipe.predict(X[groups == "s2"]).shape == (12,)


def test_euclidean_aligner_with_metadata_routing(grouped_data):
    X, groups = grouped_data
    rng = np.random.default_rng(4)
    y = rng.permutation(np.tile(["left_hand", "right_hand"], 18))
    X = X.copy()
    X[y == "left_hand", 0] *= 3.0  # class information on channel 0
    with sklearn.config_context(enable_metadata_routing=True):
        aligner = EuclideanAligner().set_fit_request(groups=True).set_transform_request(groups=True)
        pipe = make_pipeline(aligner, make_ts_lr())
        pipe.fit(X, y, groups=groups)
        np.testing.assert_allclose(
            pipe[0].references_["s2"], mean_covariance(X[groups == "s2"]), rtol=1e-10
        )
        assert pipe.predict(X[:5], groups=groups[:5]).shape == (5,)
        scores = cross_validate(pipe, X, y, params={"groups": groups}, cv=LeaveOneGroupOut())[
            "test_score"
        ]
    assert scores.shape == (3,) and scores.min() >= 0.75


# -- parameters and input errors ------------------------------------------------------------
@pytest.mark.parametrize(
    ("transformer", "match"),
    [
        (BandpassFilter(None, None, sfreq=SFREQ), "both None"),
        (BandpassFilter(30.0, 8.0, sfreq=SFREQ), r"l_freq \(30.0\) must be below h_freq"),
        (BandpassFilter(-1.0, 8.0, sfreq=SFREQ), "l_freq must be a non-negative number"),
        (BandpassFilter(8.0, 30.0, sfreq=0), "sfreq must be a positive number"),
        (Resampler(None, sfreq=SFREQ), "sfreq_new must be a positive number"),
        (TimeCrop("0", 1.0, sfreq=SFREQ), "tmin must be a finite number"),
        (ExponentialStandardizer(factor_new=0.0), r"factor_new must be a real number in \(0, 1\]"),
        (ExponentialStandardizer(init_block_size=0), "init_block_size must be a positive"),
        (
            ExponentialStandardizer(init_block_size=True),
            r"^ExponentialStandardizer: init_block_size must be a positive integer, got True\.$",
        ),
        (
            ExponentialStandardizer(init_block_size=np.float64(100.0)),
            r"init_block_size must be a positive integer, got 100\.0\.$",
        ),
        (ExponentialStandardizer(eps=0.0), r"eps must be a real number in \(0, inf\), got 0.0"),
        (ExponentialStandardizer(eps=np.inf), r"eps must be a real number in \(0, inf\), got inf"),
        (EuclideanAligner(reference="train"), "reference must be 'data' or 'fit'"),
        (EuclideanAligner(shrinkage=1.0), r"shrinkage must be a real number in \[0, 1\)"),
        (EpochsToArray(units=1e6), "units must be a str"),
        (ChannelPicker([]), "picks is empty"),
    ],
    ids=repr,
)
def test_invalid_parameters(transformer, match, X_uv):
    with pytest.raises(ValueError, match=match):
        transformer.fit(X_uv)
    with pytest.raises(ValueError, match=match):
        transformer.transform(X_uv)  # stateless use validates too


@pytest.mark.parametrize(
    "transformer", [BandpassFilter(8.0, 30.0), Resampler(100.0), TimeCrop(0, 1)]
)
def test_missing_sfreq_for_arrays_is_a_clear_error(transformer, X_uv):
    name = type(transformer).__name__
    with pytest.raises(ValueError, match=rf"{name} needs the sampling frequency.*sfreq=250\.0"):
        transformer.fit_transform(X_uv)
    transformer.fit_transform(make_epochs(X_uv))  # Epochs carry it
    transformer.set_params(sfreq=100.0)
    with pytest.raises(ValueError, match=r"sfreq=100.0 but the Epochs are sampled at 250.0 Hz"):
        transformer.fit_transform(make_epochs(X_uv))


@pytest.mark.parametrize(
    "transformer",
    [BandpassFilter(8.0, 30.0, sfreq=100.0), Resampler(50.0, sfreq=100.0), TimeCrop(0, 1, 100.0)],
)
def test_fit_refuses_an_sfreq_that_contradicts_the_epochs(transformer, X_uv):
    # Fitted on 250 Hz Epochs, the step must not go on to process arrays at 100 Hz.
    with pytest.raises(ValueError, match=r"sfreq=100.0 but the Epochs are sampled at 250.0 Hz"):
        transformer.fit(make_epochs(X_uv))


def test_transform_checks_the_number_of_channels_seen_in_fit(X_uv):
    step = BandpassFilter(8.0, 30.0, sfreq=SFREQ).fit(X_uv)
    assert step.n_features_in_ == 3
    with pytest.raises(ValueError, match="X has 2 features, but BandpassFilter is expecting 3"):
        step.transform(X_uv[:, :2])


# -- pipelines with the CNN classifiers -----------------------------------------------------
def test_pipeline_with_cnn_classifier_on_epochs():
    rng = np.random.default_rng(5)
    y = np.tile(["left_hand", "right_hand"], 10)
    t = np.arange(500) / SFREQ  # 2 s: longer than the 8-30 Hz FIR filter (413 samples)
    X = (
        rng.standard_normal((20, 3, 500))
        + 3 * np.sin(2 * np.pi * 12 * t) * (y == "left_hand")[:, None, None]
    )
    epochs = make_epochs(X)
    pipe = make_pipeline(BandpassFilter(8, 30), Conv2DEEGClassifier(max_epochs=2, random_state=0))
    pipe.fit(epochs, y)
    clf = pipe[-1]
    assert clf.sfreq_ == SFREQ and clf.ch_names_ == CH_NAMES  # channel info flowed through
    assert set(pipe.predict(epochs)) <= {"left_hand", "right_hand"}
    picked = make_pipeline(
        ChannelPicker(["C4", "C3"]), Resampler(125.0), Conv2DEEGClassifier(max_epochs=1)
    ).fit(epochs, y)
    assert picked[-1].ch_names_ == ["C4", "C3"] and picked[-1].n_times_ == 250


# -- the input contract (problems found by a user probe) ------------------------------------
def test_euclidean_aligner_fitted_references_refuse_reordered_channels(grouped_data):
    """reference='fit' used to whiten reordered channels with the fitted reference."""
    X, _ = grouped_data
    epochs = make_epochs(X)
    aligner = EuclideanAligner(reference="fit").fit(epochs)
    with pytest.raises(
        ValueError,
        match=r"^EuclideanAligner: .*same channels in another order.*"
        r"epochs\.reorder_channels\(\['C3', 'Cz', 'C4'\]\)",
    ):
        aligner.transform(epochs.copy().reorder_channels(["C4", "Cz", "C3"]))
    # the microvolt array of the same Epochs is aligned exactly like them
    np.testing.assert_allclose(
        aligner.transform(X), aligner.transform(epochs).get_data(units="uV"), rtol=1e-9
    )


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"l_freq": np.nan, "h_freq": 30.0}, r"l_freq must be a non-negative number .*got nan"),
        ({"l_freq": 8.0, "h_freq": np.inf}, r"h_freq must be a non-negative number .*got inf"),
        ({"l_freq": 8.0, "h_freq": -np.inf}, r"h_freq must be a non-negative number"),
    ],
)
def test_bandpass_non_finite_edges_are_clear_errors(params, match, X_uv):
    with pytest.raises(ValueError, match=match):
        BandpassFilter(sfreq=SFREQ, **params).fit_transform(X_uv)


@pytest.mark.parametrize(
    ("l_freq", "h_freq", "match"),
    [
        (130.0, None, r"l_freq=130\.0 Hz is at or above the Nyquist frequency sfreq/2 = 125 Hz"),
        (8.0, 125.0, r"h_freq=125\.0 Hz is at or above the Nyquist .* h_freq=None"),
        (8.0, 200.0, r"h_freq=200\.0 Hz .*sfreq=250 Hz"),
    ],
)
def test_bandpass_edges_at_or_above_nyquist_are_clear_errors(l_freq, h_freq, match, X_uv):
    with pytest.raises(ValueError, match=match):
        BandpassFilter(l_freq, h_freq, sfreq=SFREQ).fit_transform(X_uv)
    with pytest.raises(ValueError, match=match):
        BandpassFilter(l_freq, h_freq).fit_transform(make_epochs(X_uv))


def test_channel_picker_boolean_mask_keeps_the_channels_where_true(X_uv):
    """A mask used to fail with 'names a channel more than once'."""
    mask = np.array([True, False, True])
    np.testing.assert_array_equal(ChannelPicker(mask).fit_transform(X_uv), X_uv[:, mask])
    np.testing.assert_array_equal(
        ChannelPicker([False, True, False]).fit_transform(X_uv), X_uv[:, [1]]
    )
    out = ChannelPicker(mask).fit_transform(make_epochs(X_uv))
    assert out.ch_names == ["C3", "C4"]
    np.testing.assert_allclose(out.get_data(units="uV"), X_uv[:, mask], rtol=1e-12)
    with pytest.raises(ValueError, match=r"mask picks has 2 entries but X has 3 channels"):
        ChannelPicker([True, False]).fit_transform(X_uv)
    with pytest.raises(ValueError, match="False for every channel"):
        ChannelPicker([False, False, False]).fit_transform(X_uv)
    with pytest.raises(ValueError, match="mixes booleans with names or indices"):
        ChannelPicker([True, 2]).fit_transform(X_uv)


def test_stateless_steps_fitted_on_epochs_use_what_fit_saw_for_arrays(X_uv):
    """Fitted on Epochs, an array of the same data needs no sfreq or ch_names, and is cropped
    in the Epochs' time axis."""
    epochs = make_epochs(X_uv, tmin=-0.5)
    for step in (
        TimeCrop(0.0, 1.0),
        Resampler(100.0),
        BandpassFilter(8.0, 30.0),
        ChannelPicker(["C4", "C3"]),
    ):
        step.fit(epochs)
        np.testing.assert_allclose(
            step.transform(X_uv), step.transform(epochs).get_data(units="uV"), rtol=1e-9, atol=1e-9
        )
    # unfitted, an array needs its sfreq, and starts at time 0
    with pytest.raises(ValueError, match="TimeCrop needs the sampling frequency"):
        TimeCrop(0.0, 1.0).transform(X_uv)
