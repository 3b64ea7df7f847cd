"""Spatial activation patterns of the spatiotemporal kernels, and their topographic maps."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import mne
import numpy as np
import torch
import torch.nn.functional as F

from .._input import read_eeg
from ..datasets._montage import standard_montage
from ..nn import SpatioTemporalStem, TemporalSpatialStem, fold
from ._network import fitted_network, standardized_input

__all__ = ["spatial_patterns", "plot_patterns"]


def _spatiotemporal_kernels(module: torch.nn.Module) -> np.ndarray:
    """The stem's kernels as one ``(n_filters, n_channels, kernel_length)`` float64 array."""
    stem = getattr(module, "stem", None)
    if isinstance(stem, TemporalSpatialStem):
        stem = fold(stem)
    if not isinstance(stem, SpatioTemporalStem):
        raise TypeError(
            "spatial_patterns needs a network whose `stem` is a SpatioTemporalStem or a "
            f"TemporalSpatialStem (sktime_eeg.nn); got {type(stem).__name__}."
        )
    return stem.conv.weight.detach().to("cpu", torch.float64).numpy()


def spatial_patterns(
    estimator: Any, X: Any, *, spatiotemporal: bool = False, batch_size: int = 64
) -> np.ndarray:
    """Activation patterns (Haufe et al. 2014) of the first-layer kernels of a fitted network.

    A kernel ``W_f`` of shape ``n_channels x kernel_length`` is a linear filter of the
    delay-embedded signal ``x~(t) = [x_c(t + tau)]_{c, tau}``: its output is
    ``s_f(t) = sum_{c, tau} W_f[c, tau] x~_c(t + tau)``. Its activation pattern,
    ``A_f = Cov(x~) W_f / Var(s_f)``, is the forward model of that one filter: how a unit
    of ``s_f`` shows up on each channel at each lag. It is estimated here as
    ``A_f[c, tau] = Cov(x_c(t + tau), s_f(t)) / Var(s_f)`` over all trials and time points
    of ``X`` (no ``C k x C k`` covariance matrix is formed).

    The spatial pattern of the filter is the dominant spatial component of ``A_f``: its
    first left singular vector scaled by the first singular value (``A_f ~ s1 u1 v1^T``).
    When the filter's source mixes into the channels instantaneously (as volume conduction
    does), ``A_f`` has rank one and ``u1`` is the source's mixing vector.

    Parameters
    ----------
    estimator : fitted Conv1DEEGClassifier, Conv2DEEGClassifier, ConformerEEGClassifier
        Or a fitted Pipeline ending in one (patterns are then in the units of the data
        entering that final step). 1D stems are folded first (:func:`sktime_eeg.nn.fold`);
        hybrids are read through their stem.
    X : array-like of shape (n_trials, n_channels, n_times), or mne.Epochs
        EEG with the channels and window length of the training data, in the units the
        estimator was given (Epochs are read with their volt channels in microvolts, the
        package's convention). The patterns are in these units: the estimator's channel
        standardization (``mean_``, ``scale_``) is undone.
    spatiotemporal : bool, default=False
        Return the full patterns ``A_f`` of shape ``(n_filters, n_channels, kernel_length)``
        instead of their spatial components.
    batch_size : int, default=64
        Trials processed at a time (bounds memory).

    Returns
    -------
    ndarray of shape (n_filters, n_channels), or (n_filters, n_channels, kernel_length)
        One pattern per kernel, in the order of the network's filters, in units of ``X``
        per unit of filter output. The sign of a spatial pattern is arbitrary (set so that
        its largest-magnitude entry is positive); a filter whose output is constant on
        ``X`` gets a pattern of zeros.

    Notes
    -----
    Each filter is treated on its own (``Var(s_f)`` rather than the full ``Cov(s)^{-1}`` of
    Haufe et al.'s multi-filter formula): the network squares and pools every filter
    separately, and its many filters are often strongly correlated, which would make
    ``Cov(s)`` ill-conditioned.

    References
    ----------
    Haufe, S. et al. (2014). On the interpretation of weight vectors of linear models in
    multivariate neuroimaging. NeuroImage 87, 96-110.

    Examples
    --------
    >>> from sktime_eeg.explain import plot_patterns, spatial_patterns
    >>> patterns = spatial_patterns(clf, epochs)  # doctest: +SKIP
    >>> fig = plot_patterns(patterns, epochs.info)  # doctest: +SKIP
    """
    classifier, module, X = fitted_network(estimator, X, "spatial_patterns")
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)):
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}.")
    if batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}.")
    kernels = _spatiotemporal_kernels(module)
    n_filters, n_channels, kernel_length = kernels.shape
    standardized = standardized_input(classifier, X)
    raw = read_eeg(X).data  # read as the estimator reads it: Epochs in µV (see :ref:`units`)
    n_trials, _, n_times = raw.shape
    n_out = n_times - kernel_length + 1
    weight = torch.from_numpy(kernels)

    sum_s = np.zeros(n_filters)
    sum_ss = np.zeros(n_filters)
    sum_x = np.zeros((n_channels, kernel_length))
    sum_xs = np.zeros((n_filters, n_channels, kernel_length))
    for start in range(0, n_trials, batch_size):
        x_batch = raw[start : start + batch_size].astype(np.float64)
        z_batch = torch.from_numpy(standardized[start : start + batch_size].astype(np.float64))
        s_batch = F.conv1d(z_batch, weight).numpy()  # (b, F, n_out)
        sum_s += s_batch.sum(axis=(0, 2))
        sum_ss += np.einsum("bft,bft->f", s_batch, s_batch)
        for lag in range(kernel_length):
            x_lag = x_batch[:, :, lag : lag + n_out]
            sum_x[:, lag] += x_lag.sum(axis=(0, 2))
            sum_xs[:, :, lag] += np.tensordot(s_batch, x_lag, axes=([0, 2], [0, 2]))
    n_points = n_trials * n_out
    mean_s = sum_s / n_points
    var_s = sum_ss / n_points - mean_s**2
    cov = sum_xs / n_points - mean_s[:, None, None] * (sum_x / n_points)[None]
    live = var_s > 1e-12 * max(float(var_s.max()), np.finfo(float).tiny)
    full = np.zeros_like(cov)
    full[live] = cov[live] / var_s[live, None, None]
    if spatiotemporal:
        return full

    patterns = np.zeros((n_filters, n_channels))
    for f in np.flatnonzero(live):
        u, s, _ = np.linalg.svd(full[f], full_matrices=False)
        pattern = u[:, 0] * s[0]
        patterns[f] = pattern * np.sign(pattern[np.argmax(np.abs(pattern))])
    return patterns


