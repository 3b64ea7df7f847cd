"""Causal filtering: BandpassFilter's causal phases and the chunk-wise StreamingFilter."""

from __future__ import annotations

import mne
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import signal

from sktime_eeg.preprocessing import BandpassFilter, StreamingFilter

SFREQ = 250.0
CAUSAL_DESIGNS = [("iir", "forward"), ("fir", "minimum"), ("fir", "linear")]


def _signal(n_channels=3, n_samples=2000, seed=0):
    rng = np.random.default_rng(seed)
    # Unit-scale noise on a DC offset, as raw EEG has one.
    return rng.standard_normal((n_channels, n_samples)) + rng.uniform(-5, 5, (n_channels, 1))


def _chunked(filt: StreamingFilter, x: np.ndarray, cuts: list[int]) -> np.ndarray:
    bounds = [0, *sorted(c for c in cuts if 0 < c < x.shape[1]), x.shape[1]]
    return np.concatenate(
        [filt.filter(x[:, a:b]) for a, b in zip(bounds, bounds[1:], strict=False)], axis=1
    )


@pytest.mark.parametrize(("method", "phase"), CAUSAL_DESIGNS)
def test_bandpass_causal_phase_equals_scipy_causal_filter(method, phase):
    # BandpassFilter(..., phase=causal) on arrays is the one-pass causal filter of MNE's design.
    x = _signal()
    out = BandpassFilter(8.0, 30.0, SFREQ, method=method, phase=phase).fit_transform(x[None])[0]
    design = mne.filter.create_filter(
        None, SFREQ, 8.0, 30.0, method=method, phase=phase, verbose=False
    )
    if method == "iir":
        expected = signal.sosfilt(design["sos"], x, axis=-1)  # zero initial state
    else:
        # pad="edge": the signal held its first value before it started (steady state).
        zi = signal.lfilter_zi(design, [1.0])[None, :] * x[:, :1]
        expected = signal.lfilter(design, [1.0], x, axis=-1, zi=zi)[0]
    np.testing.assert_allclose(out, expected, rtol=0, atol=1e-10)


@pytest.mark.parametrize(("method", "phase"), CAUSAL_DESIGNS)
def test_bandpass_causal_phase_does_not_look_ahead(method, phase):
    x = _signal()
    y = x.copy()
    y[:, 1200:] += 100.0  # change the future only
    bp = BandpassFilter(8.0, 30.0, SFREQ, method=method, phase=phase)
    out_x, out_y = bp.fit_transform(x[None])[0], bp.fit_transform(y[None])[0]
    np.testing.assert_allclose(out_x[:, :1200], out_y[:, :1200], rtol=0, atol=1e-10)
    # while the default zero-phase filter does look ahead
    zero = BandpassFilter(8.0, 30.0, SFREQ)
    assert not np.allclose(
        zero.fit_transform(x[None])[0, :, 1190], zero.fit_transform(y[None])[0, :, 1190]
    )


@settings(max_examples=25, deadline=None)
@given(
    design=st.sampled_from(CAUSAL_DESIGNS),
    cuts=st.lists(st.integers(0, 2000), max_size=12),
    seed=st.integers(0, 3),
)
def test_streaming_equals_offline_causal_filter_for_any_chunking(design, cuts, seed):
    method, phase = design
    x = _signal(seed=seed)
    filt = StreamingFilter.from_bandpass(8.0, 30.0, SFREQ, method=method, phase=phase)
    streamed = _chunked(filt, x, cuts)
    offline = filt.as_transformer().fit_transform(x[None])[0]
    np.testing.assert_allclose(streamed, offline, rtol=0, atol=1e-10)
    assert filt.n_samples_seen == x.shape[1]


@settings(max_examples=25, deadline=None)
@given(cuts=st.lists(st.integers(0, 600), max_size=10))
def test_streaming_iir_chunking_is_bit_exact(cuts):
    x = _signal(n_samples=600)
    filt = StreamingFilter.from_bandpass(1.0, 40.0, SFREQ, method="iir")
    whole = filt.copy(reset=True).filter(x)
    np.testing.assert_array_equal(_chunked(filt, x, cuts), whole)


