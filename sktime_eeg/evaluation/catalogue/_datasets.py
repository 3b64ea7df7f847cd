"""Data sets of the comparison as arrays with subject and session labels."""

from __future__ import annotations

import os
from collections.abc import Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.utils import Bunch, check_random_state

__all__ = ["DATASETS", "load_comparison_data"]

#: Names accepted by :func:`load_comparison_data`, with a one-line description.
DATASETS: dict[str, str] = {
    "simulated": "built-in simulated motor imagery, 22 channels (BCI IV 2a montage), left vs "
    "right hand",
    "physionet": "PhysioNet EEG Motor Movement/Imagery, 64 channels, 160 Hz, imagined both "
    "hands vs both feet (MNE's eegbci downloader; path = its download folder)",
    "bnci2014_004": "BCI Competition IV 2b, 3 channels (C3, Cz, C4), 250 Hz, left vs right "
    "hand, 5 sessions (MOABB; path = MOABB's download folder)",
    "bnci2014_001": "BCI Competition IV 2a, 22 channels, 250 Hz, left vs right hand, 2 "
    "sessions (MOABB; path = MOABB's download folder)",
    "epochs": "your own data: an MNE epochs file (-epo.fif) as path; labels from its event "
    "names, subject and session from metadata columns of those names",
}

#: Default window in s after the cue: imagery starts ~0.5 s after it.
_DEFAULT_WINDOW = (0.5, 2.5)


def _labels_from_events(epochs) -> np.ndarray:
    names = {code: name for name, code in epochs.event_id.items()}
    return np.array([names[code] for code in epochs.events[:, 2]])


def _metadata_column(epochs, column: str, default: str) -> np.ndarray:
    metadata = epochs.metadata
    if metadata is not None and column in metadata.columns:
        return metadata[column].astype(str).to_numpy()
    return np.full(len(epochs), default)


def _prepare(epochs, window, l_freq, h_freq, sfreq) -> tuple[np.ndarray, Any]:
    """EEG of a copy of ``epochs``: band-passed, resampled, cut to ``window``; (data, info).

    The window ``[tmin, tmax)`` keeps ``round((tmax - tmin) * sfreq)`` samples from the one
    nearest ``tmin``, so every data set yields the same number of samples for a window.
    """
    epochs = epochs.copy().pick("eeg")
    if l_freq is not None or h_freq is not None:
        epochs.filter(l_freq, h_freq, verbose="error")
    if sfreq is not None and float(sfreq) != epochs.info["sfreq"]:
        epochs.resample(float(sfreq), verbose="error")
    data = epochs.get_data(copy=True)
    if window is not None:
        times, rate = epochs.times, epochs.info["sfreq"]
        tmin = times[0] if window[0] is None else float(window[0])
        tmax = times[-1] + 1 / rate if window[1] is None else float(window[1])
        start = int(np.argmin(np.abs(times - tmin)))
        stop = start + int(round((tmax - tmin) * rate))
        if abs(times[start] - tmin) > 0.5 / rate + 1e-9 or stop > times.size:
            raise ValueError(
                f"window=({tmin}, {tmax}) s is not inside the epochs, which span "
                f"{times[0]:g} to {times[-1] + 1 / rate:g} s; choose a window inside them."
            )
        data = data[:, :, start:stop]
    return data, epochs.info


def _seed(*values: int) -> int:
    return int(np.random.SeedSequence([int(v) for v in values]).generate_state(1)[0])


def _simulated(subjects, n_trials, n_sessions, sfreq, window, snr, random_state):
    from ...datasets import make_motor_imagery

    sfreq = 125.0 if sfreq is None else float(sfreq)
    duration = 4.0 if window is None or window[1] is None else float(window[1])
    for subject in subjects:
        for session in range(1, n_sessions + 1):
            epochs, _ = make_motor_imagery(
                n_trials,
                montage="bci_iv_2a",
                sfreq=sfreq,
                duration=duration,
                snr=snr,
                subject=int(subject),  # subjects differ: SNR, rhythm band, head geometry
                return_epochs=True,
                random_state=_seed(random_state, subject, session),
            )
            yield subject, str(session), epochs, window, False


def _physionet(subjects, path, window, l_freq, h_freq):
    from ... import datasets

    for subject in subjects:
        # Filter the continuous runs, then epoch 0-4 s after the cue (a trial lasts ~4.1 s).
        epochs = datasets.load_physionet_mi(
            subject, task="hands_feet", path=path, l_freq=l_freq, h_freq=h_freq
        )
        yield subject, "1", epochs, window, True


