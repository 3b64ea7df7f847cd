"""The named models of the comparison (used by :func:`run_comparison` and ``sktime-eeg``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.utils import check_random_state

__all__ = ["DEFAULT_MODELS", "MODELS", "make_models"]

#: Every model name :func:`make_models` knows, with a one-line description.
MODELS: dict[str, str] = {
    "conv1d": "ShallowConvNet, 1D stem: temporal then spatial convolution (Conv1DEEGClassifier)",
    "conv2d": "ShallowConvNet, 2D stem: one spatiotemporal convolution (Conv2DEEGClassifier)",
    "conformer-1d": "CNN + transformer hybrid with the 1D stem (ConformerEEGClassifier)",
    "conformer-2d": "CNN + transformer hybrid with the 2D stem (ConformerEEGClassifier)",
    "csp-lda": "CSP + LDA (pyRiemann covariances, OAS)",
    "mdm": "Minimum distance to Riemannian mean (pyRiemann)",
    "ts-lr": "Tangent space + logistic regression (pyRiemann)",
    "fgmdm": "Geodesic-filtered MDM (pyRiemann)",
}

_NETWORKS = ("conv1d", "conv2d", "conformer-1d", "conformer-2d")

#: The models compared by default: the paper's CNNs and hybrids next to Riemannian baselines.
DEFAULT_MODELS: tuple[str, ...] = (
    "conv1d",
    "conv2d",
    "conformer-1d",
    "conformer-2d",
    "csp-lda",
    "mdm",
    "ts-lr",
)


def _time_constants(sfreq: float) -> dict[str, int]:
    """ShallowConvNet's 25 / 75 / 15 samples at 250 Hz (100 / 300 / 60 ms) at ``sfreq``."""
    scale = sfreq / 250.0
    return {
        "kernel_length": max(1, round(25 * scale)),
        "pool_length": max(1, round(75 * scale)),
        "pool_stride": max(1, round(15 * scale)),
    }


def make_models(
    names: Sequence[str] | None = None,
    *,
    sfreq: float = 250.0,
    max_epochs: int = 50,
    batch_size: int = 64,
    conformer_layers: int = 6,
    random_state: int | np.random.RandomState | None = 0,
) -> dict[str, Any]:
    """Unfitted estimators for the named models, ready for :func:`compare`.

    Parameters
    ----------
    names : sequence of str or None, default=None
        Keys of :data:`MODELS`; None gives :data:`DEFAULT_MODELS`.
    sfreq : float, default=250.0
        Sampling frequency of the data in Hz. The CNN kernel and pooling lengths are the
        ShallowConvNet / EEG-Conformer ones in milliseconds (100 ms kernel, 300 ms pooling
        window, 60 ms stride), converted to samples at this rate.
    max_epochs : int, default=50
        Training epochs of the networks.
    batch_size : int, default=64
        Mini-batch size of the networks; smaller batches mean more optimizer steps per epoch,
        which small data sets (tens of training trials) need.
    conformer_layers : int, default=6
        Transformer encoder layers of the hybrids (6 as in EEG-Conformer; fewer is faster).
    random_state : int, RandomState instance or None, default=0
        Seed of the networks (weights, shuffling, dropout), scikit-learn's convention: an int
        is every network's ``random_state``, so reruns give the same numbers; a RandomState
        instance draws one int seed per network (in the order of ``names``); None leaves the
        networks unseeded.

    Returns
    -------
    dict of {str: estimator}
        In the order of ``names``.

    Raises
    ------
    ValueError
        For an unknown name (the message lists the valid ones).
    """
    names = list(DEFAULT_MODELS if names is None else names)
    unknown = [name for name in names if name not in MODELS]
    if unknown:
        raise ValueError(f"Unknown model(s) {unknown}; choose from {list(MODELS)}.")
    if not names:
        raise ValueError(f"No model named; choose from {list(MODELS)}.")
    if len(set(names)) != len(names):
        raise ValueError(f"Model names repeat: {names}.")

    from ... import baselines
    from ...estimators import Conv1DEEGClassifier, Conv2DEEGClassifier

    cnn = {
        **_time_constants(sfreq),
        "max_epochs": max_epochs,
        "batch_size": batch_size,
    }
    rng = None
    if random_state is not None and not isinstance(random_state, (int, np.integer)):
        rng = check_random_state(random_state)
    models: dict[str, Any] = {}
    for name in names:
        seed = random_state
        if rng is not None:
            seed = int(rng.randint(np.iinfo(np.int32).max)) if name in _NETWORKS else None
        cnn["random_state"] = seed
        if name == "conv1d":
            models[name] = Conv1DEEGClassifier(**cnn)
        elif name == "conv2d":
            models[name] = Conv2DEEGClassifier(**cnn)
        elif name.startswith("conformer-"):
            from ...estimators import ConformerEEGClassifier

            models[name] = ConformerEEGClassifier(
                stem=name.rsplit("-", 1)[1], n_layers=conformer_layers, **cnn
            )
        elif name == "csp-lda":
            models[name] = baselines.make_csp_lda()
        elif name == "mdm":
            models[name] = baselines.make_mdm()
        elif name == "ts-lr":
            models[name] = baselines.make_ts_lr()
        elif name == "fgmdm":
            models[name] = baselines.make_fgmdm()
    return models
