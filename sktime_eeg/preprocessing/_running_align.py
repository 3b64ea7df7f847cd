"""Causal (running) Euclidean alignment: each trial whitened by the trials before it."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.utils.validation import check_is_fitted

from .._validation import check_groups, check_real
from ._align import EuclideanAligner, _group_indices
from ._base import _BaseEEGTransformer


def _covariances(data: np.ndarray) -> np.ndarray:
    """``X X^T / T`` of each trial of ``(n, C, T)`` (pyRiemann, not centered), ``(n, C, C)``."""
    from pyriemann.estimation import Covariances

    return Covariances(estimator="scm", assume_centered=True).transform(data)


class RunningEuclideanAligner(_BaseEEGTransformer):
    r"""Euclidean alignment that a trial can have online: the reference of each trial is the
    mean covariance of the trials *before* it in its group (session or subject).

    :class:`EuclideanAligner` whitens each group with the mean covariance of *all* its
    trials, so the alignment of an early trial depends on later ones -- which a test session
    classified trial by trial cannot provide. Here trial :math:`i` of a group (in the order
    of X, which must be the recording order) is whitened by

    .. math::

        \bar R_i = \frac{w\, R_0 + \sum_{j < i} C_j}{w + i}, \qquad
        \tilde X_i = \bar R_i^{-1/2} X_i,

    where :math:`C_j = X_j X_j^\top / T` (not centered, as in :class:`EuclideanAligner`),
    :math:`R_0` is the mean covariance of the training data seen in :meth:`fit` (over all
    its trials) and :math:`w` = ``prior_weight`` says how many trials the prior counts for.
    The first trial of a group is aligned with :math:`R_0` alone; as trials accumulate, the
    group's own covariance takes over. No trial's output depends on itself or on the trials
    after it (``transform(X)[:k]`` equals ``transform(X[:k])``), and no label is used.

    :meth:`fit_transform` aligns the training data the same causal way, so the classifier
    trains on data aligned as the test data will be.

    Parameters
    ----------
    prior_weight : float, default=1.0
        Weight :math:`w > 0` of the training reference, in trials.
    shrinkage : float, default=0.0
        Regularisation of each reference towards a multiple of the identity,
        :math:`(1 - s) \bar R + s\, \mathrm{tr}(\bar R) / C \cdot I`, in [0, 1) (needed for
        rank-deficient EEG, e.g. after an average reference).

    Attributes
    ----------
    reference_ : ndarray of shape (n_data_channels, n_data_channels)
        :math:`R_0`, the mean covariance of the training trials.
    n_features_in_ : int
        Number of channels seen in fit.

    See Also
    --------
    EuclideanAligner : alignment with the reference of a whole group.

    Notes
    -----
    How ``groups`` reach the aligner in a Pipeline is described for
    :class:`EuclideanAligner`; without metadata routing, fit with
    ``pipe.fit(X, y, runningeuclideanaligner__groups=sessions)`` and predict one session at
    a time (``groups=None`` makes X one group). For Epochs only the data channels are
    aligned (as in :class:`EuclideanAligner`). Returns a float64 array of the input's shape
    for arrays.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((30, 3, 200))
    >>> aligner = RunningEuclideanAligner().fit(X[:20])
    >>> test = aligner.transform(X[20:])
    >>> bool(np.allclose(test[:4], aligner.transform(X[20:24])))  # later trials play no part
    True
    """

    _stateless = False

    def __init__(self, prior_weight: float = 1.0, shrinkage: float = 0.0) -> None:
        self.prior_weight = prior_weight
        self.shrinkage = shrinkage

    def _check_params(self) -> None:
        owner = "RunningEuclideanAligner"
        check_real(self.prior_weight, "prior_weight", owner, low=0.0, low_inclusive=False)
        check_real(self.shrinkage, "shrinkage", owner, low=0.0, high=1.0, high_inclusive=False)

    def _shrunk(self, references: np.ndarray) -> np.ndarray:
        """pyRiemann's shrinkage towards ``tr / C * I`` of each reference of ``(n, C, C)``."""
        if self.shrinkage == 0:
            return references
        from pyriemann.estimation import Shrinkage

        return Shrinkage(shrinkage=self.shrinkage).transform(references)

    def fit(self, X: Any, y: Any = None, groups: Any = None) -> RunningEuclideanAligner:
        """Learn the prior reference: the mean covariance of all training trials.

        Parameters
        ----------
        X : mne.Epochs or array-like of shape (n_trials, n_channels, n_times) or \
                (n_trials, n_features)
            Training EEG.
        y : None
            Ignored.
        groups : array-like of shape (n_trials,) or None, default=None
            Checked only (the prior pools all trials); accepted so that ``fit`` and
            ``transform`` take the same metadata in a Pipeline.

        Returns
        -------
        self
        """
        self._check_params()
        eeg = self._validate(X, reset=True)
        check_groups(groups, eeg.n_trials)
        data, _ = EuclideanAligner._data_of(eeg)
        reference = self._shrunk(_covariances(data).mean(axis=0)[None])[0]
        eigvals = np.linalg.eigvalsh(reference)
        if not eigvals[0] > eigvals[-1] * 1e-10:
            raise ValueError(
                "RunningEuclideanAligner: the mean covariance of the training data is singular "
                f"({data.shape[1]} channels), so it cannot be inverted; drop a channel or "
                "regularise with shrinkage, e.g. RunningEuclideanAligner(shrinkage=0.1)."
            )
        self.reference_ = reference
        return self

    def transform(self, X: Any, groups: Any = None) -> Any:
        """Align every trial with the trials before it in its group.

        Parameters
        ----------
        X : mne.Epochs or array-like of shape (n_trials, n_channels, n_times) or \
                (n_trials, n_features)
            EEG in recording order, with the channels seen in fit.
        groups : array-like of shape (n_trials,) or None, default=None
            Session / subject label of each trial; None for one group. Each group starts
            from the prior reference.

        Returns
        -------
        mne.Epochs or ndarray of shape (n_trials, n_channels, n_times)
            Aligned EEG (new Epochs with the data channels aligned for Epochs input, else a
            float64 array, 2D for 2D input).
        """
        from pyriemann.geometry.base import invsqrtm

        check_is_fitted(self)
        self._check_params()
        eeg = self._validate(X, reset=False)
        groups = check_groups(groups, eeg.n_trials)
        data, picks = EuclideanAligner._data_of(eeg)
        if data.shape[1] != self.reference_.shape[0]:
            raise ValueError(
                f"RunningEuclideanAligner was fitted on {self.reference_.shape[0]} data "
                f"channel(s), but X has {data.shape[1]}; pass the same kind of input as in fit."
            )
        out = np.empty_like(data)
        weight = float(self.prior_weight)
        for _, idx in _group_indices(groups, eeg.n_trials):
            trials = data[idx]
            covariances = _covariances(trials)
            # Sum of the covariances of the trials before each one: 0, C_0, C_0 + C_1, ...
            before = np.cumsum(covariances, axis=0) - covariances
            counts = np.arange(idx.size, dtype=np.float64)[:, None, None]
            references = self._shrunk((weight * self.reference_ + before) / (weight + counts))
            out[idx] = invsqrtm(references) @ trials
        return EuclideanAligner._output(eeg, out, picks)

    def fit_transform(self, X: Any, y: Any = None, groups: Any = None) -> Any:
        """Fit the prior on X, then align X causally (same as ``fit(X).transform(X, groups)``).

        Parameters
        ----------
        X : mne.Epochs or array-like of shape (n_trials, n_channels, n_times) or \
                (n_trials, n_features)
            Training EEG in recording order.
        y : None
            Ignored.
        groups : array-like of shape (n_trials,) or None, default=None
            Session / subject label of each trial; None for one group.

        Returns
        -------
        mne.Epochs or ndarray of shape (n_trials, n_channels, n_times)
        """
        return self.fit(X, groups=groups).transform(X, groups=groups)
