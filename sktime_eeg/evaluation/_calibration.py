"""Few-trial calibration of a new user: cross-subject pretraining, alignment, fine-tuning.

:func:`calibration_curve` is the engine: leave one subject out; the other subjects are the
pool; the first ``k`` labelled trials of the target's calibration session are its calibration
data; the target's later session(s) are the test. Strategies are objects with two methods
(:class:`CalibrationStrategy`): ``fit_pool`` (once per target, on the pool only) and
``fit_target`` (per ``k``, from the pooled result and the target's own trials), so a pooled
model that does not depend on ``k`` is trained once per target and reused.
"""

from __future__ import annotations

import copy
import math
import time
import warnings
from collections.abc import Hashable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.metrics import accuracy_score, balanced_accuracy_score, cohen_kappa_score

from .._validation import check_eeg_data, check_eeg_labels, check_groups

__all__ = [
    "CALIBRATION_COLUMNS",
    "DEFAULT_N_CALIBRATION",
    "CalibrationStrategy",
    "CannotCalibrate",
    "FineTuned",
    "Pooled",
    "PooledAligned",
    "Recentred",
    "Scratch",
    "calibration_curve",
    "default_strategies",
    "plot_calibration_curve",
    "trials_to_reach",
]

DEFAULT_N_CALIBRATION = (0, 5, 10, 20, 40, 80)
_REFERENCES = ("calibration", "session")
_SCORES = {
    "accuracy": accuracy_score,
    "balanced_accuracy": balanced_accuracy_score,
    "cohen_kappa": cohen_kappa_score,
}
#: Columns of :func:`calibration_curve`'s table (after any tags), in order.
CALIBRATION_COLUMNS = (
    "strategy",
    "subject",
    "n_calibration",
    "calibration_session",
    "test_sessions",
    "n_pool",
    "n_reference",
    "n_test",
    *_SCORES,
    "fit_seconds",
    "pretrain_seconds",
    "adapt_seconds",
    "predict_ms_per_trial",
    "error",
)


class CannotCalibrate(ValueError):
    """A strategy cannot run with this calibration data; the reason goes in the table."""


def _n_classes(y: np.ndarray) -> int:
    return np.unique(y).size


def _need_two_classes(y: np.ndarray, what: str) -> None:
    if _n_classes(y) < 2:
        found = sorted(map(str, np.unique(y)))
        raise CannotCalibrate(
            f"{what} needs calibration trials of at least two classes; the {y.size} "
            f"calibration trial(s) have {found or 'none'}"
        )


class CalibrationStrategy:
    """How to get a model for a new subject from a pool of subjects and a few of its trials.

    Subclass it and implement :meth:`fit_target` (and :meth:`fit_pool` when something can be
    learnt from the pool alone). :func:`calibration_curve` calls ``fit_pool`` once per target
    subject and ``fit_target`` once per number of calibration trials, with a fresh deep copy
    of the pooled result each time, so ``fit_target`` may modify it.

    A strategy that cannot run with the data it gets (e.g. too few classes among the
    calibration trials) raises :class:`CannotCalibrate` with the reason, which becomes the
    ``error`` of a row with NaN scores.
    """

    #: Whether :func:`calibration_curve` hands ``fit_target`` a deep copy of the pooled
    #: result (set False only when ``fit_target`` never modifies it).
    copy_pooled = True

    def fit_pool(self, X: np.ndarray, y: np.ndarray, subjects: np.ndarray) -> Any:
        """Learn from the pool of other subjects (default: nothing).

        Parameters
        ----------
        X : ndarray of shape (n_pool, n_channels, n_times)
            Trials of the pool subjects.
        y : ndarray of shape (n_pool,)
            Their labels.
        subjects : ndarray of shape (n_pool,)
            Subject of each trial.

        Returns
        -------
        object
            Anything :meth:`fit_target` needs (e.g. a fitted model); None by default.
        """
        return None

    def pool_key(self) -> Hashable | None:
        """Strategies returning the same non-None key share one ``fit_pool`` result."""
        return None

    def fit_target(
        self,
        pooled: Any,
        X_calibration: np.ndarray,
        y_calibration: np.ndarray,
        X_reference: np.ndarray,
        target: Hashable,
    ) -> Any:
        """Return a fitted model for the target subject (anything with ``predict``).

        Parameters
        ----------
        pooled : object
            A deep copy of what :meth:`fit_pool` returned.
        X_calibration : ndarray of shape (k, n_channels, n_times)
            The target's first ``k`` labelled trials (``k`` may be 0).
        y_calibration : ndarray of shape (k,)
            Their labels.
        X_reference : ndarray of shape (n_reference, n_channels, n_times)
            The target's trials for an unsupervised reference (alignment): the calibration
            trials, or its whole calibration session unlabelled (``reference=`` of
            :func:`calibration_curve`); never its test trials. May be empty.
        target : hashable
            The target subject's label (not among the pool's subjects).
        """
        raise NotImplementedError


