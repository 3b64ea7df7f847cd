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
import functools
import json
import math
import os
import time
import warnings
from collections.abc import Hashable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.metrics import accuracy_score, balanced_accuracy_score, cohen_kappa_score

from .._validation import check_eeg_data, check_eeg_labels, check_groups
from ._fingerprint import canonical_params, canonical_text, fingerprint, fingerprint_data
from ._store import FINGERPRINT_COLUMNS, ResultsStore, ResumeError

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
    "calibration_statistics",
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
        # canonical_params, not repr: scikit-learn elides the middle of a long repr, so two
        # estimators differing there would share one pool fit.
        params = json.dumps(canonical_params(self.estimator), sort_keys=True)
        return ("aligned", params, self.shrinkage)

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
        known = [_label(s) for s in pd.unique(sessions)]
        unknown = [s for s in pool_sessions if s not in known]
        if unknown:
            raise ValueError(
                f"pool_sessions {unknown} are not sessions of the data (its sessions: {known}); "
                "pass labels of the sessions array, of the same type."
            )
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
    done: frozenset = frozenset(),
    on_row: Any = None,
) -> list[dict[str, Any]]:
    """The rows of one target subject, but those whose (strategy, k) is in ``done``; each
    row is passed to ``on_row`` (when given) as soon as it is complete."""
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

    def finish(row: dict[str, Any]) -> None:
        _report(row, verbose)
        if on_row is not None:
            on_row(row)
        rows.append(row)

    for name, strategy in strategies.items():
        todo = [k for k in ks if (name, k) not in done]
        if not todo:  # every row of this strategy is reused: no pool fit
            continue
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
        for k in todo:
            row = _row(strategy=name, n_calibration=k, pretrain_seconds=pretrain_seconds, **common)
            if pool_error is not None:
                row["error"] = f"pool fit failed: {pool_error}"
                row["_failed"] = True
                finish(row)
                continue
            if k > cal_idx.size:
                row["error"] = (
                    f"skipped: k={k} exceeds the {cal_idx.size} trials of the calibration "
                    f"session {cal!r}"
                )
                finish(row)
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
                row["_failed"] = True
                warnings.warn(
                    f"calibration_curve: strategy {name!r} failed for subject {target!r} at "
                    f"k={k}: {row['error']}",
                    RuntimeWarning,
                    stacklevel=3,
                )
            finish(row)
    return rows


# -- fingerprints and the results store -----------------------------------------------------
#: Column of the result file (not of the returned table) that is "1" for a row whose strategy
#: failed (an exception, rerun on resume); "" for results and skipped rows (kept on resume).
_FAILED_COLUMN = "failed"
_WHAT = {
    "the data differ (X, y or groups)": "the data differ (X, y, subjects or sessions)",
    "the folds differ (another cv, number of splits or random_state)": (
        "the protocol differs (other calibration, reference, test or pool trials: "
        "reference=, calibration_session=, test_sessions= or pool_sessions=)"
    ),
}


def _strategy_params(strategy: Any) -> dict[str, str]:
    """The settings of a calibration strategy as canonical texts (what its rows are keyed by).

    Parameters
    ----------
    strategy : CalibrationStrategy
        With ``get_params`` (scikit-learn style), its :func:`canonical_params`; otherwise its
        class and its public instance attributes (names not starting with ``_``), each as
        :func:`canonical_text` gives it (no memory addresses); an estimator attribute by its
        class, and its :func:`canonical_params` as ``attribute__param``. Equal settings give
        equal texts in every process.

    Returns
    -------
    dict of {str: str}
    """
    if hasattr(strategy, "get_params"):
        return canonical_params(strategy)
    params = {k: v for k, v in vars(strategy).items() if not k.startswith("_")}
    cls = type(strategy)
    out = {"<class>": f"{cls.__module__}.{cls.__qualname__}"}
    for name in sorted(params):
        value = params[name]
        if hasattr(value, "get_params") and not isinstance(value, type):
            # an estimator: its parameters one by one, so a refusal names the one that differs
            nested = canonical_params(value)
            out[name] = nested.pop("<class>")
            out.update({f"{name}__{key}": text for key, text in nested.items()})
        else:
            out[name] = canonical_text(value)
    return out


