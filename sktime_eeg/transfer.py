"""Cross-subject transfer: align every subject, the new one from its own (non-test) trials.

A model trained on a pool of subjects transfers better to a new ("target") subject when every
subject's data are first brought to a common reference. Two alignments are offered, one per
model family, with the same interface:

- :class:`TargetAligner` -- Euclidean alignment (He & Wu 2019) of the EEG itself, for the CNNs:
  each subject's trials are whitened by that subject's mean covariance (the
  :class:`~sktime_eeg.preprocessing.EuclideanAligner` of :mod:`sktime_eeg.preprocessing`).
- :class:`RecentredCovariances` -- Riemannian re-centring (Zanini et al. 2018) for the
  covariance-based baselines: trial covariances (pyRiemann's ``Covariances``) whose Riemannian
  mean is moved to the identity per subject by pyRiemann's :class:`pyriemann.transfer.TLCenter`.
  :func:`make_ts_lr_recentred` puts it in front of tangent space + logistic regression.

Where each reference comes from -- the point of these classes:

- in ``fit``, every group (subject) of the training data gets its own reference, from its own
  trials (``groups=``);
- the *target's* reference comes from ``X_target`` (its unlabelled trials, or its labelled
  calibration trials), or, when ``X_target`` is not given, from the training rows of the group
  ``target``; :meth:`~TargetAligner.fit_target` (re)estimates it alone, keeping the others,
  so a model trained on a pool serves a new user after a few of the user's trials;
- ``transform(X)`` without groups (what a Pipeline's ``predict`` calls) aligns X with the
  target's reference. The trials being classified never enter any reference, so test trials
  cannot leak into the alignment (unlike ``EuclideanAligner(reference="data")``, which aligns
  a test set with its own mean covariance).

Both take their fit-time inputs as fit parameters, so they work in a
:class:`~sklearn.pipeline.Pipeline` without metadata routing::

    pipe = make_aligned(Conv2DEEGClassifier())
    pipe.fit(X_pool, y_pool, align__groups=subjects_pool, align__X_target=X_new_unlabelled)
    pipe.predict(X_new_test)

Inputs are ``mne.Epochs`` (all channels; pick the EEG first) or arrays ``(n_trials,
n_channels, n_times)``; outputs are float64 arrays.

References
----------
He, H., & Wu, D. (2019). Transfer learning for brain-computer interfaces: A Euclidean space
data alignment approach. IEEE Transactions on Biomedical Engineering, 67(2).

Zanini, P., Congedo, M., Jutten, C., Said, S., & Berthoumieu, Y. (2018). Transfer learning: a
Riemannian geometry framework with applications to brain-computer interfaces. IEEE
Transactions on Biomedical Engineering, 65(5).
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import check_is_fitted

from ._input import EEGInput, InputRecord, read_eeg
from ._validation import check_groups
from .preprocessing import EuclideanAligner

__all__ = [
    "RecentredCovariances",
    "TargetAligner",
    "make_aligned",
    "make_ts_lr_recentred",
]

#: Domain name of the target in pyRiemann's encoded labels.
_TARGET_DOMAIN = "target"


def _read(X: Any, name: str = "X") -> EEGInput:
    """EEG read by the input contract: float64, Epochs with their volt channels in µV."""
    return read_eeg(X, name=name, dtype="float64")


def _split_groups(
    groups: np.ndarray | None, n_trials: int, target: Hashable | None
) -> tuple[list[tuple[Hashable, np.ndarray]], np.ndarray]:
    """``(label, indices)`` of the non-target groups, and the indices of the target's rows.

    Without groups, all of X is the target's.
    """
    if groups is None:
        return [], np.arange(n_trials)
    is_target = np.zeros(n_trials, bool) if target is None else groups == target
    if target is not None and not is_target.any():
        alike = [
            g.item() if isinstance(g, np.generic) else g
            for g in np.unique(groups)
            if str(g) == str(target)
        ]
        if alike:  # e.g. target=9 and groups read back as "9": not silently another subject
            raise ValueError(
                f"target={target!r} matches no group, but groups hold {alike}: the same label "
                "of another type, which would make the target's rows an ordinary subject "
                "aligned with their own reference. Pass target and groups of one type, e.g. "
                f"target={alike[0]!r}."
            )
    others = []
    rest = np.flatnonzero(~is_target)
    if rest.size:
        labels, inverse = np.unique(groups[rest], return_inverse=True)
        for k, label in enumerate(labels):
            others.append(
                (label.item() if isinstance(label, np.generic) else label, rest[inverse == k])
            )
    return others, np.flatnonzero(is_target)


class _TargetReference(TransformerMixin, BaseEstimator):
    """Shared logic: one reference per training group plus the target's (see the module)."""

    _owner = ""

    def _fit_group(self, data: np.ndarray) -> Any:
        raise NotImplementedError

    def _apply(self, reference: Any, data: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _prepare(self, data: np.ndarray) -> np.ndarray:
        """Trial EEG -> what the references are computed on (identity by default)."""
        return data

    def _no_target(self) -> ValueError:
        return ValueError(
            f"{self._owner} has no reference for the target subject: fit it with "
            "X_target=<the target's own unlabelled or calibration trials>, with training "
            f"rows of the group target={self.target!r}, or call fit_target(X_target) before "
            "transforming the target's data. (The trials to classify are never used as their "
            "own reference.)"
        )

    def fit(
        self, X: Any, y: Any = None, groups: Any = None, X_target: Any = None
    ) -> _TargetReference:
        """Estimate one reference per group of X, and the target's.

        Parameters
        ----------
        X : mne.Epochs or array-like of shape (n_trials, n_channels, n_times)
            Training EEG of the pool of subjects (and possibly the target's calibration
            trials, in the group ``target``).
        y : array-like of shape (n_trials,) or None
            Ignored (the references are unsupervised).
        groups : array-like of shape (n_trials,) or None
            Subject of each trial. None: all of X is the target's.
        X_target : mne.Epochs or array-like of shape (n_target, n_channels, n_times) or None
            The target's own trials (unlabelled, or its calibration trials) for its
            reference; when given it replaces the rows of the group ``target`` as the source
            of the target's reference.

        Returns
        -------
        self
        """
        self._fit(X, groups, X_target)
        return self

    def _fit(self, X: Any, groups: Any, X_target: Any) -> tuple[np.ndarray, list, np.ndarray]:
        eeg = _read(X)
        self.input_record_ = InputRecord.of(eeg)
        data = self._prepare(eeg.data)
        groups = check_groups(groups, data.shape[0], self._owner, what="subject label")
        others, target_rows = _split_groups(groups, data.shape[0], self.target)
        self.references_ = {label: self._fit_group(data[idx]) for label, idx in others}
        self.n_features_in_ = data.shape[1]
        if X_target is not None:
            self.fit_target(X_target)
        elif target_rows.size:
            self.target_reference_ = self._fit_group(data[target_rows])
        elif hasattr(self, "target_reference_"):
            del self.target_reference_
        return data, others, target_rows

    def fit_target(self, X_target: Any) -> _TargetReference:
        """(Re)estimate the target's reference from its own trials, keeping the others.

        Parameters
        ----------
        X_target : mne.Epochs or array-like of shape (n_target, n_channels, n_times)
            Unlabelled or calibration trials of the target subject (never its test trials).

        Returns
        -------
        self
        """
        eeg = _read(X_target, "X_target")
        if hasattr(self, "input_record_"):
            # Channels, sampling frequency and units of the training data (see :ref:`units`).
            self.input_record_.check(eeg, f"{self._owner} (X_target)")
        else:
            self.input_record_ = InputRecord.of(eeg)
        data = self._prepare(eeg.data)
        self.n_features_in_ = data.shape[1]
        self.target_reference_ = self._fit_group(data)
        return self

    def fit_transform(
        self, X: Any, y: Any = None, groups: Any = None, X_target: Any = None
    ) -> np.ndarray:
        """Fit, then align every group of X with its own reference.

        The rows of the group ``target`` are aligned with the target's reference.

        Parameters
        ----------
        X, y, groups, X_target
            As in :meth:`fit`.

        Returns
        -------
        ndarray
            The aligned training data (see :meth:`transform` for the shape).
        """
        data, others, target_rows = self._fit(X, groups, X_target)
        return self._transform_groups(data, others, target_rows)

    def transform(self, X: Any, groups: Any = None) -> np.ndarray:
        """Align X: with the target's reference, or per group when ``groups`` are given.

        Parameters
        ----------
        X : mne.Epochs or array-like of shape (n_trials, n_channels, n_times)
            EEG on the channels seen in fit.
        groups : array-like of shape (n_trials,) or None
            None (e.g. in a Pipeline's ``predict``): all of X is the target's. Otherwise the
            subject of each trial; each must be ``target`` or a group seen in fit.

        Returns
        -------
        ndarray
            Aligned data, float64.
        """
        check_is_fitted(self, "references_")
        eeg = _read(X)
        self.input_record_.check(eeg, self._owner)
        data = self._prepare(eeg.data)
        groups = check_groups(groups, data.shape[0], self._owner, what="subject label")
        others, target_rows = _split_groups(groups, data.shape[0], self.target)
        unknown = [label for label, _ in others if label not in self.references_]
        if unknown:
            raise ValueError(
                f"{self._owner}: groups {unknown} were neither seen in fit "
                f"({sorted(self.references_, key=str)}) nor the target ({self.target!r}); "
                "fit them, or align a new subject with fit_target(X_target) and groups=None."
            )
        return self._transform_groups(data, others, target_rows)

    def _transform_groups(
        self, data: np.ndarray, others: list, target_rows: np.ndarray
    ) -> np.ndarray:
        out = np.empty_like(data)
        for label, idx in others:
            out[idx] = self._apply(self.references_[label], data[idx])
        if target_rows.size:
            if not hasattr(self, "target_reference_"):
                raise self._no_target()
            out[target_rows] = self._apply(self.target_reference_, data[target_rows])
        return out


class TargetAligner(_TargetReference):
    """Euclidean alignment per subject, the target's from its own non-test trials.

    Every subject's trials are whitened by that subject's mean (uncentred) covariance, so each
    subject's mean covariance becomes the identity
    (:class:`~sktime_eeg.preprocessing.EuclideanAligner` computes and applies each reference).
    The target subject's reference comes from ``X_target`` or :meth:`fit_target` (its
    unlabelled or calibration trials), and ``transform(X)`` aligns the trials to classify with
    it -- never with their own covariance. See :mod:`sktime_eeg.transfer`.

    Parameters
    ----------
    target : hashable or None, default=None
        Label of the target subject in ``groups``: its training rows (calibration trials) are
        aligned with the target's reference, and form it when ``X_target`` is not given.
    shrinkage : float, default=0.0
        Shrinkage of every reference towards a multiple of the identity, in [0, 1) (as in
        :class:`~sktime_eeg.preprocessing.EuclideanAligner`); use e.g. 0.1 when a reference
        comes from fewer trials x samples than channels.

    Attributes
    ----------
    references_ : dict
        Subject label -> fitted ``EuclideanAligner(reference="fit")`` of each non-target
        group of the training data.
    target_reference_ : EuclideanAligner
        The target's (absent until the target's trials are given).
    n_features_in_ : int
        Number of channels.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((60, 3, 100))
    >>> subjects = np.repeat([1, 2, 3], 20)
    >>> aligner = TargetAligner().fit(X[:40], groups=subjects[:40])
    >>> X_new_test = aligner.fit_target(X[40:50]).transform(X[50:])
    >>> X_new_test.shape
    (10, 3, 100)
    """

    _owner = "TargetAligner"

    def __init__(self, target: Hashable | None = None, shrinkage: float = 0.0) -> None:
        self.target = target
        self.shrinkage = shrinkage

    def _fit_group(self, data: np.ndarray) -> EuclideanAligner:
        return EuclideanAligner(reference="fit", shrinkage=self.shrinkage).fit(data)

    def _apply(self, reference: EuclideanAligner, data: np.ndarray) -> np.ndarray:
        return reference.transform(data)


class RecentredCovariances(_TargetReference):
    """Trial covariances re-centred per subject (Riemannian alignment), via pyRiemann.

    Trial covariance matrices are estimated with pyRiemann's ``Covariances(estimator)``; each
    subject's are then re-centred by pyRiemann's :class:`pyriemann.transfer.TLCenter` so that
    their Riemannian mean (``metric``) becomes the identity. The target subject's centre comes
    from ``X_target`` or :meth:`fit_target` (its unlabelled or calibration trials), and
    ``transform(X)`` re-centres the trials to classify with it -- never with their own mean.
    See :mod:`sktime_eeg.transfer`.

    Parameters
    ----------
    target : hashable or None, default=None
        Label of the target subject in ``groups`` (see :class:`TargetAligner`).
    estimator : str, default="oas"
        pyRiemann covariance estimator ("oas" stays well conditioned for rank-deficient EEG).
    metric : str, default="riemann"
        Metric of the means (pyRiemann's ``TLCenter(metric=...)``; only "riemann" centres
        exactly at the identity).

    Attributes
    ----------
    references_ : dict
        Subject label -> fitted ``TLCenter`` of each non-target group of the training data.
    target_reference_ : pyriemann.transfer.TLCenter
        The target's (absent until the target's trials are given).
    n_features_in_ : int
        Number of channels.

    Notes
    -----
    ``transform`` and ``fit_transform`` return covariance matrices of shape ``(n_trials,
    n_channels, n_channels)``, for a tangent space or an MDM to follow.
    """

    _owner = "RecentredCovariances"

    def __init__(
        self, target: Hashable | None = None, estimator: str = "oas", metric: str = "riemann"
    ) -> None:
        self.target = target
        self.estimator = estimator
        self.metric = metric

    def _prepare(self, data: np.ndarray) -> np.ndarray:
        from pyriemann.estimation import Covariances

        return Covariances(estimator=self.estimator).transform(data)

    def _fit_group(self, covs: np.ndarray) -> Any:
        from pyriemann.transfer import TLCenter, encode_domains

        domains = np.full(covs.shape[0], _TARGET_DOMAIN)
        # TLCenter reads only the domain part of pyRiemann's encoded labels.
        _, y_enc = encode_domains(covs, np.zeros(covs.shape[0], int), domains)
        return TLCenter(target_domain=_TARGET_DOMAIN, metric=self.metric).fit(covs, y_enc)

    def _apply(self, reference: Any, covs: np.ndarray) -> np.ndarray:
        return reference.transform(covs)


def make_aligned(
    estimator: Any, *, target: Hashable | None = None, shrinkage: float = 0.0
) -> Pipeline:
    """A Pipeline of :class:`TargetAligner` (step ``"align"``) then ``estimator`` (``"clf"``).

    Parameters
    ----------
    estimator : estimator
        Classifier of aligned EEG, e.g. a :class:`~sktime_eeg.Conv2DEEGClassifier`.
    target : hashable or None, default=None
        See :class:`TargetAligner`.
    shrinkage : float, default=0.0
        See :class:`TargetAligner`.

    Returns
    -------
    Pipeline
        Fit with ``pipe.fit(X, y, align__groups=subjects, align__X_target=X_target_trials)``;
        ``pipe.named_steps["align"].fit_target(X_new)`` points it at a new subject.
    """
    return Pipeline(
        [("align", TargetAligner(target=target, shrinkage=shrinkage)), ("clf", estimator)]
    )


def make_ts_lr_recentred(
    *,
    target: Hashable | None = None,
    cov_estimator: str = "oas",
    metric: str = "riemann",
    C: float = 1.0,
) -> Pipeline:
    """Tangent space + logistic regression on re-centred covariances (per-subject alignment).

    Parameters
    ----------
    target : hashable or None, default=None
        See :class:`RecentredCovariances`.
    cov_estimator : str, default="oas"
        pyRiemann covariance estimator.
    metric : str, default="riemann"
        Metric of the re-centring and of the tangent space's reference point.
    C : float, default=1.0
        Inverse regularisation strength of the logistic regression.

    Returns
    -------
    Pipeline
        Steps ``recentre`` (:class:`RecentredCovariances`) -> ``tangent_space`` -> ``logreg``;
        fit with ``pipe.fit(X, y, recentre__groups=subjects, recentre__X_target=X_target)``.
    """
    from pyriemann.tangentspace import TangentSpace

    return Pipeline(
        [
            (
                "recentre",
                RecentredCovariances(target=target, estimator=cov_estimator, metric=metric),
            ),
            ("tangent_space", TangentSpace(metric=metric)),
            ("logreg", LogisticRegression(C=C, max_iter=1000)),
        ]
    )
