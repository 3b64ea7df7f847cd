"""Plumbing shared by the transformers: Epochs or arrays in, the same kind out.

The input contract (reading, units, the fit-time record and its check) is
:mod:`sktime_eeg._input`'s; this module applies it to the transformers.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import validate_data

from .._input import (
    EPOCHS_UNITS,
    EEGInput,
    InputRecord,
    _epochs_copy,  # noqa: F401 (used by the steps through this module)
    epochs_with_data,
    read_eeg,
)

#: A copy of Epochs holding new data, given in the package's units (see ``sktime_eeg._input``).
_replace_epochs_data = epochs_with_data

_MNE_VERBOSE = False


# -- input handling -------------------------------------------------------------------------
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


#: The validated input of a transformer (the package's one input type).
_Input = EEGInput


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

    def _check_input(self, eeg: EEGInput) -> None:
        """Raise ``ValueError`` for input this step cannot take (in fit and transform)."""

    def _transform_epochs(self, epochs: Any, eeg: _Input) -> Any:
        raise NotImplementedError

    def _transform_array(self, data: np.ndarray, eeg: _Input) -> np.ndarray:
        raise NotImplementedError

    # -- plumbing ---------------------------------------------------------------------------
    def _read_kwargs(self) -> dict:
        """How Epochs are read (the package's units; :class:`EpochsToArray` uses its own)."""
        return {"units": EPOCHS_UNITS}

    def _validate(self, X: Any, *, reset: bool) -> EEGInput:
        """Read X through the input contract; record it (fit) or check it (when fitted).

        Arrays are read in float64 from the user's values, so float64 data keeps its
        precision; Epochs in the package's units (volt channels in microvolts).
        """
        eeg = read_eeg(X, dtype="float64", **self._read_kwargs())
        self._check_input(eeg)
        if reset:
            self.input_record_ = InputRecord.of(eeg)
        elif hasattr(self, "input_record_"):
            self.input_record_.check(eeg, type(self).__name__)
        # n_features_in_ (the number of channels) and feature names the scikit-learn way;
        # stateless transformers that were never fitted skip the comparison.
        validate_data(
            self,
            X if hasattr(X, "columns") else eeg.data,
            skip_check_array=True,
            reset=reset,
        )
        return eeg

    def _fitted(self, name: str) -> Any:
        """``input_record_.<name>`` when fitted, else None (e.g. the sfreq fit saw)."""
        record = getattr(self, "input_record_", None)
        return None if record is None else getattr(record, name)

    def fit(self, X: Any, y: Any = None) -> _BaseEEGTransformer:
        """Validate the parameters and the input; record what was seen (``input_record_``).

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
            EEG. When fitted, it is checked against what ``fit`` saw: the channels (names
            for Epochs, in the same order; their number for arrays), the sampling frequency
            of Epochs and the amplitude (units); see :mod:`sktime_eeg._input`.

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