def _version() -> str:
    from .. import __version__

    return __version__


def _stamps(
    strategies: Mapping[str, CalibrationStrategy],
    data: np.ndarray,
    y: np.ndarray,
    subjects: np.ndarray,
    sessions: np.ndarray,
    plans: Mapping[Any, tuple],
    ks: list[int],
    reference: str,
) -> dict[tuple[Any, str, int], dict[str, str]]:
    """The fingerprint columns of every (target, strategy, k) row."""
    from ._fingerprint import fingerprint_folds

    data_fp = fingerprint(fingerprint_data(data, y, subjects), fingerprint_data(sessions))
    scoring = ",".join(_SCORES)
    version = _version()
    params = {
        name: json.dumps(_strategy_params(s), sort_keys=True, separators=(",", ":"))
        for name, s in strategies.items()
    }
    out = {}
    for target, (pool_idx, cal_idx, test_idx, _, _) in plans.items():
        for k in ks:
            k_idx = cal_idx[:k]
            ref_idx = k_idx if reference == "calibration" else cal_idx
            # The layout: pool, calibration, reference and test trials, by index.
            layout = fingerprint_folds([(pool_idx, k_idx), (ref_idx, test_idx)])
            for name in strategies:
                stamp = {
                    "data_fingerprint": data_fp,
                    "folds_fingerprint": layout,
                    "scoring": scoring,
                    "params": params[name],
                    "version": version,
                }
                stamp["fingerprint"] = fingerprint(name, str(target), str(k), *stamp.values())
                out[target, name, k] = stamp
    return out


def _open_store(
    out: str | os.PathLike, tags: Mapping[str, Any], expected: list[dict[str, Any]]
) -> tuple[ResultsStore, pd.DataFrame]:
    """Open ``out`` (checked writable, torn last row cut) and return its reusable rows."""
    columns = [*tags, *CALIBRATION_COLUMNS, *FINGERPRINT_COLUMNS, _FAILED_COLUMN]
    store = ResultsStore(
        out,
        columns,
        group=list(tags),
        task=("subject", "strategy", "n_calibration"),
        shared=("data_fingerprint", "scoring", "version"),
        error=_FAILED_COLUMN,
    )
    store.open()
    try:
        previous = store.resume(expected)
    except ResumeError as exc:
        differences = [_WHAT.get(d, d) for d in exc.differences]
        message = str(exc)
        for before, after in _WHAT.items():
            message = message.replace(before, after)
        exc.differences = differences
        exc.args = (message,)
        raise
    return store, previous


