"""Ready Riemannian baselines: scikit-learn pipelines of pyRiemann steps.

Each ``make_*`` function returns an unfitted :class:`~sklearn.pipeline.Pipeline` that starts
with :class:`~sktime_eeg.preprocessing.EpochsToArray` ``(units="uV", min_times=2)`` (Epochs ->
array through the package's input contract, every channel measured in volts, e.g. EEG and
EOG, in microvolts; arrays pass through) followed by pyRiemann's
:class:`~pyriemann.estimation.Covariances`, so every baseline accepts ``mne.Epochs`` or
arrays ``(n_trials, n_channels, n_times)`` and works with ``cross_val_score(make_ts_lr(),
epochs, y)``, ``GridSearchCV`` (e.g. ``{"csp__nfilter": [2, 4, 6]}``), cloning and
pickling. Labels may be of any type (strings included).

The first step keeps what ``fit`` saw (see :ref:`units`): at predict time, Epochs with the
channels in another order or other channels, another sampling frequency, arrays with another
number of channels, and input whose amplitude differs by more than 100x from the training
data (e.g. ``epochs.get_data()`` in volts given to a baseline fitted on Epochs, which are
read in microvolts) are refused with a message saying how to fix them, never mis-mapped
silently. ``fit`` refuses a single class in ``y`` and trials of fewer than 2 samples (a
covariance needs two; a 2D ``X`` is one sample per channel) with the package's messages.

All channels of the Epochs are used, whatever their type: to classify the EEG alone, pick it
first, e.g. ``epochs.pick("eeg")`` or :class:`~sktime_eeg.preprocessing.ChannelPicker`
``("eeg")`` in front of the pipeline (a stim channel, constant within trials, adds nothing).

The covariance estimator defaults to ``"oas"`` (Oracle Approximating Shrinkage): the plain
sample covariance (``"scm"``) is singular for rank-deficient EEG, e.g. after an average
reference, and the Riemannian steps then fail. Band-pass filter and crop the trials first
(e.g. with :class:`~sktime_eeg.preprocessing.BandpassFilter` and
:class:`~sktime_eeg.preprocessing.TimeCrop` in front of the pipeline).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

from ._input import n_trials
from ._validation import as_python_scalar, check_eeg_labels, check_positive_int
from .preprocessing import EpochsToArray

__all__ = ["make_csp_lda", "make_fgmdm", "make_mdm", "make_ts_lr"]

_COV_ESTIMATORS = ("corr", "cov", "hub", "lwf", "mcd", "oas", "sch", "scm", "stu", "tyl")


#: The baseline each final step name belongs to, for messages.
_MAKERS = {"lda": "make_csp_lda", "mdm": "make_mdm", "logreg": "make_ts_lr", "fgmdm": "make_fgmdm"}


class _BaselinePipeline(Pipeline):
    """A :class:`~sklearn.pipeline.Pipeline` whose ``fit`` first checks the labels.

    pyRiemann's classifiers fit one class silently (MDM) or fail inside LDA (FgMDM); here a
    single class, missing labels or one label per trial too few or too many are refused with
    the package's messages before any step runs. Everything else is the Pipeline's.
    """

    def fit(self, X: Any, y: Any = None, **params: Any) -> _BaselinePipeline:
        """Check the labels, then fit every step (:meth:`sklearn.pipeline.Pipeline.fit`).

        Parameters
        ----------
        X : mne.Epochs or array-like of shape (n_trials, n_channels, n_times)
            Training EEG.
        y : array-like of shape (n_trials,)
            Class labels (at least two classes).
        **params : dict
            Passed to :meth:`sklearn.pipeline.Pipeline.fit`.

        Returns
        -------
        self
        """
        final = self.steps[-1][0]
        name = f"{_MAKERS[final]}()" if final in _MAKERS else type(self).__name__
        labels = check_eeg_labels(y, n_trials(X), caller=name)
        classes = np.unique(labels)
        if classes.size < 2:
            raise ValueError(
                f"{name} needs at least two classes to train; got one class "
                f"({as_python_scalar(classes[0])!r}) in all {labels.shape[0]} trials. Check "
                "the labels (e.g. epochs.events[:, 2])."
            )
        return super().fit(X, y, **params)


def _front(cov_estimator: str | Callable) -> list[tuple[str, object]]:
    """Epochs -> array, then trial covariances."""
    from pyriemann.estimation import Covariances

    if not callable(cov_estimator) and cov_estimator not in _COV_ESTIMATORS:
        raise ValueError(
            f"cov_estimator must be one of {list(_COV_ESTIMATORS)} (pyRiemann's covariance "
            f"estimators) or a callable, got {cov_estimator!r}. 'oas' or 'lwf' suit "
            "rank-deficient EEG."
        )
    return [
        ("to_array", EpochsToArray(units="uV", min_times=2)),
        ("covariances", Covariances(estimator=cov_estimator)),
    ]


def make_csp_lda(n_components: int = 4, *, cov_estimator: str = "oas") -> Pipeline:
    """CSP + LDA: common spatial patterns (log-variance features), then linear discriminant.

    Parameters
    ----------
    n_components : int, default=4
        Number of CSP filters (pyRiemann's ``nfilter``, stored as a Python int; numpy
        integers are accepted); at most ``n_channels`` are kept, so 3-channel data (BCI IV
        2b) gives 3 features with the default.
    cov_estimator : str, default="oas"
        pyRiemann covariance estimator.

    Returns
    -------
    Pipeline
        Steps ``to_array`` -> ``covariances`` -> ``csp`` -> ``lda``. ``fit(X, y)`` takes
        ``mne.Epochs`` or an array of shape (n_trials, n_channels, n_times).

    Raises
    ------
    ValueError
        When ``n_components`` is not a positive integer (booleans included), or for an
        unknown ``cov_estimator``.

    Examples
    --------
    >>> clf = make_csp_lda(n_components=6)
    >>> list(clf.named_steps)
    ['to_array', 'covariances', 'csp', 'lda']
    """
    from pyriemann.spatialfilters import CSP

    check_positive_int(n_components, "n_components", "make_csp_lda")
    return _BaselinePipeline(
        _front(cov_estimator)
        + [
            ("csp", CSP(nfilter=int(n_components), log=True)),
            ("lda", LinearDiscriminantAnalysis()),
        ]
    )


def make_mdm(*, cov_estimator: str = "oas", metric: str = "riemann") -> Pipeline:
    """MDM: minimum distance to the class means of the covariance matrices.

    Parameters
    ----------
    cov_estimator : str, default="oas"
        pyRiemann covariance estimator.
    metric : str, default="riemann"
        Metric for the class means and the distances (pyRiemann's ``MDM(metric=...)``).

    Returns
    -------
    Pipeline
        Steps ``to_array`` -> ``covariances`` -> ``mdm``.
    """
    from pyriemann.classification import MDM

    return _BaselinePipeline(_front(cov_estimator) + [("mdm", MDM(metric=metric))])


def make_ts_lr(*, cov_estimator: str = "oas", metric: str = "riemann", C: float = 1.0) -> Pipeline:
    """Tangent space + logistic regression.

    The covariance matrices are projected to the tangent space at their Riemannian mean and
    classified with an L2-regularised logistic regression.

    Parameters
    ----------
    cov_estimator : str, default="oas"
        pyRiemann covariance estimator.
    metric : str, default="riemann"
        Metric of the reference point of the tangent space.
    C : float, default=1.0
        Inverse regularisation strength of the logistic regression.

    Returns
    -------
    Pipeline
        Steps ``to_array`` -> ``covariances`` -> ``tangent_space`` -> ``logreg``.
    """
    from pyriemann.tangentspace import TangentSpace

    return _BaselinePipeline(
        _front(cov_estimator)
        + [
            ("tangent_space", TangentSpace(metric=metric)),
            ("logreg", LogisticRegression(C=C, max_iter=1000)),
        ]
    )


def make_fgmdm(*, cov_estimator: str = "oas", metric: str = "riemann") -> Pipeline:
    """FgMDM: MDM after geodesic filtering (Fisher discriminant in the tangent space).

    Parameters
    ----------
    cov_estimator : str, default="oas"
        pyRiemann covariance estimator.
    metric : str, default="riemann"
        Metric of the means and distances (pyRiemann's ``FgMDM(metric=...)``).

    Returns
    -------
    Pipeline
        Steps ``to_array`` -> ``covariances`` -> ``fgmdm``.
    """
    from pyriemann.classification import FgMDM

    return _BaselinePipeline(_front(cov_estimator) + [("fgmdm", FgMDM(metric=metric))])
