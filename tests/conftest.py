"""pytest set-up: one thread per xdist worker and the shared fixtures. Helpers that test
modules import live in ``helpers.py``."""

from __future__ import annotations

import os

import pytest
import torch
from helpers import make_easy_data
from threadpoolctl import threadpool_limits

if os.environ.get("PYTEST_XDIST_WORKER"):
    # pytest -n N runs N workers: one thread each avoids oversubscribing the cores, which
    # slows small-network training several-fold.
    torch.set_num_threads(1)
    threadpool_limits(1)


@pytest.fixture(scope="session")
def easy():
    """60 trials x 3 channels x 100 samples of :func:`helpers.make_easy_data` (do not modify)."""
    return make_easy_data()