def _reused_row(record: Mapping[str, Any], common: Mapping[str, Any]) -> dict[str, Any]:
    """A row read back from the file, with this run's labels for subject and sessions."""
    row = _row(**common)
    for column in ("n_reference", *_SCORES, "fit_seconds", "pretrain_seconds"):
        row[column] = record[column]
    row["adapt_seconds"] = record["adapt_seconds"]
    row["predict_ms_per_trial"] = record["predict_ms_per_trial"]
    row["error"] = None if pd.isna(record["error"]) else str(record["error"])
    return row


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
    out: str | os.PathLike | None = None,
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
    out : str, path-like or None, default=None
        A result file (CSV) written through :class:`ResultsStore`, as :func:`compare`'s
        ``out=``: checked writable before the first fit, each row appended (and synced) as
        soon as it exists, a row cut short by a crash dropped. Rows of the file whose
        (tags, subject, strategy, k) and fingerprints -- the data (X, y, subjects, sessions),
        the protocol layout (the pool, calibration, reference and test trials by index), the
        metrics, the strategy's settings (``get_params`` of a scikit-learn-like
        strategy, else its class and public attributes, estimators with all their
        parameters as ``name__param``) and the package version --
        equal this run's are reused, not recomputed (a target whose rows are all reused gets
        no pool fit); rows of a failed strategy (an exception, not a skip) are rerun. A file
        holding rows of another run (other data, other settings of a strategy under the same
        name, ...) is refused with :class:`ResumeError` naming what differs. Besides the
        table's columns the file has a ``failed`` column ("1" for a failed row). Other
        ``n_calibration`` values or strategies may be added to a file.
    n_jobs : int or None, default=1
        Target subjects run in parallel by joblib (processes); with ``out``, a target's rows
        are appended when the target is done.
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
        warned). Such rows are kept, never dropped. Then the :data:`FINGERPRINT_COLUMNS`
        (``folds_fingerprint`` is the protocol layout of the row's target and k, ``params``
        the strategy's settings as canonical JSON). The column names match :func:`compare`'s
        where they mean the same. Rows are in the order targets, strategies, k, resumed or
        not; resumed rows hold the numbers of the file exactly.

    Raises
    ------
    ResumeError
        ``out`` holds rows of another run.

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
    plans = {
        t: _plan(subjects, sessions, t, calibration_session, test_sessions, pool_sessions)
        for t in targets
    }  # every protocol error is raised here, before any fit
    stamps = _stamps(strategies, data, y, subjects, sessions, plans, ks, reference)
    store, reused = None, {}
    if out is not None:
        expected = [
            {**tags, "subject": t, "strategy": name, "n_calibration": k, **stamps[t, name, k]}
            for t in targets
            for name in strategies
            for k in ks
        ]
        store, previous = _open_store(out, tags, expected)
        reused = {r["fingerprint"]: r for r in previous.to_dict("records")}
        if verbose and reused:
            print(
                f"[calibrate] {len(reused)} of {len(expected)} row(s) reused from {out} (their "
                "fingerprints match this run)",
                flush=True,
            )
    done = {
        t: frozenset(
            (name, k)
            for name in strategies
            for k in ks
            if stamps[t, name, k]["fingerprint"] in reused
        )
        for t in targets
    }

    def save(target: Any, row: dict[str, Any]) -> None:
        if store is not None:
            stamp = stamps[target, row["strategy"], row["n_calibration"]]
            failed = "1" if row.get("_failed") else ""
            store.append({**tags, **row, **stamp, _FAILED_COLUMN: failed})

    kwargs = dict(
        ks=ks,
        reference=reference,
        calibration_session=calibration_session,
        test_sessions=None if test_sessions is None else list(test_sessions),
        pool_sessions=None if pool_sessions is None else list(pool_sessions),
        verbose=verbose,
    )
    args = (strategies, data, y, subjects, sessions)
    todo = [t for t in targets if len(done[t]) < len(strategies) * len(ks)]
    new: dict[Any, list[dict[str, Any]]] = {}
    try:
        if n_jobs in (None, 1) or len(todo) <= 1:
            for t in todo:
                new[t] = _calibrate_target(
                    *args, target=t, done=done[t], on_row=functools.partial(save, t), **kwargs
                )
        else:
            from joblib import Parallel, delayed

            # Rows are appended in this process, one target's rows as soon as they come back.
            chunks = Parallel(n_jobs=n_jobs, return_as="generator")(
                delayed(_calibrate_target)(*args, target=t, done=done[t], **kwargs) for t in todo
            )
            for t, chunk in zip(todo, chunks, strict=True):
                for row in chunk:
                    save(t, row)
                new[t] = chunk
    finally:
        if store is not None:
            store.close()  # the file is free for other processes again
    rows = []
    for t in targets:
        computed = {(r["strategy"], r["n_calibration"]): r for r in new.get(t, [])}
        _, cal_idx, test_idx, cal, tests = plans[t]
        for name in strategies:
            for k in ks:
                stamp = stamps[t, name, k]
                if (name, k) in computed:
                    row = computed[name, k]
                else:
                    common = dict(
                        strategy=name,
                        subject=_label(t),
                        n_calibration=k,
                        calibration_session=cal,
                        test_sessions=" ".join(map(str, tests)),
                        n_pool=plans[t][0].size,
                        n_test=test_idx.size,
                    )
                    row = _reused_row(reused[stamp["fingerprint"]], common)
                rows.append({**tags, **row, **stamp})
    table = pd.DataFrame(rows, columns=[*tags, *CALIBRATION_COLUMNS, *FINGERPRINT_COLUMNS])
    for column in [*_SCORES, "fit_seconds", "pretrain_seconds", "adapt_seconds"]:
        table[column] = table[column].astype(float)
    table["predict_ms_per_trial"] = table["predict_ms_per_trial"].astype(float)
    table["n_reference"] = table["n_reference"].astype(float)
    table["error"] = table["error"].astype(object).where(table["error"].notna(), None)
    return table


def calibration_statistics(
    results: pd.DataFrame,
    *,
    n_calibration: int | None = None,
    baseline: str = "pooled",
    strategies: Sequence[str] | None = None,
    metric: str | Sequence[str] = "accuracy",
    **kwargs: Any,
) -> pd.DataFrame:
    """Paired statistics of the strategies at one ``k``, by :func:`paired_comparison`.

    Takes the rows of :func:`calibration_curve`'s table (or of its ``out`` file, read by
    :func:`read_results`) with ``n_calibration == k``, leaves out the skipped rows (a strategy
    that cannot run at this ``k``; their scores are NaN by design), names the ``strategy``
    column ``model`` and compares every strategy with ``baseline``, paired by target subject
    (and per ``dataset`` tag, when the table has one). The statistics are
    :func:`paired_comparison`'s, unchanged; failed rows (an exception) are left out by it with
    a warning.

    Parameters
    ----------
    results : pandas.DataFrame
        The calibration table.
    n_calibration : int or None, default=None
        The ``k`` to compare at; None for the largest in the table.
    baseline : str, default="pooled"
        The strategy every other one is compared with.
    strategies : sequence of str or None, default=None
        The strategies to compare with ``baseline``; None for all that have scores at ``k``.
    metric : str or sequence of str, default="accuracy"
        Score column(s).
    **kwargs
        Passed to :func:`paired_comparison` (``margin``, ``times``, ``n_permutations``,
        ``random_state``, ...).

    Returns
    -------
    pandas.DataFrame
        :func:`paired_comparison`'s table (``model`` holds the strategy names), with a first
        column ``n_calibration``.

    Raises
    ------
    ValueError
        ``k`` is not in the table, or ``baseline`` has no scores at ``k``.

    Examples
    --------
    >>> stats = calibration_statistics(table, n_calibration=40)  # doctest: +SKIP
    >>> for sentence in format_comparisons(stats):  # doctest: +SKIP
    ...     print(sentence)
    """
    from ._stats import paired_comparison

    ks = sorted(int(k) for k in pd.unique(results["n_calibration"]))
    k = ks[-1] if n_calibration is None and ks else n_calibration
    if k not in ks:
        raise ValueError(
            f"n_calibration={k!r} is not in the table (its k: {ks}); pass one of them."
        )
    error = results["error"].astype(object)
    skipped = error.notna() & error.astype(str).str.startswith("skipped:")
    rows = results[(results["n_calibration"] == k) & ~skipped]
    available = list(dict.fromkeys(rows["strategy"]))
    if baseline not in available:
        raise ValueError(
            f"baseline {baseline!r} has no scores at k={k} (strategies with scores there: "
            f"{available}); pass another baseline= or n_calibration=."
        )
    models = [s for s in available if s != baseline] if strategies is None else list(strategies)
    table = rows.drop(columns=["model"], errors="ignore").rename(columns={"strategy": "model"})
    stats = paired_comparison(
        table, baseline=baseline, models=models, metric=metric, subject="subject", **kwargs
    )
    stats.insert(0, "n_calibration", k)
    return stats


def _units(results: pd.DataFrame) -> list[str]:
    """The columns naming one subject: its ``dataset`` tag (when present) and ``subject``."""
    return ["dataset", "subject"] if "dataset" in results else ["subject"]


def _summary(results: pd.DataFrame, score: str, confidence: float) -> pd.DataFrame:
    """Mean, t-interval and number of subjects per (strategy, k), NaN rows left out.

    A subject is a ``subject`` of a ``dataset`` (when the table has that tag): subject 1 of
    two datasets is two subjects.
    """
    from scipy import stats

    valid = results[results[score].notna()]
    keys = ["strategy", "n_calibration", *_units(results)]
    per_subject = valid.groupby(keys, sort=False)[score].mean()
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
        out, so a strategy's line starts at the first k where it runs; a point averaged over
        fewer subjects than the table has (e.g. k beyond some subjects' calibration
        sessions) is warned about. A subject is a ``subject`` of a ``dataset`` tag, when the
        table has one.
    reference : float, dict of label -> float, or None
        Horizontal dashed line(s), e.g. the within-subject model's mean accuracy.
    strategies : sequence of str or None
        Which strategies to draw, in this order; None for all.

    Returns
    -------
    matplotlib.axes.Axes
        With a line per strategy; when no row has a score (all skipped or failed), a note
        saying so instead of lines.

    Raises
    ------
    ValueError
        If ``score`` is not a column, or a name in ``strategies`` is not in ``results``.
    """
    import matplotlib.pyplot as plt

    if score not in results.columns:
        raise ValueError(f"score {score!r} is not a column of results ({list(results.columns)}).")
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 4.5))
    available = list(dict.fromkeys(results["strategy"]))
    names = available if strategies is None else list(strategies)
    unknown = [name for name in names if name not in available]
    if unknown:
        raise ValueError(f"strategies {unknown} are not in results; it has {available}.")
    summary = _summary(results, score, confidence)
    n_subjects = len(results[_units(results)].drop_duplicates())
    shown = summary[summary["strategy"].isin(names)]
    fewer = shown[shown["count"] < n_subjects]
    if len(fewer):
        where = ", ".join(
            f"{name!r} k={k}: {n}"
            for name, k, n in fewer[["strategy", "n_calibration", "count"]].itertuples(index=False)
        )
        warnings.warn(
            f"plot_calibration_curve: some points are means over fewer than the {n_subjects} "
            f"subjects ({where}; the others' rows at that k were skipped or failed), so a change "
            "along a line may come from which subjects are averaged. Their reasons are in the "
            "'error' column; plot results restricted to the subjects with every k for a "
            "like-for-like curve.",
            UserWarning,
            stacklevel=2,
        )
    drawn = 0
    for name in names:
        part = summary[summary["strategy"] == name].sort_values("n_calibration")
        if part.empty:
            continue
        (line,) = ax.plot(part["n_calibration"], part["mean"], marker="o", label=name)
        ax.fill_between(
            part["n_calibration"], part["low"], part["high"], color=line.get_color(), alpha=0.15
        )
        drawn += 1
    if not drawn:  # every row skipped or failed: say so on the figure, not with an empty plot
        ax.text(
            0.5,
            0.5,
            f"no {score} to plot: every row of {names} was skipped or failed\n"
            "(the reason is in the results' 'error' column)",
            ha="center",
            va="center",
            transform=ax.transAxes,
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
    over = "the subjects with a score at each k" if len(fewer) else f"{n_subjects} subjects"
    ax.set_ylabel(f"{score} (mean over {over}, {confidence:.0%} CI)")
    if drawn or reference is not None:
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
        A dict needs a key for every subject with a score (else a ``ValueError``).
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
        lacking = [_label(t) for t in pd.unique(valid["subject"]) if t not in target]
        if lacking:
            raise ValueError(
                f"trials_to_reach: target has no score for subject(s) {lacking} (its keys: "
                f"{list(target)}); give one per subject, keyed by the labels of the results' "
                "'subject' column (the same type: 1 and '1' differ)."
            )
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
