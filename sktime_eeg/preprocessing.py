"""Preprocessing steps for EEG as scikit-learn transformers, on ``mne.Epochs`` or arrays.

Every transformer accepts either

- ``mne.Epochs`` (any :class:`mne.BaseEpochs`): the sampling frequency and channel names are
  read from it and the result is a new ``Epochs`` object, so channel information flows on to
  the next step (e.g. a :class:`~sktime_eeg.Conv2DEEGClassifier`), except for
  :class:`EpochsToArray`, whose job is to return an array; or
- an array of shape ``(n_trials, n_channels, n_times)``: the sampling frequency is then the
  ``sfreq`` parameter (a clear error says so when a step needs it and it is missing) and the
  result is a float64 array.

Shape rule for arrays: a 3D input gives a 3D output ``(n_trials, n_channels_out,
n_times_out)``. A 2D input ``(n_trials, n_features)`` is read as ``n_features`` channels of one
sample each (as :func:`~sktime_eeg._validation.check_eeg_data` does), and is returned 2D
``(n_trials, n_channels_out)`` whenever one sample per channel remains (only upsampling with
:class:`Resampler` makes it 3D).

The signal processing is MNE's (:func:`mne.filter.filter_data`, :func:`mne.filter.resample`
and the ``filter`` / ``resample`` / ``crop`` / ``pick`` methods of Epochs, always on a copy);
the geometry of :class:`EuclideanAligner` is pyRiemann's. Neither the user's Epochs nor their
arrays are ever modified.

Inside scikit-learn's cross-validation, Epochs are indexed trial by trial into a list of
one-trial Epochs; the transformers accept such a list and concatenate it back into one
Epochs object (:func:`mne.concatenate_epochs`, which renumbers the event samples).
"""

from __future__ import annotations

import numbers
import warnings
from collections.abc import Hashable, Sequence
from typing import Any, NamedTuple

import numpy as np
from scipy.signal import lfilter
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from ._validation import (
    check_eeg_data,
    check_groups,
    check_positive_int,
    check_real,
    epochs_from_list,
    is_epochs,
    resolve_sfreq,
)

__all__ = [
    "BandpassFilter",
    "ChannelPicker",
    "EpochsToArray",
    "EuclideanAligner",
    "ExponentialStandardizer",
    "Resampler",
    "TimeCrop",
]

#: Verbosity passed to MNE: its INFO messages (filter design, ...) are silenced, its
#: warnings (e.g. a filter longer than the signal) still reach the user.
_MNE_VERBOSE = False


# -- input handling -------------------------------------------------------------------------
def _epochs_copy(epochs: Any) -> Any:
    """A preloaded copy of ``epochs`` that can be modified freely."""
    out = epochs.copy()
    if not out.preload:
        out.load_data()
    return out


def _replace_epochs_data(epochs: Any, data: np.ndarray, picks: np.ndarray | None = None) -> Any:
    """A copy of ``epochs`` holding ``data`` instead of its signal.

    With ``picks`` (channel indices), ``data`` holds only those channels, which it replaces;
    the other channels keep their values. Without, ``data`` replaces all channels.
    """
    out = _epochs_copy(epochs)
    if picks is not None:
        full = out.get_data()  # a copy, in MNE's SI units (as stored)
        full[:, picks] = data
        data = full
    return out.apply_function(lambda _: data, picks="all", channel_wise=False)


def _volt_channel_types() -> tuple[str, ...]:
    """MNE's channel types measured in volts (eeg, eog, ecg, emg, seeg, ecog, dbs, bio, ...)."""
    from mne.defaults import DEFAULTS

    return tuple(ch_type for ch_type, unit in DEFAULTS["si_units"].items() if unit == "V")


def _get_data_units(units: str | dict | None, epochs: Any) -> str | dict | None:
    """``units`` for :meth:`mne.Epochs.get_data`, with a voltage unit applied to every volt type.

    MNE accepts a str only when the Epochs hold a single channel type with a unit, so
    ``"uV"`` fails for EEG + EOG. When ``epochs`` have channels measured in volts, a voltage
    unit (``"uV"``, ``"mV"``, ``"V"``, ...) becomes a dict over all of MNE's volt channel
    types, which scales each of them and leaves the other types (stim, misc, MEG, ...) in
    their SI units. Otherwise (e.g. MEG only), and for other values, ``units`` is returned as
    it is, so MNE reports a unit that does not fit.
    """
    volt_types = _volt_channel_types()
    if (
        isinstance(units, str)
        and units.endswith("V")
        and len(units) <= 2
        and any(ch_type in volt_types for ch_type in epochs.get_channel_types())
    ):
        return dict.fromkeys(volt_types, units)  # MNE validates the prefix
    return units


def _data_channel_picks(owner: str, epochs: Any) -> np.ndarray:
    """Indices of the data channels of ``epochs``, as ``epochs.pick("data")`` selects them.

    Data channels are MEG (with reference MEG), EEG, sEEG, ECoG, DBS, fNIRS and CSD ones, bad
    channels included; EOG, ECG, EMG, stim, misc, ... are not. Raises a ``ValueError`` when
    there are none, or when they are measured in different units (e.g. EEG in volts and MEG
    in tesla, which one standardization or one covariance cannot treat together).
    """
    from mne import pick_types
    from mne.defaults import DEFAULTS

    picks = pick_types(
        epochs.info,
        meg=True,
        ref_meg=True,
        eeg=True,
        csd=True,
        seeg=True,
        ecog=True,
        fnirs=True,
        dbs=True,
        exclude=(),
    )
    if picks.size == 0:
        types = sorted(set(epochs.get_channel_types()))
        raise ValueError(
            f"{owner}: the Epochs have no data channels (EEG, MEG, sEEG, ECoG, DBS, fNIRS or "
            f"CSD), only channels of type {types}. {owner} processes the data channels and "
            "passes the others through; if some channels hold EEG, set their type, e.g. "
            "epochs.set_channel_types({'C3': 'eeg'})."
        )
    types = sorted({epochs.get_channel_types()[k] for k in picks})
    units = {ch_type: DEFAULTS["si_units"].get(ch_type, "?") for ch_type in types}
    if len(set(units.values())) > 1:
        raise ValueError(
            f"{owner}: the data channels of the Epochs are measured in different units "
            f"({', '.join(f'{t}: {u}' for t, u in units.items())}), which {owner} cannot "
            "process together. Process one kind of sensor at a time, e.g. "
            f"{owner}().fit_transform(epochs.copy().pick({types[0]!r}))."
        )
    return picks


