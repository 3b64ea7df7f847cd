"""Cropped decoding: classify every crop of a trial and combine the crops' predictions.

Cropped training (Schirrmeister et al. 2017) trains a network built for windows of
``crop_length`` samples on many shifted crops of each longer trial, all labelled with the
trial's class, and predicts a trial by averaging the predictions of its crops.

The networks of this package take a trial longer than the window they are built for and
then work on its crops (:class:`~sktime_eeg.nn.ShallowNet` densely, all crops in one
forward pass; :class:`~sktime_eeg.nn.ConformerNet` crop by crop). In training mode they
return the logits of each crop, ``(n_trials, n_classes, n_crops)``, which
:class:`CropCrossEntropyLoss` scores crop by crop; in eval mode they return
:func:`mean_log_softmax` of the crops, ``(n_trials, n_classes)``, whose softmax is the
trial's class probabilities (the normalised geometric mean of the crops' probabilities).
"""

from __future__ import annotations

import torch
from torch import nn

__all__ = ["CropCrossEntropyLoss", "crop_starts", "mean_log_softmax", "unfold_crops"]


def crop_starts(n_times: int, crop_length: int, stride: int) -> torch.Tensor:
    """First sample of every crop of ``crop_length`` samples, ``stride`` apart, in a trial.

    Parameters
    ----------
    n_times : int
        Samples per trial.
    crop_length : int
        Samples per crop.
    stride : int
        Samples between the starts of consecutive crops.

    Returns
    -------
    torch.Tensor of shape (n_crops,), int64
        ``0, stride, 2 * stride, ...`` while the crop fits in the trial:
        ``n_crops = (n_times - crop_length) // stride + 1``.

    Raises
    ------
    ValueError
        If the trial is shorter than one crop.
    """
    if n_times < crop_length:
        raise ValueError(
            f"A trial of {n_times} samples is shorter than the network's window of "
            f"{crop_length} samples; give trials of at least {crop_length} samples."
        )
    return torch.arange(0, n_times - crop_length + 1, stride)


def unfold_crops(x: torch.Tensor, crop_length: int, stride: int) -> torch.Tensor:
    """All crops of every trial, trial by trial: ``(n, C, T) -> (n * n_crops, C, crop_length)``.

    Crop ``p`` of trial ``i`` is row ``i * n_crops + p`` and equals
    ``x[i, :, p * stride : p * stride + crop_length]``.
    """
    crop_starts(x.shape[-1], crop_length, stride)  # range check
    crops = x.unfold(2, crop_length, stride)  # (n, C, n_crops, crop_length), a view
    return crops.permute(0, 2, 1, 3).reshape(-1, x.shape[1], crop_length)


def mean_log_softmax(logits: torch.Tensor) -> torch.Tensor:
    """Average the crops' log-probabilities: ``(n, n_classes, n_crops) -> (n, n_classes)``.

    The softmax of the result is the trial's class probabilities. With a single crop it
    equals the softmax of that crop's logits.
    """
    return torch.log_softmax(logits, dim=1).mean(dim=2)


class CropCrossEntropyLoss(nn.CrossEntropyLoss):
    """Cross-entropy for trial logits ``(n, n_classes)`` or crop logits ``(n, n_classes, n_crops)``.

    Every crop of a trial gets the trial's target, so for crop logits the loss is the mean
    cross-entropy over trials and crops. Targets are class indices ``(n,)`` or class
    probabilities ``(n, n_classes)`` (e.g. from mixup). Any other arguments are those of
    :class:`torch.nn.CrossEntropyLoss`.
    """

    def forward(self, input: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        if input.ndim == 3:
            n_crops = input.shape[2]
            if target.ndim == 1:
                target = target[:, None].expand(-1, n_crops)
            else:
                target = target[:, :, None].expand(-1, -1, n_crops)
        return super().forward(input, target)
