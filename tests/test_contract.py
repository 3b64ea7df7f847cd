"""The one input contract, driven through every public estimator, baseline and transformer.

Each is fitted on Epochs, then given the same data (a) with the channels reordered, (b) with a
channel renamed, (c) as a microvolt array (``EpochsToArray()`` output), (d) as a volt array
(``epochs.get_data()``), (e) at another sampling frequency. Each case gives the same output as
the Epochs (checked numerically) or the package's message (checked with ``match=``), never a
silently different result.
"""

from __future__ import annotations

import mne
import numpy as np
import pytest
from sklearn.base import clone, is_classifier

from sktime_eeg import ConformerEEGClassifier, Conv1DEEGClassifier, Conv2DEEGClassifier
from sktime_eeg._input import (
    SCALE_TOLERANCE,
    InputRecord,
    n_trials,
    read_eeg,
)
from sktime_eeg.baselines import make_csp_lda, make_fgmdm, make_mdm, make_ts_lr
from sktime_eeg.preprocessing import (
    BandpassFilter,
    ChannelPicker,
    EpochsToArray,
    EuclideanAligner,
    ExponentialStandardizer,
    Resampler,
    RunningEuclideanAligner,
    TimeCrop,
)

CH_NAMES = ["C3", "C1", "C2", "C4"]
SFREQ = 100.0
TINY_NET = dict(
    max_epochs=2, n_filters=4, kernel_length=5, pool_length=10, pool_stride=5, random_state=0
)

ESTIMATORS = {
    "Conv1DEEGClassifier": lambda: Conv1DEEGClassifier(n_filters_time=4, **TINY_NET),
    "Conv2DEEGClassifier": lambda: Conv2DEEGClassifier(**TINY_NET),
    "ConformerEEGClassifier": lambda: ConformerEEGClassifier(
        n_filters_time=4, d_model=8, n_heads=2, n_layers=1, dim_feedforward=16, **TINY_NET
    ),
    "make_csp_lda": make_csp_lda,
    "make_mdm": make_mdm,
    "make_ts_lr": make_ts_lr,
    "make_fgmdm": make_fgmdm,
    "EpochsToArray": EpochsToArray,
    "BandpassFilter": lambda: BandpassFilter(8.0, 30.0, method="iir"),
    "Resampler": lambda: Resampler(50.0),
    "ChannelPicker": lambda: ChannelPicker(["C4", "C3"]),
    "TimeCrop": lambda: TimeCrop(0.0, 1.0),
    "ExponentialStandardizer": lambda: ExponentialStandardizer(init_block_size=50),
    "EuclideanAligner(data)": EuclideanAligner,
    "EuclideanAligner(fit)": lambda: EuclideanAligner(reference="fit"),
    "RunningEuclideanAligner": RunningEuclideanAligner,
}


@pytest.fixture(scope="module")
def data():
    """40 trials x 4 channels x 2 s at 100 Hz in microvolts (Epochs from -0.5 s, in volts):
    class 'left' has 3x the amplitude on C3, 'right' on C4."""
    rng = np.random.default_rng(0)
    X_uv = 10.0 * rng.standard_normal((40, 4, 200))
    y = np.tile(["left", "right"], 20)
    X_uv[y == "left", 0] *= 3.0
    X_uv[y == "right", 3] *= 3.0
    info = mne.create_info(CH_NAMES, SFREQ, ch_types="eeg")
    epochs = mne.EpochsArray(X_uv * 1e-6, info, tmin=-0.5, verbose=False)
    return epochs, y


_FITTED: dict[str, object] = {}


@pytest.fixture
def fitted(request, data):
    """The estimator named by the test's parameter, fitted once on the Epochs."""
    name = request.param
    if name not in _FITTED:
        epochs, y = data
        _FITTED[name] = ESTIMATORS[name]().fit(epochs, y)
    return name, _FITTED[name]


