"""Paired statistics across subjects on a :func:`compare` results table.

The unit of analysis is the subject: every model's scores are first averaged over the folds
(and seeds) of each subject, and the models are then compared with a baseline on the same
subjects. Cross-validation folds of one subject share most of their training data, so tests
that treat folds as independent samples are too optimistic; here they never are.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

__all__ = ["STATS_COLUMNS", "format_comparisons", "paired_comparison"]

#: The columns of :func:`paired_comparison`'s table, in order.
STATS_COLUMNS: tuple[str, ...] = (
    "dataset",
    "model",
    "baseline",
    "quantity",
    "kind",
    "n_subjects",
    "n_datasets",
    "model_mean",
    "baseline_mean",
    "estimate",
    "ci_low",
    "ci_high",
    "confidence_level",
    "effect_size",
    "p",
    "p_holm",
    "p_wilcoxon",
    "margin",
    "p_tost",
    "equivalent",
    "tau2",
    "i2",
    "note",
)

#: Label of the rows that combine the datasets.
COMBINED = "combined"

_TIMES = ("fit_seconds", "predict_ms_per_trial")
_RESERVED = (
    "model",
    "fold",
    "test_groups",
    "n_train",
    "n_test",
    "fit_seconds",
    "predict_ms_per_trial",
    "n_parameters",
    "error",
)


# -- input checks ------------------------------------------------------------------------------
def _as_list(value: str | Sequence[str] | None, name: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    try:
        items = list(value)
    except TypeError:
        raise TypeError(
            f"{name} must be a column name or a list of names, got {value!r}."
        ) from None
    if not all(isinstance(item, str) for item in items):
        raise TypeError(f"{name} must be a column name or a list of names, got {value!r}.")
    return items


def _plain(values: Any) -> list[Any]:
    """Python scalars for messages: [1, 2], not [np.int64(1), np.int64(2)]."""
    return [v.item() if isinstance(v, np.generic) else v for v in values]


def _check_real(value: Any, name: str, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"paired_comparison: {name} must be a number, got {value!r}.")
    if not (low < float(value) < high):
        raise ValueError(
            f"paired_comparison: {name} must lie in ({low:g}, {high:g}), got {value!r}."
        )
    return float(value)


def _drop_failed(results: pd.DataFrame, subject: str, dataset: str | None) -> pd.DataFrame:
    if "error" not in results:
        return results
    failed = results["error"].notna() & (results["error"].astype(str) != "")
    if failed.any():
        where = [c for c in (dataset, subject) if c is not None and c in results]
        names = []
        for row in results[failed].to_dict("records"):
            place = ", ".join(f"{c} {row[c]}" for c in where)
            fold = f" fold {row['fold']}" if "fold" in row else ""
            names.append(f"{row['model']}{fold} ({place})" if place else f"{row['model']}{fold}")
        shown = "; ".join(names[:10]) + (
            f"; ... ({len(names) - 10} more)" if len(names) > 10 else ""
        )
        warnings.warn(
            f"paired_comparison: left out {int(failed.sum())} failed row(s) (error not empty): "
            f"{shown}. Rerun them (compare() with the same `out` reruns failed fits) to "
            "include them.",
            UserWarning,
            stacklevel=3,
        )
    return results[~failed]


def _check_subjects(results: pd.DataFrame, subject: str, owner: str = "paired_comparison") -> None:
    """Refuse rows without a subject, and one subject written as several labels (1 and "1")."""
    unlabelled = results[subject].isna()
    if unlabelled.any():
        raise ValueError(
            f"{owner}: {int(unlabelled.sum())} row(s) of model(s) "
            f"{_plain(pd.unique(results.loc[unlabelled, 'model']))} have no {subject!r} "
            "(NaN), so they cannot be paired. Tag them with their subject, or leave them out: "
            f"results[results[{subject!r}].notna()]."
        )
    by_text: dict[str, list[Any]] = {}
    for label in _plain(pd.unique(results[subject])):
        by_text.setdefault(str(label), []).append(label)
    clashes = [labels for labels in by_text.values() if len(labels) > 1]
    if clashes:
        raise ValueError(
            f"{owner}: the {subject!r} labels {clashes} are one subject written with "
            "different types (e.g. 1 and '1', from tables tagged or read back differently) and "
            "would count as different subjects. Make them one type, e.g. "
            f"results[{subject!r}] = results[{subject!r}].astype(str)."
        )


def _warn_duplicates(results: pd.DataFrame) -> None:
    """Warn about rows equal in every column (the same fit recorded twice)."""
    try:
        twice = results.duplicated()
    except TypeError:  # unhashable cells (lists, dicts): not a compare() table
        return
    if twice.any():
        warnings.warn(
            f"paired_comparison: {int(twice.sum())} row(s) repeat another row in every column "
            f"(model(s) {_plain(pd.unique(results.loc[twice, 'model']))}), e.g. a resumed run "
            "concatenated with its first run; each copy counts in the per-subject means. If "
            "they are the same fit recorded twice, pass results.drop_duplicates().",
            UserWarning,
            stacklevel=3,
        )


def _subject_scores(
    results: pd.DataFrame,
    *,
    subject: str,
    dataset: str | None,
    columns: list[str],
) -> pd.DataFrame:
    """Mean of ``columns`` per (dataset, subject, model): over folds, seeds, sessions."""
    keys = ["_dataset", subject, "model"]
    table = results.assign(_dataset=results[dataset].astype(str) if dataset else "all")
    for column in columns:
        missing = table[column].isna()
        if missing.any():
            warnings.warn(
                f"paired_comparison: {int(missing.sum())} successful row(s) have no {column!r} "
                f"value (NaN), of model(s) {_plain(pd.unique(table.loc[missing, 'model']))}; "
                "the per-subject means use the other rows.",
                UserWarning,
                stacklevel=3,
            )
    grouped = table.groupby(keys, sort=False)
    scores = grouped[columns].mean()
    scores["_n_rows"] = grouped.size()
    scores = scores.reset_index()
    for column in columns:
        empty = scores[scores[column].isna()]
        if len(empty):
            pairs = zip(empty["model"], _plain(empty[subject]), strict=True)
            where = ", ".join(f"{m!r} subject {s}" for m, s in pairs)
            raise ValueError(
                f"paired_comparison: no {column!r} value at all for {where}. Rerun those fits, "
                "or leave the model or the subject out of results."
            )
    return scores


def _pairs(
    scores: dict[str, pd.DataFrame],
    *,
    model: str,
    baseline: str,
    subject: str,
    ds: str,
    missing: str,
) -> tuple[np.ndarray, np.ndarray, list[Any]]:
    """Per-subject score rows of ``model`` and ``baseline`` on dataset ``ds``, aligned.

    ``scores`` maps each model to its per-subject rows on that dataset.
    """
    a = scores[model].set_index(subject)
    b = scores[baseline].set_index(subject)
    only_a = _plain(s for s in a.index if s not in b.index)
    only_b = _plain(s for s in b.index if s not in a.index)
    if only_a or only_b:
        parts = []
        if only_a:
            parts.append(f"subject(s) {only_a} have {model!r} but no {baseline!r}")
        if only_b:
            parts.append(f"subject(s) {only_b} have {baseline!r} but no {model!r}")
        message = f"paired_comparison: missing pairs on dataset {ds!r}: " + "; ".join(parts) + ". "
        if missing == "raise":
            raise ValueError(
                message + "Every subject needs results of both models (failed fits are left "
                "out). Run the missing fits, or pass missing='drop' to leave those subjects "
                "out of this comparison."
            )
        warnings.warn(message + "They are left out (missing='drop').", UserWarning, stacklevel=4)
    common = _plain(s for s in a.index if s in b.index)
    return a.loc[common], b.loc[common], common


# -- the statistics of one comparison ----------------------------------------------------------
def _mean_diff(x: np.ndarray, y: np.ndarray, axis: int = -1) -> np.ndarray:
    return np.mean(x - y, axis=axis)


def _paired_tests(
    x: np.ndarray,
    y: np.ndarray,
    *,
    confidence_level: float,
    n_bootstrap: int,
    n_permutations: int,
    ci_method: str,
    seed: int,
    unit: str = "subject",
) -> dict[str, Any]:
    """Estimate, CI, effect size and p-values of the paired differences ``x - y``."""
    d = x - y
    n = d.size
    out: dict[str, Any] = {"estimate": float(d.mean()), "notes": []}
    sd = float(d.std(ddof=1))
    if np.all(d == d[0]):
        # Zero variance: the bootstrap and t statistics degenerate (0 / 0). Defined as limits:
        # the CI is the single value; every permutation gives the same |mean| when d == 0.
        out["ci"] = (float(d[0]), float(d[0]))
        out["effect_size"] = 0.0 if d[0] == 0 else math.copysign(math.inf, d[0])
        if d[0] == 0:
            out.update(p=1.0, p_greater=1.0, p_less=1.0, p_wilcoxon=1.0)
            out["notes"].append("identical scores on every subject")
            return out
        out["notes"].append("the same difference on every subject")
    elif ci_method == "t":
        ci = stats.ttest_1samp(d, 0.0).confidence_interval(confidence_level)
        out["ci"] = (float(ci.low), float(ci.high))
        out["effect_size"] = out["estimate"] / sd
    else:
        boot = stats.bootstrap(
            (x, y),
            _mean_diff,
            paired=True,
            vectorized=True,
            n_resamples=n_bootstrap,
            confidence_level=confidence_level,
            method=ci_method,
            rng=np.random.default_rng(seed),
        )
        out["ci"] = (float(boot.confidence_interval.low), float(boot.confidence_interval.high))
        out["effect_size"] = out["estimate"] / sd
    p = {}
    for alternative in ("greater", "less"):
        p[alternative] = float(
            stats.permutation_test(
                (x, y),
                _mean_diff,
                permutation_type="samples",
                vectorized=True,
                n_resamples=n_permutations,
                alternative=alternative,
                rng=np.random.default_rng(seed),
            ).pvalue
        )
    # scipy's two-sided permutation p is this same combination of the one-sided ones.
    two_sided = min(1.0, 2.0 * min(p["greater"], p["less"]))
    out.update(p=two_sided, p_greater=p["greater"], p_less=p["less"])
    out["p_wilcoxon"] = float(stats.wilcoxon(x, y).pvalue)
    if 2.0**n > n_permutations:
        out["notes"].append(f"permutation p from {n_permutations} random sign flips")
    if 2.0 / 2.0**n > 0.05:
        units = "subjects" if unit == "subject" else f"units ({unit!r})"
        out["notes"].append(f"{n} {units} cannot give p < 0.05")
    return out


def _tost(d: np.ndarray, margin: float) -> float:
    """p of the two one-sided t-tests of ``-margin < mean(d) < margin``."""
    if np.all(d == d[0]):  # zero variance: the t statistics are +-inf
        return 0.0 if -margin < d[0] < margin else 1.0
    p_low = stats.ttest_1samp(d, -margin, alternative="greater").pvalue
    p_high = stats.ttest_1samp(d, margin, alternative="less").pvalue
    return float(max(p_low, p_high))


def _dersimonian_laird(y: np.ndarray, v: np.ndarray) -> tuple[float, float, float, float]:
    """Random-effects mean, its standard error, tau^2 and I^2 (DerSimonian & Laird, 1986)."""
    w = 1.0 / v
    fixed = np.sum(w * y) / np.sum(w)
    q = float(np.sum(w * (y - fixed) ** 2))
    df = y.size - 1
    tau2 = max(0.0, (q - df) / (np.sum(w) - np.sum(w**2) / np.sum(w)))
    w_re = 1.0 / (v + tau2)
    mean = float(np.sum(w_re * y) / np.sum(w_re))
    i2 = max(0.0, (q - df) / q) if q > 0 else 0.0
    return mean, float(np.sqrt(1.0 / np.sum(w_re))), float(tau2), float(i2)


def _holm(p: np.ndarray) -> np.ndarray:
    """Holm's step-down adjusted p-values (NaN entries stay NaN and do not count)."""
    p = np.asarray(p, dtype=float)
    adjusted = np.full(p.shape, np.nan)
    ok = np.flatnonzero(np.isfinite(p))
    order = ok[np.argsort(p[ok], kind="stable")]
    m = order.size
    adjusted[order] = np.minimum(1.0, np.maximum.accumulate((m - np.arange(m)) * p[order]))
    return adjusted


