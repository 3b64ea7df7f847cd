"""PhysioNet EEG Motor Movement/Imagery (eegmmidb) as ``mne.Epochs``, through MNE's fetcher."""

from __future__ import annotations

import numbers
import os
import re
from collections.abc import Sequence
from pathlib import Path

from ._montage import standard_montage

__all__ = ["load_physionet_mi", "PHYSIONET_TASKS", "PHYSIONET_EVENT_ID"]

#: Event codes of :func:`load_physionet_mi` (the same in every task).
PHYSIONET_EVENT_ID: dict[str, int] = {"left_hand": 1, "right_hand": 2, "hands": 3, "feet": 4}

# run type -> (imagined runs, executed runs, name of T1, name of T2)
_RUN_TYPES: dict[str, tuple[tuple[int, ...], tuple[int, ...], str, str]] = {
    "left_right": ((4, 8, 12), (3, 7, 11), "left_hand", "right_hand"),
    "hands_feet": ((6, 10, 14), (5, 9, 13), "hands", "feet"),
}

#: Tasks of :func:`load_physionet_mi` -> the imagery runs loaded by default.
PHYSIONET_TASKS: dict[str, tuple[int, ...]] = {
    "hands_feet": (6, 10, 14),
    "left_right": (4, 8, 12),
    "four_class": (4, 6, 8, 10, 12, 14),
}
_N_SUBJECTS = 109


def _run_type(run: int) -> str:
    for name, (imagined, executed, _, _) in _RUN_TYPES.items():
        if run in imagined or run in executed:
            return name
    raise AssertionError(run)  # pragma: no cover - runs are validated first


def _check_runs(task: str, runs) -> list[int]:
    allowed_types = ["left_right", "hands_feet"] if task == "four_class" else [task]
    allowed = sorted(r for t in allowed_types for r in _RUN_TYPES[t][0] + _RUN_TYPES[t][1])
    if runs is None:
        return list(PHYSIONET_TASKS[task])
    if isinstance(runs, numbers.Integral):
        runs = [runs]
    try:
        runs = [int(r) for r in runs]
    except (TypeError, ValueError):
        raise TypeError(
            f"runs must be a list of run numbers, e.g. {allowed}, got {runs!r}."
        ) from None
    bad = [r for r in runs if r not in allowed]
    if bad or not runs:
        raise ValueError(
            f"Run(s) {bad or runs} do not belong to task {task!r}; its runs are {allowed} "
            "(imagined: "
            + ", ".join(str(r) for t in allowed_types for r in _RUN_TYPES[t][0])
            + "; executed: "
            + ", ".join(str(r) for t in allowed_types for r in _RUN_TYPES[t][1])
            + "). Runs 1 and 2 are eyes-open/closed baselines without events."
        )
    if len(set(runs)) != len(runs):
        raise ValueError(f"runs lists a run more than once: {runs}.")
    return runs


