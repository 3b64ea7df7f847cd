"""The one EEG-input contract of the package: what every estimator, transformer and baseline
accepts, in which units it reads it, and what it checks against what ``fit`` saw.

Input
-----
``mne.Epochs`` (any :class:`mne.BaseEpochs`; the list of one-trial Epochs that
scikit-learn's cross-validation makes is joined back), or an array-like of shape
``(n_trials, n_channels, n_times)``. A 2D array ``(n_trials, n_features)`` is read as
``n_features`` channels of one sample each. NaN and inf are refused, and the user's objects
are never modified.

Units (one convention)
----------------------
- Epochs are read with every channel that MNE measures in volts (EEG, EOG, ECG, EMG, sEEG,
  ECoG, DBS, bio, ...) in **microvolts**; other channel types (MEG, fNIRS, stim, misc, ...)
  in MNE's SI units, unscaled. This is what
  :class:`~sktime_eeg.preprocessing.EpochsToArray` ``(units="uV")`` returns.
- Arrays carry no units: their values are taken as given, and are expected in microvolts.

So a model fitted on Epochs gives the same numbers on ``EpochsToArray().fit_transform(epochs)``
as on the Epochs themselves. Transformers that return Epochs write their result back in the
same convention (a unit-free result, e.g. a standardized signal, is stored so that it reads
back unchanged in microvolts).

What fit saw, checked at predict / transform
--------------------------------------------
``fit`` keeps an :class:`InputRecord` (attribute ``input_record_``): the number of
channels and samples, the channel names and sampling frequency of Epochs, and the amplitude
(standard deviation) of every channel. Every later call checks its input against it, with
the same wording everywhere:

- channel names (both Epochs): the same channels in another order are refused with the fix
  ``epochs.reorder_channels([...])`` (never reordered or mis-mapped silently); missing,
  extra or renamed channels are refused with their names;
- number of channels (always; arrays carry no names, so only their count is checked);
- sampling frequency (both Epochs): refused with the fix ``epochs.resample(...)``;
- number of samples per trial (network classifiers only);
- scale guard: when the median over channels of (standard deviation now / standard
  deviation in fit) is above :data:`SCALE_TOLERANCE` (100) or below its inverse (1/100), a
  ``ValueError`` names the likely cause: volts where microvolts were seen (or the reverse),
  e.g. ``epochs.get_data()`` (volts) given to a model fitted on Epochs (microvolts); fix
  with ``EpochsToArray(units="uV")`` or ``X * 1e6``. Channels that are constant in either
  data are left out of the ratio; without any other channel the guard is skipped.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
from scipy import sparse

__all__ = [
    "EPOCHS_UNITS",
    "SCALE_TOLERANCE",
    "EEGInput",
    "InputRecord",
    "channel_amplitude",
    "channel_stats",
    "epochs_from_list",
    "epochs_units",
    "epochs_with_data",
    "is_epochs",
    "n_trials",
    "read_eeg",
]

#: The unit every volt-measured channel of Epochs is read in (arrays are expected in it too).
EPOCHS_UNITS = "uV"

#: The scale guard's limit: a median amplitude ratio (now / fit) beyond this factor, either
#: way, is refused as a likely change of units.
SCALE_TOLERANCE = 100.0

#: Values per chunk when computing channel statistics (256 Ki values: 2 MiB of float64).
_CHUNK = 1 << 18


# -- Epochs ----------------------------------------------------------------------------------
def is_epochs(X: Any) -> bool:
    """Whether ``X`` is an MNE epochs object (``mne.Epochs``, ``mne.EpochsArray``, ...)."""
    from mne import BaseEpochs

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


def _volt_channel_types() -> tuple[str, ...]:
    """MNE's channel types measured in volts (eeg, eog, ecg, emg, seeg, ecog, dbs, bio, ...)."""
    from mne.defaults import DEFAULTS

    return tuple(ch_type for ch_type, unit in DEFAULTS["si_units"].items() if unit == "V")


def epochs_units(units: str | dict | None, epochs: Any, *, strict: bool = False) -> Any:
    """``units`` for :meth:`mne.Epochs.get_data`, with a voltage unit applied to every volt type.

    A voltage unit (``"uV"``, ``"mV"``, ``"V"``, ...) becomes a dict over all of MNE's volt
    channel types, which scales each of them and leaves the other types (stim, misc, MEG,
    ...) in their SI units; MNE itself accepts a str only for a single channel type. Other
    values (dicts, None, other strings) are returned as they are.

    Parameters
    ----------
    units : str or dict or None
        The requested units.
    epochs : mne.BaseEpochs
        The Epochs to read.
    strict : bool, default=False
        With True, a voltage unit for Epochs without any volt channel (e.g. MEG only) is
        returned unchanged, so that MNE reports that the unit does not fit (what
        :class:`~sktime_eeg.preprocessing.EpochsToArray` wants); with False (the package's
        reading convention) such Epochs are read in SI units.
    """
    volt_types = _volt_channel_types()
    if isinstance(units, str) and units.endswith("V") and len(units) <= 2:
        if strict and not any(t in volt_types for t in epochs.get_channel_types()):
            return units
        return dict.fromkeys(volt_types, units)  # MNE validates the prefix
    return units


