"""Turn user input (arrays or ``mne.Epochs``) into validated float32 EEG arrays.

Every estimator and transformer of the package goes through :func:`check_eeg_data` and
:func:`check_eeg_labels`, so the same input gets the same error everywhere. Errors say
what was wrong and how to fix it; the user's objects are never modified.
"""

from __future__ import annotations

import numbers
from typing import Any, NamedTuple

import numpy as np
from scipy import sparse
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import column_or_1d

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
    "resolve_sfreq",
]


class EEGInput(NamedTuple):
    """Validated EEG input.

    Attributes
    ----------
    data : ndarray of shape (n_trials, n_channels, n_times), float32, C-contiguous
        The signal. A 2D input ``(n_trials, n_features)`` becomes ``(n_trials, n_features, 1)``.
    sfreq : float or None
        Sampling frequency in Hz when the input was ``mne.Epochs``, else None.
    ch_names : list of str or None
        Channel names when the input was ``mne.Epochs``, else None.
    """

    data: np.ndarray
    sfreq: float | None
    ch_names: list[str] | None


def is_epochs(X: Any) -> bool:
    """Whether ``X`` is an MNE epochs object (``mne.Epochs``, ``mne.EpochsArray``, ...)."""
    try:
        from mne import BaseEpochs
    except ImportError:  # pragma: no cover - mne is a hard dependency
        return False
    return isinstance(X, BaseEpochs)


def epochs_from_list(X: Any) -> Any:
    """Join a list of ``mne.Epochs`` back into one; return anything else unchanged.

    scikit-learn's cross-validation indexes objects without a ``shape`` element by element, so
    ``cross_val_score(clf, epochs, y)`` hands each fold a list of one-trial Epochs.
    """
    if isinstance(X, (list, tuple)) and len(X) > 0 and all(is_epochs(e) for e in X):
        if len(X) == 1:
            return X[0]
        from mne import concatenate_epochs

        return concatenate_epochs(list(X), add_offset=True, verbose="error")
    return X


def _as_numeric_array(X: Any, name: str) -> np.ndarray:
    if sparse.issparse(X):
        raise TypeError(
            f"Sparse input is not supported for {name}: EEG is dense. Pass a dense array, "
            f"e.g. {name}.toarray()."
        )
    if isinstance(X, (str, bytes)):
        raise ValueError(
            f"{name} must be a numeric array of shape (n_trials, n_channels, n_times), "
            f"got a string."
        )
    try:
        arr = np.asarray(X)
    except ValueError as exc:  # ragged nested lists
        raise ValueError(
            f"{name} could not be turned into a rectangular array ({exc}). Every trial must "
            "have the same number of channels and samples; crop or pad the trials first."
        ) from None
    if arr.dtype.kind == "c":
        raise ValueError(
            f"Complex data not supported: {name} has dtype {arr.dtype}. Pass the real signal "
            "(e.g. np.real(X) or np.abs(X) for an envelope)."
        )
    if arr.dtype.kind in "USV":
        raise ValueError(
            f"{name} must be numeric, got an array of dtype {arr.dtype} (text or bytes). If the "
            f"strings hold numbers, convert them explicitly with {name}.astype(float)."
        )
    if arr.dtype.kind not in "biuf":
        try:
            arr = arr.astype(np.float64)
        except (TypeError, ValueError) as exc:
            raise type(exc)(
                f"{name} must be numeric, got an array of dtype {arr.dtype} whose values "
                f"cannot be converted to float ({exc}). Check that X holds only the signal, "
                "no text, labels or objects."
            ) from None
    return arr


def check_eeg_data(X: Any, *, name: str = "X", keep_float64: bool = False) -> EEGInput:
    """Validate EEG input and return it as a float32 ``(n_trials, n_channels, n_times)`` array.

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
    sfreq = ch_names = None
    X = epochs_from_list(X)
    if is_epochs(X):
        arr = X.get_data(copy=False)
        sfreq = float(X.info["sfreq"])
        ch_names = list(X.ch_names)
    else:
        arr = _as_numeric_array(X, name)

    if arr.ndim == 2:
        arr = arr[:, :, np.newaxis]
    elif arr.ndim != 3:
        raise ValueError(
            f"Expected {name} of shape (n_trials, n_channels, n_times) or (n_trials, "
            f"n_features), got a {arr.ndim}D array of shape {arr.shape}. "
            + (
                f"Reshape your data: {name}.reshape(-1, 1) if it holds one value per trial, "
                f"{name}.reshape(1, -1) if it is a single trial of features."
                if arr.ndim == 1
                else "Reshape it to (n_trials, n_channels, n_times)."
            )
        )
    n_trials, n_channels, n_times = arr.shape
    if n_trials == 0:
        raise ValueError(
            f"Found array with 0 sample(s) (shape={arr.shape}) while a minimum of 1 is "
            f"required: {name} has no trials."
        )
    if n_channels == 0:
        raise ValueError(
            f"Found array with 0 feature(s) (shape=({n_trials}, 0)) while a minimum of 1 is "
            f"required: {name} has no channels."
        )
    if n_times == 0:
        raise ValueError(
            f"{name} has 0 time samples (shape={arr.shape}); each trial needs at least one."
        )

    with np.errstate(over="ignore"):  # overflow is reported below as inf, with its cause
        dtype = np.float64 if keep_float64 and arr.dtype == np.float64 else np.float32
        data = np.ascontiguousarray(arr, dtype=dtype)
    finite = np.isfinite(data)
    if not finite.all():
        bad_trials = np.flatnonzero(~finite.all(axis=(1, 2)))
        kind = "NaN" if np.isnan(data).any() else "infinite values (inf)"
        overflow = np.isfinite(arr).all() if arr.dtype != data.dtype else False
        raise ValueError(
            f"{name} contains {kind} in {bad_trials.size} trial(s) (first: index "
            f"{bad_trials[0]})"
            + (" after conversion to float32 (values beyond ~3.4e38)" if overflow else "")
            + ". Drop those trials (e.g. epochs.drop_bad() or X[mask]) or repair them "
            "(interpolate bad channels, e.g. epochs.interpolate_bads()) before passing them "
            "here; NaN and inf are not accepted."
        )
    return EEGInput(data, sfreq, ch_names)


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