class _Input(NamedTuple):
    """A validated input: Epochs (then ``data`` is None) or a float64 3D array."""

    epochs: Any
    data: np.ndarray | None
    sfreq: float | None
    ch_names: list[str] | None
    n_trials: int
    n_channels: int
    n_times: int
    was_2d: bool


def _restore_ndim(out: np.ndarray, was_2d: bool) -> np.ndarray:
    """Give a 2D input back as 2D when one sample per channel remains."""
    if was_2d and out.shape[-1] == 1:
        return out[:, :, 0]
    return out


def _check_sfreq_value(owner: str, sfreq: Any, name: str = "sfreq") -> None:
    if sfreq is None:
        return
    if isinstance(sfreq, bool) or not isinstance(sfreq, numbers.Real) or not sfreq > 0:
        raise ValueError(
            f"{owner}: {name} must be a positive number of Hz (or None), got {sfreq!r}."
        )


class _BaseEEGTransformer(TransformerMixin, BaseEstimator):
    """Shared plumbing of the transformers (not public).

    Subclasses implement ``_check_params`` and ``_transform_epochs`` /
    ``_transform_array``; they are stateless unless they set ``_stateless = False``.
    """

    _stateless = True

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.input_tags.two_d_array = True
        tags.requires_fit = not self._stateless
        return tags

    # -- hooks ------------------------------------------------------------------------------
    def _check_params(self) -> None:
        """Raise ``ValueError`` for invalid hyperparameters."""

    def _transform_epochs(self, epochs: Any, eeg: _Input) -> Any:
        raise NotImplementedError

    def _transform_array(self, data: np.ndarray, eeg: _Input) -> np.ndarray:
        raise NotImplementedError

    # -- plumbing ---------------------------------------------------------------------------
    def _validate(self, X: Any, *, reset: bool) -> _Input:
        """Validate X through the shared validation; record / check ``n_features_in_``."""
        X = epochs_from_list(X)
        checked = check_eeg_data(X)
        n_trials, n_channels, n_times = checked.data.shape
        # n_features_in_ (the number of channels) and feature names the scikit-learn way;
        # stateless transformers that were never fitted skip the comparison.
        validate_data(
            self,
            X if hasattr(X, "columns") else checked.data,
            skip_check_array=True,
            reset=reset,
        )
        if is_epochs(X):
            return _Input(
                X, None, checked.sfreq, checked.ch_names, n_trials, n_channels, n_times, False
            )
        # Process in float64 from the user's values (not from the float32 validated copy),
        # so float64 data keeps its precision.
        array = np.asarray(X, dtype=np.float64)
        data = array.reshape(n_trials, n_channels, n_times)
        return _Input(None, data, None, None, n_trials, n_channels, n_times, array.ndim == 2)

    def fit(self, X: Any, y: Any = None) -> _BaseEEGTransformer:
        """Validate the parameters and the input; record ``n_features_in_``.

        Parameters
        ----------
        X : mne.Epochs or array-like of shape (n_trials, n_channels, n_times) or \
                (n_trials, n_features)
            EEG.
        y : None
            Ignored; present for the Pipeline API.

        Returns
        -------
        self
        """
        self._check_params()
        self._validate(X, reset=True)
        return self

    def transform(self, X: Any) -> Any:
        """Apply the step to every trial.

        Parameters
        ----------
        X : mne.Epochs or array-like of shape (n_trials, n_channels, n_times) or \
                (n_trials, n_features)
            EEG with the number of channels seen in ``fit`` (when fitted).

        Returns
        -------
        mne.Epochs or ndarray
            A new Epochs object for Epochs input; for arrays a new float64 array
            ``(n_trials, n_channels_out, n_times_out)`` (2D for 2D input when one sample per
            channel remains). The input is not modified.
        """
        self._check_params()
        eeg = self._validate(X, reset=False)
        if eeg.epochs is not None:
            return self._transform_epochs(eeg.epochs, eeg)
        return _restore_ndim(self._transform_array(eeg.data, eeg), eeg.was_2d)


# -- EpochsToArray --------------------------------------------------------------------------
class EpochsToArray(_BaseEEGTransformer):
    """Turn ``mne.Epochs`` into a float64 array in the chosen units.

    Stateless. Use it in front of estimators that only take arrays (e.g. pyRiemann's); the
    Riemannian baselines of :mod:`sktime_eeg.baselines` start with it.

    Parameters
    ----------
    units : str or dict or None, default="uV"
        Units of the returned values for Epochs, as in :meth:`mne.Epochs.get_data` (``"uV"``
        microvolts, ``"V"``, ...; None keeps MNE's SI units). A voltage unit (``"uV"``,
        ``"mV"``, ``"V"``, ...) applies to every channel type MNE measures in volts (EEG,
        EOG, ECG, EMG, sEEG, ECoG, DBS, bio, ...), so Epochs that mix such types work; the
        other channels (stim, misc, MEG, ...) keep MNE's SI units, unscaled. Other strings
        and dicts (e.g. ``{"mag": "fT"}``) go to MNE as they are. Arrays carry no units: they
        are returned as float64 copies of the values given.

    Examples
    --------
    >>> import numpy as np, mne
    >>> info = mne.create_info(["C3", "Cz", "C4"], 250.0, "eeg")
    >>> epochs = mne.EpochsArray(np.full((2, 3, 5), 1e-6), info, verbose=False)
    >>> EpochsToArray().fit_transform(epochs)[0, 0, :2]
    array([1., 1.])
    """

    def __init__(self, units: str | dict | None = "uV") -> None:
        self.units = units

    def _check_params(self) -> None:
        if self.units is not None and not isinstance(self.units, (str, dict)):
            raise ValueError(
                f"EpochsToArray: units must be a str such as 'uV' or 'V', a dict, or None; "
                f"got {self.units!r}."
            )

    def transform(self, X: Any) -> np.ndarray:
        """Return the signal of X as an array.

        Parameters
        ----------
        X : mne.Epochs or array-like of shape (n_trials, n_channels, n_times) or \
                (n_trials, n_features)
            EEG.

        Returns
        -------
        ndarray of shape (n_trials, n_channels, n_times), float64
            For Epochs, all channels, as ``epochs.get_data(units=units)`` with a voltage unit
            applied to every volt channel type (see ``units``); for arrays, a float64 copy
            with the shape of the input (2D stays 2D).
        """
        self._check_params()
        eeg = self._validate(X, reset=False)
        if eeg.epochs is not None:
            data = eeg.epochs.get_data(units=_get_data_units(self.units, eeg.epochs))
            return np.ascontiguousarray(data, dtype=np.float64)
        return _restore_ndim(eeg.data.copy(), eeg.was_2d)


