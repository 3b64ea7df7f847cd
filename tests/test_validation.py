"""Input validation shared by every estimator and transformer (property-based where it pays)."""

from __future__ import annotations

import mne
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from sktime_eeg._validation import check_eeg_data, check_eeg_labels, is_epochs

NUMERIC_DTYPES = st.sampled_from(
    [np.float16, np.float32, np.float64, np.int8, np.int16, np.int32, np.int64, np.uint8, bool]
)
SHAPES = st.one_of(
    hnp.array_shapes(min_dims=3, max_dims=3, min_side=1, max_side=6),
    hnp.array_shapes(min_dims=2, max_dims=2, min_side=1, max_side=6),
)


@settings(max_examples=60, deadline=None)
@given(
    X=NUMERIC_DTYPES.flatmap(
        lambda dtype: SHAPES.flatmap(
            lambda shape: hnp.arrays(
                dtype,
                shape,
                # finite values within float32's range (overflow has its own test)
                elements=st.floats(-1e4, 1e4, width=np.dtype(dtype).itemsize * 8)
                if np.dtype(dtype).kind == "f"
                else None,
            )
        )
    )
)
def test_numeric_arrays_become_float32_3d_copies(X):
    before = X.copy()
    out = check_eeg_data(X)
    expected_shape = X.shape if X.ndim == 3 else (*X.shape, 1)
    assert out.data.shape == expected_shape
    assert out.data.dtype == np.float32 and out.data.flags["C_CONTIGUOUS"]
    np.testing.assert_array_equal(out.data.reshape(X.shape), X.astype(np.float32))
    np.testing.assert_array_equal(X, before)
    assert out.sfreq is None and out.ch_names is None
    if X.dtype != np.float32:
        assert not np.shares_memory(out.data, X)


@settings(max_examples=60, deadline=None)
@given(
    shape=hnp.array_shapes(min_dims=3, max_dims=3, min_side=1, max_side=5),
    data=st.data(),
    bad=st.sampled_from([np.nan, np.inf, -np.inf]),
)
def test_any_nan_or_inf_is_reported_with_the_first_bad_trial(shape, data, bad):
    X = np.zeros(shape)
    n_bad = data.draw(st.integers(1, X.size))
    flat = data.draw(st.lists(st.integers(0, X.size - 1), min_size=n_bad, max_size=n_bad))
    X.flat[flat] = bad
    first_trial = min(np.unravel_index(i, shape)[0] for i in flat)
    n_trials = len({np.unravel_index(i, shape)[0] for i in flat})
    word = "NaN" if np.isnan(bad) else "infinite"
    with pytest.raises(
        ValueError,
        match=rf"contains {word}.* in {n_trials} trial\(s\) \(first: index {first_trial}\)",
    ):
        check_eeg_data(X)


def test_float64_values_beyond_float32_range_are_named():
    with pytest.raises(ValueError, match=r"after conversion to float32 \(values beyond"):
        check_eeg_data(np.full((2, 2, 2), 1e300))
    out = check_eeg_data(np.full((2, 2, 2), 1e300), keep_float64=True)
    assert out.data.dtype == np.float64


def test_keep_float64_only_keeps_float64():
    assert check_eeg_data(np.zeros((2, 2, 2)), keep_float64=True).data.dtype == np.float64
    for dtype in (np.float32, np.int64, np.float16):
        out = check_eeg_data(np.zeros((2, 2, 2), dtype), keep_float64=True)
        assert out.data.dtype == np.float32


@settings(max_examples=40, deadline=None)
@given(ndim=st.sampled_from([0, 1, 4, 5]))
def test_wrong_number_of_dimensions(ndim):
    X = np.zeros((2,) * ndim)
    with pytest.raises(ValueError, match=rf"got a {ndim}D array"):
        check_eeg_data(X)


@pytest.mark.parametrize(
    "X, error, match",
    [
        ([[1.0, 2.0], [3.0]], ValueError, "rectangular array.*same number of channels"),
        ("eeg.fif", ValueError, "got a string"),
        (np.array([["1", "2"]]), ValueError, r"astype\(float\)"),
        (np.array([[1.0, {"a": 1}]], dtype=object), TypeError, "must be numeric.*dict"),
        (np.ones((2, 2), dtype=complex), ValueError, "Complex data not supported"),
        (np.zeros((0, 3, 4)), ValueError, "0 sample"),
    ],
)
def test_clear_errors(X, error, match):
    with pytest.raises(error, match=match):
        check_eeg_data(X)


def test_lists_dataframes_and_object_arrays_of_numbers_are_accepted():
    np.testing.assert_array_equal(
        check_eeg_data([[1, 2], [3, 4]]).data[..., 0], np.array([[1, 2], [3, 4]], np.float32)
    )
    frame = pd.DataFrame({"C3": [1.0, 2.0], "C4": [3.0, 4.0]})
    assert check_eeg_data(frame).data.shape == (2, 2, 1)
    assert check_eeg_data(np.array([[1, 2.5]], dtype=object)).data.dtype == np.float32


def test_epochs_are_read_with_channels_and_sfreq():
    rng = np.random.default_rng(0)
    data = rng.standard_normal((4, 3, 20)) * 1e-6
    info = mne.create_info(["C3", "Cz", "STI"], 128.0, ch_types=["eeg", "eeg", "stim"])
    epochs = mne.EpochsArray(data, info, verbose="error")
    assert is_epochs(epochs) and not is_epochs(data)
    out = check_eeg_data(epochs)
    np.testing.assert_array_equal(out.data, data.astype(np.float32))  # all channels, as get_data()
    assert out.sfreq == 128.0 and out.ch_names == ["C3", "Cz", "STI"]


@settings(max_examples=50, deadline=None)
@given(
    labels=st.one_of(
        st.lists(st.integers(-1000, 1000), min_size=2, max_size=30),
        st.lists(st.text(min_size=1, max_size=5), min_size=2, max_size=30),
        st.lists(st.booleans(), min_size=2, max_size=30),
    )
)
def test_labels_of_any_discrete_type_pass_unchanged(labels):
    y = np.asarray(labels)
    out = check_eeg_labels(y, len(labels))
    np.testing.assert_array_equal(out, y)


def test_label_errors():
    with pytest.raises(ValueError, match="requires y to be passed"):
        check_eeg_labels(None, 3, caller="Est")
    with pytest.raises(ValueError, match="X has 3 trials but y has 2 labels"):
        check_eeg_labels([0, 1], 3)
    with pytest.raises(ValueError, match="Unknown label type: continuous"):
        check_eeg_labels([0.1, 0.7, 0.3], 3)
    with pytest.raises(ValueError, match="contains NaN or infinity"):
        check_eeg_labels([0.0, np.nan, 1.0], 3)
    with pytest.warns(Warning, match="column-vector y"):
        out = check_eeg_labels(np.array([[0], [1], [1]]), 3)
    assert out.shape == (3,)


def test_public_names_stay_importable_from_validation():
    """The input type lives in sktime_eeg._input; _validation re-exports it (one type)."""
    from sktime_eeg import _input, _validation

    for name in ("EEGInput", "is_epochs", "epochs_from_list", "n_trials"):
        assert getattr(_validation, name) is getattr(_input, name)
    for name in (
        "check_positive_int",
        "check_real",
        "check_groups",
        "resolve_sfreq",
        "as_python_scalar",
        "check_eeg_labels",
        "check_eeg_data",
    ):
        assert callable(getattr(_validation, name))
    assert isinstance(check_eeg_data(np.zeros((1, 2, 3))), _input.EEGInput)
