"""Warm starts of the CNN classifiers: continue training the fitted network on new data.

The estimators call these helpers from ``fit`` when ``warm_start=True`` and a network is
already fitted (scikit-learn's convention); everything specific to continuing a fit lives here:
which fitted state is kept, the checks that the new data fit the network, and freezing the
parts that ``finetune="head"`` keeps fixed.

What a warm fit keeps and what it changes:

- kept: the network and its weights (trained further from where they are), the classes, the
  channels (count, names and sampling rate when known) and window length, and the input
  standardization ``mean_`` / ``scale_`` learned by the first (pretraining) fit. The pretrained
  first layer expects inputs scaled as in pretraining; statistics re-estimated from a few
  calibration trials would be noisy and would move every input the pretrained filters see.
  Differences between subjects are the job of alignment (e.g. Euclidean alignment of each
  subject before the classifier), not of the network's input scaling.
- new: the optimizer and its state, the learning-rate schedule (over the new ``max_epochs``),
  the training history ``net_.history``, and the training hyperparameters (``max_epochs``,
  ``lr``, ``batch_size``, ...) as set now, e.g. with ``set_params``.
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterator
from typing import Any

import numpy as np
import torch
from torch import nn

from ._validation import as_python_scalar

__all__ = ["FINETUNE_OPTIONS", "check_warm_params", "frozen", "warm_state"]

#: Values of ``finetune``: train every parameter, or only the classifier head.
FINETUNE_OPTIONS = ("all", "head")


def check_warm_params(estimator: Any) -> None:
    """Validate ``warm_start`` and ``finetune``."""
    name = type(estimator).__name__
    warm_start = getattr(estimator, "warm_start", False)
    finetune = getattr(estimator, "finetune", "all")
    if not isinstance(warm_start, bool | np.bool_):
        raise ValueError(f"{name}: warm_start must be True or False, got {warm_start!r}.")
    if not isinstance(finetune, str) or finetune not in FINETUNE_OPTIONS:
        raise ValueError(
            f"{name}: finetune must be one of {list(FINETUNE_OPTIONS)}, got {finetune!r}: "
            "'all' trains the whole network, 'head' only its classifier (module.classifier)."
        )


def warm_state(estimator: Any) -> dict[str, Any] | None:
    """The fitted state a warm fit continues from, or None for a fit from scratch.

    Returns the fitted attributes (names ending in ``_``) when ``warm_start`` is true and the
    estimator is fitted; the objects are not copied (a warm fit trains a copy of the module,
    so these stay untouched and can be restored if the warm fit fails).
    """
    if not getattr(estimator, "warm_start", False) or not hasattr(estimator, "net_"):
        return None
    return {k: v for k, v in vars(estimator).items() if k.endswith("_") and not k.startswith("_")}


def check_warm_input(estimator: Any, X: Any) -> np.ndarray:
    """``_check_X`` against the fitted network, with the warm-start fix in its errors."""
    try:
        return estimator._check_X(X, reset=False)
    except ValueError as exc:
        raise ValueError(
            f"warm_start=True continues training the fitted network, so X must match what it "
            f"was fitted on: {exc} To train a new network on these data instead, set "
            "warm_start=False."
        ) from exc


def check_warm_classes(estimator: Any, classes: np.ndarray) -> None:
    """The labels of a warm fit must be exactly the fitted classes."""
    fitted = [as_python_scalar(c) for c in estimator.classes_]
    given = [as_python_scalar(c) for c in classes]
    if given == fitted:
        return
    unknown = [c for c in given if c not in fitted]
    missing = [c for c in fitted if c not in given]
    parts = []
    if unknown:
        parts.append(f"y has class(es) {unknown} the network was not trained on")
    if missing:
        parts.append(f"y lacks class(es) {missing}")
    raise ValueError(
        f"{type(estimator).__name__}(warm_start=True) continues training a network with "
        f"classes {fitted}, so y must have exactly these classes; " + " and ".join(parts) + ". "
        "Give calibration trials of every class, or set warm_start=False to train a new "
        "network for these classes."
    )


#: Module attributes that are run-time switches, not architecture (left out of ``_settings``).
_RUNTIME_ATTRIBUTES = frozenset({"training", "fold_batch_norm"})


def _settings(module: nn.Module) -> dict[str, dict[str, Any]]:
    """The scalar settings of every submodule, by name, including those ``repr`` omits.

    ``repr`` leaves out some architecture, e.g. ``num_heads`` of ``nn.MultiheadAttention``
    (whose weights have the same shapes for any number of heads).
    """
    scalars = (bool, int, float, str, tuple, type(None))
    return {
        name: {
            key: value
            for key, value in vars(sub).items()
            if not key.startswith("_")
            and key not in _RUNTIME_ATTRIBUTES
            and isinstance(value, scalars)
        }
        for name, sub in module.named_modules()
    }


def check_same_architecture(estimator: Any, fitted: nn.Module, n_classes: int) -> None:
    """Fail when the hyperparameters now build another network than the fitted one.

    A warm fit reuses the fitted network, so changing e.g. ``n_filters`` by ``set_params``
    before it would otherwise be ignored silently.
    """
    from ._base import _shrunk_lengths  # the same rules as a fit from scratch
    from ._cropping import network_window

    crop_length = getattr(estimator, "crop_length", None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        # The window the network is built for: the trial, or the crop (cropped training).
        window = network_window(estimator, estimator.n_times_)
        lengths = _shrunk_lengths(
            window,
            estimator.kernel_length,
            estimator.pool_length,
            estimator.pool_stride,
            type(estimator).__name__,
            cropped=crop_length is not None,
        )
    with torch.random.fork_rng(devices=estimator._rng_devices()):
        fresh = estimator._build_module(estimator.n_channels_, window, n_classes, *lengths)
    same = (
        repr(fresh) == repr(fitted)
        and _settings(fresh) == _settings(fitted)
        and {k: tuple(v.shape) for k, v in fresh.state_dict().items()}
        == {k: tuple(v.shape) for k, v in fitted.state_dict().items()}
    )
    if not same:
        raise ValueError(
            f"{type(estimator).__name__}(warm_start=True): the architecture hyperparameters "
            "(or crop_length) were changed since the network was fitted (its layers differ "
            "from the ones these parameters build), and a warm fit continues the fitted "
            "network. Set them back, "
            "or set warm_start=False to train a new network."
        )


def _head(module: nn.Module) -> nn.Module:
    head = getattr(module, "classifier", None)
    if not isinstance(head, nn.Module):
        raise ValueError(
            f"finetune='head' needs a network with a 'classifier' submodule (the head); "
            f"{type(module).__name__} has none. Use finetune='all'."
        )
    return head


def _keep_eval(module: nn.Module, args: Any) -> None:
    """Forward pre-hook: a frozen batch norm normalizes with, and keeps, its running stats."""
    module.training = False


@contextlib.contextmanager
def frozen(module: nn.Module, finetune: str) -> Iterator[None]:
    """Freeze everything but the head while training (``finetune="head"``).

    Parameters outside ``module.classifier`` get ``requires_grad=False`` (the optimizer
    leaves them alone: no gradient, no weight decay) and the batch norms outside it run in
    eval mode in every forward pass (skorch puts the module in training mode each batch), so
    they use their running statistics and never update them. Dropout keeps its training
    behaviour. Everything is restored on exit. ``finetune="all"`` changes nothing.
    """
    if finetune != "head":
        yield
        return
    head_params = {id(p) for p in _head(module).parameters()}
    head_modules = {id(m) for m in _head(module).modules()}
    params = [p for p in module.parameters() if id(p) not in head_params]
    flags = [p.requires_grad for p in params]
    handles = []
    try:
        for p in params:
            p.requires_grad_(False)
        for m in module.modules():
            if isinstance(m, nn.modules.batchnorm._BatchNorm) and id(m) not in head_modules:
                handles.append(m.register_forward_pre_hook(_keep_eval))
        yield
    finally:
        for handle in handles:
            handle.remove()
        for p, flag in zip(params, flags, strict=True):
            p.requires_grad_(flag)