@contextmanager
def _bnci_folder(path):
    """Point MOABB's BNCI downloads at ``path`` for the duration.

    Through the ``MNE_DATASETS_BNCI_PATH`` environment variable, restored afterwards, so the
    MNE config file is left alone. With ``path=None`` MOABB's own default applies: on first
    use it records ``MNE_DATA`` (``~/mne_data``) and ``MNE_DATASETS_BNCI_PATH`` in
    ``~/.mne/mne-python.json``.
    """
    key = "MNE_DATASETS_BNCI_PATH"
    if path is None:
        yield
        return
    old = os.environ.get(key)
    os.environ[key] = str(Path(path).expanduser().resolve())
    try:
        yield
    finally:
        if old is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = old


def _moabb(name, subjects, path, window, l_freq, h_freq):
    from ... import datasets

    code = {"bnci2014_004": "BNCI2014_004", "bnci2014_001": "BNCI2014_001"}[name]
    tmin, tmax = (0.0, None) if window is None else window
    for subject in subjects:
        with _bnci_folder(path):
            # MOABB filters the continuous signal and epochs relative to the cue.
            epochs = datasets.load_bnci(
                code, [subject], tmin=tmin, tmax=tmax, l_freq=l_freq, h_freq=h_freq
            )
        epochs = epochs[
            [event for event in ("left_hand", "right_hand") if event in epochs.event_id]
        ]
        sessions = _metadata_column(epochs, "session", "1")
        # MOABB's epochs start at the imagery interval's offset; keep (tmax - tmin) s from there.
        start = epochs.times[0]
        kept = None if window is None else (start, start + (window[1] - window[0]))
        for session in dict.fromkeys(sessions):
            yield subject, session, epochs[np.flatnonzero(sessions == session)], kept, True


def _epochs_file(subjects, path, window):
    import mne

    if path is None:
        raise ValueError(
            "dataset='epochs' reads your own data: pass path=<file>-epo.fif (MNE epochs with "
            "event names; optional metadata columns 'subject' and 'session')."
        )
    epochs = mne.read_epochs(path, preload=True, verbose="error")
    subject_of = _metadata_column(epochs, "subject", "1")
    session_of = _metadata_column(epochs, "session", "1")
    wanted = None if subjects is None else {str(s) for s in subjects}
    if wanted is not None and not wanted <= set(subject_of):
        raise ValueError(
            f"subjects {sorted(wanted - set(subject_of))} are not in {path}; its subjects are "
            f"{sorted(set(subject_of))} (metadata column 'subject')."
        )
    for subject in dict.fromkeys(subject_of):
        if wanted is not None and subject not in wanted:
            continue
        for session in dict.fromkeys(session_of[subject_of == subject]):
            keep = np.flatnonzero((subject_of == subject) & (session_of == session))
            yield subject, session, epochs[keep], window, False


