"""``compare``: cross-validate several estimators on the same folds into one tidy table."""

from __future__ import annotations

import json
import math
import os
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from sklearn.base import clone
from sklearn.metrics import (
    accuracy_score,
    balanced_accuracy_score,
    cohen_kappa_score,
    f1_score,
    get_scorer,
)
from sklearn.model_selection import check_cv
from sklearn.utils import _safe_indexing

from .._validation import (
    check_eeg_data,
    check_eeg_labels,
    check_groups,
    epochs_from_list,
    is_epochs,
)
from ._fingerprint import (
    canonical_params,
    canonical_text,
    fingerprint,
    fingerprint_data,
    fingerprint_folds,
)
from ._store import FINGERPRINT_COLUMNS, ResultsStore

__all__ = ["DEFAULT_SCORING", "compare"]

#: Metrics computed from the predicted labels (one ``predict`` call per fold serves them all).
_LABEL_METRICS: dict[str, Callable[[np.ndarray, np.ndarray], float]] = {
    "accuracy": accuracy_score,
    "balanced_accuracy": balanced_accuracy_score,
    "cohen_kappa": cohen_kappa_score,
    "f1_macro": lambda y_true, y_pred: f1_score(y_true, y_pred, average="macro"),
}

DEFAULT_SCORING = ("accuracy", "balanced_accuracy", "cohen_kappa")

_FOLD_COLUMNS = ("model", "fold", "test_groups", "n_train", "n_test")
_TIMING_COLUMNS = ("fit_seconds", "predict_ms_per_trial", "n_parameters", "error")
#: Trials whose finiteness is checked per block (no copy of the whole data).
_CHECK_BLOCK_VALUES = 1 << 20


# -- helpers that run inside the workers -------------------------------------------------------
def _take(X: Any, indices: np.ndarray) -> Any:
    """Trials ``indices`` of X: ``epochs[idx]`` for Epochs, row indexing otherwise."""
    if is_epochs(X):
        return X[indices]
    return _safe_indexing(X, indices)


def _n_parameters(estimator: Any) -> float:
    """Trainable size of a fitted torch-based estimator (also as a Pipeline step), else NaN."""
    steps = [step for _, step in getattr(estimator, "steps", [])] or [estimator]
    for step in reversed(steps):
        net = getattr(step, "net_", None)
        module = getattr(net, "module_", None)
        if module is not None and hasattr(module, "parameters"):
            return float(sum(p.numel() for p in module.parameters()))
    return math.nan


def _fit_and_score(
    name: str,
    estimator: Any,
    X: Any,
    y: np.ndarray,
    train: np.ndarray,
    test: np.ndarray,
    fold: int,
    test_groups: str,
    scorers: Mapping[str, Any],
) -> dict[str, Any]:
    """Fit a clone on ``train``, score on ``test``; errors are recorded, not raised."""
    row: dict[str, Any] = {
        "model": name,
        "fold": fold,
        "test_groups": test_groups,
        "n_train": int(train.size),
        "n_test": int(test.size),
        **{metric: math.nan for metric in scorers},
        "fit_seconds": math.nan,
        "predict_ms_per_trial": math.nan,
        "n_parameters": math.nan,
        "error": None,
    }
    try:
        model = clone(estimator)
        X_train, X_test = _take(X, train), _take(X, test)
        y_train, y_test = y[train], y[test]
        start = time.perf_counter()
        model.fit(X_train, y_train)
        row["fit_seconds"] = time.perf_counter() - start
        start = time.perf_counter()
        y_pred = model.predict(X_test)
        row["predict_ms_per_trial"] = (time.perf_counter() - start) * 1e3 / test.size
        y_pred = _check_predictions(model, X_test, y_pred, y_train)
        for metric, scorer in scorers.items():
            if isinstance(scorer, str):
                row[metric] = float(_LABEL_METRICS[scorer](y_test, y_pred))
            else:
                row[metric] = float(scorer(model, X_test, y_test))
        row["n_parameters"] = _n_parameters(model)
    except Exception as exc:  # noqa: BLE001 - recorded in the table, the run goes on
        message = " ".join(str(exc).split())
        row["error"] = f"{type(exc).__name__}: {message}" if message else type(exc).__name__
    return row


