"""Lazy imports of the optional ``deploy`` dependencies, with the install hint on failure."""

from __future__ import annotations

import importlib
from types import ModuleType

_HINT = 'pip install "sktime-eeg[deploy]"'


def import_optional(name: str, purpose: str) -> ModuleType:
    """Import the module ``name`` of the ``deploy`` extra, or raise an ImportError saying how.

    Parameters
    ----------
    name : str
        Module to import (``"onnx"``, ``"onnxruntime"``, ``"mne_lsl"``, ...).
    purpose : str
        What it is needed for, for the message (e.g. ``"ONNX export"``).
    """
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        raise ImportError(
            f"{purpose} needs the optional package {name.split('.')[0]!r}, which is not "
            f"installed ({exc}). Install the deploy extra: {_HINT}"
        ) from exc