def _as_info(info: Any, n_channels: int) -> mne.Info:
    if isinstance(info, mne.Info):
        pass
    elif hasattr(info, "info") and isinstance(info.info, mne.Info):  # Epochs, Raw, Evoked
        info = info.info
    elif isinstance(info, Sequence) and not isinstance(info, str):
        ch_names = [str(name) for name in info]
        montage = standard_montage()  # cached: read and applied here, never modified
        known = {name.lower() for name in montage.ch_names}
        unknown = [name for name in ch_names if name.lower() not in known]
        if unknown:
            raise ValueError(
                f"No standard 10-05 position for channel(s) {unknown}; pass an mne.Info with "
                "a montage instead (info.set_montage(...))."
            )
        info = mne.create_info(ch_names, sfreq=1.0, ch_types="eeg")
        info.set_montage(montage, match_case=False, verbose=False)
    else:
        raise TypeError(
            "info must be an mne.Info (e.g. epochs.info), an object with .info, or a list "
            f"of 10-20 channel names; got {type(info).__name__}."
        )
    if len(info["ch_names"]) != n_channels:
        raise ValueError(
            f"The patterns have {n_channels} channels but info has {len(info['ch_names'])}; "
            "pass the info of the data the model was fitted on (pick the same channels)."
        )
    positions = np.array([ch["loc"][:3] for ch in info["chs"]])
    if not np.isfinite(positions).all() or np.allclose(positions, 0):
        raise ValueError(
            "info has no channel positions; set a montage first, e.g. "
            "info.set_montage('standard_1020') (or pass the list of channel names)."
        )
    return info


def plot_patterns(
    patterns: np.ndarray,
    info: Any,
    *,
    picks: Sequence[int] | None = None,
    titles: Sequence[str] | None = None,
    n_cols: int = 8,
    cmap: str = "RdBu_r",
    size: float = 1.6,
    topomap_kwargs: dict[str, Any] | None = None,
    show: bool = False,
):
    """Plot spatial patterns as MNE topographic maps, one per filter.

    Parameters
    ----------
    patterns : array-like of shape (n_filters, n_channels)
        E.g. the output of :func:`spatial_patterns`.
    info : mne.Info, or an object with ``.info`` (Epochs), or list of str
        Channel positions: an Info with a montage, or the channel names (placed with the
        standard 10-05 template).
    picks : sequence of int, default=None
        Which filters to plot, in that order; None plots all.
    titles : sequence of str, default=None
        One title per plotted filter; default ``"filter <index>"``.
    n_cols : int, default=8
        Maps per row.
    cmap : str, default="RdBu_r"
        Colormap; each map is scaled symmetrically to its own largest magnitude.
    size : float, default=1.6
        Size of one map in inches.
    topomap_kwargs : dict, default=None
        Extra arguments for :func:`mne.viz.plot_topomap`, e.g.
        ``{"extrapolate": "local"}`` to leave the head outside a sparse montage blank, or
        ``{"contours": 6}``.
    show : bool, default=False
        Call ``plt.show()``.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    patterns = np.asarray(patterns, dtype=float)
    if patterns.ndim != 2:
        raise ValueError(
            f"patterns must be 2D (n_filters, n_channels), got shape {patterns.shape}; for "
            "spatiotemporal patterns take their spatial part first (spatiotemporal=False)."
        )
    info = _as_info(info, patterns.shape[1])
    picks = list(range(patterns.shape[0])) if picks is None else [int(p) for p in picks]
    if not picks:
        raise ValueError("picks is empty; pass at least one filter index.")
    bad = [p for p in picks if not -patterns.shape[0] <= p < patterns.shape[0]]
    if bad:
        raise ValueError(f"picks {bad} out of range for {patterns.shape[0]} filters.")
    if titles is not None and len(titles) != len(picks):
        raise ValueError(f"Got {len(titles)} titles for {len(picks)} patterns.")
    n_cols = max(1, min(int(n_cols), len(picks)))
    n_rows = -(-len(picks) // n_cols)
    fig, axes = plt.subplots(
        n_rows, n_cols, figsize=(size * n_cols, size * n_rows * 1.1), squeeze=False
    )
    for i, ax in enumerate(axes.ravel()):
        if i >= len(picks):
            ax.set_axis_off()
            continue
        pattern = patterns[picks[i]]
        vmax = float(np.abs(pattern).max()) or 1.0
        kwargs = {"cmap": cmap, "vlim": (-vmax, vmax), "contours": 0, **(topomap_kwargs or {})}
        mne.viz.plot_topomap(pattern, info, axes=ax, show=False, **kwargs)
        ax.set_title(titles[i] if titles is not None else f"filter {picks[i]}", fontsize=9)
    fig.tight_layout()
    if show:
        plt.show()
    return fig
