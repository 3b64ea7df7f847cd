"""Shared test helpers: the repository root on sys.path (for ``benchmarks.local_data``) and
skips for tests that need the recorded EEG in ``../shared/data``."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
import torch
from threadpoolctl import threadpool_limits

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.local_data import shared_data_dir  # noqa: E402

SHARED_DATA = shared_data_dir()

if os.environ.get("PYTEST_XDIST_WORKER"):
    # pytest -n N runs N workers: one thread each avoids oversubscribing the cores, which
    # slows small-network training several-fold.
    torch.set_num_threads(1)
    threadpool_limits(1)


def require_shared_data(subdir: str) -> Path:
    """Path of ``../shared/data/<subdir>``, or skip the calling test with the reason."""
    if SHARED_DATA is None or not (SHARED_DATA / subdir).is_dir():
        pytest.skip(
            f"needs recorded EEG in ../shared/data/{subdir} (absent on this machine; set "
            "SKTIME_EEG_SHARED_DATA to its folder)"
        )
    return SHARED_DATA / subdir
