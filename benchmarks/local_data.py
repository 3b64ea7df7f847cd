"""Readers for the competition-export EEG files in ``../shared/data`` (tests, benchmarks, examples).

These files are a local stand-in for the downloaders (MOABB, ``mne.datasets``) on machines
without internet; they are not part of the package's API. Set ``SKTIME_EEG_SHARED_DATA`` to
point elsewhere. See ``../shared/data/README.md`` for the provenance of each file.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

__all__ = [
    "BNCI2014_004_CHANNELS",
    "BNCI2014_004_SFREQ",
    "shared_data_dir",
    "load_bnci2014_004",
    "load_bnci2014_004_epochs",
    "load_bcicomp2_iv",
]

BNCI2014_004_CHANNELS = ["C3", "Cz", "C4"]
BNCI2014_004_SFREQ = 250.0
_BNCI2014_004_LABELS = np.array(["left_hand", "right_hand"])


def shared_data_dir() -> Path | None:
    """The shared data folder, or None when it is absent (e.g. a user's fresh clone)."""
    env = os.environ.get("SKTIME_EEG_SHARED_DATA")
    path = Path(env) if env else Path(__file__).resolve().parents[2] / "shared" / "data"
    return path if path.is_dir() else None


def _require(subdir: str) -> Path:
    root = shared_data_dir()
    if root is None or not (root / subdir).is_dir():
        raise FileNotFoundError(
            f"{subdir!r} not found under the shared data folder ({root}); set "
            "SKTIME_EEG_SHARED_DATA to the folder holding it."
        )
    return root / subdir


def load_bnci2014_004(
    subject: int, sessions=(1, 2, 3)
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """BCI Competition IV 2b, one subject, the given sessions (1-3 train "T", 4-5 eval "E").

    Returns
    -------
    X : ndarray of shape (n_trials, 3, 1000), float64, microvolts
        C3, Cz, C4 at 250 Hz, 4 s epochs (already band-passed ~7-30 Hz by the exporter).
    y : ndarray of shape (n_trials,), str
        "left_hand" or "right_hand".
    session : ndarray of shape (n_trials,), int
        Session number of each trial.
    """
    from scipy.io import loadmat

    folder = _require("bnci2014_004")
    Xs, ys, ss = [], [], []
    for session in sessions:
        kind = "T" if session <= 3 else "E"
        mat = loadmat(folder / f"B0{subject}0{session}{kind}.mat")
        Xs.append(mat["data"].transpose(2, 1, 0))
        ys.append(_BNCI2014_004_LABELS[mat["label"].ravel().astype(int) - 1])
        ss.append(np.full(len(ys[-1]), session))
    return np.concatenate(Xs), np.concatenate(ys), np.concatenate(ss)


def load_bnci2014_004_epochs(subject: int, sessions=(1, 2, 3)):
    """Same as :func:`load_bnci2014_004` as an ``mne.EpochsArray`` (volts, montage set).

    Event ids: ``{"left_hand": 1, "right_hand": 2}``; ``epochs.metadata["session"]`` holds the
    session of each trial.
    """
    import mne
    import pandas as pd

    from sktime_eeg.datasets._montage import standard_montage

    X, y, session = load_bnci2014_004(subject, sessions)
    info = mne.create_info(BNCI2014_004_CHANNELS, BNCI2014_004_SFREQ, ch_types="eeg")
    event_id = {"left_hand": 1, "right_hand": 2}
    codes = np.array([event_id[label] for label in y])
    events = np.column_stack([np.arange(len(y)) * 1000, np.zeros(len(y), int), codes])
    epochs = mne.EpochsArray(
        X * 1e-6,
        info,
        events=events,
        event_id=event_id,
        tmin=0.0,
        metadata=pd.DataFrame({"session": session, "label": y}),
        verbose="error",
    )
    epochs.set_montage(standard_montage().copy())
    return epochs


def load_bcicomp2_iv() -> dict:
    """BCI Competition II data set IV (Berlin self-paced finger tapping, 28 ch, 100 Hz).

    Returns
    -------
    dict
        ``X_train`` (316, 28, 50), ``y_train`` (316,), ``X_test`` (100, 28, 50), ``y_test``
        (100,), all float64 / int (0 = left, 1 = right), ``ch_names`` (28 str), ``sfreq`` 100.0.
    """
    from scipy.io import loadmat

    mat = loadmat(_require("bcicomp2_iv") / "sp1s_aa.mat")
    return {
        "X_train": mat["x_train"].transpose(2, 1, 0),
        "y_train": mat["y_train"].ravel().astype(int),
        "X_test": mat["x_test"].transpose(2, 1, 0),
        "y_test": mat["y_test"].ravel().astype(int),
        "ch_names": [str(c[0]) for c in mat["clab"].ravel()],
        "sfreq": 100.0,
    }
