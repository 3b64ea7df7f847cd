"""Layer activations of fitted networks and how similar two representations are (RSA, CKA)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import torch
from scipy import stats
from scipy.spatial.distance import pdist, squareform

from ..nn.stems import SpatioTemporalStem
from ._network import fitted_network, standardized_input

__all__ = [
    "layer_activations",
    "linear_cka",
    "plot_similarity",
    "rdm",
    "representational_similarity",
    "rsa",
]


def _layer_names(module: torch.nn.Module) -> list[str]:
    """Named submodules that run in ``forward``, so that a hook on them sees an output."""
    # The 2D stem applies its ``conv`` weights through a functional call: ``conv`` never runs.
    skipped = {
        f"{name}.conv" if name else "conv"
        for name, submodule in module.named_modules()
        if isinstance(submodule, SpatioTemporalStem)
    }
    return [name for name, _ in module.named_modules() if name and name not in skipped]


def layer_activations(
    estimator: Any,
    X: Any,
    layer: str | Sequence[str] = "stem",
    *,
    batch_size: int = 256,
) -> np.ndarray | dict[str, np.ndarray]:
    """Outputs of named layers of a fitted sktime_eeg network, read with forward hooks.

    The network runs in evaluation mode (dropout off, batch norm with its running
    statistics) under ``torch.no_grad``, on ``X`` standardized exactly as in ``predict``,
    in batches of ``batch_size`` trials. Its training mode is restored afterwards.

    Parameters
    ----------
    estimator : fitted Conv1DEEGClassifier, Conv2DEEGClassifier, ConformerEEGClassifier
        Or a fitted Pipeline ending in one (the preprocessing steps are applied to ``X``).
    X : array-like of shape (n_trials, n_channels, n_times), or mne.Epochs
        EEG with the channels and window length seen in fit.
    layer : str or sequence of str, default="stem"
        Names of submodules as in ``net_.module_.named_modules()``. For ShallowNet:
        ``"stem"`` (filter outputs, ``(n, F, T - k + 1)``), ``"bnorm"``, ``"pool"`` (pooled
        power, before the log), ``"drop"`` (the log band-power features the classifier
        reads; dropout is off in evaluation), ``"classifier"`` (logits); 1D stems add
        ``"stem.temporal"`` and ``"stem.spatial"``. An unknown name raises an error that
        lists the valid ones.
    batch_size : int, default=256
        Trials per forward pass.

    Returns
    -------
    ndarray of shape (n_trials, ...) or dict of str -> ndarray
        The layer's output (float32, on the CPU) for every trial; a dict keyed by layer
        name when ``layer`` is a sequence. A layer returning a tuple gives its first element.

    Raises
    ------
    TypeError
        If ``estimator`` is not a fitted sktime_eeg network (e.g. a pyRiemann pipeline).
    ValueError
        If a layer name is unknown.
    """
    classifier, module, X = fitted_network(estimator, X, "layer_activations")
    single = isinstance(layer, str)
    names = [layer] if single else list(layer)
    if not names:
        raise ValueError("layer is empty; name at least one layer, e.g. layer='stem'.")
    valid = _layer_names(module)
    unknown = [name for name in names if name not in valid]
    if unknown:
        raise ValueError(
            f"Unknown layer {unknown[0]!r} for {type(module).__name__}; valid layers are: "
            f"{', '.join(repr(name) for name in valid)}."
        )
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)):
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}.")
    if batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}.")
    data = torch.from_numpy(standardized_input(classifier, X))
    device = next(module.parameters()).device
    outputs: dict[str, list[np.ndarray]] = {name: [] for name in names}

    def hook_for(name: str):
        def hook(_module, _inputs, output):
            if isinstance(output, (tuple, list)):
                output = output[0]
            outputs[name].append(output.detach().to("cpu", torch.float32).numpy())

        return hook

    submodules = dict(module.named_modules())
    handles = [submodules[name].register_forward_hook(hook_for(name)) for name in names]
    was_training = module.training
    # Every layer runs on its own (no batch norm folded into the stem at inference), so the
    # activations do not depend on which layers are asked for.
    folds = hasattr(module, "_can_fold_batch_norm")  # ShallowNet, also pickled before the flag
    folding = vars(module).get("fold_batch_norm", True)
    try:
        module.eval()
        if folds:
            module.fold_batch_norm = False
        with torch.no_grad():
            for start in range(0, data.shape[0], batch_size):
                module(data[start : start + batch_size].to(device))
    finally:
        for handle in handles:
            handle.remove()
        module.train(was_training)
        if folds:
            module.fold_batch_norm = folding
    result = {name: np.concatenate(chunks) for name, chunks in outputs.items()}
    return result[names[0]] if single else result


def _as_matrix(activations: Any, name: str) -> np.ndarray:
    """Activations as a float64 ``(n_trials, n_features)`` matrix (trailing axes flattened)."""
    arr = np.asarray(activations, dtype=np.float64)
    if arr.ndim < 2:
        raise ValueError(
            f"{name} must have shape (n_trials, n_features, ...), got shape {arr.shape}; "
            "the first axis indexes trials (stimuli)."
        )
    arr = arr.reshape(arr.shape[0], -1)
    if not np.isfinite(arr).all():
        raise ValueError(f"{name} contains NaN or infinite values.")
    return arr


def rdm(activations: Any, metric: str = "correlation") -> np.ndarray:
    """Representational dissimilarity matrix: distances between the trials' activations.

    Parameters
    ----------
    activations : array-like of shape (n_trials, n_features, ...)
        One row per trial; trailing axes are flattened.
    metric : str or callable, default="correlation"
        Any metric of :func:`scipy.spatial.distance.pdist` (``"correlation"`` is
        ``1 - Pearson r`` between two trials' activation vectors, ``"euclidean"``,
        ``"cosine"``, ...).

    Returns
    -------
    ndarray of shape (n_trials, n_trials)
        Symmetric, zero diagonal.

    Raises
    ------
    ValueError
        If a distance is undefined (NaN) instead of returning it: with
        ``metric="correlation"`` for a trial whose activations are constant across features
        (zero variance, e.g. a layer of dead ReLUs), with ``"cosine"`` for an all-zero
        trial. ``metric="euclidean"`` is defined for any activations.
    """
    return _rdm(activations, metric)


def _rdm(
    activations: Any,
    metric: Any,
    *,
    name: str = "activations",
    metric_param: str = "metric",
) -> np.ndarray:
    """:func:`rdm`, with the argument names used in the error messages."""
    matrix = _as_matrix(activations, name)
    if matrix.shape[0] < 2:
        raise ValueError("rdm needs at least 2 trials.")
    with np.errstate(divide="ignore", invalid="ignore"):
        distances = squareform(pdist(matrix, metric=metric))
    undefined = np.isnan(distances)
    if not undefined.any():
        return distances
    constant = np.flatnonzero(np.ptp(matrix, axis=1) == 0)
    zeros = np.flatnonzero(~matrix.any(axis=1))
    if metric == "correlation" and constant.size:
        cause = (
            f"trial(s) {_first(constant)} of {name} have constant activations (the same "
            "value for every feature, e.g. all zeros after a ReLU), so the correlation "
            "distance (1 - Pearson r) to them is undefined"
        )
    elif metric == "cosine" and zeros.size:
        cause = (
            f"trial(s) {_first(zeros)} of {name} are all zeros, so the cosine distance to "
            "them is undefined"
        )
    else:
        pairs = np.argwhere(np.triu(undefined, k=1))
        cause = (
            f"the {metric!r} distance is undefined for {len(pairs)} pair(s) of trials of "
            f"{name} (first: {tuple(int(i) for i in pairs[0])})"
        )
    raise ValueError(
        f"Cannot build the RDM: {cause}; it would be NaN. Use {metric_param}='euclidean', "
        "which is defined for any activations, or compare a different layer (see "
        "layer_activations)."
    )


def _first(indices: np.ndarray, n: int = 10) -> str:
    """Up to ``n`` indices as a readable list."""
    shown = ", ".join(str(int(i)) for i in indices[:n])
    return f"[{shown}{', ...' if len(indices) > n else ''}]"


def _check_rdm_values(values: np.ndarray, name: str) -> None:
    """Raise a clear error when an RDM's dissimilarities cannot be correlated."""
    if not np.isfinite(values).all():
        raise ValueError(
            f"{name} contains NaN or infinite dissimilarities, so its correlation with "
            "another RDM is undefined. Build the RDMs with rdm(activations), which names "
            "the trials whose distances are undefined, e.g. rdm(activations, "
            "metric='euclidean')."
        )
    if np.ptp(values) == 0:
        raise ValueError(
            f"{name} is constant (all {values.size} dissimilarities equal {values[0]:g}), "
            "so its correlation with another RDM is undefined (NaN). This happens when the "
            "layer represents every trial the same way (e.g. a dead layer); compare a "
            "different layer (see layer_activations)."
        )


