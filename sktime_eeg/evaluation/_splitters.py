"""Cross-validation splitters for the BCI evaluation protocols.

They are scikit-learn CV objects: ``split(X, y, groups)`` yields ``(train, test)`` index arrays
and ``get_n_splits`` counts them, so they plug into :func:`sktime_eeg.evaluation.compare`,
``cross_validate`` and ``GridSearchCV`` alike. The protocol is driven by ``groups``: the session
(within-session, cross-session) or the subject (cross-subject) of every trial.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
from sklearn.model_selection import (
    BaseCrossValidator,
    GroupKFold,
    KFold,
    LeaveOneGroupOut,
    StratifiedKFold,
)
from sklearn.utils.validation import _num_samples

from .._validation import as_python_scalar, check_groups

__all__ = ["CrossSessionSplit", "CrossSubjectSplit", "WithinSessionSplit"]


def _labels(groups: Any, n_trials: int, owner: str, what: str) -> np.ndarray:
    """Groups as a 1D array of length ``n_trials``, with a clear error when missing."""
    if groups is None:
        raise ValueError(
            f"{owner} needs the {what} of every trial as `groups`, e.g. "
            f"groups=epochs.metadata[{what!r}] or compare(..., groups={what!r}) for Epochs "
            "with that metadata column."
        )
    return check_groups(groups, n_trials, owner, what=f"{what} label")


def _n_trials(X: Any, y: Any, owner: str) -> int:
    """Number of trials of X, checked against y."""
    n_trials = _num_samples(X)
    if y is not None and _num_samples(y) != n_trials:
        raise ValueError(
            f"{owner}: X has {n_trials} trials but y has {_num_samples(y)} labels; pass one "
            "label per trial."
        )
    return n_trials


class WithinSessionSplit(BaseCrossValidator):
    """K-fold cross-validation inside each session (the within-session protocol).

    Every fold trains and tests on trials of one session only, so a model never sees another
    session's data: this measures how well a model does with calibration data of the same
    day. Folds are stratified by class when ``y`` is given. With ``groups=None`` all trials
    form one session (then this is ``StratifiedKFold``).

    Parameters
    ----------
    n_splits : int, default=5
        Folds per session (at least 2). Every class needs at least ``n_splits`` trials in
        every session.
    shuffle : bool, default=True
        Shuffle the trials of each session before splitting them into folds.
    random_state : int, RandomState instance or None, default=None
        Seeds the shuffling; pass an int for reproducible folds.

    Notes
    -----
    Sessions are visited in sorted order of their labels and yield ``n_splits`` folds each,
    so ``get_n_splits(groups=groups) == n_splits * n_sessions``. For several subjects, give
    each (subject, session) pair its own label, or evaluate subjects one at a time as
    :func:`sktime_eeg.evaluation.run_comparison` does.

    Examples
    --------
    >>> import numpy as np
    >>> from sktime_eeg.evaluation import WithinSessionSplit
    >>> y = np.tile(["left", "right"], 10)
    >>> session = np.repeat(["T", "E"], 10)
    >>> cv = WithinSessionSplit(n_splits=2, random_state=0)
    >>> [sorted(set(session[test].tolist())) for _, test in cv.split(np.zeros((20, 1)), y, session)]
    [['E'], ['E'], ['T'], ['T']]
    """

    # Ask scikit-learn's metadata routing for `groups`, as its group splitters do.
    __metadata_request__split = {"groups": True}  # noqa: RUF012

    def __init__(self, n_splits: int = 5, *, shuffle: bool = True, random_state=None) -> None:
        self.n_splits = n_splits
        self.shuffle = shuffle
        self.random_state = random_state

    def _check(self) -> None:
        if (
            isinstance(self.n_splits, bool)
            or not isinstance(self.n_splits, (int, np.integer))
            or self.n_splits < 2
        ):
            raise ValueError(
                f"WithinSessionSplit: n_splits must be an integer >= 2, got {self.n_splits!r}."
            )

    def get_n_splits(self, X: Any = None, y: Any = None, groups: Any = None) -> int:
        """Number of folds: ``n_splits`` times the number of sessions in ``groups``."""
        self._check()
        n_sessions = 1 if groups is None else np.unique(np.asarray(groups)).size
        return self.n_splits * n_sessions

    def split(
        self, X: Any, y: Any = None, groups: Any = None
    ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """Yield ``(train, test)`` trial indices, ``n_splits`` folds per session.

        Parameters
        ----------
        X : array-like of shape (n_trials, ...) or mne.Epochs
            Only its length is used.
        y : array-like of shape (n_trials,), optional
            Class labels; folds are stratified by them when given.
        groups : array-like of shape (n_trials,), optional
            Session label of every trial; None means one session.

        Yields
        ------
        train, test : ndarray of int
            Indices into ``X``, both from the same session, disjoint.
        """
        self._check()
        n_trials = _n_trials(X, y, "WithinSessionSplit")
        sessions = (
            np.zeros(n_trials, dtype=int)
            if groups is None
            else _labels(groups, n_trials, "WithinSessionSplit", "session")
        )
        y = None if y is None else np.asarray(y)
        for session in np.unique(sessions):
            members = np.flatnonzero(sessions == session)
            if y is None:
                folds = KFold(self.n_splits, shuffle=self.shuffle, random_state=self.random_state)
                if members.size < self.n_splits:
                    raise ValueError(
                        f"WithinSessionSplit: session {as_python_scalar(session)!r} has "
                        f"{members.size} trials, fewer than n_splits={self.n_splits}; lower "
                        "n_splits."
                    )
            else:
                labels, counts = np.unique(y[members], return_counts=True)
                if counts.min() < self.n_splits:
                    where = "" if groups is None else f"session {as_python_scalar(session)!r} has "
                    raise ValueError(
                        f"WithinSessionSplit: {where}only {counts.min()} trial(s) of class "
                        f"{as_python_scalar(labels[counts.argmin()])!r}, fewer than "
                        f"n_splits={self.n_splits}; lower n_splits or add trials."
                    )
                folds = StratifiedKFold(
                    self.n_splits, shuffle=self.shuffle, random_state=self.random_state
                )
            y_members = None if y is None else y[members]
            for train, test in folds.split(members, y_members):
                yield members[train], members[test]


class CrossSessionSplit(BaseCrossValidator):
    """Train on some sessions, test on the others (the cross-session protocol).

    Parameters
    ----------
    train_sessions : sequence or None, default=None
        Session labels to train on; the model is tested on all other sessions (one fold),
        e.g. ``train_sessions=["T"]`` for BCI Competition IV's training -> evaluation split,
        or ``[1, 2, 3]`` for its 2b data set. None: leave one session out (one fold per
        session, trained on all others), as MOABB's ``CrossSessionEvaluation``.

    Examples
    --------
    >>> import numpy as np
    >>> from sktime_eeg.evaluation import CrossSessionSplit
    >>> session = np.array([1, 1, 2, 2, 3, 3])
    >>> [(train.tolist(), test.tolist()) for train, test in
    ...  CrossSessionSplit(train_sessions=[1, 2]).split(np.zeros((6, 1)), groups=session)]
    [([0, 1, 2, 3], [4, 5])]
    """

    # Ask scikit-learn's metadata routing for `groups`, as its group splitters do.
    __metadata_request__split = {"groups": True}  # noqa: RUF012

    def __init__(self, train_sessions: Sequence | None = None) -> None:
        self.train_sessions = train_sessions

    def _train_sessions(self, sessions: np.ndarray) -> np.ndarray | None:
        if self.train_sessions is None:
            return None
        if isinstance(self.train_sessions, (str, bytes)) or np.ndim(self.train_sessions) == 0:
            raise ValueError(
                "CrossSessionSplit: train_sessions must be a sequence of session labels, e.g. "
                f"train_sessions=[{self.train_sessions!r}], got {self.train_sessions!r}."
            )
        train = np.asarray(list(self.train_sessions))
        present = np.unique(sessions)
        if train.size == 0:
            raise ValueError("CrossSessionSplit: train_sessions is empty; name at least one.")
        missing = [s for s in train.tolist() if not np.isin(s, present)]
        if missing:
            raise ValueError(
                f"CrossSessionSplit: train_sessions {missing} not found in groups; the "
                f"sessions present are {present.tolist()}."
            )
        if np.isin(present, train).all():
            raise ValueError(
                f"CrossSessionSplit: train_sessions={train.tolist()} covers every session, so "
                "nothing is left to test on; leave at least one session out."
            )
        return train

    def get_n_splits(self, X: Any = None, y: Any = None, groups: Any = None) -> int:
        """Number of folds: 1 with ``train_sessions``, else the number of sessions."""
        if self.train_sessions is not None:
            return 1
        if groups is None:
            raise ValueError(
                "CrossSessionSplit.get_n_splits needs groups (the session of every trial) "
                "when train_sessions is None."
            )
        return np.unique(np.asarray(groups)).size

    def split(
        self, X: Any, y: Any = None, groups: Any = None
    ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """Yield ``(train, test)`` trial indices that never share a session.

        Parameters
        ----------
        X : array-like of shape (n_trials, ...) or mne.Epochs
            Only its length is used.
        y : array-like of shape (n_trials,), optional
            Ignored.
        groups : array-like of shape (n_trials,)
            Session label of every trial.

        Yields
        ------
        train, test : ndarray of int
            Indices into ``X``.
        """
        n_trials = _n_trials(X, y, "CrossSessionSplit")
        sessions = _labels(groups, n_trials, "CrossSessionSplit", "session")
        train_sessions = self._train_sessions(sessions)
        if train_sessions is not None:
            in_train = np.isin(sessions, train_sessions)
            yield np.flatnonzero(in_train), np.flatnonzero(~in_train)
            return
        present = np.unique(sessions)
        if present.size < 2:
            raise ValueError(
                f"CrossSessionSplit: only one session ({as_python_scalar(present[0])!r}) in "
                "groups; the cross-session protocol needs at least two."
            )
        for session in present:
            test = sessions == session
            yield np.flatnonzero(~test), np.flatnonzero(test)


class CrossSubjectSplit(BaseCrossValidator):
    """Leave subjects out: train on some subjects, test on unseen ones (cross-subject).

    Parameters
    ----------
    n_splits : int or None, default=None
        None: leave one subject out (one fold per subject). An int: ``GroupKFold`` with that
        many folds of held-out subjects, for data sets with many subjects.

    Examples
    --------
    >>> import numpy as np
    >>> from sktime_eeg.evaluation import CrossSubjectSplit
    >>> subject = np.array([1, 1, 2, 2, 3, 3])
    >>> [test.tolist() for _, test in CrossSubjectSplit().split(np.zeros((6, 1)), groups=subject)]
    [[0, 1], [2, 3], [4, 5]]
    """

    # Ask scikit-learn's metadata routing for `groups`, as its group splitters do.
    __metadata_request__split = {"groups": True}  # noqa: RUF012

    def __init__(self, n_splits: int | None = None) -> None:
        self.n_splits = n_splits

    def _splitter(self):
        if self.n_splits is None:
            return LeaveOneGroupOut()
        if (
            isinstance(self.n_splits, bool)
            or not isinstance(self.n_splits, (int, np.integer))
            or self.n_splits < 2
        ):
            raise ValueError(
                f"CrossSubjectSplit: n_splits must be None or an integer >= 2, got "
                f"{self.n_splits!r}."
            )
        return GroupKFold(self.n_splits)

    def get_n_splits(self, X: Any = None, y: Any = None, groups: Any = None) -> int:
        """Number of folds: the number of subjects, or ``n_splits``."""
        if self.n_splits is not None:
            self._splitter()
            return self.n_splits
        if groups is None:
            raise ValueError(
                "CrossSubjectSplit.get_n_splits needs groups (the subject of every trial)."
            )
        return np.unique(np.asarray(groups)).size

    def split(
        self, X: Any, y: Any = None, groups: Any = None
    ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """Yield ``(train, test)`` trial indices that never share a subject.

        Parameters
        ----------
        X : array-like of shape (n_trials, ...) or mne.Epochs
            Only its length is used.
        y : array-like of shape (n_trials,), optional
            Ignored.
        groups : array-like of shape (n_trials,)
            Subject of every trial.

        Yields
        ------
        train, test : ndarray of int
            Indices into ``X``.
        """
        n_trials = _n_trials(X, y, "CrossSubjectSplit")
        subjects = _labels(groups, n_trials, "CrossSubjectSplit", "subject")
        present = np.unique(subjects)
        if present.size < 2:
            raise ValueError(
                f"CrossSubjectSplit: only one subject ({as_python_scalar(present[0])!r}) in "
                "groups; the cross-subject protocol needs at least two."
            )
        splitter = self._splitter()
        if self.n_splits is not None and present.size < self.n_splits:
            raise ValueError(
                f"CrossSubjectSplit: n_splits={self.n_splits} is more than the "
                f"{present.size} subjects in groups; lower n_splits to at most {present.size}, "
                "or use n_splits=None (leave one subject out)."
            )
        placeholder = np.zeros((subjects.size, 1))
        yield from splitter.split(placeholder, None, subjects)
