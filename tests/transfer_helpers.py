"""Simulated multi-subject data for the transfer and calibration tests."""

from __future__ import annotations

import numpy as np

from sktime_eeg.datasets import make_motor_imagery


def make_subjects(
    n_subjects=3, n_trials=30, *, seed=0, montage="bci_iv_2a", snr=3.0, mixing=0.5, n_sessions=1
):
    """Subjects simulated with different random states, each seen through its own random
    channel mixing (a stand-in for head shape and electrode placement), so that alignment has
    something to correct. Returns X (volts, 1 s at 100 Hz), y, subjects, sessions."""
    rng = np.random.default_rng(seed)
    Xs, ys, subjects, sessions = [], [], [], []
    for s in range(n_subjects):
        X, y = make_motor_imagery(
            n_trials * n_sessions,
            montage=montage,
            duration=1.0,
            sfreq=100.0,
            snr=snr,
            random_state=seed + s,
        )
        n_channels = X.shape[1]
        mix = np.eye(n_channels) + mixing * rng.standard_normal((n_channels, n_channels)) / np.sqrt(
            n_channels
        )
        Xs.append(np.einsum("ij,njt->nit", mix, X))
        ys.append(y)
        subjects.append(np.full(len(y), s))
        sessions.append(np.repeat(np.arange(1, n_sessions + 1), n_trials))
    return (
        np.concatenate(Xs),
        np.concatenate(ys),
        np.concatenate(subjects),
        np.concatenate(sessions),
    )