_RSA_METHODS = {"spearman": stats.spearmanr, "pearson": stats.pearsonr, "kendall": stats.kendalltau}


def rsa(rdm_a: Any, rdm_b: Any, method: str = "spearman") -> float:
    """Representational similarity analysis: correlation between two RDMs.

    Parameters
    ----------
    rdm_a, rdm_b : array-like of shape (n_trials, n_trials)
        Dissimilarity matrices over the same trials in the same order (e.g. from :func:`rdm`).
    method : {"spearman", "pearson", "kendall"}, default="spearman"
        Correlation between their upper triangles (diagonal excluded).

    Returns
    -------
    float
        In [-1, 1]; 1 for RDMs with the same (rank) order.

    Raises
    ------
    ValueError
        For RDMs of different shapes, with NaN or infinite entries, or with all
        dissimilarities equal (their correlation would be NaN).
    """
    if method not in _RSA_METHODS:
        raise ValueError(f"method must be one of {list(_RSA_METHODS)}, got {method!r}.")
    a = np.asarray(rdm_a, dtype=np.float64)
    b = np.asarray(rdm_b, dtype=np.float64)
    for name, matrix in (("rdm_a", a), ("rdm_b", b)):
        if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1] or matrix.shape[0] < 3:
            raise ValueError(
                f"{name} must be a square (n_trials, n_trials) matrix with n_trials >= 3, got "
                f"shape {matrix.shape}; build it with rdm(activations)."
            )
    if a.shape != b.shape:
        raise ValueError(
            f"rdm_a {a.shape} and rdm_b {b.shape} must cover the same trials; compute both "
            "on the same X."
        )
    upper = np.triu_indices(a.shape[0], k=1)
    _check_rdm_values(a[upper], "rdm_a")
    _check_rdm_values(b[upper], "rdm_b")
    return float(_RSA_METHODS[method](a[upper], b[upper])[0])


