"""Preprocessing steps for EEG as scikit-learn transformers, on ``mne.Epochs`` or arrays.

Every transformer accepts either

- ``mne.Epochs`` (any :class:`mne.BaseEpochs`): the sampling frequency and channel names are
  read from it, the signal with every volt channel in microvolts (the package's units, see
  :mod:`sktime_eeg._input`), and the result is a new ``Epochs`` object, so channel
  information flows on to the next step (e.g. a :class:`~sktime_eeg.Conv2DEEGClassifier`),
  except for
  :class:`EpochsToArray`, whose job is to return an array; or
- an array of shape ``(n_trials, n_channels, n_times)``: the sampling frequency is then the
  ``sfreq`` parameter (a clear error says so when a step needs it and it is missing; a step
  fitted on Epochs uses theirs) and the result is a float64 array. Arrays are taken as given,
  expected in microvolts.

Once fitted (as in every Pipeline), a step checks each input against what ``fit`` saw: the
channels of Epochs by name and order (refused with the fix ``epochs.reorder_channels``),
the number of channels of arrays, the sampling frequency, and the amplitude (a factor of 100
from the fitted one is refused as a change of units, e.g. volts where microvolts were seen).

Shape rule for arrays: a 3D input gives a 3D output ``(n_trials, n_channels_out,
n_times_out)``. A 2D input ``(n_trials, n_features)`` is read as ``n_features`` channels of one
sample each (as :func:`~sktime_eeg._input.read_eeg` does), and is returned 2D
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

from ._align import EuclideanAligner
from ._mne_steps import BandpassFilter, ChannelPicker, EpochsToArray, Resampler, TimeCrop
from ._running_align import RunningEuclideanAligner
from ._standardize import ExponentialStandardizer
from ._streaming import StreamingFilter

__all__ = [
    "BandpassFilter",
    "ChannelPicker",
    "EpochsToArray",
    "EuclideanAligner",
    "ExponentialStandardizer",
    "Resampler",
    "RunningEuclideanAligner",
    "StreamingFilter",
    "TimeCrop",
]