# -- BandpassFilter -------------------------------------------------------------------------
class BandpassFilter(_BaseEEGTransformer):
    """Band-pass (or low-/high-pass) filter every trial with MNE.

    Stateless. Epochs are filtered with :meth:`mne.Epochs.filter` on a copy (their data
    channels, ``info["highpass"]`` / ``info["lowpass"]`` updated), arrays with
    :func:`mne.filter.filter_data` (all channels) with the same settings, so both give the
    same numbers.

    Parameters
    ----------
    l_freq : float or None
        Lower pass-band edge in Hz; None for a low-pass filter.
    h_freq : float or None
        Upper pass-band edge in Hz; None for a high-pass filter. Must be above ``l_freq``
        when both are given and below the Nyquist frequency.
    sfreq : float or None, default=None
        Sampling frequency of array input in Hz. Required for arrays; Epochs carry their own
        (when set it must agree with theirs).
    filter_length, l_trans_bandwidth, h_trans_bandwidth, method, iir_params, phase, \
fir_window, fir_design, pad
        Passed to MNE; see :func:`mne.filter.filter_data`. Defaults are MNE's, except ``pad``
        whose default ``"edge"`` is the one of ``Epochs.filter``.

    Notes
    -----
    A FIR filter longer than the trials distorts them; MNE warns when that happens. Filter
    the continuous recording before epoching when you can, or use short trials with
    ``method="iir"``.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.random.default_rng(0).standard_normal((4, 3, 500))
    >>> BandpassFilter(8.0, 30.0, sfreq=250.0).fit_transform(X).shape
    (4, 3, 500)
    """

    def __init__(
        self,
        l_freq: float | None,
        h_freq: float | None,
        sfreq: float | None = None,
        *,
        filter_length: str | int = "auto",
        l_trans_bandwidth: str | float = "auto",
        h_trans_bandwidth: str | float = "auto",
        method: str = "fir",
        iir_params: dict | None = None,
        phase: str = "zero",
        fir_window: str = "hamming",
        fir_design: str = "firwin",
        pad: str = "edge",
    ) -> None:
        self.l_freq = l_freq
        self.h_freq = h_freq
        self.sfreq = sfreq
        self.filter_length = filter_length
        self.l_trans_bandwidth = l_trans_bandwidth
        self.h_trans_bandwidth = h_trans_bandwidth
        self.method = method
        self.iir_params = iir_params
        self.phase = phase
        self.fir_window = fir_window
        self.fir_design = fir_design
        self.pad = pad

    def _check_params(self) -> None:
        for name in ("l_freq", "h_freq"):
            value = getattr(self, name)
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, numbers.Real) or value < 0
            ):
                raise ValueError(
                    f"BandpassFilter: {name} must be a non-negative number of Hz or None, got "
                    f"{value!r}."
                )
        if self.l_freq is None and self.h_freq is None:
            raise ValueError(
                "BandpassFilter: l_freq and h_freq are both None, which filters nothing; give "
                "at least one band edge, e.g. BandpassFilter(8.0, 30.0)."
            )
        if self.l_freq is not None and self.h_freq is not None and self.l_freq >= self.h_freq:
            raise ValueError(
                f"BandpassFilter: l_freq ({self.l_freq}) must be below h_freq ({self.h_freq}) "
                "for a band-pass. For a band-stop (notch) filter use MNE directly."
            )
        _check_sfreq_value("BandpassFilter", self.sfreq)

    def _mne_kwargs(self) -> dict:
        return dict(
            filter_length=self.filter_length,
            l_trans_bandwidth=self.l_trans_bandwidth,
            h_trans_bandwidth=self.h_trans_bandwidth,
            method=self.method,
            iir_params=self.iir_params,
            phase=self.phase,
            fir_window=self.fir_window,
            fir_design=self.fir_design,
            pad=self.pad,
            verbose=_MNE_VERBOSE,
        )

    def _transform_epochs(self, epochs: Any, eeg: _Input) -> Any:
        resolve_sfreq("BandpassFilter", self.sfreq, eeg.sfreq)
        return _epochs_copy(epochs).filter(self.l_freq, self.h_freq, **self._mne_kwargs())

    def _transform_array(self, data: np.ndarray, eeg: _Input) -> np.ndarray:
        from mne.filter import filter_data

        sfreq = resolve_sfreq("BandpassFilter", self.sfreq, eeg.sfreq)
        return filter_data(data, sfreq, self.l_freq, self.h_freq, copy=True, **self._mne_kwargs())