def _check_predictions(model: Any, X_test: Any, y_pred: Any, y_train: np.ndarray) -> np.ndarray:
    """Refuse predictions that cannot be scored: a fold is a success only with usable outputs.

    A network whose training diverged can output NaN probabilities, whose ``argmax`` is still
    a valid-looking label; such a fold must be recorded as failed, never scored.
    """
    y_pred = np.asarray(y_pred)
    n_test = _num_trials_of(X_test)
    if y_pred.shape != (n_test,):
        raise ValueError(
            f"predict returned an array of shape {y_pred.shape} for {n_test} test trials; "
            f"it must return one label per trial, shape ({n_test},)."
        )
    if y_pred.dtype.kind in "fc" and not np.isfinite(y_pred).all():
        raise ValueError(
            f"predict returned NaN or infinite labels for {int((~np.isfinite(y_pred)).sum())} "
            f"of {n_test} test trials; the fold is not scored. Check the model's training "
            "(did it diverge? try a lower learning rate or standardized input)."
        )
    unseen = np.setdiff1d(np.unique(y_pred), np.unique(y_train))
    if unseen.size:
        raise ValueError(
            f"predict returned label(s) {unseen.tolist()[:5]} that are not classes of the "
            "training fold; the fold is not scored."
        )
    if hasattr(model, "predict_proba"):
        proba = np.asarray(model.predict_proba(X_test), dtype=float)
        bad = ~np.isfinite(proba).reshape(len(proba), -1).all(axis=1)
        if bad.any():
            raise ValueError(
                f"predict_proba returned NaN or infinite values for {int(bad.sum())} of "
                f"{n_test} test trials, so its predictions are not usable and the fold is not "
                "scored. Did training diverge? Try a lower learning rate or standardized input."
            )
    return y_pred


def _num_trials_of(X: Any) -> int:
    return len(X) if is_epochs(X) else int(np.shape(X)[0]) if hasattr(X, "shape") else len(X)


# -- input checks ----------------------------------------------------------------------------
def _check_X(X: Any) -> tuple[Any, int]:
    """X ready for indexing by trial and its number of trials, without copying arrays.

    Lists of Epochs are joined into one (trial indices then count trials, not list items).
    Arrays are checked for dimensions and NaN / inf block by block; anything unusual goes
    through :func:`check_eeg_data` for its error message.
    """
    X = epochs_from_list(X)
    if is_epochs(X):
        data = X.get_data(copy=False)
    else:
        if not isinstance(X, np.ndarray) and not hasattr(X, "iloc"):
            X = np.asarray(X) if not isinstance(X, (str, bytes)) else X
        data = np.asarray(X) if hasattr(X, "iloc") else X
    if (
        not isinstance(data, np.ndarray)
        or data.dtype.kind not in "biuf"
        or data.ndim not in (2, 3)
        or 0 in data.shape
    ):
        check_eeg_data(X)  # raises with the reason (non-numeric, 1D, empty, ...)
    if data.dtype.kind == "f":
        step = max(1, _CHECK_BLOCK_VALUES // max(1, data[:1].size))
        for start in range(0, len(data), step):
            if not np.isfinite(data[start : start + step]).all():
                check_eeg_data(X)  # raises the NaN / inf error (a copy, on this path only)
    return X, int(data.shape[0])


def _check_n_jobs(n_jobs: Any) -> None:
    if n_jobs is None:
        return
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, (int, np.integer)) or n_jobs == 0:
        raise ValueError(
            f"n_jobs={n_jobs!r} runs no fit; pass a positive number of parallel fits, -1 for "
            "all cores (-2 for all but one, ...), or None for joblib's default."
        )