def _centered_gram(activations: Any, name: str) -> np.ndarray:
    """Gram matrix ``Xc Xc^T`` of the column-centred ``(n_trials, n_features)`` activations.

    Constant features are set to exactly zero (no rounding residue from the centring), and
    the centred activations are scaled to a largest magnitude of 1 (CKA is scale-invariant;
    this keeps the products away from underflow and overflow).
    """
    matrix = _as_matrix(activations, name)
    spread = np.ptp(matrix, axis=0)
    if not (spread > 0).any():
        raise ValueError(
            f"{name} does not vary across trials (every feature is constant, e.g. a layer "
            "of dead ReLUs), so CKA is undefined (0 / 0). Compare a different layer (see "
            "layer_activations), or check that the trials differ."
        )
    centered = matrix - matrix.mean(axis=0)
    centered[:, spread == 0] = 0.0
    centered /= np.abs(centered).max()
    return centered @ centered.T


def _hsic(gram_a: np.ndarray, gram_b: np.ndarray, debiased: bool) -> float:
    """HSIC of two linear-kernel Gram matrices (biased, or the unbiased U-statistic)."""
    if not debiased:
        return float(np.sum(gram_a * gram_b))
    n = gram_a.shape[0]
    a = gram_a - np.diag(np.diag(gram_a))
    b = gram_b - np.diag(np.diag(gram_b))
    return float(
        np.sum(a * b)
        + a.sum() * b.sum() / ((n - 1) * (n - 2))
        - 2.0 * (a.sum(axis=0) @ b.sum(axis=0)) / (n - 2)
    ) / (n * (n - 3))


def _cka_from_grams(gram_a: np.ndarray, gram_b: np.ndarray, debiased: bool) -> float:
    denominator = np.sqrt(_hsic(gram_a, gram_a, debiased) * _hsic(gram_b, gram_b, debiased))
    return _hsic(gram_a, gram_b, debiased) / denominator