# -- Resampler ------------------------------------------------------------------------------
class Resampler(_BaseEEGTransformer):
    """Resample every trial to a new sampling frequency with MNE.

    Stateless. Epochs go through :meth:`mne.Epochs.resample` on a copy (``info["sfreq"]``
    and ``times`` updated), arrays through :func:`mne.filter.resample` with the same
    settings, so both give the same numbers. Downsampling applies MNE's anti-aliasing.

    Parameters
    ----------
    sfreq_new : float
        Target sampling frequency in Hz.
    sfreq : float or None, default=None
        Sampling frequency of array input in Hz. Required for arrays; Epochs carry their own.
    npad, window, pad, method
        Passed to MNE; see :func:`mne.filter.resample`. ``pad`` defaults to ``"edge"`` like
        ``Epochs.resample``.

    Notes
    -----
    Arrays come back with ``round(n_times * sfreq_new / sfreq)`` samples per trial. A 2D
    input (one sample per channel) stays 2D unless upsampling gives it more samples.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.zeros((2, 3, 1000))
    >>> Resampler(100.0, sfreq=250.0).fit_transform(X).shape
    (2, 3, 400)
    """

    def __init__(
        self,
        sfreq_new: float,
        sfreq: float | None = None,
        *,
        npad: str | int = "auto",
        window: str = "auto",
        pad: str = "edge",
        method: str = "fft",
    ) -> None:
        self.sfreq_new = sfreq_new
        self.sfreq = sfreq
        self.npad = npad
        self.window = window
        self.pad = pad
        self.method = method

    def _check_params(self) -> None:
        if self.sfreq_new is None:
            raise ValueError("Resampler: sfreq_new must be a positive number of Hz, got None.")
        _check_sfreq_value("Resampler", self.sfreq_new, "sfreq_new")
        _check_sfreq_value("Resampler", self.sfreq)

    def _mne_kwargs(self) -> dict:
        return dict(
            npad=self.npad,
            window=self.window,
            pad=self.pad,
            method=self.method,
            verbose=_MNE_VERBOSE,
        )

    def _transform_epochs(self, epochs: Any, eeg: _Input) -> Any:
        resolve_sfreq("Resampler", self.sfreq, eeg.sfreq)
        return _epochs_copy(epochs).resample(float(self.sfreq_new), **self._mne_kwargs())

    def _transform_array(self, data: np.ndarray, eeg: _Input) -> np.ndarray:
        from mne.filter import resample

        sfreq = resolve_sfreq("Resampler", self.sfreq, eeg.sfreq)
        if np.isclose(float(self.sfreq_new), sfreq):
            return data.copy()
        out = resample(data, float(self.sfreq_new), sfreq, axis=-1, **self._mne_kwargs())
        if out.shape[-1] == 0:
            raise ValueError(
                f"Resampler: {eeg.n_times} sample(s) at {sfreq} Hz leave no sample at "
                f"{self.sfreq_new} Hz; use longer trials or a higher sfreq_new."
            )
        return out


# -- ChannelPicker --------------------------------------------------------------------------
def _as_pick_list(picks: Any) -> list:
    if isinstance(picks, (str, numbers.Integral)):
        return [picks]
    if isinstance(picks, np.ndarray):
        return picks.ravel().tolist()
    if isinstance(picks, Sequence):
        return list(picks)
    raise ValueError(
        "ChannelPicker: picks must be channel names or integer indices (a str, an int, or a "
        f"list of them), got {picks!r}."
    )


class ChannelPicker(_BaseEEGTransformer):
    """Keep the given channels, in the given order.

    Stateless. Epochs are picked with :meth:`mne.Epochs.pick` on a copy, so ``picks`` may be
    anything MNE accepts there (channel names, indices, channel types such as ``"eeg"``).
    Arrays have no channel names: give integer indices, or names together with the
    ``ch_names`` of the array's channels.

    Parameters
    ----------
    picks : str, int, or list of str or int
        The channels to keep, in the order of the output. Repeated channels are an error.
    ch_names : list of str or None, default=None
        Names of the channels of array input (axis 1), needed to pick arrays by name. For
        Epochs leave it None (when set, it must equal the Epochs' channel names).

    Examples
    --------
    >>> import numpy as np
    >>> X = np.arange(12.0).reshape(1, 3, 4)
    >>> ChannelPicker(["C4", "C3"], ch_names=["C3", "Cz", "C4"]).fit_transform(X)[0, :, 0]
    array([8., 0.])
    """

    def __init__(self, picks: Any, ch_names: Sequence[str] | None = None) -> None:
        self.picks = picks
        self.ch_names = ch_names

    def _check_params(self) -> None:
        picks = _as_pick_list(self.picks)
        if len(picks) == 0:
            raise ValueError("ChannelPicker: picks is empty; name at least one channel.")
        if len(set(picks)) != len(picks):
            raise ValueError(f"ChannelPicker: picks {picks!r} names a channel more than once.")
        if self.ch_names is not None and (
            isinstance(self.ch_names, str) or len(set(self.ch_names)) != len(self.ch_names)
        ):
            raise ValueError(
                "ChannelPicker: ch_names must be a list of distinct channel names, got "
                f"{self.ch_names!r}."
            )

    def _transform_epochs(self, epochs: Any, eeg: _Input) -> Any:
        if self.ch_names is not None and list(self.ch_names) != eeg.ch_names:
            raise ValueError(
                f"ChannelPicker: ch_names={list(self.ch_names)} but the Epochs have channels "
                f"{eeg.ch_names}. Epochs carry their channel names; leave ch_names=None."
            )
        picks = _as_pick_list(self.picks)
        if all(isinstance(p, numbers.Integral) for p in picks):
            self._check_indices(picks, eeg.n_channels)
        return _epochs_copy(epochs).pick(picks, verbose=_MNE_VERBOSE)

    @staticmethod
    def _check_indices(indices: list, n_channels: int) -> None:
        bad = [i for i in indices if not 0 <= i < n_channels]
        if bad:
            raise ValueError(
                f"ChannelPicker: channel indices {bad} are out of range for {n_channels} "
                f"channel(s); valid indices are 0..{n_channels - 1}."
            )

    def _transform_array(self, data: np.ndarray, eeg: _Input) -> np.ndarray:
        picks = _as_pick_list(self.picks)
        if all(isinstance(p, numbers.Integral) and not isinstance(p, bool) for p in picks):
            indices = [int(p) for p in picks]
        elif all(isinstance(p, str) for p in picks):
            if self.ch_names is None:
                raise ValueError(
                    f"ChannelPicker: picks {picks} are channel names, but arrays carry none. "
                    "Pass the names of the array's channels, e.g. ChannelPicker(picks, "
                    "ch_names=['C3', 'Cz', 'C4']), pick by integer index, or pass mne.Epochs."
                )
            ch_names = list(self.ch_names)
            if len(ch_names) != eeg.n_channels:
                raise ValueError(
                    f"ChannelPicker: ch_names has {len(ch_names)} names but X has "
                    f"{eeg.n_channels} channels (axis 1); give one name per channel."
                )
            missing = [p for p in picks if p not in ch_names]
            if missing:
                raise ValueError(
                    f"ChannelPicker: channels {missing} are not among ch_names {ch_names}."
                )
            indices = [ch_names.index(p) for p in picks]
        else:
            raise ValueError(
                "ChannelPicker: for arrays, picks must be all channel names or all integer "
                f"indices, got {picks!r}."
            )
        self._check_indices(indices, eeg.n_channels)
        return data[:, indices, :]  # fancy indexing: a new array