def _check_estimators(estimators: Any) -> dict[str, Any]:
    if not isinstance(estimators, Mapping) or len(estimators) == 0:
        raise TypeError(
            "estimators must be a non-empty dict {name: estimator}, e.g. "
            "{'conv2d': Conv2DEEGClassifier(), 'csp-lda': make_csp_lda()}; got "
            f"{type(estimators).__name__}."
        )
    for name, estimator in estimators.items():
        if not isinstance(name, str) or not name:
            raise TypeError(f"Estimator names must be non-empty strings, got {name!r}.")
        if isinstance(estimator, type) or not (
            hasattr(estimator, "fit") and hasattr(estimator, "predict")
        ):
            raise TypeError(
                f"estimators[{name!r}] is a {type(estimator).__name__}, not an estimator with "
                "fit and predict; pass an instance, e.g. Conv2DEEGClassifier()."
            )
    return dict(estimators)


def _check_scoring(scoring: Any) -> dict[str, Any]:
    if isinstance(scoring, str):
        scoring = [scoring]
    if isinstance(scoring, Mapping):
        items = list(scoring.items())
    elif isinstance(scoring, Iterable):
        items = [(name, name) for name in scoring]
    else:
        raise TypeError(
            "scoring must be a metric name, a list of names or a dict {column: scorer}; got "
            f"{scoring!r}."
        )
    if not items:
        raise ValueError("scoring is empty; name at least one metric, e.g. 'accuracy'.")
    reserved = set(_FOLD_COLUMNS) | set(_TIMING_COLUMNS) | set(FINGERPRINT_COLUMNS)
    scorers: dict[str, Any] = {}
    for column, scorer in items:
        if column in reserved:
            raise ValueError(
                f"Metric column {column!r} clashes with a column of the results; name it "
                f"otherwise with a dict, e.g. scoring={{'{column}_score': {column!r}}}."
            )
        if isinstance(scorer, str):
            if scorer in _LABEL_METRICS:
                scorers[column] = scorer
                continue
            try:
                scorer = get_scorer(scorer)
            except ValueError:
                raise ValueError(
                    f"Unknown metric {scorer!r}. Use one of {sorted(_LABEL_METRICS)}, a "
                    "scikit-learn scorer name (sklearn.metrics.get_scorer_names()), or a "
                    "callable scorer(estimator, X, y)."
                ) from None
        if not callable(scorer):
            raise TypeError(f"scoring[{column!r}] is not callable: {scorer!r}.")
        scorers[column] = scorer
    return scorers


def _check_groups(groups: Any, X: Any, n_trials: int) -> np.ndarray | None:
    """Group labels: an array, or metadata column name(s) of Epochs."""
    if groups is None:
        return None
    metadata = getattr(X, "metadata", None) if is_epochs(X) else None
    names = None
    if isinstance(groups, str):
        names = [groups]
    elif (
        metadata is not None
        and isinstance(groups, (list, tuple))
        and 0 < len(groups) < n_trials
        and all(isinstance(g, str) and g in metadata.columns for g in groups)
    ):
        names = list(groups)
    if names is not None:
        if metadata is None:
            raise ValueError(
                f"groups={groups!r} names a metadata column, which needs X to be mne.Epochs "
                "with metadata; otherwise pass one group label per trial."
            )
        missing = [c for c in names if c not in metadata.columns]
        if missing:
            raise ValueError(
                f"groups: column(s) {missing} not in epochs.metadata; its columns are "
                f"{list(metadata.columns)}."
            )
        values = metadata[names].astype(str)
        return values.agg("/".join, axis=1).to_numpy()
    return check_groups(groups, n_trials)


def _group_label(groups: np.ndarray | None, test: np.ndarray) -> str:
    if groups is None:
        return ""
    return "+".join(str(g) for g in pd.unique(groups[test]))


