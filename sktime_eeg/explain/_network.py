"""Reach the torch network of a fitted sktime_eeg classifier, and feed it the way it is fed."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import check_is_fitted
from torch import nn

from .._base import BaseEEGClassifier

__all__ = ["fitted_network"]


def fitted_network(estimator: Any, X: Any, caller: str) -> tuple[BaseEEGClassifier, nn.Module, Any]:
    """The fitted sktime_eeg classifier inside ``estimator``, its torch module, and its input.

    Parameters
    ----------
    estimator : BaseEEGClassifier or sklearn.pipeline.Pipeline
        A fitted sktime_eeg network classifier, or a fitted pipeline ending in one (the
        steps before it are applied to ``X``).
    X : array-like of shape (n_trials, n_channels, n_times) or mne.Epochs
        The EEG to feed.
    caller : str
        Name of the public function, for error messages.

    Returns
    -------
    classifier : BaseEEGClassifier
    module : torch.nn.Module
        ``classifier.net_.module_``.
    X : array-like or mne.Epochs
        ``X`` after the pipeline's preprocessing steps (``X`` itself without a pipeline).
    """
    if isinstance(estimator, Pipeline):
        final = estimator.steps[-1][1]
        if isinstance(final, BaseEEGClassifier):
            check_is_fitted(final)
            if len(estimator.steps) > 1:
                X = estimator[:-1].transform(X)
            estimator = final
    if not isinstance(estimator, BaseEEGClassifier):
        raise TypeError(
            f"{caller} reads the layers of a sktime_eeg network (Conv1DEEGClassifier, "
            f"Conv2DEEGClassifier, ConformerEEGClassifier, or a Pipeline ending in one); got "
            f"{type(estimator).__name__}. For other models (e.g. pyRiemann pipelines) use "
            "band_importance, which only needs predictions."
        )
    check_is_fitted(estimator)
    return estimator, estimator.net_.module_, X


def standardized_input(classifier: BaseEEGClassifier, X: Any) -> np.ndarray:
    """``X`` validated against the fitted shape and standardized as in ``predict``.

    Returns
    -------
    ndarray of shape (n_trials, n_channels, n_times), float32
    """
    return classifier._check_X(X, reset=False)
