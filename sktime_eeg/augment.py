"""Data augmentation of training mini-batches, for the ``augment`` parameter of the classifiers.

Each transform takes a batch of standardized EEG ``X`` (torch tensor ``(n_trials, n_channels,
n_times)``) and its targets ``y`` (class indices ``(n_trials,)`` or class probabilities
``(n_trials, n_classes)``) and returns new ones. The classifiers apply them, in the order
given, to every training batch only -- never to validation batches or at prediction -- and
draw their randomness from torch's generator, which ``random_state`` seeds for the fit, so
augmented fits stay bit-reproducible.

The transforms are scikit-learn style objects (``get_params``, ``clone``, ``repr``), so they
can be grid-searched: ``GridSearchCV(clf, {"augment": [None, [GaussianNoise(0.1)]]})``.
"""

from __future__ import annotations

import math

import torch
from sklearn.base import BaseEstimator

from ._validation import check_real

__all__ = [
    "AmplitudeScale",
    "BatchTransform",
    "ChannelDropout",
    "FrequencyShift",
    "GaussianNoise",
    "Mixup",
]


class BatchTransform(BaseEstimator):
    """Base of the batch transforms: ``transform(X, y, n_classes=...) -> (X, y)``.

    Subclasses implement :meth:`__call__` and :meth:`_check` (parameter validation, called
    by the classifier before training).
    """

    def _check(self) -> None:  # pragma: no cover - every subclass overrides it
        """Raise ValueError for invalid parameters."""

    def __call__(
        self, X: torch.Tensor, y: torch.Tensor, *, n_classes: int
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Augment one batch.

        Parameters
        ----------
        X : torch.Tensor of shape (n_trials, n_channels, n_times)
            Standardized EEG of the batch (not modified in place).
        y : torch.Tensor of shape (n_trials,) or (n_trials, n_classes)
            Class indices (int64) or class probabilities (float).
        n_classes : int
            Number of classes.

        Returns
        -------
        X : torch.Tensor of shape (n_trials, n_channels, n_times)
        y : torch.Tensor of shape (n_trials,) or (n_trials, n_classes)
        """
        raise NotImplementedError


class AmplitudeScale(BatchTransform):
    """Multiply each trial (or each channel of each trial) by a random gain.

    Mimics changes of the signal amplitude between sessions (electrode impedance, cap
    placement). Gains are drawn uniformly from ``[low, high]``.

    Parameters
    ----------
    low, high : float, default=0.8, 1.2
        Range of the gains, ``0 < low <= high``.
    per_channel : bool, default=False
        One gain per channel of each trial instead of one per trial.
    """

    def __init__(self, low: float = 0.8, high: float = 1.2, per_channel: bool = False) -> None:
        self.low = low
        self.high = high
        self.per_channel = per_channel

    def _check(self) -> None:
        check_real(self.low, "low", "AmplitudeScale", low=0.0, low_inclusive=False)
        check_real(self.high, "high", "AmplitudeScale", low=self.low)

    def __call__(self, X, y, *, n_classes):
        shape = (X.shape[0], X.shape[1] if self.per_channel else 1, 1)
        gain = torch.rand(shape, dtype=X.dtype).to(X.device)
        return X * (self.low + (self.high - self.low) * gain), y


class GaussianNoise(BatchTransform):
    """Add white Gaussian noise.

    Parameters
    ----------
    std : float, default=0.1
        Standard deviation of the noise, in units of the standardized EEG (each channel of
        the training data has unit standard deviation), ``>= 0``.
    """

    def __init__(self, std: float = 0.1) -> None:
        self.std = std

    def _check(self) -> None:
        check_real(self.std, "std", "GaussianNoise", low=0.0)

    def __call__(self, X, y, *, n_classes):
        noise = torch.randn(X.shape, dtype=X.dtype).to(X.device)
        return X + self.std * noise, y


class ChannelDropout(BatchTransform):
    """Set each channel of each trial to zero with probability ``p``.

    Parameters
    ----------
    p : float, default=0.1
        Probability of dropping a channel, in [0, 1).
    """

    def __init__(self, p: float = 0.1) -> None:
        self.p = p

    def _check(self) -> None:
        check_real(self.p, "p", "ChannelDropout", low=0.0, high=1.0, high_inclusive=False)

    def __call__(self, X, y, *, n_classes):
        keep = torch.rand((X.shape[0], X.shape[1], 1), dtype=X.dtype).to(X.device) >= self.p
        return X * keep, y


class FrequencyShift(BatchTransform):
    """Shift the spectrum of each trial by a random frequency (a single-sideband modulation).

    Each trial's analytic signal (FFT, zeroing negative frequencies) is multiplied by
    ``exp(2j pi df t)`` with ``df`` uniform in ``[-max_shift, max_shift]`` Hz, and its real
    part kept: every frequency component moves by ``df``. Mimics individual differences of
    the mu / beta peak frequency.

    Parameters
    ----------
    max_shift : float, default=1.0
        Largest shift in Hz, ``>= 0``.
    sfreq : float, default=250.0
        Sampling frequency of the EEG in Hz (set it to your data's).
    """

    def __init__(self, max_shift: float = 1.0, sfreq: float = 250.0) -> None:
        self.max_shift = max_shift
        self.sfreq = sfreq

    def _check(self) -> None:
        check_real(self.max_shift, "max_shift", "FrequencyShift", low=0.0)
        check_real(self.sfreq, "sfreq", "FrequencyShift", low=0.0, low_inclusive=False)
        if self.max_shift >= self.sfreq / 2:
            raise ValueError(
                f"FrequencyShift: max_shift={self.max_shift} Hz must be below the Nyquist "
                f"frequency ({self.sfreq / 2} Hz at sfreq={self.sfreq}); lower max_shift or "
                "set sfreq to the sampling frequency of your data."
            )

    def __call__(self, X, y, *, n_classes):
        n_times = X.shape[-1]
        spectrum = torch.fft.fft(X, dim=-1)
        weights = torch.zeros(n_times, dtype=X.dtype, device=X.device)
        weights[0] = 1.0
        weights[1 : (n_times + 1) // 2] = 2.0
        if n_times % 2 == 0:
            weights[n_times // 2] = 1.0
        analytic = torch.fft.ifft(spectrum * weights, dim=-1)
        shift = (2 * torch.rand((X.shape[0], 1, 1), dtype=X.dtype) - 1) * self.max_shift
        t = torch.arange(n_times, dtype=X.dtype) / self.sfreq
        phase = (2 * math.pi) * shift.to(X.device) * t.to(X.device)
        return (analytic * torch.polar(torch.ones_like(phase), phase)).real.to(X.dtype), y


class Mixup(BatchTransform):
    """Mix pairs of trials and their targets (Zhang et al. 2018).

    Trial ``i`` becomes ``lam_i * X[i] + (1 - lam_i) * X[j]`` with ``j`` a random permutation
    of the batch and ``lam_i ~ Beta(alpha, alpha)``; its target becomes the same mixture of
    the two one-hot targets (so the loss is the soft-target cross-entropy).

    Parameters
    ----------
    alpha : float, default=0.2
        Parameter of the Beta distribution, ``> 0``; small values mix little.
    """

    def __init__(self, alpha: float = 0.2) -> None:
        self.alpha = alpha

    def _check(self) -> None:
        check_real(self.alpha, "alpha", "Mixup", low=0.0, low_inclusive=False)

    def __call__(self, X, y, *, n_classes):
        if y.ndim == 1:
            y = torch.nn.functional.one_hot(y, n_classes).to(X.dtype)
        n = X.shape[0]
        beta = torch.distributions.Beta(float(self.alpha), float(self.alpha))
        lam = beta.sample((n,)).to(X.dtype).to(X.device)  # torch's global generator
        perm = torch.randperm(n).to(X.device)
        X = lam[:, None, None] * X + (1 - lam[:, None, None]) * X[perm]
        y = lam[:, None] * y + (1 - lam[:, None]) * y[perm]
        return X, y