class Scratch(CalibrationStrategy):
    """Train ``estimator`` on the target's calibration trials alone (no pool).

    Parameters
    ----------
    estimator : estimator
        Cloned for every fit.
    """

    def __init__(self, estimator: Any) -> None:
        self.estimator = estimator

    def fit_target(self, pooled, X_calibration, y_calibration, X_reference, target):
        _need_two_classes(y_calibration, "training from scratch")
        return clone(self.estimator).fit(X_calibration, y_calibration)


class Pooled(CalibrationStrategy):
    """Train ``estimator`` on the pool; use it as it is for the target (no target data).

    Parameters
    ----------
    estimator : estimator
        Cloned and fitted once per target subject.
    """

    def __init__(self, estimator: Any) -> None:
        self.estimator = estimator

    def fit_pool(self, X, y, subjects):
        return clone(self.estimator).fit(X, y)

    def fit_target(self, pooled, X_calibration, y_calibration, X_reference, target):
        return pooled


class PooledAligned(CalibrationStrategy):
    """Euclidean-align every pool subject, train ``estimator``; align the target with its own
    reference trials (:func:`sktime_eeg.transfer.make_aligned`).

    Parameters
    ----------
    estimator : estimator
        Cloned and fitted once per target on the aligned pool.
    shrinkage : float, default=0.0
        Of the alignment references (see :class:`~sktime_eeg.transfer.TargetAligner`).
    """

    def __init__(self, estimator: Any, shrinkage: float = 0.0) -> None:
        self.estimator = estimator
        self.shrinkage = shrinkage

    def pool_key(self):
        return ("aligned", repr(self.estimator), self.shrinkage)

    def fit_pool(self, X, y, subjects):
        from ..transfer import make_aligned

        pipe = make_aligned(clone(self.estimator), shrinkage=self.shrinkage)
        return pipe.fit(X, y, align__groups=subjects)

    def _align_target(self, pooled, X_reference):
        if len(X_reference) == 0:
            raise CannotCalibrate(
                "alignment needs target trials for its reference, and there are none (k=0 "
                "with reference='calibration'; reference='session' uses the unlabelled "
                "calibration session)"
            )
        pooled.named_steps["align"].fit_target(X_reference)
        return pooled

    def fit_target(self, pooled, X_calibration, y_calibration, X_reference, target):
        return self._align_target(pooled, X_reference)


