"""ShallowNet: a convolutional stem followed by the ShallowConvNet band-power head."""

from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils.fusion import fuse_conv_bn_weights

from .cropping import crop_starts, mean_log_softmax
from .stems import SpatioTemporalStem, TemporalSpatialStem
from .time_layers import TimeAvgPool, TimeBatchNorm

__all__ = ["ShallowNet", "n_pooled_times"]

_LOG_FLOOR = 1e-6


def n_pooled_times(n_times: int, kernel_length: int, pool_length: int, pool_stride: int) -> int:
    """Number of time steps left after a valid convolution and average pooling.

    Parameters
    ----------
    n_times : int
        Samples per trial at the stem's input.
    kernel_length : int
        Temporal kernel length of the stem.
    pool_length, pool_stride : int
        Average-pooling window and stride.

    Returns
    -------
    int
        ``(n_times - kernel_length + 1 - pool_length) // pool_stride + 1``.

    Raises
    ------
    ValueError
        If the window is too short for one kernel plus one pooling window.
    """
    n_conv = n_times - kernel_length + 1
    if n_conv < pool_length or min(kernel_length, pool_length, pool_stride) < 1:
        raise ValueError(
            f"A window of {n_times} samples is too short for kernel_length={kernel_length} "
            f"and pool_length={pool_length} (needs at least kernel_length + pool_length - 1 "
            f"= {kernel_length + pool_length - 1} samples); use shorter kernels or longer "
            "windows."
        )
    return (n_conv - pool_length) // pool_stride + 1


class ShallowNet(nn.Module):
    """Stem -> batch norm -> square -> average pool -> log -> dropout -> linear.

    The ShallowConvNet head (Schirrmeister et al. 2017) on either stem: squaring and
    averaging the filtered signals gives log band power per spatial filter and time window.

    Parameters
    ----------
    stem : TemporalSpatialStem or SpatioTemporalStem
        Maps ``(n_trials, n_channels, n_times)`` to ``(n_trials, n_filters, n_times')``.
    n_classes : int
        Number of output logits.
    n_times : int
        Samples of the window the network classifies (fixes the size of the final linear
        layer): the trial length, or the crop length for cropped decoding.
    pool_length, pool_stride : int
        Average-pooling window and stride, in samples.
    dropout : float
        Dropout probability before the classifier.

    Notes
    -----
    ``forward`` takes ``(n_trials, n_channels, n_times)`` float tensors and returns
    unnormalised logits ``(n_trials, n_classes)``. At inference (eval mode, autograd off)
    with the 2D stem, the batch norm is folded into the convolution (same outputs to float
    rounding, one pass less), unless a forward hook watches the stem or the batch norm or
    the attribute ``fold_batch_norm`` is set to False (then the layers run one by one).

    *Cropped decoding.* A trial longer than ``n_times`` is classified crop by crop: every
    crop of ``n_times`` samples starting at a multiple of ``pool_stride`` (see
    :mod:`sktime_eeg.nn.cropping`), all in one dense forward pass over the trial -- the
    pooled log band power of the whole trial is computed once and the classifier slides
    over it, so crop ``p`` gets exactly the logits of ``x[..., p * pool_stride :
    p * pool_stride + n_times]`` alone. Training mode then returns the crops' logits
    ``(n_trials, n_classes, n_crops)``, eval mode their
    :func:`~sktime_eeg.nn.cropping.mean_log_softmax` ``(n_trials, n_classes)``.
    """

    def __init__(
        self,
        stem: TemporalSpatialStem | SpatioTemporalStem,
        n_classes: int,
        n_times: int,
        pool_length: int = 75,
        pool_stride: int = 15,
        dropout: float = 0.5,
    ) -> None:
        super().__init__()
        n_filters = stem.n_filters
        n_out = n_pooled_times(n_times, stem.kernel_length, pool_length, pool_stride)
        self.n_times, self.n_pooled = n_times, n_out
        self.stem = stem
        self.bnorm = TimeBatchNorm(n_filters)
        self.pool = TimeAvgPool(pool_length, pool_stride)
        self.drop = nn.Dropout(dropout)
        self.classifier = nn.Linear(n_filters * n_out, n_classes)
        self.fold_batch_norm = True

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """Log band-power features ``(n_trials, n_filters, n_pooled_times)``."""
        if self._can_fold_batch_norm():
            # Inference: the batch norm (a fixed affine map per filter) is folded into the
            # spatiotemporal convolution, saving one pass over its output.
            conv, bnorm = self.stem.conv, self.bnorm
            weight, bias = fuse_conv_bn_weights(
                conv.weight,
                conv.bias,
                bnorm.running_mean,
                bnorm.running_var,
                bnorm.eps,
                bnorm.weight,
                bnorm.bias,
            )
            x = SpatioTemporalStem.convolve(x, weight, bias)
        else:
            x = self.bnorm(self.stem(x))
        return torch.log(torch.clamp(self.pool(x * x), min=_LOG_FLOOR))

    def _can_fold_batch_norm(self) -> bool:
        """Inference (eval mode, no autograd), 2D stem, running statistics, and no hooks."""
        return (
            getattr(self, "fold_batch_norm", True)
            and not self.training
            and not self.bnorm.training
            and not torch.is_grad_enabled()
            and isinstance(self.stem, SpatioTemporalStem)
            and self.bnorm.running_var is not None
            and not (self.stem._forward_hooks or self.stem._forward_pre_hooks)
            and not (self.stem.conv._forward_hooks or self.stem.conv._forward_pre_hooks)
            and not (self.bnorm._forward_hooks or self.bnorm._forward_pre_hooks)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.shape[-1] == self.n_times:
            return self.classifier(self.drop(self.features(x)).flatten(1))
        n_crops = crop_starts(x.shape[-1], self.n_times, self.pool.stride_samples).numel()
        features = self.drop(self.features(x))  # (n, F, n_pooled of the whole trial)
        # Pooled steps [p, p + n_pooled) are those of crop p: (n, n_crops, F * n_pooled).
        windows = features.unfold(2, self.n_pooled, 1)[:, :, :n_crops]
        logits = self.classifier(windows.transpose(1, 2).flatten(2)).transpose(1, 2)
        return logits if self.training else mean_log_softmax(logits)