# -- fingerprints ----------------------------------------------------------------------------
def _scoring_text(scorers: Mapping[str, Any]) -> str:
    """The metrics by name, e.g. ``"accuracy,cohen_kappa"`` or ``"auc=roc_auc,..."``."""
    parts = []
    for column, scorer in scorers.items():
        name = scorer if isinstance(scorer, str) else canonical_text(scorer)
        parts.append(column if name == column else f"{column}={name}")
    return ",".join(parts)


def _version() -> str:
    from .. import __version__

    return __version__


def _fingerprints(
    estimators: Mapping[str, Any],
    X: Any,
    y: np.ndarray,
    groups: np.ndarray | None,
    folds: Sequence[tuple[np.ndarray, np.ndarray]],
    scorers: Mapping[str, Any],
) -> dict[str, dict[str, str]]:
    """The :data:`FINGERPRINT_COLUMNS` of every estimator's rows, by estimator name."""
    shared = {
        "data_fingerprint": fingerprint_data(X, y, groups),
        "folds_fingerprint": fingerprint_folds(folds),
        "scoring": _scoring_text(scorers),
        "version": _version(),
    }
    result = {}
    for name, estimator in estimators.items():
        params = json.dumps(canonical_params(estimator), sort_keys=True, separators=(",", ":"))
        row = {**shared, "params": params}
        row["fingerprint"] = fingerprint(name, *(row[c] for c in FINGERPRINT_COLUMNS[:-1]))
        result[name] = {c: row[c] for c in FINGERPRINT_COLUMNS}
    return result


def _print_progress(row: Mapping[str, Any], done: int, total: int, n_folds: int) -> None:
    width = len(str(total))
    head = f"[{done:>{width}}/{total}] {row['model']:<14} fold {int(row['fold']) + 1}/{n_folds}"
    if row.get("error") is not None and not (
        isinstance(row["error"], float) and math.isnan(row["error"])
    ):
        print(f"{head}  FAILED  {row['error']}", flush=True)
        return
    scores = "  ".join(
        f"{k}={row[k]:.3f}"
        for k in row
        if k not in _FOLD_COLUMNS and k not in _TIMING_COLUMNS and isinstance(row[k], float)
    )
    print(
        f"{head}  {scores}  fit {row['fit_seconds']:.2f} s  "
        f"predict {row['predict_ms_per_trial']:.3f} ms/trial",
        flush=True,
    )