class FineTuned(PooledAligned):
    """:class:`PooledAligned`, then continue training the network on the target's aligned
    calibration trials (``warm_start=True``).

    Parameters
    ----------
    estimator : CNN estimator
        One of the sktime_eeg CNN classifiers.
    max_epochs : int, default=30
        Epochs of fine-tuning.
    lr : float, default=1e-4
        Learning rate of fine-tuning.
    finetune : {"all", "head"}, default="all"
        Train the whole network or only its head.
    shrinkage : float, default=0.0
        Of the alignment references.
    """

    def __init__(
        self,
        estimator: Any,
        max_epochs: int = 30,
        lr: float = 1e-4,
        finetune: str = "all",
        shrinkage: float = 0.0,
    ) -> None:
        super().__init__(estimator, shrinkage)
        self.max_epochs = max_epochs
        self.lr = lr
        self.finetune = finetune

    def fit_target(self, pooled, X_calibration, y_calibration, X_reference, target):
        if len(y_calibration) == 0:
            raise CannotCalibrate("fine-tuning needs calibration trials, and there are none")
        pipe = self._align_target(pooled, X_reference)
        clf = pipe.named_steps["clf"]
        missing = sorted(set(map(str, clf.classes_)) - set(map(str, y_calibration)))
        if missing:
            raise CannotCalibrate(
                f"fine-tuning needs calibration trials of every class; the {len(y_calibration)} "
                f"calibration trial(s) lack {missing}"
            )
        clf.set_params(
            warm_start=True, max_epochs=self.max_epochs, lr=self.lr, finetune=self.finetune
        )
        clf.fit(pipe.named_steps["align"].transform(X_calibration), y_calibration)
        return pipe


class Recentred(CalibrationStrategy):
    """Riemannian re-centring per subject, then a classifier trained on the pool plus the
    target's calibration trials (:func:`sktime_eeg.transfer.make_ts_lr_recentred` by default).

    Parameters
    ----------
    estimator : Pipeline or None, default=None
        A pipeline whose first step is :class:`~sktime_eeg.transfer.RecentredCovariances`
        named ``"recentre"``; None for ``make_ts_lr_recentred()``.
    """

    copy_pooled = False  # the pool data are only read

    def __init__(self, estimator: Any = None) -> None:
        self.estimator = estimator

    def fit_pool(self, X, y, subjects):
        return X, y, subjects  # cheap to refit: the fit is done per k, with the target

    def fit_target(self, pooled, X_calibration, y_calibration, X_reference, target):
        from ..transfer import make_ts_lr_recentred

        if len(X_reference) == 0:
            raise CannotCalibrate(
                "re-centring needs target trials for its reference, and there are none (k=0 "
                "with reference='calibration'; reference='session' uses the unlabelled "
                "calibration session)"
            )
        X_pool, y_pool, subjects = pooled
        pipe = clone(self.estimator) if self.estimator is not None else make_ts_lr_recentred()
        pipe.set_params(recentre__target=target)
        X = np.concatenate([X_pool, X_calibration])
        y = np.concatenate([y_pool, y_calibration])
        groups = np.concatenate(
            [subjects.astype(object), np.full(len(y_calibration), target, object)]
        )
        return pipe.fit(X, y, recentre__groups=groups, recentre__X_target=X_reference)


def default_strategies(
    *,
    max_epochs: int = 50,
    finetune_epochs: int = 30,
    finetune_lr: float = 1e-4,
    finetune: str = "all",
    random_state: int | None = 0,
    cnn: Any = None,
) -> dict[str, CalibrationStrategy]:
    """The six strategies compared out of the box, by their names in the table.

    Parameters
    ----------
    max_epochs : int, default=50
        Training epochs of the CNN (pool and scratch).
    finetune_epochs, finetune_lr, finetune
        Fine-tuning of ``pooled+align+finetune`` (see :class:`FineTuned`).
    random_state : int or None, default=0
        Seed of the CNNs.
    cnn : estimator or None, default=None
        The CNN; None for ``Conv2DEEGClassifier(max_epochs=max_epochs,
        random_state=random_state)``.

    Returns
    -------
    dict
        ``"scratch"`` (CNN on the k trials alone), ``"ts-lr-scratch"`` (tangent space +
        logistic regression on the k trials), ``"pooled"`` (CNN on the pool, no target data),
        ``"pooled+align"`` (CNN on the Euclidean-aligned pool, target aligned with its own
        reference), ``"pooled+align+finetune"`` (that network fine-tuned on the target's
        aligned k trials; shares the pooled+align pool fit) and ``"ts-lr-recentre"``
        (re-centred tangent space + logistic regression on the pool and the k trials).
    """
    from ..baselines import make_ts_lr
    from ..estimators import Conv2DEEGClassifier

    if cnn is None:
        cnn = Conv2DEEGClassifier(max_epochs=max_epochs, random_state=random_state)
    return {
        "scratch": Scratch(cnn),
        "ts-lr-scratch": Scratch(make_ts_lr()),
        "pooled": Pooled(cnn),
        "pooled+align": PooledAligned(cnn),
        "pooled+align+finetune": FineTuned(
            cnn, max_epochs=finetune_epochs, lr=finetune_lr, finetune=finetune
        ),
        "ts-lr-recentre": Recentred(),
    }


