"""Batch norm and average pooling over time, for ``(n_trials, n_filters, n_times)`` tensors.

They compute exactly what ``nn.BatchNorm1d`` and ``nn.AvgPool1d`` compute, but run as the 2D
operators on a ``(n_trials, n_filters, 1, n_times)`` view. On CPU, the spatiotemporal stem's
output comes out of oneDNN in the channels-last layout; the 2D operators keep that layout,
while the 1D ones force a conversion back and forth (measured: ~30% of the inference time of
the 2D ShallowNet at 22 channels, one thread).
"""

from __future__ import annotations

import torch
from torch import nn

__all__ = ["TimeAvgPool", "TimeBatchNorm"]


class TimeBatchNorm(nn.BatchNorm2d):
    """Batch norm per filter over trials and time: ``(n, F, T) -> (n, F, T)``.

    Parameters and state (``weight``, ``bias``, ``running_mean``, ``running_var``) are those of
    ``nn.BatchNorm1d(n_filters)``.
    """

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return super().forward(x.unsqueeze(2)).squeeze(2)


class TimeAvgPool(nn.AvgPool2d):
    """Average pooling along time: ``(n, F, T) -> (n, F, (T - length) // stride + 1)``.

    Parameters
    ----------
    length : int
        Pooling window in samples.
    stride : int
        Step between windows in samples.
    """

    def __init__(self, length: int, stride: int) -> None:
        super().__init__((1, length), (1, stride))
        self.length, self.stride_samples = length, stride

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return super().forward(x.unsqueeze(2)).squeeze(2)