def _check_gram(gram: np.ndarray, name: str, debiased: bool) -> None:
    """Raise a clear error when CKA with this Gram matrix would be undefined (NaN)."""
    if not debiased:  # the biased HSIC of a varying representation is > 0
        return
    n = gram.shape[0]
    if n < 4:
        raise ValueError("debiased CKA needs at least 4 trials.")
    self_similarity = _hsic(gram, gram, debiased)
    # Relative to the size of its terms: a true 0 comes out as +-1e-17 from rounding.
    if not self_similarity > 1e-10 * float(np.sum(gram * gram)) / (n * (n - 3)):
        raise ValueError(
            f"The debiased CKA of {name} is undefined: the unbiased estimate of its HSIC "
            f"with itself is {self_similarity:.3g}, zero up to rounding or negative (its "
            "variation across trials is confined to too few trials to be estimated without "
            "bias), so the denominator would be 0 or NaN. Use debiased=False, or more trials."
        )


def linear_cka(a: Any, b: Any, *, debiased: bool = False) -> float:
    """Linear centered kernel alignment between two representations of the same trials.

    ``CKA = ||A^T B||_F^2 / (||A^T A||_F ||B^T B||_F)`` for column-centred ``A``, ``B``
    (Kornblith et al. 2019), computed through the trials' Gram matrices, so feature
    counts far above the number of trials cost nothing extra.

    Parameters
    ----------
    a : array-like of shape (n_trials, n_features_a, ...)
    b : array-like of shape (n_trials, n_features_b, ...)
        Activations of the same trials, in the same order; trailing axes are flattened,
        and the feature counts may differ.
    debiased : bool, default=False
        Use the unbiased HSIC estimator (Song et al. 2012). The plain estimator drifts
        towards 1 for unrelated representations when the features outnumber the trials;
        the debiased one stays near 0 there (and can be slightly negative).

    Returns
    -------
    float
        1 for identical representations; invariant to orthogonal transforms (rotations,
        permutations of the features) and isotropic scaling of either input, not to
        arbitrary invertible linear maps.

    Raises
    ------
    ValueError
        If ``a`` and ``b`` cover different numbers of trials, contain NaN or infinite
        values, or CKA is undefined for them (NaN) instead of returning it: when every
        feature of ``a`` or ``b`` is constant across trials (0 / 0), or, with
        ``debiased=True``, when fewer than 4 trials are given or the unbiased estimate of a
        representation's HSIC with itself is not positive (up to rounding).

    References
    ----------
    Kornblith, S., Norouzi, M., Lee, H., Hinton, G. (2019). Similarity of neural network
    representations revisited. ICML.
    """
    gram_a = _centered_gram(a, "a")
    gram_b = _centered_gram(b, "b")
    if gram_a.shape[0] != gram_b.shape[0]:
        raise ValueError(
            f"a has {gram_a.shape[0]} trials but b has {gram_b.shape[0]}; CKA compares two "
            "representations of the same trials."
        )
    _check_gram(gram_a, "a", debiased)
    _check_gram(gram_b, "b", debiased)
    return _cka_from_grams(gram_a, gram_b, debiased)


_SIMILARITY_METHODS = ("cka", "rsa")