# -- TimeCrop -------------------------------------------------------------------------------
class TimeCrop(_BaseEEGTransformer):
    """Keep the samples of every trial between ``tmin`` and ``tmax`` seconds.

    Stateless. Epochs are cropped with :meth:`mne.Epochs.crop` on a copy, in their own time
    axis (``epochs.times``, which may start before 0). For arrays the first sample is time 0,
    so sample ``i`` is at ``i / sfreq`` seconds; the window is samples
    ``round(tmin * sfreq)`` to ``round(tmax * sfreq)`` (inclusive when ``include_tmax``),
    which is what MNE selects on Epochs starting at 0.

    Parameters
    ----------
    tmin : float or None
        Start of the window in seconds; None for the first sample.
    tmax : float or None
        End of the window in seconds; None for the last sample.
    sfreq : float or None, default=None
        Sampling frequency of array input in Hz. Required for arrays; Epochs carry their own.
    include_tmax : bool, default=True
        Whether the sample at ``tmax`` is kept (MNE's convention). With False, 0.5 to 3.5 s at
        250 Hz is exactly 750 samples, ``X[..., 125:875]``.

    Raises
    ------
    ValueError
        When the window reaches outside the trials (instead of MNE's warning and silent
        clipping: a shorter window than asked for would change every later step).

    Examples
    --------
    >>> import numpy as np
    >>> X = np.zeros((2, 3, 1000))
    >>> TimeCrop(0.5, 3.5, sfreq=250.0, include_tmax=False).fit_transform(X).shape
    (2, 3, 750)
    """

    def __init__(
        self,
        tmin: float | None,
        tmax: float | None,
        sfreq: float | None = None,
        *,
        include_tmax: bool = True,
    ) -> None:
        self.tmin = tmin
        self.tmax = tmax
        self.sfreq = sfreq
        self.include_tmax = include_tmax

    def _check_params(self) -> None:
        for name in ("tmin", "tmax"):
            value = getattr(self, name)
            if value is not None and (
                isinstance(value, bool)
                or not isinstance(value, numbers.Real)
                or not np.isfinite(value)
            ):
                raise ValueError(
                    f"TimeCrop: {name} must be a finite number of seconds or None, got {value!r}."
                )
        if self.tmin is not None and self.tmax is not None and self.tmin > self.tmax:
            raise ValueError(
                f"TimeCrop: tmin ({self.tmin} s) must not be after tmax ({self.tmax} s)."
            )
        _check_sfreq_value("TimeCrop", self.sfreq)

    def _sample_window(self, sfreq: float, first_time: float, n_times: int) -> tuple[int, int]:
        """Sample indices ``[start, stop)`` of the window in trials starting at ``first_time``."""
        first = int(round(first_time * sfreq))
        start = 0 if self.tmin is None else int(round(self.tmin * sfreq)) - first
        if self.tmax is None:
            stop = n_times
        else:
            stop = int(round(self.tmax * sfreq)) - first + (1 if self.include_tmax else 0)
        if start < 0 or stop > n_times or stop <= start:
            last_time = (first + n_times - 1) / sfreq
            raise ValueError(
                f"TimeCrop: the window tmin={self.tmin}, tmax={self.tmax} s "
                f"(include_tmax={self.include_tmax}) is not inside the trials, which span "
                f"{first / sfreq:g} to {last_time:g} s ({n_times} samples at {sfreq:g} Hz). "
                "Choose a window inside that span."
            )
        return start, stop

    def _transform_epochs(self, epochs: Any, eeg: _Input) -> Any:
        sfreq = resolve_sfreq("TimeCrop", self.sfreq, eeg.sfreq)
        self._sample_window(sfreq, float(epochs.times[0]), eeg.n_times)  # range check
        return _epochs_copy(epochs).crop(
            self.tmin, self.tmax, include_tmax=self.include_tmax, verbose=_MNE_VERBOSE
        )

    def _transform_array(self, data: np.ndarray, eeg: _Input) -> np.ndarray:
        sfreq = resolve_sfreq("TimeCrop", self.sfreq, eeg.sfreq)
        start, stop = self._sample_window(sfreq, 0.0, eeg.n_times)
        return data[:, :, start:stop].copy()


# -- ExponentialStandardizer ----------------------------------------------------------------
def _exponential_moving_standardize(
    data: np.ndarray, factor_new: float = 1e-3, init_block_size: int = 1000, eps: float = 1e-4
) -> np.ndarray:
    """Exponential moving standardization of every channel of every trial (vectorised).

    See :class:`ExponentialStandardizer` for the definition.

    Parameters
    ----------
    data : ndarray of shape (..., n_times)
        The signal; the last axis is time, every other index is standardized on its own.
    factor_new, init_block_size, eps
        As in :class:`ExponentialStandardizer`.

    Returns
    -------
    ndarray of shape (..., n_times), float64
        The standardized signal (a new array).
    """
    data = np.asarray(data, dtype=np.float64)
    n_times = data.shape[-1]
    n_init = min(int(init_block_size), n_times)
    block = data[..., :n_init]
    block_mean = block.mean(axis=-1, keepdims=True)
    block_var = block.var(axis=-1, keepdims=True)
    out = np.empty_like(data)
    out[..., :n_init] = (block - block_mean) / np.maximum(np.sqrt(block_var), eps)
    if n_init < n_times:
        # m_t = a x_t + (1 - a) m_{t-1} as a first-order IIR filter along time for all trials
        # and channels at once; the state zi = (1 - a) m_{-1} starts it at the block mean.
        a = float(factor_new)
        b_coefs, a_coefs = [a], [1.0, a - 1.0]
        mean, _ = lfilter(b_coefs, a_coefs, data, axis=-1, zi=(1.0 - a) * block_mean)
        deviation = data - mean
        var, _ = lfilter(b_coefs, a_coefs, deviation**2, axis=-1, zi=(1.0 - a) * block_var)
        out[..., n_init:] = deviation[..., n_init:] / np.maximum(np.sqrt(var[..., n_init:]), eps)
    return out


