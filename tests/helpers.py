"""Shared test helpers: skips for tests that need the recorded EEG in ``../shared/data`` and
small synthetic data sets. Test modules import them with ``from helpers import ...``."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # for ``benchmarks.local_data``, the readers of ../shared/data
    sys.path.insert(0, str(ROOT))

from benchmarks.local_data import shared_data_dir  # noqa: E402

SHARED_DATA = shared_data_dir()


def load_script(relative_path: str):
    """Import a script of the repository (an example, a benchmark) as a module, by path."""
    path = ROOT / relative_path
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def require_shared_data(subdir: str) -> Path:
    """Path of ``../shared/data/<subdir>``, or skip the calling test with the reason."""
    if SHARED_DATA is None or not (SHARED_DATA / subdir).is_dir():
        pytest.skip(
            f"needs recorded EEG in ../shared/data/{subdir} (absent on this machine; set "
            "SKTIME_EEG_SHARED_DATA to its folder)"
        )
    return SHARED_DATA / subdir


def make_easy_data(n_trials=60, n_channels=3, n_times=100, seed=0):
    """Class "b" carries a 10-cycle oscillation on channel 0, class "a" does not."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_trials, n_channels, n_times))
    y = np.array(["a", "b"] * (n_trials // 2))
    t = np.arange(n_times) / n_times
    X[y == "b", 0] += 2.5 * np.sin(2 * np.pi * 10 * t + rng.uniform(0, 6, ((y == "b").sum(), 1)))
    return X, y


def keep_motor_channels(names):
    """Channel names of the motor strip (a function with a set constant: fingerprint tests)."""
    return [name for name in names if name in {"C3", "Cz", "C4", "FC3", "FC4", "CP3", "CP4"}]