def _si_factors(epochs: Any) -> np.ndarray:
    """Per channel: the value in SI units of one unit of the package's convention (1e-6 for
    volt channels, read in microvolts; 1 for the others)."""
    volt_types = _volt_channel_types()
    return np.array([1e-6 if t in volt_types else 1.0 for t in epochs.get_channel_types()])


def _epochs_copy(epochs: Any) -> Any:
    """A preloaded copy of ``epochs`` that can be modified freely."""
    out = epochs.copy()
    if not out.preload:
        out.load_data()
    return out


def epochs_with_data(epochs: Any, data: np.ndarray, picks: np.ndarray | None = None) -> Any:
    """A copy of ``epochs`` holding ``data``, given in the package's units (see module doc).

    Volt channels of ``data`` are in microvolts and stored in volts, so that reading the
    result the package's way gives ``data`` back. With ``picks`` (channel indices), ``data``
    holds only those channels, which it replaces; the other channels keep their values.
    """
    out = _epochs_copy(epochs)
    factors = _si_factors(epochs)
    full = out.get_data()  # a copy, in MNE's SI units (as stored)
    if picks is None:
        picks = np.arange(full.shape[1])
    full[:, picks] = data * factors[picks][:, None]
    return out.apply_function(lambda _: full, picks="all", channel_wise=False)


# -- counting --------------------------------------------------------------------------------
def n_trials(X: Any) -> int:
    """Number of trials of ``X`` without reading or copying its signal.

    Parameters
    ----------
    X : mne.Epochs, list of mne.Epochs, or array-like of shape (n_trials, ...)
        EEG. For Epochs whose bad trials have not been dropped yet (lazy Epochs with
        rejection), the count is the number left after dropping (found on a copy).

    Returns
    -------
    int
    """
    if is_epochs(X):
        try:
            return len(X)
        except RuntimeError:  # lazy Epochs whose bad trials are not dropped yet (MNE refuses)
            return len(X.copy().drop_bad(verbose=False))
    if isinstance(X, (list, tuple)) and len(X) > 0 and all(is_epochs(e) for e in X):
        return sum(n_trials(e) for e in X)
    shape = getattr(X, "shape", None)
    if shape is not None and len(shape) > 0:
        return int(shape[0])
    if isinstance(X, (str, bytes)) or not hasattr(X, "__len__"):
        raise TypeError(
            "X must be mne.Epochs or an array-like of shape (n_trials, n_channels, n_times), "
            f"got {type(X).__name__}."
        )
    return len(X)


# -- reading ---------------------------------------------------------------------------------
class EEGInput(NamedTuple):
    """Validated EEG input.

    Attributes
    ----------
    data : ndarray of shape (n_trials, n_channels, n_times), C-contiguous
        The signal (float32, or float64 as asked). A 2D input ``(n_trials, n_features)``
        becomes ``(n_trials, n_features, 1)``. It may be a view of the user's array: never
        modify it in place.
    sfreq : float or None
        Sampling frequency in Hz when the input was ``mne.Epochs``, else None.
    ch_names : list of str or None
        Channel names when the input was ``mne.Epochs``, else None.
    epochs : mne.BaseEpochs or None
        The Epochs (a list of them joined) when the input was Epochs, else None.
    was_2d : bool
        Whether the input was a 2D array.
    tmin : float or None
        Time of the first sample in seconds for Epochs, else None.
    """

    data: np.ndarray
    sfreq: float | None
    ch_names: list[str] | None
    epochs: Any = None
    was_2d: bool = False
    tmin: float | None = None

    @property
    def n_trials(self) -> int:
        return self.data.shape[0]

    @property
    def n_channels(self) -> int:
        return self.data.shape[1]

    @property
    def n_times(self) -> int:
        return self.data.shape[2]


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


_DTYPES = ("float32", "float64", "keep")