class ExponentialStandardizer(_BaseEEGTransformer):
    r"""Exponential moving standardization of each channel, as used for ShallowConvNet.

    Stateless: each trial and channel is standardized on its own, causally in time
    (Schirrmeister et al. 2017). With :math:`a` = ``factor_new``, :math:`n_0` =
    ``min(init_block_size, n_times)`` and :math:`\mu_b, \sigma_b^2` the mean and variance of
    the first :math:`n_0` samples:

    .. math::

        \mu_t = a x_t + (1 - a) \mu_{t-1}, \qquad
        \sigma^2_t = a (x_t - \mu_t)^2 + (1 - a) \sigma^2_{t-1}, \qquad
        \mu_{-1} = \mu_b,\ \sigma^2_{-1} = \sigma_b^2,

    the output is :math:`(x_t - \mu_b) / \max(\sigma_b, \epsilon)` for :math:`t < n_0` and
    :math:`(x_t - \mu_t) / \max(\sigma_t, \epsilon)` after. The recursion runs as an IIR
    filter (:func:`scipy.signal.lfilter`) over all trials at once.

    Parameters
    ----------
    factor_new : float, default=1e-3
        Weight of the newest sample in the running mean and variance, in (0, 1].
    init_block_size : int, default=1000
        Number of first samples standardized with their own mean and standard deviation;
        they also start the recursion.
    eps : float, default=1e-4
        Floor of the standard deviation, in the units of the data.

    Notes
    -----
    Originally the standardization runs over the continuous recording; here it runs within
    each trial. With the defaults, trials of at most 1000 samples (4 s at 250 Hz) are simply
    z-scored per channel with their own mean and standard deviation; lower
    ``init_block_size`` for a moving standardization within the trial.

    ``eps`` is in the units of the data. Epochs are therefore standardized in microvolts
    (as the original recipe does; channel types not measured in volts, e.g. MEG, in MNE's SI
    units), and arrays should be given in microvolts too: a warning says when the signal's
    standard deviation is below ``eps`` (e.g. arrays in volts), as the output would then be
    divided by ``eps`` instead of standardized.

    For Epochs only the data channels are standardized: EEG, MEG, sEEG, ECoG, DBS, fNIRS and
    CSD channels (bad ones included), the channels ``epochs.pick("data")`` keeps. Their
    standardized (unit-free) values replace their signal; the other channels (EOG, ECG, EMG,
    stim, misc, ...) are passed through unchanged. Epochs without data channels, or with data
    channels in different units (EEG in volts and MEG in tesla), are an error: process one
    kind of sensor at a time. Every channel of an array is a data channel.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.random.default_rng(0).normal(5.0, 20.0, size=(2, 3, 500))
    >>> Z = ExponentialStandardizer().fit_transform(X)
    >>> bool(np.allclose(Z.mean(axis=-1), 0) and np.allclose(Z.std(axis=-1), 1))
    True
    """

    def __init__(
        self, factor_new: float = 1e-3, init_block_size: int = 1000, eps: float = 1e-4
    ) -> None:
        self.factor_new = factor_new
        self.init_block_size = init_block_size
        self.eps = eps

    def _check_params(self) -> None:
        owner = "ExponentialStandardizer"
        check_real(self.factor_new, "factor_new", owner, low=0.0, high=1.0, low_inclusive=False)
        check_positive_int(self.init_block_size, "init_block_size", owner)
        check_real(self.eps, "eps", owner, low=0.0, low_inclusive=False)

    def _standardize(self, data: np.ndarray) -> np.ndarray:
        std = data.std(axis=-1)
        median_std = float(np.median(std))
        if 0 < median_std < self.eps:
            warnings.warn(
                f"ExponentialStandardizer: the signal's standard deviation (median "
                f"{median_std:.3g}) is below eps={self.eps}, so it would be divided by eps "
                "instead of standardized. eps is in the units of the data: pass arrays in "
                "microvolts (e.g. X * 1e6 for volts, or EpochsToArray(units='uV')), or lower "
                "eps.",
                UserWarning,
                stacklevel=5,
            )
        return _exponential_moving_standardize(
            data, self.factor_new, self.init_block_size, self.eps
        )

    def _transform_epochs(self, epochs: Any, eeg: _Input) -> Any:
        picks = _data_channel_picks("ExponentialStandardizer", epochs)
        data = epochs.get_data(picks=picks, units=_get_data_units("uV", epochs))
        return _replace_epochs_data(epochs, self._standardize(data), picks)

    def _transform_array(self, data: np.ndarray, eeg: _Input) -> np.ndarray:
        return self._standardize(data)


# -- EuclideanAligner -----------------------------------------------------------------------
def _group_indices(groups: np.ndarray | None, n_trials: int) -> list[tuple[Hashable, np.ndarray]]:
    """``(label, trial indices)`` per group; one group labelled None when groups is None."""
    if groups is None:
        return [(None, np.arange(n_trials))]
    labels, inverse = np.unique(groups, return_inverse=True)
    return [
        (label.item() if isinstance(label, np.generic) else label, np.flatnonzero(inverse == k))
        for k, label in enumerate(labels)
    ]