def output(estimator, X) -> np.ndarray:
    """What the estimator gives for X, as numbers: class probabilities of classifiers, the
    transformed signal of transformers (Epochs read the package's way, in microvolts)."""
    if is_classifier(estimator):
        return estimator.predict_proba(X)
    out = estimator.transform(X)
    if isinstance(out, mne.BaseEpochs):
        return EpochsToArray().fit_transform(out)
    return out


ALL = pytest.mark.parametrize("fitted", list(ESTIMATORS), indirect=True)


@ALL
def test_reordered_channels_are_refused_with_the_fix(fitted, data):
    name, estimator = fitted
    epochs, _ = data
    reordered = epochs.copy().reorder_channels(["C4", "C1", "C2", "C3"])
    with pytest.raises(
        ValueError,
        match=r"the same channels in another order \(got \['C4', 'C1', 'C2', 'C3'\], expected "
        r"\['C3', 'C1', 'C2', 'C4'\]\).*epochs\.reorder_channels\(\['C3', 'C1', 'C2', 'C4'\]\)",
    ):
        output(estimator, reordered)


@ALL
def test_renamed_channel_is_refused_naming_it(fitted, data):
    name, estimator = fitted
    epochs, _ = data
    renamed = epochs.copy().rename_channels({"C2": "Cz"})
    with pytest.raises(
        ValueError,
        match=r"channels of X differ from those seen in fit: missing \['C2'\], not seen in fit "
        r"\['Cz'\]",
    ):
        output(estimator, renamed)


@ALL
def test_microvolt_array_gives_the_same_output_as_the_epochs(fitted, data):
    name, estimator = fitted
    epochs, _ = data
    from_epochs = output(estimator, epochs)
    X_uv = EpochsToArray().fit_transform(epochs)
    from_array = output(estimator, X_uv)
    assert from_array.shape == from_epochs.shape
    np.testing.assert_allclose(from_array, from_epochs, rtol=1e-6, atol=1e-9)
    if is_classifier(estimator):
        np.testing.assert_array_equal(estimator.predict(X_uv), estimator.predict(epochs))


@ALL
def test_volt_array_is_refused_by_the_scale_guard(fitted, data):
    name, estimator = fitted
    epochs, _ = data
    with pytest.raises(
        ValueError,
        match=r"amplitude of X is 1\.0e-06 times the one seen in fit.*volts where microvolts "
        r"were seen.*EpochsToArray\(units='uV'\).*X \* 1e6",
    ):
        output(estimator, epochs.get_data())


@ALL
def test_another_sampling_frequency_is_refused_with_the_fix(fitted, data):
    name, estimator = fitted
    epochs, _ = data
    with pytest.raises(ValueError, match=r"X is sampled at 50\.0 Hz .* epochs\.resample\(100\.0\)"):
        output(estimator, epochs.copy().resample(50.0, verbose=False))


def test_every_public_estimator_and_transformer_is_in_the_contract_test():
    import sktime_eeg
    import sktime_eeg.baselines
    import sktime_eeg.preprocessing

    public = {name for name in sktime_eeg.__all__ if not name.startswith("_")}
    public |= set(sktime_eeg.preprocessing.__all__) | set(sktime_eeg.baselines.__all__)
    # StreamingFilter filters continuous chunks (n_channels, n_samples), not trials; its input
    # checks are tested in test_streaming.py. The transfer steps: test_transfer.py.
    public -= {"StreamingFilter"}
    assert public == {name.split("(")[0] for name in ESTIMATORS}


# -- the _input API -------------------------------------------------------------------------
def test_n_trials_counts_without_reading_the_data(data):
    epochs, _ = data
    assert n_trials(epochs) == 40
    assert n_trials(np.zeros((7, 3, 5))) == 7
    assert n_trials([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]) == 3
    assert n_trials([epochs[:3], epochs[3:5]]) == 5  # the lists cross-validation makes
    raw = mne.io.RawArray(
        np.random.default_rng(1).standard_normal((1, 1000)) * 1e-5,
        mne.create_info(["C3"], SFREQ, "eeg"),
        verbose=False,
    )
    onsets = [*range(0, 900, 100), 980]  # the last epoch runs past the end of the recording
    events = np.column_stack([onsets, np.zeros(10, int), np.ones(10, int)])
    lazy = mne.Epochs(raw, events, tmin=0, tmax=0.5, baseline=None, preload=False, verbose=False)
    assert n_trials(lazy) == 9  # as many as get_data() would give
    assert not lazy.preload
    with pytest.raises(TypeError, match="must be mne.Epochs or an array-like"):
        n_trials(3.0)