def read_eeg(
    X: Any,
    *,
    name: str = "X",
    units: str | dict | None = EPOCHS_UNITS,
    strict_units: bool = False,
    dtype: str = "float32",
) -> EEGInput:
    """Validate EEG input and return it as a ``(n_trials, n_channels, n_times)`` array.

    Parameters
    ----------
    X : array-like of shape (n_trials, n_channels, n_times) or (n_trials, n_features), \
            or mne.Epochs
        The EEG. A 2D array is read as ``n_features`` channels of one sample each. For
        ``mne.Epochs`` all channels are used; pick the ones you want first, e.g.
        ``epochs.pick("eeg")``.
    name : str, default="X"
        Name of the argument, used in error messages.
    units : str or dict or None, default="uV"
        Units in which Epochs are read (arrays are taken as given). The default is the
        package's convention: volt channels in microvolts, the others in SI units. None
        reads them as stored (SI units, as ``epochs.get_data()``).
    strict_units : bool, default=False
        Let MNE refuse a voltage unit for Epochs without volt channels (see
        :func:`epochs_units`).
    dtype : {"float32", "float64", "keep"}, default="float32"
        Type of ``data``; ``"keep"`` keeps float64 input float64 and makes the rest float32.

    Returns
    -------
    EEGInput
        ``data`` (a new array, or a view when the input already had the asked type and was
        C-contiguous; never modified in place) with the Epochs' ``sfreq``, ``ch_names``,
        ``epochs`` and ``tmin``.

    Raises
    ------
    TypeError
        For sparse matrices.
    ValueError
        For non-numeric or complex values, a number of dimensions other than 2 or 3,
        empty input, or NaN / infinite values.
    """
    if dtype not in _DTYPES:  # pragma: no cover - internal callers only
        raise ValueError(f"dtype must be one of {_DTYPES}, got {dtype!r}.")
    sfreq = ch_names = epochs = tmin = None
    X = epochs_from_list(X)
    if is_epochs(X):
        epochs = X
        get_units = epochs_units(units, X, strict=strict_units)
        arr = X.get_data(copy=False) if get_units is None else X.get_data(units=get_units)
        sfreq = float(X.info["sfreq"])
        ch_names = list(X.ch_names)
        tmin = float(X.times[0])
    else:
        arr = _as_numeric_array(X, name)

    was_2d = arr.ndim == 2
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
    n, n_channels, n_times = arr.shape
    if n == 0:
        raise ValueError(
            f"Found array with 0 sample(s) (shape={arr.shape}) while a minimum of 1 is "
            f"required: {name} has no trials."
        )
    if n_channels == 0:
        raise ValueError(
            f"Found array with 0 feature(s) (shape=({n}, 0)) while a minimum of 1 is "
            f"required: {name} has no channels."
        )
    if n_times == 0:
        raise ValueError(
            f"{name} has 0 time samples (shape={arr.shape}); each trial needs at least one."
        )

    if dtype == "float64" or (dtype == "keep" and arr.dtype == np.float64):
        target = np.float64
    else:
        target = np.float32
    with np.errstate(over="ignore"):  # overflow is reported below as inf, with its cause
        data = np.ascontiguousarray(arr, dtype=target)
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
    return EEGInput(data, sfreq, ch_names, epochs, was_2d, tmin)


