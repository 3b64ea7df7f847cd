"""Run the BCI evaluation protocols over the subjects of a data set."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from sklearn.utils import Bunch

from .._compare import DEFAULT_SCORING, _plan, _run, compare
from .._splitters import CrossSessionSplit, CrossSubjectSplit, WithinSessionSplit

__all__ = ["PROTOCOLS", "check_protocol", "run_comparison"]

#: Protocol names of :func:`run_comparison`, with a one-line description.
PROTOCOLS: dict[str, str] = {
    "within-session": "k-fold cross-validation inside each session of each subject",
    "cross-session": "train on some sessions, test on the others, per subject",
    "cross-subject": "leave one subject out, all subjects pooled",
}


def check_protocol(
    data: Bunch, protocol: str, train_sessions: Sequence[Any] | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Check that ``data`` can be evaluated under ``protocol``, before any work is done.

    Parameters
    ----------
    data : sklearn.utils.Bunch
        As for :func:`run_comparison`.
    protocol : str
        One of :data:`PROTOCOLS`.
    train_sessions : sequence or None, default=None
        As for :func:`run_comparison` (only with ``"cross-session"``).

    Returns
    -------
    subjects, sessions : ndarray of str, shape (n_trials,)
        The subject and session of every trial, as strings.

    Raises
    ------
    ValueError
        For an unknown protocol, cross-subject with one subject, cross-session with a
        subject recorded in one session only, ``train_sessions`` with another protocol, or
        training sessions a subject does not have or that leave none to test; the message
        says what to load or pass instead.
    """
    if protocol not in PROTOCOLS:
        raise ValueError(f"Unknown protocol {protocol!r}; choose from {list(PROTOCOLS)}.")
    subjects = np.asarray(data.subject).astype(str)
    sessions = np.asarray(data.session).astype(str)
    if train_sessions is not None and protocol != "cross-session":
        raise ValueError(
            f"train_sessions={list(train_sessions)} applies to the cross-session protocol "
            f"only, not {protocol!r}; drop it or use protocol='cross-session'."
        )
    if protocol == "cross-subject" and np.unique(subjects).size < 2:
        raise ValueError(
            f"The cross-subject protocol needs at least two subjects; {data.dataset!r} "
            f"was loaded with subject(s) {np.unique(subjects).tolist()}. Load more, e.g. "
            "subjects=[1, 2, 3]."
        )
    if protocol == "cross-session":
        chosen = train_sessions if train_sessions is not None else data.get("train_sessions")
        chosen = None if chosen is None else [str(s) for s in chosen]
        for subject in pd.unique(subjects):
            subject_sessions = np.unique(sessions[subjects == subject])
            if subject_sessions.size < 2:
                raise ValueError(
                    "The cross-session protocol needs at least two sessions per subject; "
                    f"subject {subject} of {data.dataset!r} has only session(s) "
                    f"{subject_sessions.tolist()}."
                    + (
                        " Simulate several with load_comparison_data(..., n_sessions=2)."
                        if data.dataset == "simulated"
                        else " Use the within-session or cross-subject protocol."
                    )
                )
            if chosen is None:
                continue
            missing = sorted(set(chosen) - set(subject_sessions))
            if missing:
                raise ValueError(
                    f"train_sessions {missing} not found for subject {subject} of "
                    f"{data.dataset!r}, whose sessions are {subject_sessions.tolist()}; "
                    "choose training sessions among them."
                )
            if set(subject_sessions) <= set(chosen):
                raise ValueError(
                    f"train_sessions {chosen} covers every session of subject {subject} "
                    f"({subject_sessions.tolist()}), leaving none to test; leave at least "
                    "one out."
                )
    return subjects, sessions


def _warm_up(estimators: Mapping[str, Any], X: np.ndarray, y: np.ndarray) -> None:
    """Fit a throwaway one-epoch copy of each network on a few trials, untimed.

    The first network fit of a process pays torch's one-off start-up (lazy imports of the
    optimizer, ~1 s), which would otherwise be counted as the training time of whichever
    network runs first and bias the training-time ratios (e.g. conv1d / conv2d).
    """
    from sklearn.base import clone

    from ..._base import BaseEEGClassifier

    few = np.concatenate([np.flatnonzero(y == label)[:2] for label in np.unique(y)])
    for estimator in estimators.values():
        if isinstance(estimator, BaseEEGClassifier):
            try:
                clone(estimator).set_params(max_epochs=1, verbose=0).fit(X[few], y[few])
            except Exception:  # noqa: BLE001 -- the timed fit reports its own errors
                pass