def _check_strategies(strategies: Any) -> dict[str, CalibrationStrategy]:
    if strategies is None:
        return default_strategies()
    if isinstance(strategies, str):
        strategies = [strategies]
    if isinstance(strategies, Mapping):
        out = dict(strategies)
    else:
        names = list(strategies)
        defaults = default_strategies()
        unknown = [n for n in names if not isinstance(n, str) or n not in defaults]
        if unknown:
            raise ValueError(
                f"strategies: unknown name(s) {unknown}; the built-in ones are "
                f"{list(defaults)}, or pass a dict name -> CalibrationStrategy."
            )
        out = {n: defaults[n] for n in names}
    bad = [n for n, s in out.items() if not callable(getattr(s, "fit_target", None))]
    if not out or bad:
        raise ValueError(
            f"strategies must be a non-empty dict of name -> CalibrationStrategy (objects with "
            f"fit_pool and fit_target); {bad or 'none given'} are not."
        )
    return out


def _check_n_calibration(n_calibration: Any) -> list[int]:
    values = [n_calibration] if np.ndim(n_calibration) == 0 else list(n_calibration)
    out = []
    for k in values:
        if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 0:
            raise ValueError(f"n_calibration must hold non-negative integers (trials), got {k!r}.")
        out.append(int(k))
    if not out or len(set(out)) != len(out):
        raise ValueError(f"n_calibration must be non-empty without repeats, got {values}.")
    return sorted(out)