# -- statistics ------------------------------------------------------------------------------
def channel_stats(data: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and standard deviation of every channel over trials and time, in float64.

    Computed a few trials at a time (two passes), so no full-size float64 copy is made.

    Parameters
    ----------
    data : ndarray of shape (n_trials, n_channels, n_times)

    Returns
    -------
    mean, std : ndarray of shape (n_channels,)
    """
    n, n_channels, n_times = data.shape
    step = max(1, _CHUNK // max(1, n_channels * n_times))
    total = np.zeros(n_channels)
    for start in range(0, n, step):
        total += data[start : start + step].sum(axis=(0, 2), dtype=np.float64)
    mean = total / (n * n_times)
    squares = np.zeros(n_channels)
    for start in range(0, n, step):
        deviation = data[start : start + step].astype(np.float64) - mean[:, None]
        squares += np.einsum("nct,nct->c", deviation, deviation)
    return mean, np.sqrt(squares / (n * n_times))


def channel_amplitude(data: np.ndarray) -> np.ndarray:
    """Standard deviation of every channel over trials and time (float64, ``(n_channels,)``)."""
    return channel_stats(data)[1]


# -- what fit saw ----------------------------------------------------------------------------
def _count_message(owner: str, n_channels: int, fitted: int, was_2d: bool) -> str:
    hint = (
        " A single trial of shape (n_channels, n_times) must be passed as X[np.newaxis]."
        if was_2d
        else ""
    )
    return (
        f"X has {n_channels} features, but {owner} is expecting {fitted} features as input: "
        "the number of channels (axis 1 of (n_trials, n_channels, n_times)) must equal the "
        "one seen in fit." + hint
    )


@dataclass(frozen=True, eq=False)
class InputRecord:
    """What ``fit`` saw of its input, to check every later input against.

    Attributes
    ----------
    n_channels, n_times : int
        Shape of one trial.
    ch_names : tuple of str or None
        Channel names when fitted on Epochs, else None.
    sfreq : float or None
        Sampling frequency in Hz when fitted on Epochs, else None.
    tmin : float or None
        Time of the first sample (s) when fitted on Epochs, else None.
    amplitude : ndarray of shape (n_channels,)
        Standard deviation of every channel over trials and time, in the package's units
        (see the module documentation), for the scale guard.
    """

    n_channels: int
    n_times: int
    ch_names: tuple[str, ...] | None
    sfreq: float | None
    tmin: float | None
    amplitude: np.ndarray

    @classmethod
    def of(cls, eeg: EEGInput, amplitude: np.ndarray | None = None) -> InputRecord:
        """The record of ``eeg`` (``amplitude``: when already computed by the caller)."""
        if amplitude is None:
            amplitude = channel_amplitude(eeg.data)
        return cls(
            n_channels=eeg.n_channels,
            n_times=eeg.n_times,
            ch_names=None if eeg.ch_names is None else tuple(eeg.ch_names),
            sfreq=eeg.sfreq,
            tmin=eeg.tmin,
            amplitude=np.asarray(amplitude, dtype=np.float64),
        )

    def check(self, eeg: EEGInput, owner: str, *, n_times: bool = False) -> None:
        """Raise a ``ValueError`` naming the problem and the fix when ``eeg`` does not fit.

        Parameters
        ----------
        eeg : EEGInput
            The new input, read like the training input.
        owner : str
            Name of the estimator, for the messages.
        n_times : bool, default=False
            Also require the fitted number of samples per trial.
        """
        self.check_channels(eeg, owner)
        if eeg.sfreq is not None and self.sfreq is not None and eeg.sfreq != self.sfreq:
            raise ValueError(
                f"{owner}: X is sampled at {eeg.sfreq} Hz but {owner} was fitted at "
                f"{self.sfreq} Hz; resample it first, e.g. epochs.resample({self.sfreq})."
            )
        if n_times and eeg.n_times != self.n_times:
            raise ValueError(
                f"X has {eeg.n_times} samples per trial but {owner} was fitted on "
                f"{self.n_times}; crop or resample the trials to the fitted window."
            )
        self.check_scale(eeg, owner)

    def check_channels(self, eeg: EEGInput, owner: str) -> None:
        """The channel part of :meth:`check`: names for Epochs, the count for arrays."""
        if eeg.ch_names is not None and self.ch_names is not None:
            got, expected = list(eeg.ch_names), list(self.ch_names)
            if got == expected:
                return
            if sorted(got) == sorted(expected):
                raise ValueError(
                    f"{owner}: the channels of X differ from those seen in fit: the same "
                    f"channels in another order (got {got}, expected {expected}). Channels "
                    "are never reordered silently; reorder them with "
                    f"epochs.reorder_channels({expected!r})."
                )
            missing = [c for c in expected if c not in got]
            extra = [c for c in got if c not in expected]
            raise ValueError(
                f"{owner}: the channels of X differ from those seen in fit: missing "
                f"{missing}, not seen in fit {extra} (got {got}, expected {expected}). Give X "
                "exactly the fitted channels: rename (epochs.rename_channels), pick "
                "(epochs.pick) or interpolate them, then put them in order with "
                f"epochs.reorder_channels({expected!r})."
            )
        if eeg.n_channels != self.n_channels:
            raise ValueError(_count_message(owner, eeg.n_channels, self.n_channels, eeg.was_2d))

    def check_scale(self, eeg: EEGInput, owner: str) -> None:
        """The scale guard of :meth:`check` (see the module documentation)."""
        now = channel_amplitude(eeg.data)
        fitted = self.amplitude
        usable = (now > 0) & (fitted > 0) & np.isfinite(now) & np.isfinite(fitted)
        if not usable.any():
            return
        ratio = float(np.median(now[usable] / fitted[usable]))
        if 1.0 / SCALE_TOLERANCE <= ratio <= SCALE_TOLERANCE:
            return
        start = (
            f"{owner}: the amplitude of X is {ratio:.1e} times the one seen in fit (median over "
            f"channels of the ratio of standard deviations; a factor of {SCALE_TOLERANCE:g} "
            "either way is allowed). X is most likely in other units than the training data"
        )
        if ratio < 1.0:
            raise ValueError(
                start + ": volts where microvolts were seen. Epochs are read in microvolts "
                "and arrays are taken as given, so give arrays in microvolts too: "
                "EpochsToArray(units='uV').fit_transform(epochs) rather than "
                "epochs.get_data() (volts), or X * 1e6 for an array in volts."
            )
        raise ValueError(
            start + ": microvolts where volts (or smaller values) were seen, e.g. fitted on "
            "epochs.get_data() or another array in volts and now given Epochs (read in "
            "microvolts) or a microvolt array. Use the same units in fit and later: Epochs "
            "both times, or arrays in microvolts (X * 1e6 for an array in volts, "
            "EpochsToArray(units='uV') for Epochs)."
        )