# -- the public function ---------------------------------------------------------------------
def compare(
    estimators: Mapping[str, Any],
    X: Any,
    y: Any,
    *,
    cv: Any = 5,
    groups: Any = None,
    scoring: str | Sequence[str] | Mapping[str, Any] = DEFAULT_SCORING,
    n_jobs: int | None = None,
    progress: bool | Callable[[dict[str, Any]], None] = True,
    out: str | os.PathLike | None = None,
    tags: Mapping[str, Any] | None = None,
) -> pd.DataFrame:
    """Cross-validate several estimators on the same folds; one row per (estimator, fold).

    Every estimator is cloned and fitted on each training fold and scored on the matching
    test fold, with the fit time, the prediction latency per trial and, for the torch-based
    sktime_eeg classifiers, the number of trainable parameters. A fold that raises gets its
    error recorded in the ``error`` column and every other result is kept. So does a fold
    whose outputs are unusable: labels that are NaN or not classes of the training fold, or
    ``predict_proba`` values that are NaN or infinite (a diverged network) -- such a fold is
    never scored.

    Parameters
    ----------
    estimators : dict of {str: estimator}
        The models to compare, by name (the ``model`` column). Any scikit-learn classifier or
        pipeline accepting ``X``.
    X : array-like of shape (n_trials, n_channels, n_times), mne.Epochs or list of Epochs
        The EEG, counted and checked (dimensions, NaN / inf) in place, without a copy. Epochs
        are indexed with ``epochs[indices]``, so channel names and the sampling frequency
        reach the estimators; a list of Epochs is joined into one first.
    y : array-like of shape (n_trials,)
        Class labels.
    cv : int, cross-validation generator or iterable, default=5
        As in scikit-learn: an int is ``StratifiedKFold(cv)`` (no shuffling); or a splitter
        such as :class:`WithinSessionSplit`, :class:`CrossSessionSplit`,
        :class:`CrossSubjectSplit`; or an iterable of ``(train, test)`` index arrays. The
        folds are drawn once and shared by all estimators.
    groups : array-like of shape (n_trials,), str, list of str or None, default=None
        Group labels for the splitter (the session or subject of each trial). With Epochs,
        the name of a ``epochs.metadata`` column (or a list of names, joined as
        ``"a/b"``) reads them from the metadata.
    scoring : str, list of str or dict, default=("accuracy", "balanced_accuracy", \
"cohen_kappa")
        Metrics, each becoming a column. Names in ``"accuracy"``, ``"balanced_accuracy"``,
        ``"cohen_kappa"``, ``"f1_macro"`` are computed from one ``predict`` call; other
        scikit-learn scorer names (``"roc_auc"``, ...) and a dict ``{column: scorer}`` of
        callables ``scorer(estimator, X_test, y_test)`` are also accepted.
    n_jobs : int or None, default=None
        Number of (estimator, fold) fits run in parallel through joblib (-1: all cores). None
        means 1 unless in a ``joblib.parallel_config`` context, so ``with
        joblib.parallel_config("dask"):`` spreads the fits over a Dask cluster. Results do not
        depend on it for estimators with an int ``random_state``.
    progress : bool or callable, default=True
        Print one line per finished fit (model, fold, scores, times); or call
        ``progress(row)`` with the row's dict.
    out : str, path-like or None, default=None
        A result file (CSV, written through :class:`ResultsStore`). It is created, or checked
        to be writable, before the first fit. Each row is appended (and synced to disk) as
        soon as its fit finishes, with a checksum, so an interrupted run keeps everything
        finished so far and a row cut short by a crash is dropped. A rerun with the same
        ``out`` reuses the rows of its (tags, model, fold) whose fingerprints -- data, folds,
        scoring, the model's hyperparameters, the package version -- equal this run's, and
        reruns failed ones (their old rows are removed). A file holding rows of the same tags
        that were produced otherwise is refused with a :class:`ResumeError` (a ValueError)
        naming what differs; write to another file then. The returned table holds the rows
        of this call, resumed ones included.
    tags : dict or None, default=None
        Constant columns put first in every row (e.g. ``{"dataset": "bnci2014_004",
        "subject": 1}``); they are part of the key used to resume, and rows with other tags
        in the same ``out`` are left alone.

    Returns
    -------
    pandas.DataFrame
        One row per (estimator, fold), ordered as ``estimators`` then by fold, with the
        columns: the tags, ``model``, ``fold`` (0-based), ``test_groups`` (the groups in the
        test fold, ``"+"``-joined; empty without groups), ``n_train``, ``n_test``, one per
        metric, ``fit_seconds``, ``predict_ms_per_trial``, ``n_parameters`` (NaN for
        estimators without a torch module), ``error`` (``"Type: message"``, None when the
        fold succeeded), then the :data:`FINGERPRINT_COLUMNS` ``data_fingerprint``,
        ``folds_fingerprint``, ``scoring``, ``params`` (the model's hyperparameters as
        canonical JSON, see :func:`canonical_params`), ``version`` and ``fingerprint``.

    Raises
    ------
    ResumeError
        ``out`` holds rows of another run (see ``out``).
    OSError
        ``out`` cannot be written (raised before any fit).

    See Also
    --------
    summarize : mean and standard deviation per model.
    run_comparison : the protocols over subjects of a data set, as the ``sktime-eeg`` command.

    Notes
    -----
    ``KeyboardInterrupt`` is not caught: it stops the run, and with ``out`` set the rows
    written so far stay on disk for the resume. The sktime_eeg networks train one at a time
    within a process (see ``BaseEEGClassifier.fit``), so thread-based backends give the same
    numbers as a serial run; to train networks in parallel, use processes (joblib's default
    ``loky`` backend, Dask workers with ``processes=True``).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.dummy import DummyClassifier
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import FunctionTransformer
    >>> from sktime_eeg.evaluation import compare
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((40, 3, 50))
    >>> y = np.repeat(["left", "right"], 20)
    >>> flat = FunctionTransformer(lambda X: X.reshape(len(X), -1))
    >>> results = compare({"dummy": make_pipeline(flat, DummyClassifier())}, X, y, cv=4,
    ...                   progress=False)
    >>> results["accuracy"].tolist()
    [0.5, 0.5, 0.5, 0.5]
    """
    plan = _plan(
        estimators,
        X,
        y,
        cv=cv,
        groups=groups,
        scoring=scoring,
        n_jobs=n_jobs,
        progress=progress,
        out=out,
        tags=tags,
    )
    return _run(plan)