def test_streaming_on_epochs_equals_bandpass_per_trial():
    x = np.stack([_signal(seed=s, n_samples=800) for s in range(3)]) * 1e-6
    info = mne.create_info(["C3", "Cz", "C4"], SFREQ, "eeg")
    epochs = mne.EpochsArray(x, info, verbose=False)
    filt = StreamingFilter.from_bandpass(8.0, 30.0, SFREQ, method="iir")
    out = filt.as_transformer().fit_transform(epochs).get_data()
    for trial, expected in zip(x, out, strict=True):
        np.testing.assert_allclose(filt.copy(reset=True).filter(trial), expected, atol=1e-18)


def test_from_coefficients_and_serialization_round_trip():
    b, a = signal.butter(4, [8.0, 30.0], btype="bandpass", fs=SFREQ)
    x = _signal(n_samples=500)
    filt = StreamingFilter(b, a)
    np.testing.assert_array_equal(filt.filter(x), signal.lfilter(b, a, x, axis=-1))
    again = StreamingFilter.from_dict(filt.to_dict())
    np.testing.assert_array_equal(again.filter(x), signal.lfilter(b, a, x, axis=-1))
    designed = StreamingFilter.from_bandpass(8.0, 30.0, SFREQ, method="fir")
    restored = StreamingFilter.from_dict(designed.to_dict())
    assert restored.design == designed.design and restored.init == "edge"
    np.testing.assert_array_equal(restored.filter(x), designed.filter(x))


def test_edge_init_starts_in_steady_state():
    # A constant signal passes a low-pass unchanged from the first sample with init="edge".
    b, a = signal.butter(2, 20.0, fs=SFREQ)
    x = np.full((2, 50), 3.0)
    np.testing.assert_allclose(StreamingFilter(b, a, init="edge").filter(x), x, atol=1e-12)
    assert abs(StreamingFilter(b, a).filter(x)[0, 0] - 3.0) > 1.0  # zeros: a start-up step


def test_errors_name_the_problem_and_the_fix():
    with pytest.raises(ValueError, match="not causal.*phase in"):
        StreamingFilter.from_bandpass(8.0, 30.0, SFREQ, method="fir", phase="zero")
    with pytest.raises(ValueError, match="not causal"):
        StreamingFilter.from_bandpass(8.0, 30.0, SFREQ, method="iir", phase="zero")
    with pytest.raises(ValueError, match="either the coefficients b"):
        StreamingFilter()
    with pytest.raises(ValueError, match=r"shape \(n_sections, 6\)"):
        StreamingFilter(sos=np.ones((2, 5)))
    with pytest.raises(ValueError, match="a\\[0\\] must not be 0"):
        StreamingFilter([1.0], [0.0, 1.0])
    with pytest.raises(ValueError, match="sfreq must be a positive"):
        StreamingFilter.from_bandpass(8.0, 30.0, 0.0)
    filt = StreamingFilter.from_bandpass(8.0, 30.0, SFREQ)
    filt.filter(np.zeros((3, 10)))
    with pytest.raises(ValueError, match="4 channels but the stream had 3.*reset"):
        filt.filter(np.zeros((4, 10)))
    with pytest.raises(ValueError, match=r"shape \(n_channels, n_samples\)"):
        filt.filter(np.zeros(10))
    bad = np.zeros((3, 10))
    bad[1, 4] = np.nan
    with pytest.raises(ValueError, match="NaN or infinite"):
        filt.filter(bad)
    with pytest.raises(ValueError, match="from_bandpass"):
        StreamingFilter([1.0]).as_transformer()
    assert filt.reset().n_channels is None  # a new stream may have other channels
    assert filt.filter(np.zeros((4, 0))).shape == (4, 0)