def run_comparison(
    data: Bunch,
    estimators: Mapping[str, Any],
    protocol: str = "within-session",
    *,
    n_splits: int = 5,
    train_sessions: Sequence[str] | None = None,
    scoring: Any = DEFAULT_SCORING,
    n_jobs: int | None = None,
    progress: bool | Callable[[dict[str, Any]], None] = True,
    out: str | os.PathLike | None = None,
    random_state: int | np.random.RandomState | None = 0,
) -> pd.DataFrame:
    """Compare estimators on a data set under one of the BCI evaluation protocols.

    Parameters
    ----------
    data : sklearn.utils.Bunch
        From :func:`load_comparison_data` (or any Bunch with ``X``, ``y``, ``subject``,
        ``session`` arrays and a ``dataset`` name; ``train_sessions`` optional).
    estimators : dict of {str: estimator}
        The models, e.g. from :func:`make_models`.
    protocol : {"within-session", "cross-session", "cross-subject"}, default="within-session"
        ``"within-session"``: per subject, :class:`WithinSessionSplit` (``n_splits`` folds
        inside each session). ``"cross-session"``: per subject, :class:`CrossSessionSplit`
        trained on ``train_sessions`` (or ``data.train_sessions``, or leave one session out
        when both are None). ``"cross-subject"``: all subjects pooled,
        :class:`CrossSubjectSplit` (leave one subject out).
    n_splits : int, default=5
        Folds per session for ``"within-session"``.
    train_sessions : sequence of str or None, default=None
        Sessions to train on for ``"cross-session"``.
    scoring, n_jobs, progress, out
        As in :func:`compare`; ``out`` collects the rows of all subjects (and resumes them,
        refusing a file of another run).
    random_state : int, RandomState instance or None, default=0
        Seed of the within-session fold shuffling (scikit-learn's convention: an int gives
        the same folds on every run; with a RandomState instance or None, resuming from
        ``out`` is refused because the folds differ).

    Returns
    -------
    pandas.DataFrame
        The :func:`compare` table of every subject, with the leading columns ``dataset``,
        ``protocol`` and ``subject`` (``"all"`` for cross-subject).
    """
    subjects, sessions = check_protocol(data, protocol, train_sessions)
    y = np.asarray(data.y)
    tags = {"dataset": data.dataset, "protocol": protocol}
    if n_jobs in (None, 1):  # fits run in this process: keep torch's start-up out of them
        _warm_up(estimators, np.asarray(data.X), y)
    if protocol == "cross-subject":
        if progress is True:
            print(
                f"== {data.dataset}, cross-subject: {np.unique(subjects).size} subjects, "
                f"{len(y)} trials",
                flush=True,
            )
        return compare(
            estimators,
            data.X,
            y,
            cv=CrossSubjectSplit(),
            groups=subjects,
            scoring=scoring,
            n_jobs=n_jobs,
            progress=progress,
            out=out,
            tags={**tags, "subject": "all"},
        )

    if protocol == "cross-session":
        chosen = train_sessions if train_sessions is not None else data.get("train_sessions")
        cv = CrossSessionSplit(None if chosen is None else [str(s) for s in chosen])
    else:
        cv = WithinSessionSplit(n_splits, shuffle=True, random_state=random_state)

    # Draw every subject's folds first: a splitter error surfaces before any fit or file write.
    for subject in pd.unique(subjects):
        mask = subjects == subject
        for _ in cv.split(np.zeros((int(mask.sum()), 1)), y[mask], sessions[mask]):
            pass

    # Then prepare every subject (fingerprints, the results file): a file of another run is
    # refused before the first fit of any subject.
    plans = []
    try:
        for subject in pd.unique(subjects):
            mask = subjects == subject
            plan = _plan(
                estimators,
                data.X[mask],
                y[mask],
                cv=cv,
                groups=sessions[mask],
                scoring=scoring,
                n_jobs=n_jobs,
                progress=progress,
                out=out,
                tags={**tags, "subject": subject},
            )
            plans.append((subject, mask, plan))

        tables = []
        for subject, mask, plan in plans:
            if progress is True:
                print(
                    f"== {data.dataset}, {protocol}, subject {subject}: {int(mask.sum())} "
                    f"trials, sessions {pd.unique(sessions[mask]).tolist()}",
                    flush=True,
                )
            tables.append(_run(plan))
    finally:  # a refused or failed subject releases the results file of the others too
        for _, _, plan in plans:
            if plan.store is not None:
                plan.store.close()
    return pd.concat(tables, ignore_index=True)
