"""BNCI Horizon 2020 motor-imagery datasets (BCI Competition IV 2a/2b) through MOABB.

MOABB is an optional dependency: ``pip install moabb`` or ``pip install "sktime-eeg[moabb]"``.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["load_bnci", "BNCI_DATASETS"]

#: Datasets of :func:`load_bnci`: MOABB class name -> description.
BNCI_DATASETS: dict[str, str] = {
    "BNCI2014_001": "BCI Competition IV 2a: 9 subjects, 22 EEG channels, 250 Hz, 2 sessions, "
    "left_hand / right_hand / feet / tongue",
    "BNCI2014_004": "BCI Competition IV 2b: 9 subjects, 3 EEG channels (C3, Cz, C4), 250 Hz, "
    "5 sessions, left_hand / right_hand",
}

_INSTALL_HINT = 'pip install moabb (or pip install "sktime-eeg[moabb]")'
_DOWNLOAD_MODULES = {"requests", "urllib3", "pooch", "nemar", "nemar_py", "http", "urllib"}


def _import_moabb():
    try:
        from moabb import datasets, paradigms
    except ImportError as exc:
        raise ImportError(
            f"load_bnci needs MOABB, an optional dependency that is not installed here "
            f"({exc}). Install it with: {_INSTALL_HINT}."
        ) from None
    return datasets, paradigms


def _is_download_error(exc: BaseException) -> bool:
    """Whether an exception raised while getting the data comes from fetching files."""
    if isinstance(exc, OSError):  # ConnectionError, URLError, requests errors, missing files
        return True
    cls = type(exc)
    return "Download" in cls.__name__ or cls.__module__.split(".")[0] in _DOWNLOAD_MODULES


def _check_subjects(subjects, valid: Sequence[int], dataset: str) -> list[int]:
    if isinstance(subjects, numbers.Integral) and not isinstance(subjects, bool):
        subjects = [subjects]
    try:
        subjects = [int(s) for s in subjects]
    except (TypeError, ValueError):
        raise TypeError(
            f"subjects must be a list of subject numbers, e.g. [1, 2], got {subjects!r}."
        ) from None
    bad = [s for s in subjects if s not in valid]
    if bad or not subjects:
        raise ValueError(f"{dataset} has subjects {list(valid)}; got {bad or subjects}.")
    return subjects


def load_bnci(
    dataset: str = "BNCI2014_004",
    subjects: int | Sequence[int] = (1,),
    *,
    tmin: float = 0.0,
    tmax: float | None = None,
    l_freq: float | None = None,
    h_freq: float | None = None,
    resample: float | None = None,
    return_epochs: bool = True,
    verbose: bool | str | int | None = "warning",
) -> Any:
    """Load BCI Competition IV 2a or 2b motor imagery through MOABB.

    MOABB downloads the files on first use (into ``MNE_DATASETS_BNCI_PATH``, else
    ``MNE_DATA``, else ``~/mne_data``) and epochs them with its ``MotorImagery`` paradigm
    over all the dataset's classes. Needs the optional dependency MOABB
    (``pip install moabb`` or ``pip install "sktime-eeg[moabb]"``).

    Parameters
    ----------
    dataset : {"BNCI2014_004", "BNCI2014_001"}, default="BNCI2014_004"
        ``"BNCI2014_004"``: BCI IV 2b (C3, Cz, C4; left vs right hand; 5 sessions).
        ``"BNCI2014_001"``: BCI IV 2a (22 channels; left hand, right hand, feet, tongue;
        2 sessions).
    subjects : int or sequence of int, default=(1,)
        Subjects to load (1-9).
    tmin, tmax : float and float or None, default=0.0, None
        Epoch window in seconds relative to the start of the dataset's imagery interval
        (the cue; MOABB's convention); ``tmax=None`` ends it with the interval (4 s for
        2a, 4.5 s for 2b).
    l_freq, h_freq : float or None, default=None
        Band-pass applied by MOABB (IIR) before epoching; both None: no filtering.
    resample : float or None, default=None
        New sampling frequency in Hz; None keeps 250 Hz.
    return_epochs : bool, default=True
        Return ``mne.Epochs`` (True) or ``(X, y, metadata)`` arrays (False).
    verbose : bool, str, int or None, default="warning"
        MNE logging level while loading.

    Returns
    -------
    epochs : mne.Epochs
        When ``return_epochs=True``: EEG channels only, volts; ``epochs.metadata`` has
        the columns ``"subject"``, ``"session"``, ``"run"`` and ``"label"`` (class names).
    X : ndarray of shape (n_trials, n_channels, n_times), float64
        When ``return_epochs=False``: the EEG in volts, ...
    y : ndarray of shape (n_trials,), str
        ... the class names, ...
    metadata : pandas.DataFrame
        ... and one row per trial with ``"subject"``, ``"session"``, ``"run"``, ``"label"``
        (use ``metadata["session"]`` for cross-session splits).

    Raises
    ------
    ImportError
        When MOABB is not installed (the message says what to install).
    OSError
        When the data are not on disk and the download fails (e.g. no internet).
    ValueError
        For an unknown dataset name (the message lists the valid ones) or subject.

    Notes
    -----
    MOABB, not this function, writes to the MNE configuration file
    (``mne.get_config_path()``, by default ``~/.mne/mne-python.json``). ``load_bnci``
    takes no path argument; whenever MOABB locates a subject's files it looks up the key
    ``MNE_DATASETS_BNCI_PATH`` with :func:`mne.get_config` (an environment variable of
    that name, else the file). When it is missing, MOABB stores it in the file, set to
    ``MNE_DATA``; when ``MNE_DATA`` is missing too, it first stores
    ``MNE_DATA = ~/mne_data`` there and creates that folder. This happens before anything
    is downloaded, so also when the download then fails, and MNE warns
    ``Setting non-standard config type: "MNE_DATASETS_BNCI_PATH"``. The entries stay for
    later sessions and other MNE/MOABB datasets. To leave the file untouched, set the
    environment variable ``MNE_DATASETS_BNCI_PATH`` to an existing folder; to choose the
    folder for good, call ``mne.set_config("MNE_DATASETS_BNCI_PATH", "/path/to/folder")``
    yourself.

    Cite Tangermann et al. (2012), *Review of the BCI Competition IV*, Front. Neurosci.
    6:55 (both datasets) and Leeb et al. (2007), IEEE TNSRE 15(4) (2b), and MOABB
    (Aristimunha et al., 2023, doi:10.5281/zenodo.10034223).
    """
    if dataset not in BNCI_DATASETS:
        raise ValueError(
            f"Unknown dataset {dataset!r}. Valid datasets: "
            + "; ".join(f"{name!r} ({text})" for name, text in BNCI_DATASETS.items())
            + "."
        )
    datasets, paradigms = _import_moabb()
    import mne

    ds = getattr(datasets, dataset)()
    subjects = _check_subjects(subjects, list(ds.subject_list), dataset)
    events = list(ds.event_id)
    paradigm = paradigms.MotorImagery(
        n_classes=len(events),
        events=events,
        fmin=l_freq,
        fmax=h_freq,
        tmin=tmin,
        tmax=tmax,
        resample=resample,
    )
    if l_freq is None and h_freq is None and hasattr(paradigm, "_get_raw_pipelines"):
        # No filter asked: MOABB would still call raw.filter(None, None, method="iir"), which
        # MNE >= 1.13 fails on (KeyError 'padlen'); pass the recordings through unchanged.
        from sklearn.preprocessing import FunctionTransformer

        paradigm._get_raw_pipelines = lambda: [FunctionTransformer()]
    try:
        with mne.use_log_level(verbose):
            data, labels, metadata = paradigm.get_data(
                ds, subjects=subjects, return_epochs=return_epochs
            )
    except Exception as exc:
        if not _is_download_error(exc):
            raise
        raise OSError(
            f"Could not get {dataset} subject(s) {subjects} through MOABB: the files are not "
            f"in its download folder and downloading them failed ({type(exc).__name__}: "
            f"{exc}). Connect to the internet and call again (MOABB downloads them once, "
            "into MNE_DATASETS_BNCI_PATH, else MNE_DATA, else ~/mne_data), or put "
            "already-downloaded files there, e.g. "
            "mne.set_config('MNE_DATASETS_BNCI_PATH', '/path/to/folder')."
        ) from None

    labels = np.asarray(labels).astype(str)
    metadata = metadata.reset_index(drop=True).assign(label=labels)
    if return_epochs:
        with mne.use_log_level(verbose):
            data.metadata = metadata
        return data
    # MOABB returns arrays scaled by the dataset's unit_factor (1e6: microvolts); give them
    # back in volts, as documented and as the Epochs (and the other loaders) hold them.
    return np.asarray(data, dtype=np.float64) / float(ds.unit_factor), labels, metadata