def _inv_sqrt(reference: np.ndarray, label: Hashable, n_trials: int, n_times: int) -> np.ndarray:
    """``reference^{-1/2}`` through pyRiemann, with a clear error for a singular reference."""
    try:
        from pyriemann.geometry.base import invsqrtm
    except ImportError:  # pyriemann < 0.12
        from pyriemann.utils.base import invsqrtm

    eigvals = np.linalg.eigvalsh(reference)
    n_channels = reference.shape[0]
    if not eigvals[0] > eigvals[-1] * 1e-10:
        rank = int(np.sum(eigvals > max(eigvals[-1], 0.0) * 1e-10))
        which = "of X" if label is None else f"of group {label!r}"
        raise ValueError(
            f"EuclideanAligner: the mean covariance {which} is singular (rank {rank} for "
            f"{n_channels} channels, from {n_trials} trial(s) of {n_times} sample(s)), so it "
            "cannot be inverted. This happens with fewer trials x samples than channels or "
            "with rank-deficient EEG (e.g. after an average reference): drop a channel, or "
            "regularise with shrinkage, e.g. EuclideanAligner(shrinkage=0.1)."
        )
    return invsqrtm(reference)


class EuclideanAligner(_BaseEEGTransformer):
    r"""Euclidean alignment (He & Wu 2019): whiten each group by its mean covariance.

    For every group (subject or session) :math:`g` with trials :math:`X_i` of shape
    ``(n_channels, n_times)``, the reference is the arithmetic mean of the trial covariances
    :math:`\bar R_g = \frac{1}{n_g} \sum_i X_i X_i^\top / T` (pyRiemann's ``"scm"``
    covariances, not centered, as in the paper) and every trial becomes
    :math:`\bar R_g^{-1/2} X_i`. Afterwards each group's mean covariance is the identity, so
    data of different subjects or sessions become comparable (unsupervised: no labels used).

    Which reference aligns which trials:

    - ``reference="data"`` (default): :meth:`transform` aligns each group of the data it is
      given with that data's own reference. New subjects or sessions are aligned with their
      own (unlabelled) trials, which is what cross-subject transfer does. ``groups=None``
      means all of X is one group, so inside a :class:`~sklearn.pipeline.Pipeline` a test set
      of one subject is aligned with its own reference without any routing. This mode is
      stateless; give enough trials per group for a meaningful reference (a single trial
      would be whitened to identity covariance and lose its information).
    - ``reference="fit"``: :meth:`transform` uses the references learned in :meth:`fit`, for
      the groups seen there (e.g. calibrate on a first block, then classify trial by trial
      online). ``groups=None`` in transform needs a fit without groups.

    How ``groups`` reach the aligner:

    - directly: ``aligner.fit(X, groups=g)``, ``aligner.fit_transform(X, groups=g)``,
      ``aligner.transform(X, groups=g)``;
    - in a Pipeline without metadata routing: ``pipe.fit(X, y, euclideanaligner__groups=g)``
      (fit only; at predict time groups cannot be passed, so X is one group);
    - with metadata routing (``sklearn.set_config(enable_metadata_routing=True)``):
      ``EuclideanAligner().set_fit_request(groups=True).set_transform_request(groups=True)``
      (scikit-learn wants the same request for both, as ``fit_transform`` takes the two),
      then ``pipe.fit(X, y, groups=g)``, ``pipe.predict(X_test, groups=g_test)`` and
      ``cross_validate(pipe, X, y, params={"groups": g}, cv=LeaveOneGroupOut())``.

    Parameters
    ----------
    reference : {"data", "fit"}, default="data"
        Where :meth:`transform` takes each group's reference from (see above).
    shrinkage : float, default=0.0
        Regularisation of each reference towards a multiple of the identity (pyRiemann's
        ``Shrinkage``: :math:`(1 - s) \bar R + s\, \mathrm{tr}(\bar R) / C \cdot I`), in
        [0, 1). Needed for rank-deficient EEG; the aligned mean covariance is then close to,
        not exactly, the identity.

    Attributes
    ----------
    references_ : dict
        Group label -> reference matrix of shape (n_data_channels, n_data_channels) (after
        shrinkage) of the training data; the key is None when fitted without groups.
    n_features_in_ : int
        Number of channels seen in fit (all of them, data channels or not).

    Notes
    -----
    For Epochs only the data channels are aligned: EEG, MEG, sEEG, ECoG, DBS, fNIRS and CSD
    channels (bad ones included), the channels ``epochs.pick("data")`` keeps. The references
    are computed from them alone, and the other channels (EOG, ECG, EMG, stim, misc, ...)
    are passed through unchanged. Epochs without data channels, or with data channels in
    different units (EEG in volts and MEG in tesla), are an error. Every channel
    of an array is a data channel, so with ``reference="fit"`` give :meth:`transform` the
    same kind of input as :meth:`fit` when the Epochs have other channels.

    Covariance is scale-dependent, so the aligned signal is unit-free (for Epochs it
    replaces the signal of the data channels). Returns a float64 array of the input's shape
    for arrays.

    References
    ----------
    He, H., & Wu, D. (2019). Transfer learning for brain-computer interfaces: A Euclidean
    space data alignment approach. IEEE Transactions on Biomedical Engineering, 67(2).

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((40, 3, 200)) * np.array([1.0, 5.0, 20.0])[:, None]
    >>> groups = np.repeat([1, 2], 20)
    >>> X_aligned = EuclideanAligner().fit_transform(X, groups=groups)
    >>> covs = X_aligned[:20] @ X_aligned[:20].transpose(0, 2, 1) / 200
    >>> bool(np.allclose(covs.mean(axis=0), np.eye(3)))
    True
    """

    _stateless = False

    def __init__(self, reference: str = "data", shrinkage: float = 0.0) -> None:
        self.reference = reference
        self.shrinkage = shrinkage

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = self.reference == "fit"
        return tags

    def _check_params(self) -> None:
        if self.reference not in ("data", "fit"):
            raise ValueError(
                f"EuclideanAligner: reference must be 'data' or 'fit', got {self.reference!r}."
            )
        check_real(
            self.shrinkage, "shrinkage", "EuclideanAligner", low=0.0, high=1.0, high_inclusive=False
        )

    def _references(self, data: np.ndarray, groups: np.ndarray | None) -> dict:
        from pyriemann.estimation import Covariances, Shrinkage

        covariances = Covariances(estimator="scm", assume_centered=True)
        references = {}
        for label, idx in _group_indices(groups, data.shape[0]):
            reference = covariances.transform(data[idx]).mean(axis=0)
            if self.shrinkage > 0:
                reference = Shrinkage(shrinkage=self.shrinkage).transform(reference[None])[0]
            references[label] = reference
        return references

    def _align(self, data: np.ndarray, groups: np.ndarray | None, references: dict) -> np.ndarray:
        n_reference = next(iter(references.values())).shape[0]
        if n_reference != data.shape[1]:
            raise ValueError(
                f"EuclideanAligner(reference='fit') was fitted on {n_reference} data "
                f"channel(s), but X has {data.shape[1]}. Every channel of an array is a data "
                "channel, while of Epochs only the data channels (EEG, MEG, ...) are aligned; "
                "pass the same kind of input as in fit."
            )
        out = np.empty_like(data)
        for label, idx in _group_indices(groups, data.shape[0]):
            inv_sqrt = _inv_sqrt(references[label], label, idx.size, data.shape[-1])
            out[idx] = inv_sqrt @ data[idx]
        return out

    @staticmethod
    def _data_of(eeg: _Input) -> tuple[np.ndarray, np.ndarray | None]:
        """The signal to align and, for Epochs, the indices of its (data) channels."""
        if eeg.epochs is None:
            return eeg.data, None
        picks = _data_channel_picks("EuclideanAligner", eeg.epochs)
        return eeg.epochs.get_data(picks=picks), picks

    @staticmethod
    def _output(eeg: _Input, aligned: np.ndarray, picks: np.ndarray | None) -> Any:
        if eeg.epochs is not None:
            return _replace_epochs_data(eeg.epochs, aligned, picks)
        return _restore_ndim(aligned, eeg.was_2d)

    def fit(self, X: Any, y: Any = None, groups: Any = None) -> EuclideanAligner:
        """Compute the reference (mean covariance) of each group of the training data.

        Parameters
        ----------
        X : mne.Epochs or array-like of shape (n_trials, n_channels, n_times) or \
                (n_trials, n_features)
            Training EEG.
        y : None
            Ignored.
        groups : array-like of shape (n_trials,) or None, default=None
            Subject / session label of each trial; None for one group.

        Returns
        -------
        self
        """
        self._fit(X, groups)
        return self

    def _fit(
        self, X: Any, groups: Any
    ) -> tuple[_Input, np.ndarray, np.ndarray | None, np.ndarray | None]:
        """Fit the references; return the validated input, its data, channel picks, groups."""
        self._check_params()
        eeg = self._validate(X, reset=True)
        groups = check_groups(groups, eeg.n_trials)
        data, picks = self._data_of(eeg)
        references = self._references(data, groups)
        for label, idx in _group_indices(groups, eeg.n_trials):
            _inv_sqrt(references[label], label, idx.size, eeg.n_times)  # fail early if singular
        self.references_ = references
        return eeg, data, picks, groups

    def transform(self, X: Any, groups: Any = None) -> Any:
        """Align every group of X.

        Parameters
        ----------
        X : mne.Epochs or array-like of shape (n_trials, n_channels, n_times) or \
                (n_trials, n_features)
            EEG with the number of channels seen in fit (when fitted).
        groups : array-like of shape (n_trials,) or None, default=None
            Group label of each trial; None for one group.

        Returns
        -------
        mne.Epochs or ndarray of shape (n_trials, n_channels, n_times)
            Aligned EEG: new Epochs (data channels aligned, the others unchanged) for Epochs
            input, else a float64 array (2D for 2D input).
        """
        self._check_params()
        if self.reference == "fit":
            check_is_fitted(self)
        eeg = self._validate(X, reset=False)
        groups = check_groups(groups, eeg.n_trials)
        data, picks = self._data_of(eeg)
        if self.reference == "data":
            references = self._references(data, groups)
        else:
            references = self._fitted_references(groups)
        return self._output(eeg, self._align(data, groups, references), picks)

    def _fitted_references(self, groups: np.ndarray | None) -> dict:
        fitted = self.references_
        if groups is None:
            if list(fitted) != [None]:
                raise ValueError(
                    "EuclideanAligner(reference='fit') was fitted on groups "
                    f"{sorted(fitted, key=str)}; pass groups= to transform to say which "
                    "reference each trial uses (in a Pipeline: enable metadata routing and "
                    "set_transform_request(groups=True)), or use reference='data'."
                )
            return fitted
        if None in fitted:
            raise ValueError(
                "EuclideanAligner(reference='fit') was fitted without groups, so it has one "
                "reference; call transform without groups, or refit with groups."
            )
        unknown = sorted(
            {label for label, _ in _group_indices(groups, len(groups))} - set(fitted), key=str
        )
        if unknown:
            raise ValueError(
                f"EuclideanAligner(reference='fit'): groups {unknown} were not seen in fit "
                f"(seen: {sorted(fitted, key=str)}). Use reference='data' to align new groups "
                "with their own data."
            )
        return fitted

    def fit_transform(self, X: Any, y: Any = None, groups: Any = None) -> Any:
        """Fit the references and align the training data with them.

        Parameters
        ----------
        X : mne.Epochs or array-like of shape (n_trials, n_channels, n_times) or \
                (n_trials, n_features)
            Training EEG.
        y : None
            Ignored.
        groups : array-like of shape (n_trials,) or None, default=None
            Subject / session label of each trial; None for one group.

        Returns
        -------
        mne.Epochs or ndarray of shape (n_trials, n_channels, n_times)
            The aligned training data (same as ``fit(X, groups=groups).transform(X,
            groups=groups)`` in both modes).
        """
        eeg, data, picks, groups = self._fit(X, groups)
        return self._output(eeg, self._align(data, groups, self.references_), picks)
