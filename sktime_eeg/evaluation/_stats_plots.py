"""Plots of paired comparisons: per-subject lines and a forest plot of the differences."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ._stats import COMBINED, STATS_COLUMNS, _check_subjects, _drop_failed

__all__ = ["plot_forest", "plot_paired"]


def _axes(ax, figsize):
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax


def plot_paired(
    results: pd.DataFrame,
    model: str,
    baseline: str,
    *,
    metric: str = "accuracy",
    subject: str = "subject",
    dataset: str | None = "dataset",
    ax: Any = None,
):
    """One line per subject from the baseline's score to the model's.

    Scores are the per-subject means over folds (and seeds), as in
    :func:`paired_comparison`; lines are coloured by dataset, and the mean of each model over
    the subjects is drawn as a black bar.

    Parameters
    ----------
    results : pandas.DataFrame
        A :func:`compare` table with a ``subject`` (and optionally ``dataset``) column.
        Failed rows are left out (with a warning).
    model, baseline : str
        The two models; the baseline is drawn on the left.
    metric : str, default="accuracy"
        The metric column.
    subject, dataset : str, default="subject", "dataset"
        The columns of the subject and of the dataset (None or absent: one dataset).
    ax : matplotlib.axes.Axes or None, default=None
        Where to draw; a new figure when None.

    Returns
    -------
    matplotlib.axes.Axes
    """
    for name in (subject, metric, "model"):
        if name not in results:
            raise ValueError(
                f"results has no {name!r} column; its columns are {list(results.columns)}."
            )
    models = list(pd.unique(results["model"].astype(str)))
    for name in (model, baseline):
        if name not in models:
            raise ValueError(f"{name!r} is not a model of results; its models are {models}.")
    ok = _drop_failed(results.assign(model=results["model"].astype(str)), subject, dataset)
    if dataset is None or dataset not in ok:
        ok = ok.assign(_dataset="all")
    else:
        ok = ok.assign(_dataset=ok[dataset].astype(str))
    ok = ok[ok["model"].isin([model, baseline])]
    _check_subjects(ok, subject, "plot_paired")  # the points the statistics would refuse
    scores = ok.groupby(["_dataset", subject, "model"], sort=False)[metric].mean().unstack("model")
    ax = _axes(ax, (4.5, 4.5))
    datasets = list(pd.unique(scores.index.get_level_values("_dataset")))
    for i, ds in enumerate(datasets):
        part = scores.loc[ds].dropna()
        for j, (_, row) in enumerate(part.iterrows()):
            ax.plot(
                [0, 1],
                [row[baseline], row[model]],
                "o-",
                color=f"C{i}",
                alpha=0.6,
                markersize=4,
                label=f"{ds} ({len(part)} subjects)" if j == 0 and len(datasets) > 1 else None,
            )
    complete = scores.dropna()
    for x, name in ((0, baseline), (1, model)):
        ax.plot([x - 0.12, x + 0.12], [complete[name].mean()] * 2, "k-", linewidth=3)
    ax.set_xticks([0, 1], [baseline, model])
    ax.set_xlim(-0.4, 1.4)
    ax.set_ylabel(f"{metric.replace('_', ' ')} (mean per subject)")
    ax.set_title(f"{model} vs {baseline}: one line per subject")
    if len(datasets) > 1:
        ax.legend(fontsize=8, loc="best")
    return ax


def plot_forest(
    stats_table: pd.DataFrame,
    model: str,
    baseline: str | None = None,
    *,
    quantity: str = "accuracy",
    ax: Any = None,
):
    """Forest plot: each dataset's estimate with its CI, and the combined estimate.

    Differences are drawn on a linear axis with a line at 0 and the equivalence band
    ``±margin`` shaded; ratios on a log axis with a line at 1. Marker areas grow with the
    number of subjects; the combined (random-effects) estimate is a diamond.

    Parameters
    ----------
    stats_table : pandas.DataFrame
        From :func:`paired_comparison`.
    model : str
        The compared model.
    baseline : str or None, default=None
        Its baseline; None when the table has one.
    quantity : str, default="accuracy"
        A metric or timing of the table.
    ax : matplotlib.axes.Axes or None, default=None
        Where to draw; a new figure when None.

    Returns
    -------
    matplotlib.axes.Axes
    """
    missing = [c for c in STATS_COLUMNS if c not in stats_table]
    if missing:
        raise ValueError(
            f"stats_table lacks the columns {missing}; pass the table returned by "
            "paired_comparison."
        )
    rows = stats_table[(stats_table["model"] == model) & (stats_table["quantity"] == quantity)]
    if baseline is not None:
        rows = rows[rows["baseline"] == baseline]
    if rows.empty:
        pairs = stats_table[["model", "baseline", "quantity"]].drop_duplicates()
        raise ValueError(
            f"stats_table has no row for model {model!r}"
            + (f" vs {baseline!r}" if baseline is not None else "")
            + f" and quantity {quantity!r}; it has {pairs.to_records(index=False).tolist()}."
        )
    if rows["baseline"].nunique() > 1:
        raise ValueError(
            f"{model!r} is compared with several baselines {rows['baseline'].unique().tolist()}; "
            "pass baseline=<one of them>."
        )
    baseline = str(rows["baseline"].iloc[0])
    ratio = rows["kind"].iloc[0] == "ratio"
    per = rows[rows["dataset"] != COMBINED]
    combined = rows[rows["dataset"] == COMBINED]
    ax = _axes(ax, (6, 1.2 + 0.45 * len(rows)))
    y = np.arange(len(per))[::-1] + (1.5 if len(combined) else 0)
    sizes = 20 + 80 * per["n_subjects"].to_numpy() / per["n_subjects"].max()
    est = per["estimate"].to_numpy(dtype=float)
    ax.hlines(y, per["ci_low"], per["ci_high"], color="C0")
    ax.scatter(est, y, s=sizes, marker="s", color="C0", zorder=3)
    labels = [f"{d} (n={n})" for d, n in zip(per["dataset"], per["n_subjects"], strict=True)]
    ticks = list(y)
    if len(combined):
        row = combined.iloc[0]
        lo, mid, hi = row["ci_low"], row["estimate"], row["ci_high"]
        ax.fill([lo, mid, hi, mid], [0, 0.25, 0, -0.25], color="C3", zorder=3)
        labels.append(f"combined (n={int(row['n_subjects'])}, I\u00b2={100 * row['i2']:.0f} %)")
        ticks.append(0.0)
    ax.set_yticks(ticks, labels)
    reference = 1.0 if ratio else 0.0
    ax.axvline(reference, color="k", linewidth=1)
    name = quantity.replace("_", " ")
    if ratio:
        from matplotlib.ticker import FormatStrFormatter, NullFormatter

        ax.set_xscale("log")
        ax.xaxis.set_major_formatter(FormatStrFormatter("%g"))
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.set_xlabel(f"{name} ratio {model} / {baseline} (log scale; < 1: {model} faster)")
    else:
        margin = float(rows["margin"].iloc[0])
        if np.isfinite(margin):
            ax.axvspan(-margin, margin, color="0.9", zorder=0, label=f"\u00b1{margin:g} margin")
            ax.legend(fontsize=8, loc="best")
        ax.set_xlabel(f"{name} difference {model} \u2212 {baseline}")
    ax.set_title(f"{model} vs {baseline}: {name}")
    return ax