def representational_similarity(
    estimators: Mapping[str, Any],
    X: Any,
    layer: str | Mapping[str, str] = "stem",
    method: str = "cka",
    *,
    debiased: bool = False,
    rdm_metric: str = "correlation",
    rsa_method: str = "spearman",
    batch_size: int = 256,
) -> pd.DataFrame:
    """Pairwise similarity of the representations of several fitted networks on the same trials.

    Parameters
    ----------
    estimators : dict of str -> fitted estimator
        ``name -> model`` (sktime_eeg networks or pipelines ending in one), at least two.
    X : array-like of shape (n_trials, n_channels, n_times), or mne.Epochs
        The trials every model sees (preferably held-out data).
    layer : str or dict of str -> str, default="stem"
        The layer read from each model (see :func:`layer_activations`), or one per model
        name (e.g. to compare different depths).
    method : {"cka", "rsa"}, default="cka"
        ``"cka"``: :func:`linear_cka` of the activations. ``"rsa"``: :func:`rsa` of their
        :func:`rdm`.
    debiased : bool, default=False
        For ``"cka"``: use the debiased estimator (see :func:`linear_cka`).
    rdm_metric : str, default="correlation"
        For ``"rsa"``: the distance of :func:`rdm`.
    rsa_method : {"spearman", "pearson", "kendall"}, default="spearman"
        For ``"rsa"``: how the RDMs are correlated.
    batch_size : int, default=256
        Trials per forward pass.

    Returns
    -------
    pandas.DataFrame of shape (n_models, n_models)
        Symmetric, indexed and columned by model name, 1 on the diagonal. ``df.attrs``
        holds ``method`` and ``layer``.
    """
    if method not in _SIMILARITY_METHODS:
        raise ValueError(f"method must be one of {list(_SIMILARITY_METHODS)}, got {method!r}.")
    if not isinstance(estimators, Mapping) or len(estimators) < 2:
        raise ValueError(
            "estimators must be a dict name -> fitted model with at least two models, e.g. "
            "{'1D seed 0': clf_a, '2D seed 0': clf_b}."
        )
    names = [str(name) for name in estimators]
    if isinstance(layer, Mapping):
        missing = [name for name in estimators if name not in layer]
        if missing:
            raise ValueError(f"layer has no entry for model(s) {missing}.")
        layers = {str(name): layer[name] for name in estimators}
    else:
        layers = {str(name): layer for name in estimators}

    summaries = {}
    for key, model in estimators.items():
        activations = layer_activations(model, X, layers[str(key)], batch_size=batch_size)
        what = f"layer {layers[str(key)]!r} of {key!r}"
        if method == "cka":
            gram = _centered_gram(activations, what)
            _check_gram(gram, what, debiased)
            summaries[str(key)] = gram
        else:
            matrix = _rdm(activations, rdm_metric, name=what, metric_param="rdm_metric")
            if len(matrix) >= 3:  # rsa() explains fewer
                upper = np.triu_indices(len(matrix), k=1)
                _check_rdm_values(matrix[upper], f"the RDM of {what}")
            summaries[str(key)] = matrix

    n_models = len(names)
    matrix = np.eye(n_models)
    for i in range(n_models):
        for j in range(i + 1, n_models):
            a, b = summaries[names[i]], summaries[names[j]]
            if method == "cka":
                value = _cka_from_grams(a, b, debiased)
            else:
                value = rsa(a, b, method=rsa_method)
            matrix[i, j] = matrix[j, i] = value
    frame = pd.DataFrame(matrix, index=names, columns=names)
    frame.attrs.update({"method": method, "layer": layers})
    return frame


def plot_similarity(
    similarity: pd.DataFrame,
    *,
    ax: Any = None,
    annotate: bool = True,
    cmap: str = "viridis",
    vmin: float | None = 0.0,
    vmax: float | None = 1.0,
    title: str | None = None,
):
    """Heat map of a model x model similarity matrix.

    Parameters
    ----------
    similarity : pandas.DataFrame of shape (n_models, n_models)
        E.g. from :func:`representational_similarity`.
    ax : matplotlib.axes.Axes, default=None
        Where to draw; a new figure when None.
    annotate : bool, default=True
        Write each value in its cell.
    cmap : str, default="viridis"
    vmin, vmax : float or None, default=0, 1
        Colour limits (None: the data's range).
    title : str, default=None
        Axes title; by default the method and layer from ``similarity.attrs``.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    if not isinstance(similarity, pd.DataFrame) or similarity.shape[0] != similarity.shape[1]:
        raise ValueError(
            "similarity must be a square pandas DataFrame (models x models), e.g. from "
            "representational_similarity()."
        )
    values = similarity.to_numpy(dtype=float)
    n_models = values.shape[0]
    if ax is None:
        side = max(3.0, 0.55 * n_models + 1.5)
        fig, ax = plt.subplots(figsize=(side + 1.0, side))
    else:
        fig = ax.figure
    image = ax.imshow(values, cmap=cmap, vmin=vmin, vmax=vmax)
    ax.set_xticks(range(n_models), [str(c) for c in similarity.columns], rotation=60, ha="right")
    ax.set_yticks(range(n_models), [str(i) for i in similarity.index])
    if annotate:
        low, high = image.get_clim()
        middle = (low + high) / 2
        for i in range(n_models):
            for j in range(n_models):
                ax.text(
                    j,
                    i,
                    f"{values[i, j]:.2f}",
                    ha="center",
                    va="center",
                    fontsize=7,
                    color="black" if values[i, j] > middle else "white",
                )
    if title is None:
        method = similarity.attrs.get("method")
        title = f"{method.upper()}" if method else ""
        layers = similarity.attrs.get("layer")
        if isinstance(layers, Mapping) and len(set(layers.values())) == 1:
            title += f" at layer {next(iter(layers.values()))!r}"
    ax.set_title(title)
    fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
    return fig