# -- the public functions ----------------------------------------------------------------------
def paired_comparison(
    results: pd.DataFrame,
    baseline: str | None = None,
    *,
    models: Sequence[str] | None = None,
    metric: str | Sequence[str] = "accuracy",
    margin: float = 0.02,
    times: str | Sequence[str] | None = ("fit_seconds", "predict_ms_per_trial"),
    subject: str = "subject",
    dataset: str | None = "dataset",
    confidence_level: float = 0.95,
    alpha: float = 0.05,
    n_bootstrap: int = 9999,
    n_permutations: int = 9999,
    ci_method: str = "t",
    missing: str = "raise",
    random_state: int = 0,
) -> pd.DataFrame:
    """Compare models with a baseline, paired by subject, per dataset and combined.

    Each model's scores are averaged over the folds (and seeds, sessions, repetitions) of
    every subject; the per-subject differences from the baseline are then tested across the
    subjects of each dataset, and the datasets are combined by a random-effects
    meta-analysis and by Stouffer's method. Training and prediction times are compared as
    ratios (geometric means of per-subject ratios).

    Parameters
    ----------
    results : pandas.DataFrame
        A :func:`compare` / :func:`run_comparison` table (or its CSV read back): one row per
        model and fold, with the columns ``model``, the metric(s), ``subject`` and
        (optionally) ``dataset`` tags; ``fit_seconds``, ``predict_ms_per_trial`` and
        ``error`` when present. Other columns (``fold``, ``seed``, fingerprints, ...) are
        ignored: every row of a subject counts in its mean (rows repeated in every
        column, the same fit recorded twice, are warned about). Rows whose ``error`` is not
        empty are left out, with a warning that names them.
    baseline : str or None, default=None
        The model the others are compared with; None takes the first model of the table.
    models : sequence of str or None, default=None
        Models to compare with the baseline; None takes all the others, in table order.
    metric : str or sequence of str, default="accuracy"
        Metric column(s), compared as differences ``model - baseline``.
    margin : float, default=0.02
        Equivalence margin of the TOST, in the metric's units (0.02 = 2 percentage points
        of accuracy): the models are declared equivalent when the mean difference is shown
        to lie within ``(-margin, +margin)``.
    times : str, sequence of str or None, default=("fit_seconds", "predict_ms_per_trial")
        Positive quantities compared as ratios ``model / baseline``; columns absent from
        the table are skipped. None compares none.
    subject : str, default="subject"
        Column of the subject: the unit of pairing. For cross-subject results (one fold per
        left-out subject, ``subject == "all"``) pass ``subject="test_groups"``.
    dataset : str or None, default="dataset"
        Column of the dataset; each dataset is analysed on its own, then combined. None (or
        a column absent from the table) puts all rows in one dataset named ``"all"``.
    confidence_level : float, default=0.95
        Of the confidence intervals.
    alpha : float, default=0.05
        Level of the TOST (``equivalent`` is ``p_tost < alpha``).
    n_bootstrap : int, default=9999
        Resamples of :func:`scipy.stats.bootstrap` (bootstrap ``ci_method`` only).
    n_permutations : int, default=9999
        Resamples of :func:`scipy.stats.permutation_test`: with up to
        ``log2(n_permutations)`` subjects (13 by default) all ``2**n`` sign flips are
        enumerated and the p-value is exact; with more, that many random sign flips are
        drawn (Monte Carlo standard error about 0.002 at p = 0.05 with the default).
    ci_method : {"t", "BCa", "percentile", "basic"}, default="t"
        Interval of the mean paired difference (and mean log ratio): ``"t"`` is Student's
        t interval (:meth:`scipy.stats.ttest_1samp`'s ``confidence_interval``); the others
        are the paired bootstrap over subjects (:func:`scipy.stats.bootstrap`, ``paired=True``)
        with that method. The bootstrap intervals are too narrow with few subjects: measured
        coverage of a nominal 95 % BCa interval is about 0.84 with 6 subjects, 0.90 with 12
        and 0.93 with 20, against 0.95 for the t interval (normal differences; see the
        statistics user guide), hence the default.
    missing : {"raise", "drop"}, default="raise"
        A subject with results for only one of the two models: raise an error that names
        it, or leave it out of that comparison with a warning.
    random_state : int, default=0
        Seed of the bootstrap and of random permutations, so the table is reproducible.

    Returns
    -------
    pandas.DataFrame
        One row per dataset x model x quantity, then one ``"combined"`` row per model x
        quantity when there are several datasets. Columns (:data:`STATS_COLUMNS`):

        - ``dataset``: the dataset, or ``"combined"``;
        - ``model``, ``baseline``: the compared model and the baseline;
        - ``quantity``: the metric or timing column;
        - ``kind``: ``"difference"`` (metrics, ``model - baseline``) or ``"ratio"``
          (timings, ``model / baseline``; below 1 means the model is faster);
        - ``n_subjects``: paired subjects (all datasets together on a combined row);
          ``n_datasets``: datasets behind the row;
        - ``model_mean``, ``baseline_mean``: mean over subjects of the per-subject means;
        - ``estimate``: mean paired difference; for a ratio, the geometric mean of the
          per-subject ratios. On a combined row, the DerSimonian-Laird random-effects
          estimate of the datasets' mean differences (mean log ratios for a ratio);
        - ``confidence_level``: the level of that interval;
        - ``ci_low``, ``ci_high``: its ``confidence_level`` interval (``ci_method``: t or
          paired bootstrap over subjects); on a combined row the random-effects normal
          interval; for a ratio, computed on log ratios and exponentiated;
        - ``effect_size``: Cohen's d_z, the mean paired difference over the standard
          deviation of the differences (``ddof=1``; of the log ratios for a ratio); NaN on
          combined rows;
        - ``p``: two-sided p-value of "no difference": the paired permutation test of the
          mean difference (sign flips, :func:`scipy.stats.permutation_test` with
          ``permutation_type="samples"``); on a combined row, Stouffer's combination of the
          datasets' one-sided permutation p-values weighted by the square root of their
          numbers of subjects (:func:`scipy.stats.combine_pvalues`), made two-sided as
          ``2 * min(p_greater, p_less)``;
        - ``p_holm``: ``p`` adjusted by Holm's method over the models compared with the
          baseline on the same dataset (or combined) and quantity;
        - ``p_wilcoxon``: two-sided Wilcoxon signed-rank p (:func:`scipy.stats.wilcoxon`,
          its defaults: zero differences dropped, exact for small samples without ties);
          NaN on combined rows;
        - ``margin``, ``p_tost``, ``equivalent``: the TOST for metrics (the larger p of the
          one-sided t-tests against ``-margin`` and ``+margin``; on a combined row, normal
          tests on the random-effects estimate and its standard error), and
          ``p_tost < alpha``; NaN / None for ratios;
        - ``tau2``, ``i2``: between-dataset variance and I^2 (fraction in [0, 1]) of the
          random-effects model, on combined rows;
        - ``note``: caveats in words ("identical scores on every subject", "5 subjects
          cannot give p < 0.05", ...), or an empty string.

    Raises
    ------
    ValueError
        For a metric or timing column not in the table, a baseline or model not in the
        table (the message lists the models), no ``subject`` column, rows without a subject
        (NaN), one subject under labels of different types (``1`` and ``"1"``), a dataset
        with results of one subject only, subjects with results of only one of the models
        (``missing="raise"``), non-positive times, or a table mixing evaluation protocols.

    Notes
    -----
    **Identical scores.** When the paired differences are all zero (the two models score
    the same on every subject, e.g. a model and its folded copy), nothing can be tested and
    scipy's statistics divide 0 by 0. The row is then defined, not NaN: estimate and CI 0,
    ``p = p_wilcoxon = 1``, ``effect_size = 0``, ``p_tost = 0`` and ``equivalent=True``
    (for any positive margin), with the note "identical scores on every subject". Equal
    non-zero differences are treated as the same limit (CI of zero width, infinite
    effect size, ``p_tost`` 0 or 1).

    **Small samples.** The bootstrap intervals are narrower than nominal with few subjects
    (see ``ci_method``; ``tests/test_stats.py`` checks the coverage); the permutation and
    Wilcoxon p-values are exact but cannot fall below ``2 / 2**n``: five or fewer subjects
    never reach p < 0.05 (the note says so).

    Examples
    --------
    >>> import pandas as pd
    >>> results = pd.DataFrame({
    ...     "subject": [1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6] * 2,
    ...     "model": ["conv1d"] * 12 + ["conv2d"] * 12,
    ...     "accuracy": [0.70, 0.72, 0.80, 0.82, 0.60, 0.64, 0.90, 0.88, 0.75, 0.77,
    ...                  0.66, 0.70, 0.71, 0.73, 0.79, 0.83, 0.61, 0.65, 0.90, 0.90,
    ...                  0.76, 0.76, 0.67, 0.69],
    ...     "fit_seconds": [9.0] * 12 + [1.0] * 12,
    ... })
    >>> table = paired_comparison(results, "conv1d", times="fit_seconds")
    >>> table[["model", "quantity", "n_subjects", "estimate"]].round(3)
        model     quantity  n_subjects  estimate
    0  conv2d     accuracy           6     0.005
    1  conv2d  fit_seconds           6     0.111
    """
    if not isinstance(results, pd.DataFrame):
        raise TypeError(
            "results must be a pandas DataFrame from compare() (or pd.read_csv of its CSV), "
            f"got {type(results).__name__}."
        )
    metrics = _as_list(metric, "metric")
    if not metrics:
        raise ValueError("metric is empty; name at least one metric column, e.g. 'accuracy'.")
    time_columns = [t for t in _as_list(times, "times") if t in results]
    confidence_level = _check_real(confidence_level, "confidence_level", 0.0, 1.0)
    alpha = _check_real(alpha, "alpha", 0.0, 1.0)
    margin = _check_real(margin, "margin", 0.0, math.inf)
    if ci_method not in ("t", "BCa", "percentile", "basic"):
        raise ValueError(
            f"ci_method must be 't', 'BCa', 'percentile' or 'basic', got {ci_method!r}."
        )
    if missing not in ("raise", "drop"):
        raise ValueError(f"missing must be 'raise' or 'drop', got {missing!r}.")
    for name, value in (("n_bootstrap", n_bootstrap), ("n_permutations", n_permutations)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}.")
    if "model" not in results:
        raise ValueError(
            "results has no 'model' column; pass the table returned by "
            "sktime_eeg.evaluation.compare (or pd.read_csv of its CSV)."
        )
    numeric = [
        c
        for c in results.columns
        if c not in _RESERVED and pd.api.types.is_numeric_dtype(results[c])
    ]
    for column in metrics:
        if column not in results:
            raise ValueError(
                f"metric {column!r} is not a column of results; its numeric columns are "
                f"{numeric}. Pass metric=<one of them>."
            )
        if not pd.api.types.is_numeric_dtype(results[column]):
            raise ValueError(f"metric {column!r} is not numeric (dtype {results[column].dtype}).")
    if subject not in results:
        raise ValueError(
            f"results has no {subject!r} column: paired statistics need the subject of each "
            "row (folds of one subject are not independent samples). Tag the runs, e.g. "
            "compare(..., tags={'dataset': 'bnci', 'subject': 1}), or pass subject=<the "
            f"column of the subject>; the columns are {list(results.columns)}."
        )
    if dataset is not None and dataset not in results:
        dataset = None
    if "protocol" in results and results["protocol"].nunique(dropna=False) > 1:
        raise ValueError(
            "results mix evaluation protocols "
            f"{pd.unique(results['protocol']).tolist()}; compare them one at a time, e.g. "
            "paired_comparison(results[results['protocol'] == 'within-session'])."
        )

    all_models = list(pd.unique(results["model"].astype(str)))
    results = results.assign(model=results["model"].astype(str))
    if baseline is None:
        if not all_models:
            raise ValueError("results is empty: there is nothing to compare.")
        baseline = all_models[0]
    if baseline not in all_models:
        raise ValueError(
            f"baseline {baseline!r} is not a model of results; its models are {all_models}. "
            "Pass baseline=<one of them>."
        )
    if models is None:
        compared = [m for m in all_models if m != baseline]
    else:
        compared = [str(m) for m in _as_list(models, "models")]
        unknown = [m for m in compared if m not in all_models]
        if unknown:
            raise ValueError(f"model(s) {unknown} are not in results; its models are {all_models}.")
        compared = [m for m in compared if m != baseline]
    if not compared:
        raise ValueError(
            f"results has no model other than the baseline {baseline!r} to compare with it; "
            f"its models are {all_models}."
        )

    ok = _drop_failed(results, subject, dataset)
    ok = ok[ok["model"].isin([baseline, *compared])]
    _check_subjects(ok, subject)
    _warn_duplicates(ok)
    scores = _subject_scores(ok, subject=subject, dataset=dataset, columns=metrics + time_columns)
    datasets = list(pd.unique(scores["_dataset"]))
    if COMBINED in datasets and len(datasets) > 1:
        raise ValueError(
            f"A dataset is named {COMBINED!r}, the label of the rows that combine the datasets; "
            "rename it in the results table."
        )
    for ds in datasets:
        subjects = _plain(pd.unique(scores.loc[scores["_dataset"] == ds, subject]))
        if len(subjects) < 2:
            where = f"dataset {ds!r} has" if dataset is not None else "results have"
            fix = (
                f"Add subjects, or leave the dataset out: results[results[{dataset!r}] != {ds!r}]."
                if dataset is not None
                else "Add subjects (compare() with tags={'subject': ...} per subject)."
            )
            if len(subjects) == 1 and str(subjects[0]) == "all":
                fix += (
                    " For cross-subject results (subject 'all'), pass subject='test_groups': "
                    "each fold tests one subject."
                )
            raise ValueError(
                f"paired_comparison: {where} successful results of {len(subjects)} subject(s) "
                f"{subjects}; paired statistics across subjects need at least 2. {fix}"
            )
    for column in time_columns:
        values = scores[column].to_numpy(dtype=float)
        if np.any(values <= 0) or np.any(~np.isfinite(values)):
            raise ValueError(
                f"{column!r} has non-positive or missing values, so it cannot be compared as a "
                "ratio; pass times=None (or leave that column out of times)."
            )

    per_model = {
        ds: {str(m): frame for m, frame in part.groupby("model", sort=False)}
        for ds, part in scores.groupby("_dataset", sort=False)
    }
    empty = scores.iloc[:0]
    rows: list[dict[str, Any]] = []
    one_sided: dict[tuple[str, str], list[tuple[int, float, float, float, float]]] = {}
    for index, ds in enumerate(datasets):
        for model in compared:
            here = {m: per_model[ds].get(m, empty) for m in (model, baseline)}
            a, b, common = _pairs(
                here, model=model, baseline=baseline, subject=subject, ds=ds, missing=missing
            )
            if len(common) < 2:
                raise ValueError(
                    f"paired_comparison: on dataset {ds!r}, {model!r} and {baseline!r} share "
                    f"{len(common)} subject(s) {common}; at least 2 are needed."
                )
            uneven = [s for s in common if a.loc[s, "_n_rows"] != b.loc[s, "_n_rows"]]
            if uneven:
                warnings.warn(
                    f"paired_comparison: on dataset {ds!r}, subject(s) {uneven} have different "
                    f"numbers of successful rows for {model!r} and {baseline!r} (failed or "
                    "missing folds/seeds), so their means are over different folds. Rerun the "
                    "missing fits for a like-for-like comparison.",
                    UserWarning,
                    stacklevel=2,
                )
            for quantity in metrics + time_columns:
                ratio = quantity in time_columns
                x = a[quantity].to_numpy(dtype=float)
                y = b[quantity].to_numpy(dtype=float)
                if ratio:
                    x, y = np.log(x), np.log(y)
                res = _paired_tests(
                    x,
                    y,
                    confidence_level=confidence_level,
                    n_bootstrap=n_bootstrap,
                    n_permutations=n_permutations,
                    ci_method=ci_method,
                    seed=random_state + index,
                    unit=subject,
                )
                d = x - y
                estimate, (low, high) = res["estimate"], res["ci"]
                if ratio:
                    estimate, low, high = math.exp(estimate), math.exp(low), math.exp(high)
                p_tost = math.nan if ratio else _tost(d, margin)
                rows.append(
                    {
                        "dataset": ds,
                        "model": model,
                        "baseline": baseline,
                        "quantity": quantity,
                        "kind": "ratio" if ratio else "difference",
                        "n_subjects": len(common),
                        "n_datasets": 1,
                        "model_mean": float(a[quantity].mean()),
                        "baseline_mean": float(b[quantity].mean()),
                        "estimate": estimate,
                        "ci_low": low,
                        "ci_high": high,
                        "effect_size": res["effect_size"],
                        "p": res["p"],
                        "p_wilcoxon": res["p_wilcoxon"],
                        "margin": math.nan if ratio else margin,
                        "p_tost": p_tost,
                        "equivalent": None if ratio else bool(p_tost < alpha),
                        "tau2": math.nan,
                        "i2": math.nan,
                        "note": "; ".join(res["notes"]),
                    }
                )
                var = float(np.var(d, ddof=1)) / d.size
                one_sided.setdefault((model, quantity), []).append(
                    (len(common), res["p_greater"], res["p_less"], float(d.mean()), var)
                )
                rows[-1]["_a"] = a[quantity].to_numpy(dtype=float)
                rows[-1]["_b"] = b[quantity].to_numpy(dtype=float)

    if len(datasets) > 1:
        z = stats.norm.ppf(0.5 + confidence_level / 2)
        for model in compared:
            for quantity in metrics + time_columns:
                ratio = quantity in time_columns
                parts = one_sided[(model, quantity)]
                n = np.array([p[0] for p in parts])
                weights = np.sqrt(n)
                p_greater = stats.combine_pvalues(
                    [p[1] for p in parts], method="stouffer", weights=weights
                ).pvalue
                p_less = stats.combine_pvalues(
                    [p[2] for p in parts], method="stouffer", weights=weights
                ).pvalue
                y = np.array([p[3] for p in parts])
                v = np.array([p[4] for p in parts])
                notes = []
                if np.any(v == 0):
                    mean = se = tau2 = i2 = math.nan
                    notes.append("a dataset's differences have zero variance: no meta-analysis")
                else:
                    mean, se, tau2, i2 = _dersimonian_laird(y, v)
                low, high = mean - z * se, mean + z * se
                if len(parts) < 5:
                    notes.append(f"{len(parts)} datasets: tau2 is poorly estimated")
                # A one-sided permutation p of exactly 1 is z = -inf for Stouffer: it forces
                # the combination in that direction to 1 whatever the other datasets show.
                ones = [
                    ds
                    for ds, part in zip(datasets, parts, strict=True)
                    # p == 1 on a side that another dataset points to (p < 0.5 there)
                    if any(part[i] == 1 and any(q[i] < 0.5 for q in parts) for i in (1, 2))
                ]
                if ones:
                    notes.append(
                        f"dataset(s) {ones} have a one-sided permutation p of exactly 1, which "
                        "forces Stouffer's combination in that direction to 1: the combined p "
                        "is not informative; read the per-dataset rows"
                    )
                p_tost = math.nan
                if not ratio and np.isfinite(se):
                    p_tost = float(
                        max(
                            stats.norm.sf((mean + margin) / se),
                            stats.norm.cdf((mean - margin) / se),
                        )
                    )
                if ratio:
                    mean, low, high = math.exp(mean), math.exp(low), math.exp(high)
                mine = [r for r in rows if r["model"] == model and r["quantity"] == quantity]
                rows.append(
                    {
                        "dataset": COMBINED,
                        "model": model,
                        "baseline": baseline,
                        "quantity": quantity,
                        "kind": "ratio" if ratio else "difference",
                        "n_subjects": int(n.sum()),
                        "n_datasets": len(parts),
                        "model_mean": float(np.mean(np.concatenate([r["_a"] for r in mine]))),
                        "baseline_mean": float(np.mean(np.concatenate([r["_b"] for r in mine]))),
                        "estimate": mean,
                        "ci_low": low,
                        "ci_high": high,
                        "effect_size": math.nan,
                        "p": float(min(1.0, 2 * min(p_greater, p_less))),
                        "p_wilcoxon": math.nan,
                        "margin": math.nan if ratio else margin,
                        "p_tost": p_tost,
                        "equivalent": None
                        if ratio or not np.isfinite(p_tost)
                        else bool(p_tost < alpha),
                        "tau2": tau2,
                        "i2": i2,
                        "note": "; ".join(notes),
                    }
                )

    table = pd.DataFrame(rows)
    table = table.drop(columns=[c for c in ("_a", "_b") if c in table])
    table["p_holm"] = math.nan
    for _, index in table.groupby(["dataset", "quantity"], sort=False).groups.items():
        table.loc[index, "p_holm"] = _holm(table.loc[index, "p"].to_numpy(dtype=float))
    table["equivalent"] = table["equivalent"].astype(object)
    table["confidence_level"] = float(confidence_level)
    return table[list(STATS_COLUMNS)].reset_index(drop=True)