def load_physionet_mi(
    subject: int,
    task: str = "hands_feet",
    path: str | os.PathLike | None = None,
    runs: Sequence[int] | None = None,
    *,
    tmin: float = 0.0,
    tmax: float = 4.0,
    l_freq: float | None = None,
    h_freq: float | None = None,
    verbose: bool | str | int | None = "warning",
):
    """Load one subject of the PhysioNet EEG Motor Movement/Imagery dataset as epochs.

    The EDF files are found (or downloaded, about 2.5 MB per run) by
    :func:`mne.datasets.eegbci.load_data`; channel names are standardised with
    :func:`mne.datasets.eegbci.standardize`, MNE's standard 10-05 montage is set, and the
    PhysioNet markers T1/T2 are renamed after what the subject imagined (or executed).
    Each run is filtered (optionally) and epoched separately, then the runs are
    concatenated, so no epoch or filter crosses a run boundary.

    Parameters
    ----------
    subject : int
        Subject number, 1-109.
    task : {"hands_feet", "left_right", "four_class"}, default="hands_feet"
        ``"hands_feet"``: both fists (``"hands"``) vs both feet (``"feet"``), imagery runs
        6, 10, 14. ``"left_right"``: left vs right fist (``"left_hand"``,
        ``"right_hand"``), imagery runs 4, 8, 12. ``"four_class"``: the four classes, runs
        4, 6, 8, 10, 12, 14.
    path : path-like or None, default=None
        Folder holding (or receiving) ``MNE-eegbci-data``; passed to
        :func:`mne.datasets.eegbci.load_data` (None: the ``MNE_DATASETS_EEGBCI_PATH``
        config, else ``~/mne_data``). The MNE config is not changed.
    runs : sequence of int or None, default=None
        Runs to load instead of the task's imagery runs; they must belong to the task
        (e.g. the executed-movement runs 5, 9, 13 for ``"hands_feet"``).
    tmin, tmax : float, default=0.0, 4.0
        Epoch window in seconds relative to the cue (a trial lasts about 4.1 s). Epochs
        reaching beyond the end of a run are dropped.
    l_freq, h_freq : float or None, default=None
        Band-pass (FIR, :meth:`mne.io.Raw.filter`) applied to each continuous run before
        epoching; None leaves that edge unfiltered.
    verbose : bool, str, int or None, default="warning"
        MNE logging level for the loading steps.

    Returns
    -------
    epochs : mne.Epochs
        64 EEG channels (volts) at 160 Hz, no baseline correction, the montage set (an
        ``mne.EpochsArray`` when several runs are concatenated; annotations dropped).
        ``epochs.event_id`` is a subset of ``{"left_hand": 1, "right_hand": 2, "hands": 3,
        "feet": 4}``; ``epochs.metadata`` has the columns ``"subject"``, ``"run"`` and
        ``"label"`` (the class name of each epoch, usable as ``y``).

    Raises
    ------
    OSError
        When the files are not under ``path`` and the download fails (e.g. no internet);
        the message says what to do.
    ValueError
        For an unknown task, a subject outside 1-109, or runs not belonging to the task.

    Notes
    -----
    Data: Schalk et al. (2004), BCI2000; Goldberger et al. (2000), PhysioNet. Open Data
    Commons Attribution License v1.0.

    Examples
    --------
    Reproduce MNE's CSP example (accuracy 0.93 on subject 1)::

        epochs = load_physionet_mi(1, "hands_feet", tmin=-1.0, tmax=4.0, l_freq=7.0,
                                   h_freq=30.0)
        epochs.set_eeg_reference("average")
        X, y = epochs.copy().crop(1.0, 2.0).get_data(), epochs.metadata["label"]
    """
    import mne
    import pandas as pd
    from mne.datasets import eegbci

    if task not in PHYSIONET_TASKS:
        raise ValueError(
            f"Unknown task {task!r}. Valid tasks: {', '.join(repr(t) for t in PHYSIONET_TASKS)}."
        )
    if isinstance(subject, bool) or not isinstance(subject, numbers.Integral):
        raise TypeError(f"subject must be an int in 1-{_N_SUBJECTS}, got {subject!r}.")
    if not 1 <= subject <= _N_SUBJECTS:
        raise ValueError(f"subject must be in 1-{_N_SUBJECTS}, got {subject}.")
    subject = int(subject)
    runs = _check_runs(task, runs)

    try:
        files = eegbci.load_data(subject, runs, path=path, update_path=False, verbose=verbose)
    except (OSError, ValueError) as exc:
        where = Path(path).expanduser() if path is not None else "the MNE default (~/mne_data)"
        raise OSError(
            f"Could not get PhysioNet eegmmidb subject {subject}, runs {runs}: the files are "
            f"not under {where} and downloading them from physionet.org failed "
            f"({type(exc).__name__}: {exc}). Either connect to the internet and call again "
            "(MNE downloads them), or pass path= the folder that already holds "
            f"'MNE-eegbci-data' (files at <path>/MNE-eegbci-data/files/eegmmidb/1.0.0/"
            f"S{subject:03d}/S{subject:03d}R{runs[0]:02d}.edf)."
        ) from None

    montage = standard_montage()
    epochs_list = []
    for fname in files:
        run = int(re.search(r"R(\d+)\.edf$", str(fname)).group(1))
        _, _, name_t1, name_t2 = _RUN_TYPES[_run_type(run)]
        raw = mne.io.read_raw_edf(fname, preload=True, verbose=verbose)
        eegbci.standardize(raw)
        raw.set_montage(montage, verbose=verbose)
        present = {str(d) for d in raw.annotations.description}
        mapping = {"T0": "rest", "T1": name_t1, "T2": name_t2}
        raw.annotations.rename({k: v for k, v in mapping.items() if k in present})
        if l_freq is not None or h_freq is not None:
            raw.filter(
                l_freq, h_freq, fir_design="firwin", skip_by_annotation="edge", verbose=verbose
            )
        event_id = {name: PHYSIONET_EVENT_ID[name] for name in (name_t1, name_t2)}
        events, _ = mne.events_from_annotations(raw, event_id=event_id, verbose=verbose)
        id_to_name = {code: name for name, code in event_id.items()}
        metadata = pd.DataFrame(
            {
                "subject": subject,
                "run": run,
                "label": [id_to_name[code] for code in events[:, 2]],
            }
        )
        epochs = mne.Epochs(
            raw,
            events,
            event_id=event_id,
            tmin=tmin,
            tmax=tmax,
            baseline=None,
            picks="eeg",
            preload=True,
            metadata=metadata,
            verbose=verbose,
        )
        # The per-run annotations (T0/T1/T2 markers, edges) cannot be concatenated.
        epochs_list.append(epochs.set_annotations(None, verbose=verbose))
    if len(epochs_list) == 1:
        return epochs_list[0]
    return mne.concatenate_epochs(epochs_list, verbose=verbose)
