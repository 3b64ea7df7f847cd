"""MNE's signal processing as transformers: to array, filter, resample, pick, crop."""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np

from .._docs import fill_doc
from .._validation import check_positive_int, resolve_sfreq
from ._base import (
    _MNE_VERBOSE,
    _BaseEEGTransformer,
    _check_sfreq_value,
    _epochs_copy,
    _Input,
    _restore_ndim,
)


def _check_fit_sfreq(owner: str, sfreq: float | None, eeg: _Input) -> None:
    """Refuse an ``sfreq`` parameter that contradicts the sampling frequency of Epochs.

    Checked in ``fit`` too, so that a step fitted on Epochs never goes on to process arrays
    at another sampling frequency than the one it saw.
    """
    if eeg.sfreq is not None:
        resolve_sfreq(owner, sfreq, eeg.sfreq)


# -- EpochsToArray --------------------------------------------------------------------------
@fill_doc
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
        are returned as float64 copies of the values given. The default is the package's
        convention (see :ref:`units`), so a model fitted on Epochs gets the same numbers from
        this step's output as from the Epochs.
    min_times : int, default=1
        Fewest samples per trial accepted. The Riemannian baselines set 2: a covariance
        needs at least two samples, and a 2D ``X`` ``(n_trials, n_features)`` is read as one
        sample per channel.

    Attributes
    ----------
    %(transformer_attributes)s

    Examples
    --------
    >>> import numpy as np, mne
    >>> info = mne.create_info(["C3", "Cz", "C4"], 250.0, "eeg")
    >>> epochs = mne.EpochsArray(np.full((2, 3, 5), 1e-6), info, verbose=False)
    >>> EpochsToArray().fit_transform(epochs)[0, 0, :2]
    array([1., 1.])
    """

    def __init__(self, units: str | dict | None = "uV", min_times: int = 1) -> None:
        self.units = units
        self.min_times = min_times

    def _check_params(self) -> None:
        if self.units is not None and not isinstance(self.units, (str, dict)):
            raise ValueError(
                f"EpochsToArray: units must be a str such as 'uV' or 'V', a dict, or None; "
                f"got {self.units!r}."
            )
        check_positive_int(self.min_times, "min_times", "EpochsToArray")

    def _read_kwargs(self) -> dict:
        return {"units": self.units, "strict_units": True}

    def _check_input(self, eeg: _Input) -> None:
        if eeg.n_times >= self.min_times:
            return
        why = (
            " A 2D X (n_trials, n_features) is read as n_features channels of one sample "
            "each: pass EEG of shape (n_trials, n_channels, n_times)."
            if eeg.was_2d
            else " Give longer trials."
        )
        raise ValueError(
            f"EpochsToArray(min_times={self.min_times}): X has {eeg.n_times} sample(s) per "
            f"trial, fewer than the {self.min_times} needed (a covariance, as the Riemannian "
            "baselines compute, needs at least 2)." + why
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
        data = eeg.data  # for Epochs read in ``units`` (a new array unless units=None)
        if eeg.epochs is None or self.units is None:
            data = data.copy()
        return _restore_ndim(data, eeg.was_2d)


# -- BandpassFilter -------------------------------------------------------------------------
@fill_doc
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
    %(sfreq_arrays)s
    filter_length, l_trans_bandwidth, h_trans_bandwidth, method, iir_params, phase, \
fir_window, fir_design, pad
        Passed to MNE; see :func:`mne.filter.filter_data`. Defaults are MNE's, except ``pad``
        whose default ``"edge"`` is the one of ``Epochs.filter``.

    Attributes
    ----------
    %(transformer_attributes)s

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
                isinstance(value, bool)
                or not isinstance(value, numbers.Real)
                or not np.isfinite(value)
                or value < 0
            ):
                raise ValueError(
                    f"BandpassFilter: {name} must be a non-negative number of Hz (finite) or "
                    f"None, got {value!r}."
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

    def _check_input(self, eeg: _Input) -> None:
        _check_fit_sfreq("BandpassFilter", self.sfreq, eeg)

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

    def _sfreq(self, eeg: _Input) -> float:
        """The sampling frequency of the input, with the band edges checked against it."""
        sfreq = resolve_sfreq("BandpassFilter", self.sfreq, eeg.sfreq, self._fitted("sfreq"))
        nyquist = sfreq / 2.0
        for name in ("l_freq", "h_freq"):
            value = getattr(self, name)
            if value is not None and value >= nyquist:
                raise ValueError(
                    f"BandpassFilter: {name}={value} Hz is at or above the Nyquist frequency "
                    f"sfreq/2 = {nyquist:g} Hz of the data (sfreq={sfreq:g} Hz). Band edges "
                    f"must lie below {nyquist:g} Hz"
                    + (
                        "; leave h_freq=None for a high-pass filter."
                        if name == "h_freq"
                        else "; lower l_freq, or resample to a higher sfreq first."
                    )
                )
        return sfreq

    def _transform_epochs(self, epochs: Any, eeg: _Input) -> Any:
        self._sfreq(eeg)
        return _epochs_copy(epochs).filter(self.l_freq, self.h_freq, **self._mne_kwargs())

    def _transform_array(self, data: np.ndarray, eeg: _Input) -> np.ndarray:
        from mne.filter import filter_data

        sfreq = self._sfreq(eeg)
        return filter_data(data, sfreq, self.l_freq, self.h_freq, copy=True, **self._mne_kwargs())


# -- Resampler ------------------------------------------------------------------------------
@fill_doc
class Resampler(_BaseEEGTransformer):
    """Resample every trial to a new sampling frequency with MNE.

    Stateless. Epochs go through :meth:`mne.Epochs.resample` on a copy (``info["sfreq"]``
    and ``times`` updated), arrays through :func:`mne.filter.resample` with the same
    settings, so both give the same numbers. Downsampling applies MNE's anti-aliasing.

    Parameters
    ----------
    sfreq_new : float
        Target sampling frequency in Hz.
    %(sfreq_arrays)s
    npad, window, pad, method
        Passed to MNE; see :func:`mne.filter.resample`. ``pad`` defaults to ``"edge"`` like
        ``Epochs.resample``.

    Attributes
    ----------
    %(transformer_attributes)s

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

    def _check_input(self, eeg: _Input) -> None:
        _check_fit_sfreq("Resampler", self.sfreq, eeg)

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

        sfreq = resolve_sfreq("Resampler", self.sfreq, eeg.sfreq, self._fitted("sfreq"))
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
        "ChannelPicker: picks must be channel names, integer indices or a boolean mask (a "
        f"str, an int, or a list or array of them), got {picks!r}."
    )


