"""Euclidean alignment of subjects or sessions."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

import numpy as np
from sklearn.utils.validation import check_is_fitted

from .._docs import fill_doc
from .._validation import (
    check_groups,
    check_real,
)
from ._base import (
    _BaseEEGTransformer,
    _data_channel_picks,
    _Input,
    _replace_epochs_data,
    _restore_ndim,
)


# -- EuclideanAligner -----------------------------------------------------------------------
def _group_indices(groups: np.ndarray | None, n_trials: int) -> list[tuple[Hashable, np.ndarray]]:
    """``(label, trial indices)`` per group; one group labelled None when groups is None."""
    if groups is None:
        return [(None, np.arange(n_trials))]
    labels, inverse = np.unique(groups, return_inverse=True)
    return [
        (label.item() if isinstance(label, np.generic) else label, np.flatnonzero(inverse == k))
        for k, label in enumerate(labels)
    ]


def _inv_sqrt(reference: np.ndarray, label: Hashable, n_trials: int, n_times: int) -> np.ndarray:
    """``reference^{-1/2}`` through pyRiemann, with a clear error for a singular reference."""
    from pyriemann.geometry.base import invsqrtm

    eigvals = np.linalg.eigvalsh(reference)
    n_channels = reference.shape[0]
    if not eigvals[0] > eigvals[-1] * 1e-10:
        rank = int(np.sum(eigvals > max(eigvals[-1], 0.0) * 1e-10))
        which = "of X" if label is None else f"of group {label!r}"
        raise ValueError(
            f"EuclideanAligner: the mean covariance {which} is singular (rank {rank} for "
            f"{n_channels} channels, from {n_trials} trial(s) of {n_times} sample(s)), so it "
            "cannot be inverted. This happens with fewer trials x samples than channels or "
            "with rank-deficient EEG (e.g. after an average reference): drop a channel, or "
            "regularise with shrinkage, e.g. EuclideanAligner(shrinkage=0.1)."
        )
    return invsqrtm(reference)


@fill_doc
class EuclideanAligner(_BaseEEGTransformer):
    r"""Euclidean alignment (He & Wu 2019): whiten each group by its mean covariance.

    For every group (subject or session) :math:`g` with trials :math:`X_i` of shape
    ``(n_channels, n_times)``, the reference is the arithmetic mean of the trial covariances
    :math:`\bar R_g = \frac{1}{n_g} \sum_i X_i X_i^\top / T` (pyRiemann's ``"scm"``
    covariances, not centered, as in the paper) and every trial becomes
    :math:`\bar R_g^{-1/2} X_i`. Afterwards each group's mean covariance is the identity, so
    data of different subjects or sessions become comparable (unsupervised: no labels used).

    Which reference aligns which trials:

    - ``reference="data"`` (default): :meth:`transform` aligns each group of the data it is
      given with that data's own reference. New subjects or sessions are aligned with their
      own (unlabelled) trials, which is what cross-subject transfer does. ``groups=None``
      means all of X is one group, so inside a :class:`~sklearn.pipeline.Pipeline` a test set
      of one subject is aligned with its own reference without any routing. This mode is
      stateless; give enough trials per group for a meaningful reference (a single trial
      would be whitened to identity covariance and lose its information).
    - ``reference="fit"``: :meth:`transform` uses the references learned in :meth:`fit`, for
      the groups seen there (e.g. calibrate on a first block, then classify trial by trial
      online). ``groups=None`` in transform needs a fit without groups.

    How ``groups`` reach the aligner:

    - directly: ``aligner.fit(X, groups=g)``, ``aligner.fit_transform(X, groups=g)``,
      ``aligner.transform(X, groups=g)``;
    - in a Pipeline without metadata routing: ``pipe.fit(X, y, euclideanaligner__groups=g)``
      (fit only; at predict time groups cannot be passed, so X is one group);
    - with metadata routing (``sklearn.set_config(enable_metadata_routing=True)``):
      ``EuclideanAligner().set_fit_request(groups=True).set_transform_request(groups=True)``
      (scikit-learn wants the same request for both, as ``fit_transform`` takes the two),
      then ``pipe.fit(X, y, groups=g)``, ``pipe.predict(X_test, groups=g_test)`` and
      ``cross_validate(pipe, X, y, params={"groups": g}, cv=LeaveOneGroupOut())``.

    Parameters
    ----------
    reference : {"data", "fit"}, default="data"
        Where :meth:`transform` takes each group's reference from (see above).
    shrinkage : float, default=0.0
        Regularisation of each reference towards a multiple of the identity (pyRiemann's
        ``Shrinkage``: :math:`(1 - s) \bar R + s\, \mathrm{tr}(\bar R) / C \cdot I`), in
        [0, 1). Needed for rank-deficient EEG; the aligned mean covariance is then close to,
        not exactly, the identity.

    Attributes
    ----------
    references_ : dict
        Group label -> reference matrix of shape (n_data_channels, n_data_channels) (after
        shrinkage) of the training data; the key is None when fitted without groups.
    %(transformer_attributes)s

    Notes
    -----
    For Epochs only the data channels are aligned: EEG, MEG, sEEG, ECoG, DBS, fNIRS and CSD
    channels (bad ones included), the channels ``epochs.pick("data")`` keeps. The references
    are computed from them alone, and the other channels (EOG, ECG, EMG, stim, misc, ...)
    are passed through unchanged. Epochs without data channels, or with data channels in
    different units (EEG in volts and MEG in tesla), are an error. Every channel
    of an array is a data channel, so with ``reference="fit"`` give :meth:`transform` the
    same kind of input as :meth:`fit` when the Epochs have other channels.

    Epochs are read in the package's units (EEG in microvolts, see :ref:`units`), so a
    reference fitted on Epochs aligns the microvolt array of the same data
    (``EpochsToArray().fit_transform(epochs)``) exactly like the Epochs. The aligned signal is
    unit-free; for Epochs it replaces the signal of the data channels, stored so that it reads
    back unchanged in the package's units (``out.get_data(units="uV")``). Returns a float64
    array of the input's shape for arrays.

    References
    ----------
    He, H., & Wu, D. (2019). Transfer learning for brain-computer interfaces: A Euclidean
    space data alignment approach. IEEE Transactions on Biomedical Engineering, 67(2).

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((40, 3, 200)) * np.array([1.0, 5.0, 20.0])[:, None]
    >>> groups = np.repeat([1, 2], 20)
    >>> X_aligned = EuclideanAligner().fit_transform(X, groups=groups)
    >>> covs = X_aligned[:20] @ X_aligned[:20].transpose(0, 2, 1) / 200
    >>> bool(np.allclose(covs.mean(axis=0), np.eye(3)))
    True
    """

    _stateless = False

    def __init__(self, reference: str = "data", shrinkage: float = 0.0) -> None:
        self.reference = reference
        self.shrinkage = shrinkage

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = self.reference == "fit"
        return tags

    def _check_params(self) -> None:
        if self.reference not in ("data", "fit"):
            raise ValueError(
                f"EuclideanAligner: reference must be 'data' or 'fit', got {self.reference!r}."
            )
        check_real(
            self.shrinkage, "shrinkage", "EuclideanAligner", low=0.0, high=1.0, high_inclusive=False
        )

    def _references(self, data: np.ndarray, groups: np.ndarray | None) -> dict:
        from pyriemann.estimation import Covariances, Shrinkage

        covariances = Covariances(estimator="scm", assume_centered=True)
        references = {}
        for label, idx in _group_indices(groups, data.shape[0]):
            reference = covariances.transform(data[idx]).mean(axis=0)
            if self.shrinkage > 0:
                reference = Shrinkage(shrinkage=self.shrinkage).transform(reference[None])[0]
            references[label] = reference
        return references

    def _align(self, data: np.ndarray, groups: np.ndarray | None, references: dict) -> np.ndarray:
        n_reference = next(iter(references.values())).shape[0]
        if n_reference != data.shape[1]:
            raise ValueError(
                f"EuclideanAligner(reference='fit') was fitted on {n_reference} data "
                f"channel(s), but X has {data.shape[1]}. Every channel of an array is a data "
                "channel, while of Epochs only the data channels (EEG, MEG, ...) are aligned; "
                "pass the same kind of input as in fit."
            )
        out = np.empty_like(data)
        for label, idx in _group_indices(groups, data.shape[0]):
            inv_sqrt = _inv_sqrt(references[label], label, idx.size, data.shape[-1])
            out[idx] = inv_sqrt @ data[idx]
        return out

    @staticmethod
    def _data_of(eeg: _Input) -> tuple[np.ndarray, np.ndarray | None]:
        """The signal to align and, for Epochs, the indices of its (data) channels."""
        if eeg.epochs is None:
            return eeg.data, None
        picks = _data_channel_picks("EuclideanAligner", eeg.epochs)
        return eeg.data[:, picks], picks  # in the package's units (microvolts for EEG)

    @staticmethod
    def _output(eeg: _Input, aligned: np.ndarray, picks: np.ndarray | None) -> Any:
        if eeg.epochs is not None:
            return _replace_epochs_data(eeg.epochs, aligned, picks)
        return _restore_ndim(aligned, eeg.was_2d)

    def fit(self, X: Any, y: Any = None, groups: Any = None) -> EuclideanAligner:
        """Compute the reference (mean covariance) of each group of the training data.

        Parameters
        ----------
        X : mne.Epochs or array-like of shape (n_trials, n_channels, n_times) or \
                (n_trials, n_features)
            Training EEG.
        y : None
            Ignored.
        groups : array-like of shape (n_trials,) or None, default=None
            Subject / session label of each trial; None for one group.

        Returns
        -------
        self
        """
        self._fit(X, groups)
        return self

    def _fit(
        self, X: Any, groups: Any
    ) -> tuple[_Input, np.ndarray, np.ndarray | None, np.ndarray | None]:
        """Fit the references; return the validated input, its data, channel picks, groups."""
        self._check_params()
        eeg = self._validate(X, reset=True)
        groups = check_groups(groups, eeg.n_trials)
        data, picks = self._data_of(eeg)
        references = self._references(data, groups)
        for label, idx in _group_indices(groups, eeg.n_trials):
            _inv_sqrt(references[label], label, idx.size, eeg.n_times)  # fail early if singular
        self.references_ = references
        return eeg, data, picks, groups

    def transform(self, X: Any, groups: Any = None) -> Any:
        """Align every group of X.

        Parameters
        ----------
        X : mne.Epochs or array-like of shape (n_trials, n_channels, n_times) or \
                (n_trials, n_features)
            EEG with the number of channels seen in fit (when fitted).
        groups : array-like of shape (n_trials,) or None, default=None
            Group label of each trial; None for one group.

        Returns
        -------
        mne.Epochs or ndarray of shape (n_trials, n_channels, n_times)
            Aligned EEG: new Epochs (data channels aligned, the others unchanged) for Epochs
            input, else a float64 array (2D for 2D input).
        """
        self._check_params()
        if self.reference == "fit":
            check_is_fitted(self)
        eeg = self._validate(X, reset=False)
        groups = check_groups(groups, eeg.n_trials)
        data, picks = self._data_of(eeg)
        if self.reference == "data":
            references = self._references(data, groups)
        else:
            references = self._fitted_references(groups)
        return self._output(eeg, self._align(data, groups, references), picks)

    def _fitted_references(self, groups: np.ndarray | None) -> dict:
        fitted = self.references_
        if groups is None:
            if list(fitted) != [None]:
                raise ValueError(
                    "EuclideanAligner(reference='fit') was fitted on groups "
                    f"{sorted(fitted, key=str)}; pass groups= to transform to say which "
                    "reference each trial uses (in a Pipeline: enable metadata routing and "
                    "set_transform_request(groups=True)), or use reference='data'."
                )
            return fitted
        if None in fitted:
            raise ValueError(
                "EuclideanAligner(reference='fit') was fitted without groups, so it has one "
                "reference; call transform without groups, or refit with groups."
            )
        unknown = sorted(
            {label for label, _ in _group_indices(groups, len(groups))} - set(fitted), key=str
        )
        if unknown:
            raise ValueError(
                f"EuclideanAligner(reference='fit'): groups {unknown} were not seen in fit "
                f"(seen: {sorted(fitted, key=str)}). Use reference='data' to align new groups "
                "with their own data."
            )
        return fitted

    def fit_transform(self, X: Any, y: Any = None, groups: Any = None) -> Any:
        """Fit the references and align the training data with them.

        Parameters
        ----------
        X : mne.Epochs or array-like of shape (n_trials, n_channels, n_times) or \
                (n_trials, n_features)
            Training EEG.
        y : None
            Ignored.
        groups : array-like of shape (n_trials,) or None, default=None
            Subject / session label of each trial; None for one group.

        Returns
        -------
        mne.Epochs or ndarray of shape (n_trials, n_channels, n_times)
            The aligned training data (same as ``fit(X, groups=groups).transform(X,
            groups=groups)`` in both modes).
        """
        eeg, data, picks, groups = self._fit(X, groups)
        return self._output(eeg, self._align(data, groups, self.references_), picks)