class _Plan(NamedTuple):
    """Everything :func:`compare` checked and prepared before its first fit."""

    estimators: dict[str, Any]
    X: Any
    y: np.ndarray
    groups: np.ndarray | None
    folds: list[tuple[np.ndarray, np.ndarray]]
    scorers: dict[str, Any]
    tags: dict[str, Any]
    columns: list[str]
    stamps: dict[str, dict[str, str]]
    tasks: list[tuple[str, int]]
    store: ResultsStore | None
    expected: list[dict[str, Any]]
    n_jobs: int | None
    progress: bool | Callable[[dict[str, Any]], None]
    out: Any


def _plan(
    estimators: Mapping[str, Any],
    X: Any,
    y: Any,
    *,
    cv: Any,
    groups: Any,
    scoring: Any,
    n_jobs: int | None,
    progress: bool | Callable[[dict[str, Any]], None],
    out: str | os.PathLike | None,
    tags: Mapping[str, Any] | None,
) -> _Plan:
    """Check the arguments, draw the folds, fingerprint, check ``out``: no fit, no write but
    the creation of ``out`` (with its header) and the repair of a torn last row."""
    estimators = _check_estimators(estimators)
    X, n_trials = _check_X(X)  # counted and checked in place: no copy of the data
    y = np.asarray(check_eeg_labels(y, n_trials, caller="compare"))
    groups = _check_groups(groups, X, n_trials)
    scorers = _check_scoring(scoring)
    tags = dict(tags or {})
    clash = set(tags) & (
        set(_FOLD_COLUMNS) | set(_TIMING_COLUMNS) | set(scorers) | set(FINGERPRINT_COLUMNS)
    )
    if clash:
        raise ValueError(f"tags {sorted(clash)} clash with result columns; rename them.")
    if not (isinstance(progress, bool) or callable(progress)):
        raise TypeError(f"progress must be a bool or a callable, got {progress!r}.")
    _check_n_jobs(n_jobs)

    splitter = check_cv(cv, y, classifier=True)
    split_X = np.zeros((n_trials, 1)) if is_epochs(X) else X
    folds = [
        (np.asarray(train), np.asarray(test)) for train, test in splitter.split(split_X, y, groups)
    ]
    if not folds:
        raise ValueError(f"cv={cv!r} produced no folds.")
    for fold, (train, test) in enumerate(folds):
        if train.size == 0 or test.size == 0:
            raise ValueError(
                f"Fold {fold} of cv={cv!r} has an empty train or test set; every fold needs "
                "trials on both sides: check cv and groups (e.g. a group holding every trial)."
            )

    columns = [*tags, *_FOLD_COLUMNS, *scorers, *_TIMING_COLUMNS, *FINGERPRINT_COLUMNS]
    stamps = _fingerprints(estimators, X, y, groups, folds, scorers)
    tasks = [
        (name, fold) for name in estimators for fold in range(len(folds))
    ]  # model-major: progress reads model by model

    store = None
    expected = [{**tags, "model": name, "fold": fold, **stamps[name]} for name, fold in tasks]
    if out is not None:
        out_path = Path(out)
        if out_path.is_dir():
            raise ValueError(
                f"out={str(out)!r} is a folder; compare() appends its rows to one CSV file: "
                f"pass a file path, e.g. out={str(out_path / 'results.csv')!r}."
            )
        store = ResultsStore(out_path, columns, group=list(tags))
        store.open()  # before any fit: an unwritable file fails now, a torn row is repaired
        store.check(expected)  # a file of another run is refused now
    return _Plan(
        estimators, X, y, groups, folds, scorers, tags, columns, stamps, tasks, store,
        expected, n_jobs, progress, out,
    )  # fmt: skip


