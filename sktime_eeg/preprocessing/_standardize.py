"""Exponential moving standardization (ShallowConvNet's preprocessing)."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
from scipy.signal import lfilter

from .._docs import fill_doc
from .._validation import (
    check_positive_int,
    check_real,
)
from ._base import (
    _BaseEEGTransformer,
    _data_channel_picks,
    _Input,
    _replace_epochs_data,
)


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


@fill_doc
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

    Attributes
    ----------
    %(transformer_attributes)s

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
    standardized (unit-free) values replace their signal, stored so that they read back
    unchanged in the package's units (``out.get_data(units="uV")`` or :class:`EpochsToArray`
    give the same numbers as the array path); the other channels (EOG, ECG, EMG, stim, misc,
    ...) are passed through unchanged. Epochs without data channels, or with data
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
        data = eeg.data[:, picks]  # in the package's units: volt channels in microvolts
        return _replace_epochs_data(epochs, self._standardize(data), picks)

    def _transform_array(self, data: np.ndarray, eeg: _Input) -> np.ndarray:
        return self._standardize(data)
