"""Input handling shared by the transformers: Epochs or arrays in, the same kind out."""

from __future__ import annotations

import numbers
from typing import Any, NamedTuple

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import validate_data

from .._validation import (
    check_eeg_data,
    epochs_from_list,
    is_epochs,
)

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
