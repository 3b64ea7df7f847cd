"""Summaries and plots of a :func:`compare` results table."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["fit_time_ratios", "format_summary", "plot_fit_times", "plot_scores", "summarize"]

_TIMES = ("fit_seconds", "predict_ms_per_trial")


def _metric_columns(results: pd.DataFrame) -> list[str]:
    """The metric columns: those between ``n_test`` and ``fit_seconds``."""
    columns = list(results.columns)
    try:
        start, stop = columns.index("n_test") + 1, columns.index("fit_seconds")
    except ValueError:
        raise ValueError(
            "results is not a table from sktime_eeg.evaluation.compare (it needs the columns "
            "'n_test' and 'fit_seconds')."
        ) from None
    return columns[start:stop]


def _succeeded(results: pd.DataFrame) -> pd.DataFrame:
    return results[results["error"].isna()] if "error" in results else results


def summarize(results: pd.DataFrame) -> pd.DataFrame:
    """Mean and standard deviation of every metric and timing, per model.

    Parameters
    ----------
    results : pandas.DataFrame
        The table returned by :func:`compare` (or read back from its CSV).

    Returns
    -------
    pandas.DataFrame
        Indexed by model (in order of first appearance), with ``n_folds`` (successful fits),
        ``n_failed``, ``<metric>_mean`` / ``<metric>_sd`` for each metric column and for
        ``fit_seconds`` and ``predict_ms_per_trial``, and ``n_parameters``. The standard
        deviation is over all successful folds (of all subjects, when there are several;
        ``ddof=1``, NaN for a single fold). Failed folds are left out of the statistics.
    """
    metrics = _metric_columns(results)
    models = pd.unique(results["model"])
    ok = _succeeded(results)
    failed = results["model"].value_counts().reindex(models, fill_value=0) - ok[
        "model"
    ].value_counts().reindex(models, fill_value=0)
    grouped = ok.groupby("model", sort=False)
    summary = pd.DataFrame(index=pd.Index(models, name="model"))
    summary["n_folds"] = grouped.size().reindex(models, fill_value=0).astype(int)
    summary["n_failed"] = failed.astype(int)
    for column in [*metrics, *_TIMES]:
        summary[f"{column}_mean"] = grouped[column].mean().reindex(models)
        summary[f"{column}_sd"] = grouped[column].std(ddof=1).reindex(models)
    summary["n_parameters"] = grouped["n_parameters"].max().reindex(models)
    return summary


def format_summary(
    summary: pd.DataFrame,
    metrics: Sequence[str] = ("accuracy", "cohen_kappa"),
) -> str:
    """The summary as a plain-text table of ``mean ± sd`` cells.

    Parameters
    ----------
    summary : pandas.DataFrame
        From :func:`summarize`.
    metrics : sequence of str, default=("accuracy", "cohen_kappa")
        Metric columns to show, followed by fit time, prediction latency and size.

    Returns
    -------
    str
    """

    def cell(column: str, digits: int) -> pd.Series:
        mean, sd = summary[f"{column}_mean"], summary[f"{column}_sd"]
        return pd.Series(
            [
                "-"
                if np.isnan(m)
                else (f"{m:.{digits}f}" if np.isnan(s) else f"{m:.{digits}f} ± {s:.{digits}f}")
                for m, s in zip(mean, sd, strict=True)
            ],
            index=summary.index,
        )

    table = pd.DataFrame(index=summary.index)
    for metric in metrics:
        if f"{metric}_mean" in summary:
            table[metric] = cell(metric, 3)
    table["fit time (s)"] = cell("fit_seconds", 2)
    table["latency (ms/trial)"] = cell("predict_ms_per_trial", 3)
    table["parameters"] = ["-" if np.isnan(n) else f"{int(n):,}" for n in summary["n_parameters"]]
    table["folds"] = [
        f"{n}" if f == 0 else f"{n} ({f} failed)"
        for n, f in zip(summary["n_folds"], summary["n_failed"], strict=True)
    ]
    return table.to_string()


def fit_time_ratios(
    results: pd.DataFrame,
    pairs: Sequence[tuple[str, str]] = (("conv1d", "conv2d"), ("conformer-1d", "conformer-2d")),
) -> dict[str, float]:
    """How many times longer the first model of each pair took to train than the second.

    Parameters
    ----------
    results : pandas.DataFrame
        From :func:`compare`.
    pairs : sequence of (str, str)
        ``(slow, fast)`` model names; pairs with a model absent (or only failed) are skipped.

    Returns
    -------
    dict of {str: float}
        ``{"conv1d/conv2d": mean fit time of conv1d / mean fit time of conv2d, ...}``.
    """
    mean_fit = _succeeded(results).groupby("model")["fit_seconds"].mean()
    return {
        f"{slow}/{fast}": float(mean_fit[slow] / mean_fit[fast])
        for slow, fast in pairs
        if slow in mean_fit and fast in mean_fit and mean_fit[fast] > 0
    }


def _axes(ax):
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(7, 4), layout="constrained")
    return ax


def plot_scores(
    results: pd.DataFrame,
    metric: str = "accuracy",
    *,
    chance: float | None = None,
    ax: Any = None,
):
    """Bar of the mean ``metric`` per model, with one dot per fold.

    Parameters
    ----------
    results : pandas.DataFrame
        From :func:`compare`.
    metric : str, default="accuracy"
        A metric column of ``results``.
    chance : float or None, default=None
        Draw a dashed line at this level (e.g. 0.5 for two balanced classes).
    ax : matplotlib.axes.Axes or None, default=None
        Where to draw; a new figure when None.

    Returns
    -------
    matplotlib.axes.Axes
    """
    if metric not in _metric_columns(results):
        raise ValueError(
            f"metric {metric!r} is not a metric column of results; those are "
            f"{_metric_columns(results)}."
        )
    ax = _axes(ax)
    ok = _succeeded(results)
    models = list(pd.unique(results["model"]))
    means = ok.groupby("model")[metric].mean().reindex(models)
    positions = np.arange(len(models))
    ax.bar(positions, means.fillna(0).to_numpy(), color="C0", alpha=0.5, label="mean")
    rng = np.random.default_rng(0)
    for i, model in enumerate(models):
        values = ok.loc[ok["model"] == model, metric].to_numpy()
        jitter = rng.uniform(-0.15, 0.15, values.size)
        ax.plot(i + jitter, values, "o", color="C0", markersize=3)
    if chance is not None:
        ax.axhline(chance, color="k", linestyle="--", linewidth=1, label=f"chance ({chance:g})")
        ax.legend(loc="lower right")
    ax.set_xticks(positions, models, rotation=30, ha="right")
    ax.set_ylabel(metric.replace("_", " "))
    values = ok[metric].to_numpy(dtype=float)
    if np.isfinite(values).any():  # kappa can be negative; custom scorers can exceed 1
        ax.set_ylim(
            min(0.0, float(np.nanmin(values)) - 0.05), max(1.0, float(np.nanmax(values)) + 0.05)
        )
    else:
        ax.set_ylim(0.0, 1.0)
    ax.set_title(f"{metric.replace('_', ' ').capitalize()} per model (dots: folds)")
    return ax


def plot_fit_times(results: pd.DataFrame, *, ax: Any = None):
    """Mean training time per model on a log axis, with one dot per fold.

    Parameters
    ----------
    results : pandas.DataFrame
        From :func:`compare`.
    ax : matplotlib.axes.Axes or None, default=None
        Where to draw; a new figure when None.

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = _axes(ax)
    ok = _succeeded(results)
    models = list(pd.unique(results["model"]))
    means = ok.groupby("model")["fit_seconds"].mean().reindex(models)
    positions = np.arange(len(models))
    ax.bar(positions, means.to_numpy(), color="C1", alpha=0.5)
    for i, model in enumerate(models):
        values = ok.loc[ok["model"] == model, "fit_seconds"].to_numpy()
        ax.plot(np.full(values.size, i), values, "o", color="C1", markersize=3)
        if np.isfinite(means[model]):
            ax.annotate(
                f"{means[model]:.2g} s",
                (i, means[model]),
                textcoords="offset points",
                xytext=(0, 4),
                ha="center",
                fontsize=8,
            )
    ax.set_yscale("log")
    ax.set_xticks(positions, models, rotation=30, ha="right")
    ax.set_ylabel("fit time per fold (s, log scale)")
    ax.set_title("Training time per model")
    return ax
