"""Checks of user input shared by the package: labels, groups, hyperparameters.

The EEG input itself (Epochs or arrays, units, what fit saw) is :mod:`sktime_eeg._input`;
its names :class:`EEGInput`, :func:`is_epochs`, :func:`epochs_from_list` and
:func:`check_eeg_data` (which reads Epochs in SI units) stay importable from here. Errors say
what was wrong and how to fix it; the user's objects are never modified.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import column_or_1d

from ._input import EEGInput, epochs_from_list, is_epochs, n_trials, read_eeg

__all__ = [
    "EEGInput",
    "as_python_scalar",
    "check_eeg_data",
    "check_eeg_labels",
    "check_groups",
    "check_positive_int",
    "check_real",
    "epochs_from_list",
    "is_epochs",
    "n_trials",
    "resolve_sfreq",
]


def check_eeg_data(X: Any, *, name: str = "X", keep_float64: bool = False) -> EEGInput:
    """Validate EEG input and return it as a float32 ``(n_trials, n_channels, n_times)`` array.

    Epochs are read as stored, in MNE's SI units (volts for EEG), as by ``epochs.get_data()``:
    this is for code that hands the signal back to MNE or only needs its shape. Estimators
    and transformers read Epochs in the package's units (volt channels in microvolts) with
    :func:`sktime_eeg._input.read_eeg` instead.

    Parameters
    ----------
    X : array-like of shape (n_trials, n_channels, n_times) or (n_trials, n_features), \
            or mne.Epochs
        The EEG. A 2D array is read as ``n_features`` channels of one sample each. For
        ``mne.Epochs`` all channels are used (as by ``epochs.get_data()``); pick the ones
        you want first, e.g. ``epochs.pick("eeg")``.
    name : str
        Name of the argument, used in error messages.
    keep_float64 : bool
        Return float64 input as float64 (other dtypes still become float32), for callers that
        compute statistics or standardize before going to float32.

    Returns
    -------
    EEGInput
        ``data`` float32 (or float64, see ``keep_float64``) ``(n_trials, n_channels,
        n_times)`` (a new array unless the input already had that dtype and was
        C-contiguous, then a view; never modified in place), plus ``sfreq`` and
        ``ch_names`` for Epochs.

    Raises
    ------
    TypeError
        For sparse matrices.
    ValueError
        For non-numeric or complex values, a number of dimensions other than 2 or 3,
        empty input, or NaN / infinite values.
    """
    return read_eeg(X, name=name, units=None, dtype="keep" if keep_float64 else "float32")


def check_eeg_labels(y: Any, n_trials: int, *, name: str = "y", caller: str = "") -> np.ndarray:
    """Validate classification labels.

    Parameters
    ----------
    y : array-like of shape (n_trials,)
        Class labels of any type (ints, strings, ...). A column vector is accepted with a
        ``DataConversionWarning``.
    n_trials : int
        Number of trials of the matching ``X``.
    name : str
        Name of the argument, used in error messages.
    caller : str
        Name of the estimator, used in error messages.

    Returns
    -------
    ndarray of shape (n_trials,)
        The labels (a view or copy; the input is not modified).
    """
    who = caller or "This estimator"
    if y is None:
        raise ValueError(
            f"{who} requires y to be passed, but the target y is None. Pass the class "
            "label of every trial, e.g. epochs.events[:, 2]."
        )
    y = column_or_1d(y, warn=True)
    if y.shape[0] != n_trials:
        raise ValueError(
            f"X has {n_trials} trials but {name} has {y.shape[0]} labels; pass one label per trial."
        )
    if y.dtype.kind in "fc" and not np.isfinite(y).all():
        raise ValueError(
            f"Input {name} contains NaN or infinity; every trial needs a class label. Drop "
            "unlabelled trials first."
        )
    check_classification_targets(y)
    return y


def as_python_scalar(value: Any) -> Any:
    """A numpy scalar as the plain Python value (for readable error messages); others as is."""
    return value.item() if isinstance(value, np.generic) else value


def check_positive_int(value: Any, name: str, owner: str = "", *, allow_none: bool = False) -> None:
    """Raise a ``ValueError`` naming ``name`` unless ``value`` is an integer >= 1.

    Python and numpy integers are accepted, booleans are not. With ``allow_none``, None passes.
    """
    if allow_none and value is None:
        return
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral) or value < 1:
        prefix = f"{owner}: " if owner else ""
        extra = "None or " if allow_none else ""
        raise ValueError(
            f"{prefix}{name} must be {extra}a positive integer, got {as_python_scalar(value)!r}."
        )


def check_real(
    value: Any,
    name: str,
    owner: str = "",
    *,
    low: float | None = None,
    high: float | None = None,
    low_inclusive: bool = True,
    high_inclusive: bool = True,
) -> None:
    """Raise a ``ValueError`` naming ``name`` unless ``value`` is a real number in the range.

    Parameters
    ----------
    value : object
        The value to check (Python or numpy number; booleans are rejected).
    name, owner : str
        Parameter name and estimator name for the message.
    low, high : float or None
        Bounds (None: unbounded).
    low_inclusive, high_inclusive : bool
        Whether each bound itself is allowed.
    """
    ok = isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))
    ok = ok and bool(np.isfinite(value))
    if ok and low is not None:
        ok = value >= low if low_inclusive else value > low
    if ok and high is not None:
        ok = value <= high if high_inclusive else value < high
    if not ok:
        lo = "-inf" if low is None else f"{low:g}"
        hi = "inf" if high is None else f"{high:g}"
        interval = (
            ("[" if low_inclusive and low is not None else "(")
            + f"{lo}, {hi}"
            + ("]" if high_inclusive and high is not None else ")")
        )
        prefix = f"{owner}: " if owner else ""
        raise ValueError(
            f"{prefix}{name} must be a real number in {interval}, got {as_python_scalar(value)!r}."
        )


def check_groups(
    groups: Any,
    n_trials: int,
    owner: str = "",
    *,
    what: str = "label (e.g. subject or session)",
) -> np.ndarray | None:
    """Group labels (subject, session, ...) as a 1D array of one label per trial, or None.

    Raises a ``ValueError`` naming ``owner`` and ``what`` a label is when the shape does not
    match ``n_trials``.
    """
    if groups is None:
        return None
    groups = np.asarray(groups)
    if groups.ndim != 1 or groups.shape[0] != n_trials:
        prefix = f"{owner}: " if owner else ""
        raise ValueError(
            f"{prefix}groups must hold one {what} per trial, shape ({n_trials},); got shape "
            f"{groups.shape}."
        )
    return groups


def resolve_sfreq(
    owner: str, sfreq: Any, epochs_sfreq: float | None, fallback: float | None = None
) -> float:
    """The sampling frequency of the input, in Hz.

    Epochs carry theirs (``epochs_sfreq``); a contradicting ``sfreq`` parameter is an error.
    Arrays need ``sfreq`` (or a ``fallback``, e.g. the one a fitted estimator learned).
    """
    if sfreq is not None:
        check_real(sfreq, "sfreq", owner, low=0.0, low_inclusive=False)
    if epochs_sfreq is not None:
        if sfreq is not None and not np.isclose(float(sfreq), epochs_sfreq):
            raise ValueError(
                f"{owner}: sfreq={as_python_scalar(sfreq)} but the Epochs are sampled at "
                f"{epochs_sfreq} Hz. Epochs carry their sampling frequency; leave sfreq=None "
                "for them."
            )
        return float(epochs_sfreq)
    if sfreq is None:
        sfreq = fallback
    if sfreq is None:
        raise ValueError(
            f"{owner} needs the sampling frequency of array input: set sfreq (in Hz), e.g. "
            f"sfreq=250.0, or pass mne.Epochs, which carry it."
        )
    return float(sfreq)
