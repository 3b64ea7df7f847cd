"""Fingerprints of what produced a result: the data, the folds, a model's hyperparameters.

The results store (:mod:`._store`) writes them next to every row, and resumes a run only from
rows whose fingerprints match, so that a rerun with other data, folds or hyperparameters never
reads back numbers it did not produce. Every fingerprint is stable across processes and
machines: it hashes array bytes (with dtype and shape) and canonical texts, never ``id()`` or
``hash()``.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
import threading
import types
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from .._validation import is_epochs

__all__ = [
    "canonical_params",
    "canonical_text",
    "fingerprint",
    "fingerprint_data",
    "fingerprint_folds",
    "fingerprint_text",
]

#: Hex digits of every fingerprint (64 bits: collisions are out of reach for result files).
_DIGEST_SIZE = 8
#: Bytes hashed per call for arrays that are not C-contiguous (no full copy is made).
_BLOCK_BYTES = 1 << 20
_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")
#: Functions whose canonical text is being built in this thread (a recursive closure stops).
_IN_PROGRESS = threading.local()


def _hasher() -> Any:
    return hashlib.blake2b(digest_size=_DIGEST_SIZE)


def _update_text(hasher: Any, text: str) -> None:
    data = text.encode("utf-8")
    hasher.update(len(data).to_bytes(8, "little"))  # length-prefixed: no ambiguous joins
    hasher.update(data)


def _update_array(hasher: Any, array: Any) -> None:
    """Hash dtype, shape and values of ``array`` without copying it when C-contiguous."""
    array = np.asarray(array)
    if array.dtype.kind == "O":  # labels of mixed or object type: hash their reprs
        _update_text(hasher, "object" + repr(array.shape))
        _update_text(hasher, "\x1f".join(repr(_plain(v)) for v in array.ravel()))
        return
    _update_text(hasher, f"{array.dtype.str}{array.shape}")
    if array.flags.c_contiguous:
        hasher.update(memoryview(array).cast("B"))
        return
    # Hash trial blocks in C order (same bytes as the contiguous case, without a full copy).
    rows = max(1, _BLOCK_BYTES // max(1, array[:1].nbytes))
    for start in range(0, len(array), rows):
        hasher.update(memoryview(np.ascontiguousarray(array[start : start + rows])).cast("B"))


def _plain(value: Any) -> Any:
    """numpy scalars as the Python scalars they equal."""
    return value.item() if isinstance(value, np.generic) else value


def fingerprint_text(*parts: str) -> str:
    """Fingerprint of texts (hex string of 16 digits).

    Parameters
    ----------
    *parts : str
        Texts, hashed in order (length-prefixed, so ``("ab", "c")`` and ``("a", "bc")``
        differ).

    Returns
    -------
    str
        16 hexadecimal digits.
    """
    hasher = _hasher()
    for part in parts:
        _update_text(hasher, str(part))
    return hasher.hexdigest()


def fingerprint_data(X: Any, y: Any = None, groups: Any = None) -> str:
    """Fingerprint of the EEG, its labels and its groups.

    Arrays are hashed with their dtype and shape, in place (C-contiguous arrays are not
    copied, others are hashed block by block). ``mne.Epochs`` are hashed by their data (as
    ``get_data(copy=False)`` gives it), channel names and types, bad channels, sampling
    frequency, first time point
    and events, so a resampled, re-referenced or re-epoched copy has another fingerprint.

    Parameters
    ----------
    X : array-like of shape (n_trials, ...), mne.Epochs or list of mne.Epochs
        The EEG.
    y : array-like of shape (n_trials,) or None, default=None
        The labels.
    groups : array-like of shape (n_trials,) or None, default=None
        The groups (sessions, subjects) of the trials.

    Returns
    -------
    str
        16 hexadecimal digits; equal inputs give equal fingerprints in every process.

    Examples
    --------
    >>> import numpy as np
    >>> from sktime_eeg.evaluation import fingerprint_data
    >>> X = np.zeros((4, 2, 8))
    >>> fingerprint_data(X, [0, 1, 0, 1]) == fingerprint_data(X.copy(), [0, 1, 0, 1])
    True
    >>> fingerprint_data(X, [0, 1, 0, 1]) == fingerprint_data(X, [1, 0, 0, 1])
    False
    """
    hasher = _hasher()
    parts = list(X) if isinstance(X, (list, tuple)) and X and all(map(is_epochs, X)) else [X]
    for part in parts:
        if is_epochs(part):
            _update_text(hasher, "epochs")
            _update_array(hasher, part.get_data(copy=False))
            _update_text(hasher, json.dumps(list(part.ch_names)))
            # Channel types decide the units the models read (volt channels in µV), bads
            # what MNE picks: both change the input without changing the stored values.
            _update_text(hasher, json.dumps(list(part.get_channel_types())))
            _update_text(hasher, json.dumps(sorted(part.info["bads"])))
            _update_text(hasher, repr(float(part.info["sfreq"])))
            _update_text(hasher, repr(float(part.times[0])))
            _update_array(hasher, part.events)
        else:
            _update_text(hasher, "array")
            _update_array(hasher, part)
    for name, values in (("y", y), ("groups", groups)):
        _update_text(hasher, name)
        if values is None:
            _update_text(hasher, "None")
        else:
            _update_array(hasher, np.asarray(values))
    return hasher.hexdigest()


def fingerprint_folds(folds: Iterable[tuple[Any, Any]]) -> str:
    """Fingerprint of cross-validation folds: every (train, test) index array, in order.

    Parameters
    ----------
    folds : iterable of (array-like of int, array-like of int)
        The ``(train, test)`` indices of each fold, as a splitter yields them.

    Returns
    -------
    str
        16 hexadecimal digits.
    """
    hasher = _hasher()
    for train, test in folds:
        for indices in (train, test):
            _update_array(hasher, np.asarray(indices, dtype=np.int64))
    return hasher.hexdigest()


def _qualified_name(obj: Any) -> str:
    module = getattr(obj, "__module__", None) or ""
    name = getattr(obj, "__qualname__", None) or getattr(obj, "__name__", None) or repr(obj)
    return f"{module}.{name}" if module else name


def _update_code(hasher: Any, code: types.CodeType, exposed: set[int]) -> None:
    """Hash a code object: its bytecode, names and constants (nested code objects too)."""
    hasher.update(code.co_code)
    _update_text(hasher, repr((code.co_names, code.co_varnames, code.co_freevars)))
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            _update_code(hasher, const, exposed)
        else:  # canonical, so a frozenset constant hashes alike under every hash seed
            _update_text(hasher, _canonical(const, exposed))


def _canonical_function(func: types.FunctionType, exposed: set[int]) -> str:
    """Qualified name and a hash of what the function computes: its code, default arguments
    and closure values -- two lambdas of one scope, or one factory's closures over other
    values, differ; the same source gives the same text in every process of a Python
    version."""
    active = getattr(_IN_PROGRESS, "ids", None)
    if active is None:
        active = _IN_PROGRESS.ids = set()
    if id(func) in active:  # a closure referring to itself
        return _qualified_name(func)
    active.add(id(func))
    try:
        hasher = _hasher()
        _update_code(hasher, func.__code__, exposed)
        _update_text(hasher, _canonical(func.__defaults__, exposed))
        _update_text(hasher, _canonical(func.__kwdefaults__, exposed))
        for cell in func.__closure__ or ():
            try:
                contents = cell.cell_contents
            except ValueError:  # a cell not filled yet
                _update_text(hasher, "<empty cell>")
            else:
                _update_text(hasher, _canonical(contents, exposed))
    finally:
        active.discard(id(func))
    return f"{_qualified_name(func)}[{hasher.hexdigest()}]"


def _canonical(value: Any, exposed: set[int]) -> str:
    """A text that equals for equal parameter values in every process (no addresses)."""
    value = _plain(value)
    if value is None or isinstance(value, (bool, int, str, bytes)):
        return repr(value)
    if isinstance(value, float):
        return repr(float(value))
    if isinstance(value, (list, tuple)):
        inner = ", ".join(_canonical(v, exposed) for v in value)
        return f"[{inner}]" if isinstance(value, list) else f"({inner})"
    if isinstance(value, (set, frozenset)):
        return "{" + ", ".join(sorted(_canonical(v, exposed) for v in value)) + "}"
    if isinstance(value, Mapping):
        items = sorted((_canonical(k, exposed), _canonical(v, exposed)) for k, v in value.items())
        return "{" + ", ".join(f"{k}: {v}" for k, v in items) + "}"
    if isinstance(value, np.ndarray):
        hasher = _hasher()
        _update_array(hasher, value)
        return f"array({value.dtype.str}, {value.shape}, {hasher.hexdigest()})"
    if isinstance(value, np.random.RandomState):
        hasher = _hasher()
        kind, keys, pos, has_gauss, cached = value.get_state()
        _update_text(hasher, f"{kind}{pos}{has_gauss}{cached!r}")
        _update_array(hasher, keys)
        return f"RandomState({hasher.hexdigest()})"
    if isinstance(value, type):
        return _qualified_name(value)
    if isinstance(value, types.ModuleType):  # by name: its repr holds the install path
        return f"module {value.__name__}"
    if isinstance(value, functools.partial):
        args = _canonical(value.args, exposed)
        keywords = _canonical(dict(value.keywords), exposed)
        return f"partial({_canonical(value.func, exposed)}, {args}, {keywords})"
    if isinstance(value, types.FunctionType):
        return _canonical_function(value, exposed)
    if isinstance(value, (types.BuiltinFunctionType, types.MethodType, np.ufunc)):
        return _qualified_name(value)
    if hasattr(value, "get_params") and not isinstance(value, type):
        name = _qualified_name(type(value))
        if id(value) in exposed:  # its parameters are listed under their own "name__" keys
            return name
        return f"{name}({_canonical_mapping(value.get_params(deep=False), exposed)})"
    return _ADDRESS.sub("", repr(value))


def canonical_text(value: Any) -> str:
    """``value`` as a text equal in every process for equal values (see :func:`canonical_params`).

    Parameters
    ----------
    value : object
        A parameter value, metric, scorer, ...

    Returns
    -------
    str
    """
    return _canonical(value, set())


def _canonical_mapping(params: Mapping[str, Any], exposed: set[int]) -> str:
    return ", ".join(f"{k}={_canonical(params[k], exposed)}" for k in sorted(params))


def canonical_params(estimator: Any) -> dict[str, str]:
    """Every hyperparameter of ``estimator`` as a canonical text, by name.

    From ``get_params(deep=True)``, so the parameters of pipeline steps and nested estimators
    are listed under their ``step__param`` names. Values become texts that are equal in every
    process for equal settings: numbers and strings by ``repr``, classes, builtins, ufuncs
    and methods by their qualified name (``module.qualname``), Python functions (lambdas
    included) by their qualified name and a hash of their compiled code, default arguments
    and closure values (so two lambdas, or two closures over other values, differ; another
    Python version may compile the same source differently, and a resume then refuses the
    file rather than mix it; globals a function reads are not included), arrays and
    ``RandomState`` instances by a hash of their contents, nested estimators by class name
    (their parameters have their own entries), other objects by ``repr`` without memory
    addresses.

    Parameters
    ----------
    estimator : estimator
        Anything with ``get_params``; otherwise its class name and ``repr`` are used.

    Returns
    -------
    dict of {str: str}
        Sorted by parameter name.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sktime_eeg.evaluation import canonical_params
    >>> canonical_params(LogisticRegression(C=0.5))["C"]
    '0.5'
    """
    if not hasattr(estimator, "get_params"):
        text = f"{_qualified_name(type(estimator))}: {estimator!r}"
        return {"<estimator>": _ADDRESS.sub("", text)}
    params = estimator.get_params(deep=True)
    exposed = {id(v) for v in params.values() if hasattr(v, "get_params")}
    return {
        "<class>": _qualified_name(type(estimator)),
        **{key: _canonical(params[key], exposed) for key in sorted(params)},
    }


def fingerprint(*parts: str | Mapping[str, str]) -> str:
    """Fingerprint combining texts and canonical parameter dicts (see :func:`canonical_params`).

    Parameters
    ----------
    *parts : str or dict of {str: str}
        Dicts are serialised as sorted JSON.

    Returns
    -------
    str
        16 hexadecimal digits.
    """
    return fingerprint_text(
        *(p if isinstance(p, str) else json.dumps(dict(p), sort_keys=True) for p in parts)
    )
