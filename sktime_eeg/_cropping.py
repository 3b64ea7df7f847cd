"""The ``crop_length`` and ``augment`` hyperparameters of the classifiers: checks and wiring.

The networks do the cropping themselves (:mod:`sktime_eeg.nn.cropping`): built for windows of
``crop_length`` samples, they take whole trials and work on their crops. The augmentation
transforms (:mod:`sktime_eeg.augment`) run in the training batch iterator.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ._validation import check_positive_int
from .augment import BatchTransform

__all__ = ["augment_transforms", "check_crop_augment", "network_window"]


def augment_transforms(estimator: Any) -> tuple[BatchTransform, ...]:
    """The estimator's ``augment`` as a tuple of transforms (empty for None)."""
    augment = estimator.augment
    if augment is None:
        return ()
    if isinstance(augment, BatchTransform):
        return (augment,)
    return tuple(augment)


def check_crop_augment(estimator: Any) -> None:
    """Raise ValueError for an invalid ``crop_length`` or ``augment`` of ``estimator``."""
    name = type(estimator).__name__
    check_positive_int(estimator.crop_length, "crop_length", name, allow_none=True)
    augment = estimator.augment
    valid = augment is None or isinstance(augment, BatchTransform)
    if not valid and isinstance(augment, Sequence) and not isinstance(augment, str):
        valid = all(isinstance(transform, BatchTransform) for transform in augment)
    if not valid:
        raise ValueError(
            f"{name}: augment must be None, a transform of sktime_eeg.augment or a list of "
            f"them, e.g. augment=[AmplitudeScale(), GaussianNoise(0.1)]; got {augment!r}."
        )
    for transform in augment_transforms(estimator):
        transform._check()


def network_window(estimator: Any, n_times: int) -> int:
    """Samples of the window the network is built for: ``crop_length``, or the whole trial."""
    crop_length = estimator.crop_length
    if crop_length is None:
        return n_times
    if crop_length > n_times:
        raise ValueError(
            f"{type(estimator).__name__}: crop_length={crop_length} samples is longer than "
            f"the trials of X ({n_times} samples); set crop_length <= {n_times}, or "
            "crop_length=None to train on whole trials."
        )
    return crop_length