def test_epochs_are_read_in_microvolts_arrays_as_given(data):
    epochs, _ = data
    eeg = read_eeg(epochs)
    np.testing.assert_allclose(eeg.data, epochs.get_data() * 1e6, rtol=1e-6)
    assert eeg.ch_names == CH_NAMES and eeg.sfreq == SFREQ and eeg.tmin == -0.5
    assert eeg.epochs is epochs
    X = np.ones((2, 3, 4))
    np.testing.assert_array_equal(read_eeg(X).data, X)
    # other channel types stay in SI units; Epochs without volt channels are read as stored
    info = mne.create_info(["C3", "MEG1", "STI"], SFREQ, ["eeg", "mag", "stim"])
    mixed = mne.EpochsArray(np.ones((2, 3, 4)) * [[1e-6], [1e-13], [1.0]], info, verbose=False)
    np.testing.assert_allclose(read_eeg(mixed).data[0, :, 0], [1.0, 1e-13, 1.0], rtol=1e-6)
    meg = mne.EpochsArray(np.full((2, 1, 4), 1e-13), mne.create_info(["M"], SFREQ, "mag"))
    np.testing.assert_allclose(read_eeg(meg).data, 1e-13, rtol=1e-6)


def test_scale_guard_threshold_is_a_factor_of_100_either_way(data):
    epochs, _ = data
    record = InputRecord.of(read_eeg(epochs))
    X_uv = read_eeg(epochs).data
    assert SCALE_TOLERANCE == 100.0
    for factor in (1 / 99, 99.0, 1.0):  # inside: accepted
        record.check(read_eeg(X_uv * factor), "Step")
    with pytest.raises(ValueError, match=r"Step: the amplitude of X is 9\.9e-03 times"):
        record.check(read_eeg(X_uv / 101), "Step")
    with pytest.raises(ValueError, match=r"1\.0e\+03 times.*microvolts where volts"):
        record.check(read_eeg(X_uv * 1e3), "Step")
    # constant channels are left out; all constant: nothing to compare
    record.check(read_eeg(np.zeros((2, 4, 200))), "Step")
    one_flat = X_uv[:5] * 1e-6
    one_flat[:, 0] = 0.0
    with pytest.raises(ValueError, match=r"amplitude of X is \d\.\de-0[67] times"):
        record.check(read_eeg(one_flat), "Step")


def test_arrays_are_checked_by_count_only(data):
    epochs, _ = data
    record = InputRecord.of(read_eeg(epochs))
    X_uv = read_eeg(epochs).data
    record.check(read_eeg(X_uv[:, ::-1]), "Step")  # arrays carry no names: not detectable
    with pytest.raises(
        ValueError, match=r"X has 3 features, but Step is expecting 4 features as input"
    ):
        record.check(read_eeg(X_uv[:, :3]), "Step")
    with pytest.raises(ValueError, match=r"single trial of shape .* X\[np\.newaxis\]"):
        record.check(read_eeg(X_uv[0]), "Step")


def test_clones_are_unfitted_and_refit_resets_the_record(data):
    epochs, y = data
    step = BandpassFilter(8.0, 30.0, sfreq=SFREQ, method="iir").fit(epochs)
    assert not hasattr(clone(step), "input_record_")
    step.fit(epochs.get_data())  # refit on volt arrays: that is now what fit saw
    step.transform(epochs.get_data())
    with pytest.raises(ValueError, match=r"1\.0e\+06 times"):
        step.transform(epochs)