def load_comparison_data(
    dataset: str = "simulated",
    *,
    subjects: Sequence[int | str] | None = None,
    path: str | os.PathLike | None = None,
    n_trials: int = 120,
    n_sessions: int = 1,
    snr: float = 1.0,
    sfreq: float | None = None,
    window: tuple[float, float] | None = _DEFAULT_WINDOW,
    l_freq: float | None = 8.0,
    h_freq: float | None = 30.0,
    random_state: int | np.random.RandomState | None = 0,
) -> Bunch:
    """A data set of the comparison as one array with the subject and session of each trial.

    All data sets get the same treatment, done with MNE on the epochs: EEG channels only,
    band-pass ``l_freq``-``h_freq`` (the motor-imagery band, as MOABB's ``LeftRightImagery``
    paradigm), resampling to ``sfreq`` when given, and cropping to ``window``.

    Parameters
    ----------
    dataset : str, default="simulated"
        A key of :data:`DATASETS`. ``"physionet"`` needs
        :func:`sktime_eeg.datasets.load_physionet_mi` (and its data, downloaded or in
        ``path``), the BNCI ones MOABB (``pip install sktime-eeg[moabb]``) and their data.
    subjects : sequence of int or str, or None, default=None
        Subjects to load; None is subject 1 (``"epochs"``: every subject in the file).
    path : str, path-like or None, default=None
        ``"physionet"``: MNE's download folder (the layout ``mne.datasets.eegbci`` writes);
        BNCI: MOABB's download folder (the layout MOABB writes; ``MNE_DATA`` otherwise);
        ``"epochs"``: the ``-epo.fif`` file. Unused for ``"simulated"``.
    n_trials : int, default=120
        ``"simulated"`` only: trials per subject and session.
    n_sessions : int, default=1
        ``"simulated"`` only: sessions per subject (sessions "1", "2", ...), each simulated
        independently.
    snr : float, default=1.0
        ``"simulated"`` only: signal-to-noise ratio of the rhythm (see
        :func:`sktime_eeg.datasets.make_motor_imagery`).
    sfreq : float or None, default=None
        Resample to this rate (Hz). ``"simulated"`` is generated at it (125 Hz when None).
    window : (float, float) or None, default=(0.5, 2.5)
        Crop to ``[tmin, tmax)`` in seconds relative to the cue; None keeps the whole epochs.
    l_freq, h_freq : float or None, default=8.0, 30.0
        Band-pass edges in Hz (None: no high-pass / low-pass).
    random_state : int, RandomState instance or None, default=0
        ``"simulated"`` only: seed, scikit-learn's convention (an int gives the same data on
        every call; a RandomState instance or None draws the seed from it); each subject and
        session gets its own stream.

    Returns
    -------
    sklearn.utils.Bunch
        ``X`` float64 ndarray of shape (n_trials, n_channels, n_times) in volts, ``y`` str
        ndarray (n_trials,), ``subject`` and ``session`` str ndarrays (n_trials,), ``sfreq``
        (float), ``ch_names`` (list of str), ``dataset`` (str), ``train_sessions`` (the
        sessions of the data set's own training / evaluation split, e.g. BCI IV's training
        sessions, or None).

    Raises
    ------
    ValueError
        For an unknown data set (the message lists them) or unusable arguments.
    ImportError, FileNotFoundError, RuntimeError
        From the loaders, saying what to install or where the data should be.
    """
    if dataset not in DATASETS:
        raise ValueError(f"Unknown dataset {dataset!r}; choose from {list(DATASETS)}.")
    if subjects is not None:
        subjects = list(subjects)
        if not subjects:
            raise ValueError("subjects is empty; name at least one, e.g. subjects=[1].")
    if dataset != "epochs":
        subjects = [1] if subjects is None else subjects
        try:
            numbers = [int(s) for s in subjects]
        except (TypeError, ValueError):
            numbers = None
        if (
            numbers is None
            or any(n < 1 for n in numbers)
            or any(isinstance(s, float) and s != int(s) for s in subjects)
        ):
            raise ValueError(
                f"subjects must be subject numbers (integers from 1) for dataset={dataset!r}, "
                f"got {subjects}."
            )
        if len(set(numbers)) != len(numbers):
            raise ValueError(f"subjects repeat: {subjects}; name each subject once.")
        subjects = numbers
    if window is not None:
        tmin, tmax = window
        if tmin is not None and tmax is not None and not tmax > tmin:
            raise ValueError(f"window must be (tmin, tmax) with tmax > tmin, got {window}.")
    if dataset == "simulated":
        if n_sessions < 1:
            raise ValueError(f"n_sessions must be >= 1, got {n_sessions}.")
        if isinstance(random_state, (int, np.integer)) and random_state < 0:
            raise ValueError(f"random_state must be >= 0 (a seed), got {random_state}.")
        if random_state is None or not isinstance(random_state, (int, np.integer)):
            random_state = int(check_random_state(random_state).randint(np.iinfo(np.int32).max))
        parts = _simulated(subjects, n_trials, n_sessions, sfreq, window, snr, random_state)
    elif dataset == "physionet":
        parts = _physionet(subjects, path, window, l_freq, h_freq)
    elif dataset == "epochs":
        parts = _epochs_file(subjects, None if path is None else Path(path), window)
    else:
        parts = _moabb(dataset, subjects, path, window, l_freq, h_freq)

    Xs, ys, subject_of, session_of = [], [], [], []
    info = None
    for subject, session, epochs, epochs_window, filtered in parts:
        X, epochs_info = _prepare(
            epochs,
            epochs_window,
            None if filtered else l_freq,
            None if filtered else h_freq,
            sfreq,
        )
        if info is not None and (
            epochs_info["ch_names"] != info["ch_names"] or epochs_info["sfreq"] != info["sfreq"]
        ):
            raise ValueError(
                f"Subject {subject}, session {session} has other channels or another sampling "
                "rate than the first; pick common channels and resample before comparing."
            )
        info = epochs_info
        Xs.append(X)
        ys.append(_labels_from_events(epochs))
        subject_of.append(np.full(len(X), str(subject)))
        session_of.append(np.full(len(X), str(session)))
    session = np.concatenate(session_of)
    train_sessions = None
    if dataset == "simulated" and n_sessions > 1:
        train_sessions = ["1"]
    elif dataset.startswith("bnci"):
        named = [s for s in dict.fromkeys(session) if "train" in s]
        train_sessions = named or None
    return Bunch(
        X=np.concatenate(Xs),
        y=np.concatenate(ys),
        subject=np.concatenate(subject_of),
        session=session,
        sfreq=float(info["sfreq"]),
        ch_names=list(info["ch_names"]),
        dataset=dataset,
        train_sessions=train_sessions,
    )