def _label(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def _plan(
    subjects: np.ndarray,
    sessions: np.ndarray,
    target: Any,
    calibration_session: Any,
    test_sessions: Any,
    pool_sessions: Any,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, Any, list]:
    """Indices of the pool, the target's calibration session (in order) and its test."""
    is_target = subjects == target
    own = sorted({_label(s) for s in sessions[is_target]}, key=lambda s: (str(type(s)), s))
    cal = own[0] if calibration_session is None else calibration_session
    if cal not in own:
        raise ValueError(
            f"calibration_session={cal!r} is not a session of subject {target!r} (its "
            f"sessions: {own})."
        )
    tests = [s for s in own if s != cal] if test_sessions is None else list(test_sessions)
    if cal in tests:
        raise ValueError(
            f"test_sessions {tests} include the calibration session {cal!r}; test on other "
            "sessions."
        )
    missing = [s for s in tests if s not in own]
    if missing or not tests:
        raise ValueError(
            f"subject {target!r} has no test session{'s ' + str(missing) if missing else ''} "
            f"(its sessions: {own}, calibration session {cal!r}); record more sessions or "
            "set test_sessions."
        )
    pool = ~is_target
    if pool_sessions is not None:
        pool &= np.isin(sessions, list(pool_sessions))
    pool_idx = np.flatnonzero(pool)
    cal_idx = np.flatnonzero(is_target & (sessions == cal))
    test_idx = np.flatnonzero(is_target & np.isin(sessions, tests))
    if pool_idx.size == 0:
        raise ValueError(
            f"No pool: subject {target!r} is the only subject (with pool_sessions="
            f"{pool_sessions!r}); give data of other subjects."
        )
    return pool_idx, cal_idx, test_idx, cal, tests


def _take(X: Any, idx: np.ndarray) -> Any:
    return X[idx]


def _row(**values: Any) -> dict[str, Any]:
    row = dict.fromkeys(CALIBRATION_COLUMNS, math.nan)
    row["error"] = None
    row.update(values)
    return row


def _calibrate_target(
    strategies: dict[str, CalibrationStrategy],
    data: np.ndarray,
    y: np.ndarray,
    subjects: np.ndarray,
    sessions: np.ndarray,
    target: Any,
    ks: list[int],
    reference: str,
    calibration_session: Any,
    test_sessions: Any,
    pool_sessions: Any,
    verbose: bool,
) -> list[dict[str, Any]]:
    pool_idx, cal_idx, test_idx, cal, tests = _plan(
        subjects, sessions, target, calibration_session, test_sessions, pool_sessions
    )
    X_pool, y_pool, s_pool = _take(data, pool_idx), y[pool_idx], subjects[pool_idx]
    X_test, y_test = _take(data, test_idx), y[test_idx]
    common = dict(
        subject=_label(target),
        calibration_session=cal,
        test_sessions=" ".join(map(str, tests)),
        n_pool=pool_idx.size,
        n_test=test_idx.size,
    )
    pooled_cache: dict[Hashable, tuple[Any, float, str | None]] = {}
    rows = []
    for name, strategy in strategies.items():
        key = strategy.pool_key()
        cache_key = ("strategy", name) if key is None else ("key", key)
        if cache_key not in pooled_cache:
            start = time.perf_counter()
            try:
                pooled, error = strategy.fit_pool(X_pool, y_pool, s_pool), None
            except Exception as exc:  # recorded in every row of this strategy
                pooled, error = None, _error_text(exc)
                warnings.warn(
                    f"calibration_curve: the pool fit of strategy {name!r} failed for target "
                    f"subject {target!r}: {error}",
                    RuntimeWarning,
                    stacklevel=3,
                )
            pooled_cache[cache_key] = (pooled, time.perf_counter() - start, error)
        pooled, pretrain_seconds, pool_error = pooled_cache[cache_key]
        for k in ks:
            row = _row(strategy=name, n_calibration=k, pretrain_seconds=pretrain_seconds, **common)
            if pool_error is not None:
                row["error"] = f"pool fit failed: {pool_error}"
                rows.append(_report(row, verbose))
                continue
            if k > cal_idx.size:
                row["error"] = (
                    f"skipped: k={k} exceeds the {cal_idx.size} trials of the calibration "
                    f"session {cal!r}"
                )
                rows.append(_report(row, verbose))
                continue
            k_idx = cal_idx[:k]
            ref_idx = k_idx if reference == "calibration" else cal_idx
            row["n_reference"] = ref_idx.size
            start = time.perf_counter()
            try:
                model = strategy.fit_target(
                    copy.deepcopy(pooled) if getattr(strategy, "copy_pooled", True) else pooled,
                    _take(data, k_idx),
                    y[k_idx],
                    _take(data, ref_idx),
                    _label(target),
                )
                row["adapt_seconds"] = time.perf_counter() - start
                row["fit_seconds"] = row["pretrain_seconds"] + row["adapt_seconds"]
                start = time.perf_counter()
                y_pred = np.asarray(model.predict(X_test))
                row["predict_ms_per_trial"] = (
                    1000 * (time.perf_counter() - start) / max(1, test_idx.size)
                )
                with warnings.catch_warnings():  # e.g. kappa of a one-class test: NaN
                    warnings.simplefilter("ignore")
                    for score, func in _SCORES.items():
                        row[score] = float(func(y_test, y_pred))
            except CannotCalibrate as exc:
                row["error"] = f"skipped: {exc}"
            except Exception as exc:
                row["error"] = _error_text(exc)
                warnings.warn(
                    f"calibration_curve: strategy {name!r} failed for subject {target!r} at "
                    f"k={k}: {row['error']}",
                    RuntimeWarning,
                    stacklevel=3,
                )
            rows.append(_report(row, verbose))
    return rows


def _error_text(exc: BaseException) -> str:
    message = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__


def _report(row: dict[str, Any], verbose: bool) -> dict[str, Any]:
    if verbose:
        head = (
            f"[calibrate] subject {row['subject']}  {row['strategy']:<22} "
            f"k={row['n_calibration']:<3}"
        )
        if row["error"] is not None:
            print(f"{head}  {row['error']}", flush=True)
        else:
            print(
                f"{head}  accuracy {row['accuracy']:.3f}  kappa {row['cohen_kappa']:.3f}  "
                f"adapt {row['adapt_seconds']:.1f} s",
                flush=True,
            )
    return row


def calibration_curve(
    strategies: Mapping[str, CalibrationStrategy] | Sequence[str] | None,
    X: Any,
    y: Any,
    subjects: Any,
    sessions: Any,
    n_calibration: int | Iterable[int] = DEFAULT_N_CALIBRATION,
    *,
    targets: Iterable[Any] | None = None,
    reference: str = "calibration",
    calibration_session: Any = None,
    test_sessions: Iterable[Any] | None = None,
    pool_sessions: Iterable[Any] | None = None,
    tags: Mapping[str, Any] | None = None,
    n_jobs: int | None = 1,
    verbose: bool = False,
) -> pd.DataFrame:
    """Accuracy on a new subject against the number of its labelled calibration trials.

    Leave one subject out: for every target subject, the other subjects are the pool; the
    first ``k`` labelled trials of the target's calibration session (in the order of ``X``)
    are its calibration data, for every ``k`` in ``n_calibration``; its test sessions are the
    test. Each strategy learns from the pool once per target (``fit_pool``) and adapts to the
    target once per ``k`` (``fit_target``), then predicts the test trials.

    Where the target's trials go (never a test trial into training or a reference):

    - calibration: the first ``k`` trials of the calibration session, labelled;
    - alignment reference (``X_reference`` of the strategies): ``reference="calibration"``
      (default) uses those same ``k`` trials, so everything the target contributes is its
      ``k`` trials and alignment is impossible at ``k=0`` (such rows say so);
      ``reference="session"`` uses the whole calibration session *unlabelled* (its labels
      beyond the first ``k`` are never read), as when a new user records an unlabelled
      block first -- the same reference at every ``k``, including 0;
    - test: the target's ``test_sessions`` (default: every session after the calibration
      session).

    Parameters
    ----------
    strategies : dict of str -> CalibrationStrategy, list of str, or None
        The strategies by name; names alone pick from :func:`default_strategies`, None takes
        all six.
    X : array-like of shape (n_trials, n_channels, n_times) or mne.Epochs
        The EEG of all subjects (Epochs: all channels, in volts as stored).
    y : array-like of shape (n_trials,)
        Labels.
    subjects, sessions : array-like of shape (n_trials,)
        Subject and session of each trial. Sessions are ordered by sorting their labels.
    n_calibration : int or iterable of int, default=(0, 5, 10, 20, 40, 80)
        Numbers of calibration trials ``k``.
    targets : iterable or None, default=None
        Subjects to calibrate for (each in turn); None for all.
    reference : {"calibration", "session"}, default="calibration"
        Where the target's alignment reference comes from (see above).
    calibration_session : hashable or None, default=None
        The target's calibration session; None for its first.
    test_sessions : iterable or None, default=None
        The target's test sessions; None for all its sessions but the calibration one.
    pool_sessions : iterable or None, default=None
        Sessions of the pool subjects to train on; None for all.
    tags : dict or None, default=None
        Constant columns put first in every row (e.g. ``{"dataset": "bnci2014_004"}``).
    n_jobs : int or None, default=1
        Target subjects run in parallel by joblib (processes).
    verbose : bool, default=False
        Print one line per row as it is computed.

    Returns
    -------
    pandas.DataFrame
        One row per (target subject, strategy, k), columns: the tags, ``strategy``,
        ``subject`` (the target), ``n_calibration`` (k), ``calibration_session``,
        ``test_sessions`` (space-separated), ``n_pool``, ``n_reference`` (target trials in
        the alignment reference), ``n_test``, ``accuracy``, ``balanced_accuracy``,
        ``cohen_kappa``, ``fit_seconds`` (= ``pretrain_seconds`` + ``adapt_seconds``),
        ``pretrain_seconds`` (the pool fit, done once per target and strategy -- or once for
        strategies sharing it, e.g. pooled+align and its fine-tuning -- and repeated in each
        of its rows), ``adapt_seconds`` (the per-k adaptation), ``predict_ms_per_trial`` and
        ``error``: None, or why the row has NaN scores -- ``"skipped: ..."`` when the
        strategy cannot run with these data (e.g. scratch at k=0, a single class among the k
        trials, k beyond the calibration session), else the exception of a failure (also
        warned). Such rows are kept, never dropped. The column names match
        :func:`compare`'s where they mean the same.

    Examples
    --------
    >>> from sktime_eeg.evaluation import calibration_curve, plot_calibration_curve
    >>> table = calibration_curve(None, X, y, subjects, sessions)  # doctest: +SKIP
    >>> plot_calibration_curve(table)  # doctest: +SKIP
    """
    strategies = _check_strategies(strategies)
    ks = _check_n_calibration(n_calibration)
    if reference not in _REFERENCES:
        raise ValueError(f"reference must be one of {list(_REFERENCES)}, got {reference!r}.")
    eeg = check_eeg_data(X, keep_float64=True)
    data = eeg.data
    n = data.shape[0]
    y = check_eeg_labels(y, n, caller="calibration_curve")
    subjects = check_groups(subjects, n, "calibration_curve", what="subject label")
    sessions = check_groups(sessions, n, "calibration_curve", what="session label")
    if subjects is None or sessions is None:
        raise ValueError("calibration_curve needs the subject and the session of every trial.")
    all_subjects = [_label(s) for s in np.unique(subjects)]
    if len(all_subjects) < 2:
        raise ValueError(
            f"calibration_curve needs at least two subjects (a target and a pool), got "
            f"{all_subjects}."
        )
    targets = all_subjects if targets is None else [_label(t) for t in targets]
    unknown = [t for t in targets if t not in all_subjects]
    if unknown:
        raise ValueError(f"targets {unknown} are not among the subjects {all_subjects}.")
    tags = dict(tags or {})
    clash = set(tags) & set(CALIBRATION_COLUMNS)
    if clash:
        raise ValueError(f"tags {sorted(clash)} clash with result columns; rename them.")
    args = (
        strategies,
        data,
        y,
        subjects,
        sessions,
    )
    kwargs = dict(
        ks=ks,
        reference=reference,
        calibration_session=calibration_session,
        test_sessions=None if test_sessions is None else list(test_sessions),
        pool_sessions=None if pool_sessions is None else list(pool_sessions),
        verbose=verbose,
    )
    if n_jobs in (None, 1) or len(targets) == 1:
        per_target = [_calibrate_target(*args, target=t, **kwargs) for t in targets]
    else:
        from joblib import Parallel, delayed

        per_target = Parallel(n_jobs=n_jobs)(
            delayed(_calibrate_target)(*args, target=t, **kwargs) for t in targets
        )
    rows = [{**tags, **row} for chunk in per_target for row in chunk]
    table = pd.DataFrame(rows, columns=[*tags, *CALIBRATION_COLUMNS])
    for column in [*_SCORES, "fit_seconds", "pretrain_seconds", "adapt_seconds"]:
        table[column] = table[column].astype(float)
    table["predict_ms_per_trial"] = table["predict_ms_per_trial"].astype(float)
    table["n_reference"] = table["n_reference"].astype(float)
    table["error"] = table["error"].astype(object).where(table["error"].notna(), None)
    return table


def _summary(results: pd.DataFrame, score: str, confidence: float) -> pd.DataFrame:
    """Mean, t-interval and number of subjects per (strategy, k), NaN rows left out."""
    from scipy import stats

    valid = results[results[score].notna()]
    per_subject = valid.groupby(["strategy", "n_calibration", "subject"], sort=False)[score].mean()
    grouped = per_subject.groupby(level=["strategy", "n_calibration"], sort=False)
    out = grouped.agg(["mean", "std", "count"]).reset_index()
    sem = out["std"] / np.sqrt(out["count"])
    half = stats.t.ppf(0.5 + confidence / 2, np.maximum(out["count"] - 1, 1)) * sem
    half[out["count"] < 2] = np.nan
    out["low"], out["high"] = out["mean"] - half, out["mean"] + half
    return out


def plot_calibration_curve(
    results: pd.DataFrame,
    *,
    score: str = "accuracy",
    ax: Any = None,
    confidence: float = 0.95,
    reference: float | Mapping[str, float] | None = None,
    strategies: Sequence[str] | None = None,
) -> Any:
    """Plot the mean score across subjects against the number of calibration trials.

    Parameters
    ----------
    results : pandas.DataFrame
        The table of :func:`calibration_curve` (or the same columns from saved results).
    score : str, default="accuracy"
        Column to plot.
    ax : matplotlib.axes.Axes or None, default=None
        Where to draw; None for a new figure.
    confidence : float, default=0.95
        Level of the band: a t-interval of the mean across subjects (scipy.stats.t; no band
        with fewer than two subjects). Rows with NaN scores (skipped strategies) are left
        out, so a strategy's line starts at the first k where it runs.
    reference : float, dict of label -> float, or None
        Horizontal dashed line(s), e.g. the within-subject model's mean accuracy.
    strategies : sequence of str or None
        Which strategies to draw, in this order; None for all.

    Returns
    -------
    matplotlib.axes.Axes
    """
    import matplotlib.pyplot as plt

    if score not in results.columns:
        raise ValueError(f"score {score!r} is not a column of results ({list(results.columns)}).")
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 4.5))
    summary = _summary(results, score, confidence)
    names = list(dict.fromkeys(results["strategy"])) if strategies is None else list(strategies)
    for name in names:
        part = summary[summary["strategy"] == name].sort_values("n_calibration")
        if part.empty:
            continue
        (line,) = ax.plot(part["n_calibration"], part["mean"], marker="o", label=name)
        ax.fill_between(
            part["n_calibration"], part["low"], part["high"], color=line.get_color(), alpha=0.15
        )
    if reference is not None:
        refs = reference if isinstance(reference, Mapping) else {"reference": reference}
        for label, value in refs.items():
            ax.axhline(value, color="k", linestyle="--", linewidth=1, label=label)
    ks = sorted(results["n_calibration"].unique())
    ax.set_xscale("symlog", linthresh=max(1, min([k for k in ks if k > 0], default=1)))
    ax.set_xticks(ks)
    ax.set_xticklabels([str(k) for k in ks])
    ax.set_xlabel("calibration trials of the new subject (k)")
    n_subjects = results["subject"].nunique()
    ax.set_ylabel(f"{score} (mean over {n_subjects} subjects, {confidence:.0%} CI)")
    ax.legend(fontsize="small")
    ax.grid(alpha=0.3)
    return ax