def _run(plan: _Plan) -> pd.DataFrame:
    """Fit what :func:`_plan` prepared (resuming from its store) and return the table.

    The store's file is released for other processes when this returns or fails.
    """
    try:
        return _fit_all(plan)
    finally:
        if plan.store is not None:
            plan.store.close()


def _fit_all(plan: _Plan) -> pd.DataFrame:
    estimators, X, y, groups, folds, scorers, tags, columns, stamps, tasks, store = plan[:11]
    n_jobs, progress, out = plan.n_jobs, plan.progress, plan.out
    previous = pd.DataFrame(columns=columns)
    if store is not None:
        previous = store.resume(plan.expected)
        # The file reads "1" back as 1: restore this run's tag values and model names.
        for tag, value in tags.items():
            previous[tag] = [value] * len(previous)
        previous["fold"] = previous["fold"].astype(int)
    done = {(str(r["model"]), int(r["fold"])) for r in previous.to_dict("records")}
    todo = [(name, fold) for name, fold in tasks if (name, fold) not in done]
    if progress is True and done:
        print(
            f"compare: resuming from {out}: {len(tasks) - len(todo)} of {len(tasks)} "
            "fits already done (their fingerprints match this run).",
            flush=True,
        )

    rows: list[dict[str, Any]] = []
    jobs = (
        delayed(_fit_and_score)(
            name,
            estimators[name],
            X,
            y,
            folds[fold][0],
            folds[fold][1],
            fold,
            _group_label(groups, folds[fold][1]),
            scorers,
        )
        for name, fold in todo
    )
    if todo:
        results = Parallel(n_jobs=n_jobs, return_as="generator_unordered")(jobs)
        n_done = len(tasks) - len(todo)
        for result in results:
            row = {**tags, **result, **stamps[result["model"]]}
            rows.append(row)
            n_done += 1
            if store is not None:
                store.append(row)
            if progress is True:
                _print_progress(result, n_done, len(tasks), len(folds))
            elif callable(progress):
                progress(dict(row))

    table = pd.concat(
        [frame for frame in (previous, pd.DataFrame(rows, columns=columns)) if len(frame)]
        or [pd.DataFrame(columns=columns)],
        ignore_index=True,
    )
    table["model"] = table["model"].astype(str)
    order = {name: i for i, name in enumerate(estimators)}
    table = (
        table.assign(_order=table["model"].map(order))
        .sort_values(["_order", "fold"], kind="stable")
        .drop(columns="_order")
        .reset_index(drop=True)
    )
    for column in ("fold", "n_train", "n_test"):
        table[column] = table[column].astype(int)
    for column in [*scorers, "fit_seconds", "predict_ms_per_trial", "n_parameters"]:
        table[column] = table[column].astype(float)
    table["error"] = table["error"].astype(object).where(table["error"].notna(), None)
    groups = table["test_groups"].astype(object)
    table["test_groups"] = groups.where(groups.notna(), "").astype(str)
    for column in FINGERPRINT_COLUMNS:
        table[column] = table[column].astype(str).astype(object)
    return table