# -- sentences -------------------------------------------------------------------------------
_TIME_WORDS = {"fit_seconds": "training", "predict_ms_per_trial": "prediction"}


def _fmt_p(p: float) -> str:
    if not np.isfinite(p):
        return "n/a"
    if p < 0.001:
        return "< 0.001"
    return f"= {p:.3f}" if p < 0.01 else f"= {p:.2f}"


def _fmt_difference(row: pd.Series, level: str) -> str:
    quantity = str(row["quantity"])
    percent = "accuracy" in quantity  # fractions of correct trials: percentage points

    def num(value: float, sign: bool = True) -> str:
        if percent:
            text = f"{100 * value:+.1f}" if sign else f"{100 * value:.1f}"
        else:
            text = f"{value:+.3f}" if sign else f"{value:.3f}"
        return text.replace("-", "\u2212")

    unit = " pp" if percent else ""
    text = (
        f"{quantity.replace('_', ' ')} difference {num(row['estimate'])}{unit} "
        f"[{level} CI {num(row['ci_low'])}, {num(row['ci_high'])}] (p {_fmt_p(row['p'])}"
    )
    text += f", Holm {_fmt_p(row['p_holm'])})" if row["p_holm"] != row["p"] else ")"
    margin = f"\u00b1{num(row['margin'], sign=False)}{unit}"
    if row["equivalent"] is True:
        text += f", equivalent within {margin} (TOST p {_fmt_p(row['p_tost'])})"
    elif row["equivalent"] is False:
        text += f", not shown equivalent within {margin} (TOST p {_fmt_p(row['p_tost'])})"
    if row["dataset"] == COMBINED and np.isfinite(row["i2"]):
        text += f", random effects, I\u00b2 = {100 * row['i2']:.0f} %"
    return text