def trials_to_reach(
    results: pd.DataFrame, target: float | Mapping[Any, float], *, score: str = "accuracy"
) -> pd.Series:
    """The fewest calibration trials with which each strategy reaches ``target``.

    Parameters
    ----------
    results : pandas.DataFrame
        The table of :func:`calibration_curve`.
    target : float or dict of subject -> float
        A score to reach on average over subjects, or one per subject (e.g. each subject's
        within-subject accuracy; then the mean of the per-subject differences must be >= 0).
    score : str, default="accuracy"
        Column compared.

    Returns
    -------
    pandas.Series
        Strategy -> smallest k whose mean (over the subjects with a score at that k) reaches
        the target (equal counts, up to float rounding); NaN when no k does.
    """
    valid = results[results[score].notna()].copy()
    if isinstance(target, Mapping):
        valid["_gap"] = valid[score] - valid["subject"].map(target)
    else:
        valid["_gap"] = valid[score] - float(target)
    means = valid.groupby(["strategy", "n_calibration"])["_gap"].mean()
    out = {}
    for name in dict.fromkeys(results["strategy"]):
        if name not in means.index.get_level_values(0):
            out[name] = math.nan
            continue
        # Equal scores reach the target: accuracies of the same trial counts summed in
        # another order differ by float rounding (~1e-16), not by a trial.
        reached = means.loc[name][means.loc[name] >= -1e-9]
        out[name] = float(reached.index.min()) if len(reached) else math.nan
    return pd.Series(out, name=f"trials_to_reach_{score}")