def _is_mask(picks: list) -> bool:
    """Whether ``picks`` is a boolean mask over the channels (a list of bools)."""
    return len(picks) > 0 and all(isinstance(p, (bool, np.bool_)) for p in picks)


@fill_doc
class ChannelPicker(_BaseEEGTransformer):
    """Keep the given channels, in the given order.

    Stateless. Epochs are picked with :meth:`mne.Epochs.pick` on a copy, so ``picks`` may be
    anything MNE accepts there (channel names, indices, channel types such as ``"eeg"``).
    Arrays have no channel names: give integer indices, or names together with the
    ``ch_names`` of the array's channels (once fitted on Epochs, the fitted channel names
    serve for arrays with that many channels). A boolean mask with one entry per channel
    keeps the channels where it is True, in their order, as numpy and MNE do.

    Parameters
    ----------
    picks : str, int, list of str or int, or boolean mask of shape (n_channels,)
        The channels to keep, in the order of the output. Repeated channels are an error.
    ch_names : list of str or None, default=None
        Names of the channels of array input (axis 1), needed to pick arrays by name unless
        fitted on Epochs. For Epochs leave it None (when set, it must equal the Epochs'
        channel names).

    Attributes
    ----------
    %(transformer_attributes)s

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
        if _is_mask(picks):
            if not any(picks):
                raise ValueError(
                    "ChannelPicker: the boolean mask picks is False for every channel; set "
                    "it True for at least one channel."
                )
            return
        if any(isinstance(p, (bool, np.bool_)) for p in picks):
            raise ValueError(
                "ChannelPicker: picks mixes booleans with names or indices; give a boolean "
                f"mask (one bool per channel) or channel names or indices, got {picks!r}."
            )
        if len(set(picks)) != len(picks):
            raise ValueError(f"ChannelPicker: picks {picks!r} names a channel more than once.")
        if self.ch_names is not None and (
            isinstance(self.ch_names, str) or len(set(self.ch_names)) != len(self.ch_names)
        ):
            raise ValueError(
                "ChannelPicker: ch_names must be a list of distinct channel names, got "
                f"{self.ch_names!r}."
            )

    @staticmethod
    def _mask_indices(picks: list, n_channels: int) -> list[int]:
        if len(picks) != n_channels:
            raise ValueError(
                f"ChannelPicker: the boolean mask picks has {len(picks)} entries but X has "
                f"{n_channels} channels; give one bool per channel (axis 1)."
            )
        return np.flatnonzero(picks).tolist()

    def _transform_epochs(self, epochs: Any, eeg: _Input) -> Any:
        if self.ch_names is not None and list(self.ch_names) != eeg.ch_names:
            raise ValueError(
                f"ChannelPicker: ch_names={list(self.ch_names)} but the Epochs have channels "
                f"{eeg.ch_names}. Epochs carry their channel names; leave ch_names=None."
            )
        picks = _as_pick_list(self.picks)
        if _is_mask(picks):
            picks = self._mask_indices(picks, eeg.n_channels)
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
        if _is_mask(picks):
            indices = self._mask_indices(picks, eeg.n_channels)
        elif all(isinstance(p, numbers.Integral) and not isinstance(p, bool) for p in picks):
            indices = [int(p) for p in picks]
        elif all(isinstance(p, str) for p in picks):
            ch_names = self.ch_names
            if ch_names is None and self._fitted("n_channels") == eeg.n_channels:
                ch_names = self._fitted("ch_names")  # fitted on Epochs: their names
            if ch_names is None:
                raise ValueError(
                    f"ChannelPicker: picks {picks} are channel names, but arrays carry none. "
                    "Pass the names of the array's channels, e.g. ChannelPicker(picks, "
                    "ch_names=['C3', 'Cz', 'C4']), pick by integer index, or pass mne.Epochs."
                )
            ch_names = list(ch_names)
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
@fill_doc
class TimeCrop(_BaseEEGTransformer):
    """Keep the samples of every trial between ``tmin`` and ``tmax`` seconds.

    Stateless. Epochs are cropped with :meth:`mne.Epochs.crop` on a copy, in their own time
    axis (``epochs.times``, which may start before 0). For arrays the first sample is time 0
    (or, once fitted on Epochs, the time of their first sample, so that the array of the same
    Epochs is cropped alike), so sample ``i`` is at ``i / sfreq`` seconds; the window is samples
    ``round(tmin * sfreq)`` to ``round(tmax * sfreq)`` (inclusive when ``include_tmax``),
    which is what MNE selects on Epochs starting at 0.

    Parameters
    ----------
    tmin : float or None
        Start of the window in seconds; None for the first sample.
    tmax : float or None
        End of the window in seconds; None for the last sample.
    %(sfreq_arrays)s
    include_tmax : bool, default=True
        Whether the sample at ``tmax`` is kept (MNE's convention). With False, 0.5 to 3.5 s at
        250 Hz is exactly 750 samples, ``X[..., 125:875]``.

    Attributes
    ----------
    %(transformer_attributes)s

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

    def _check_input(self, eeg: _Input) -> None:
        _check_fit_sfreq("TimeCrop", self.sfreq, eeg)

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
        sfreq = resolve_sfreq("TimeCrop", self.sfreq, eeg.sfreq, self._fitted("sfreq"))
        first_time = self._fitted("tmin") or 0.0  # fitted on Epochs: their time axis
        start, stop = self._sample_window(sfreq, first_time, eeg.n_times)
        return data[:, :, start:stop].copy()