def _fmt_ratio(row: pd.Series, level: str) -> str:
    word = _TIME_WORDS.get(str(row["quantity"]), str(row["quantity"]).replace("_", " "))
    ratio, low, high = row["estimate"], row["ci_low"], row["ci_high"]
    if not np.isfinite(ratio):
        return f"{word} time ratio n/a"

    def num(value: float) -> str:
        return f"{value:.2f}" if value < 10 else f"{value:.1f}"

    if low <= 1 <= high:
        return (
            f"{word} time ratio {num(ratio)} [{level} CI {num(low)}, {num(high)}], "
            "no clear difference"
        )
    if ratio < 1:  # the model takes less time: faster by 1 / ratio
        return f"{word} {num(1 / ratio)}\u00d7 faster [{level} CI {num(1 / high)}, {num(1 / low)}]"
    return f"{word} {num(ratio)}\u00d7 slower [{level} CI {num(low)}, {num(high)}]"


def format_comparisons(stats_table: pd.DataFrame, *, unit: str = "subjects") -> list[str]:
    """One plain sentence per (dataset, model) comparison of a :func:`paired_comparison` table.

    Parameters
    ----------
    stats_table : pandas.DataFrame
        From :func:`paired_comparison`.
    unit : str, default="subjects"
        What ``n_subjects`` counts, as printed (e.g. ``"seeds"`` for a table computed with
        ``subject="seed"``).

    Returns
    -------
    list of str
        E.g. ``"conv2d vs conv1d, bnci (9 subjects): accuracy difference +0.4 pp [95 % CI
        −1.2, +2.0] (p = 0.61), equivalent within ±2.0 pp (TOST p = 0.012); training 8.8×
        faster [95 % CI 8.1, 9.5]"``. Differences of accuracy-like metrics (a name containing
        "accuracy") are in percentage points, others in the metric's units; a TOST that
        fails reads "not shown equivalent"; a time ratio above 1 reads "slower". Combined
        rows add the number of datasets and I².
    """
    missing = [c for c in STATS_COLUMNS if c not in stats_table]
    if missing:
        raise ValueError(
            f"stats_table lacks the columns {missing}; pass the table returned by "
            "paired_comparison."
        )
    levels = pd.unique(stats_table["confidence_level"].astype(float))
    if len(levels) != 1:
        raise ValueError(
            f"stats_table mixes confidence levels {sorted(levels)}; format each level's rows "
            "separately."
        )
    level = f"{100 * levels[0]:g} %"  # the level the intervals were computed at
    sentences = []
    keys = stats_table[["dataset", "model", "baseline"]].drop_duplicates()
    for dataset, model, baseline in keys.itertuples(index=False):
        rows = stats_table[
            (stats_table["dataset"] == dataset)
            & (stats_table["model"] == model)
            & (stats_table["baseline"] == baseline)
        ]
        first = rows.iloc[0]
        if dataset == COMBINED:
            where = (
                f"{int(first['n_datasets'])} datasets combined ({int(first['n_subjects'])} {unit})"
            )
        else:
            where = f"{dataset} ({int(first['n_subjects'])} {unit})"
        parts = [
            _fmt_difference(row, level) if row["kind"] == "difference" else _fmt_ratio(row, level)
            for _, row in rows.iterrows()
        ]
        sentence = f"{model} vs {baseline}, {where}: " + "; ".join(parts)
        notes = sorted({n for note in rows["note"] for n in str(note).split("; ") if n})
        if notes:
            sentence += " [" + "; ".join(notes) + "]"
        sentences.append(sentence + ".")
    return sentences
