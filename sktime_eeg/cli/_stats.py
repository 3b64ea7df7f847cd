"""The ``sktime-eeg stats`` command, and the statistics ``sktime-eeg compare`` ends with.

Paired statistics across subjects (:func:`sktime_eeg.evaluation.paired_comparison`) of saved
results: one sentence per key comparison, ``stats.csv``, a paired plot and a forest plot.
Several result files (several datasets) are analysed together, with a meta-analysis across
them. The statistics are :mod:`sktime_eeg.evaluation`'s; this module reads and writes files.
"""

from __future__ import annotations

import argparse
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

__all__ = ["KEY_PAIRS", "add_stats_command", "report_statistics", "run_stats_command"]

#: The comparisons the paper is about, (model, baseline): the 2D stem against the 1D stem.
KEY_PAIRS: tuple[tuple[str, str], ...] = (("conv2d", "conv1d"), ("conformer-2d", "conformer-1d"))


def _pairs(models: Sequence[str], baseline: str | None) -> list[tuple[list[str], str]]:
    """(models, baseline) groups to compare: every model against ``baseline`` when given,
    else the paper's pairs present in the results, else every model against the first."""
    if baseline is not None:
        return [([m for m in models if m != baseline], baseline)]
    present = [(m, b) for m, b in KEY_PAIRS if m in models and b in models]
    if present:
        return [([m], b) for m, b in present]
    return [(list(models[1:]), models[0])]


def report_statistics(
    results: Any,
    out: Path,
    *,
    baseline: str | None = None,
    metric: str = "accuracy",
    margin: float = 0.02,
    subject: str = "subject",
) -> Any:
    """Print one sentence per key comparison; write ``stats.csv``, ``paired.png``, ``forest.png``.

    Parameters
    ----------
    results : pandas.DataFrame
        A :func:`~sktime_eeg.evaluation.compare` table with a subject column.
    out : Path
        Folder for the files.
    baseline : str or None
        Compare every model against it; None for :data:`KEY_PAIRS` (when present).
    metric : str
        Metric column of ``results``.
    margin : float
        Equivalence margin of the TOST (0.02 = 2 percentage points of accuracy).
    subject : str
        Column naming the subject of each row (``"test_groups"`` for cross-subject results).

    Returns
    -------
    pandas.DataFrame or None
        The statistics table, or None when there is nothing to pair (the reason is printed).
    """
    import pandas as pd
    from matplotlib.figure import Figure

    from ..evaluation import format_comparisons, paired_comparison, plot_forest, plot_paired

    ok = results[results["error"].isna()] if "error" in results else results
    models = list(dict.fromkeys(ok["model"].astype(str)))
    n_subjects = ok[subject].nunique() if subject in ok else 0
    if len(models) < 2 or n_subjects < 2:
        print(
            f"\nNo paired statistics: they need two models and two subjects ({len(models)} "
            f"model(s), {n_subjects} subject(s) with results)."
        )
        return None
    tables = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for group, base in _pairs(models, baseline):
            tables.append(
                paired_comparison(
                    results,
                    base,
                    models=group,
                    metric=metric,
                    margin=margin,
                    subject=subject,
                    dataset="dataset" if "dataset" in results else None,
                )
            )
    stats = pd.concat(tables, ignore_index=True)
    stats.to_csv(out / "stats.csv", index=False)
    n = stats["n_subjects"].max()
    print(f"\nPaired statistics across {n} subjects (stats.csv):")
    for sentence in format_comparisons(stats):
        print(f"  {sentence}")
    for warning in caught:
        print(f"  note: {warning.message}")
    model, base = next((m, b) for g, b in _pairs(models, baseline) for m in g)
    for name, draw in (
        (
            "paired.png",
            lambda ax: plot_paired(results, model, base, metric=metric, subject=subject, ax=ax),
        ),
        ("forest.png", lambda ax: plot_forest(stats, model, base, quantity=metric, ax=ax)),
    ):
        figure = Figure(figsize=(6, 4), layout="constrained")
        draw(figure.subplots())
        figure.savefig(out / name, dpi=120)
    return stats


def add_stats_command(commands: Any) -> argparse.ArgumentParser:
    """Add ``stats`` to the ``sktime-eeg`` sub-commands; return its parser."""
    command = commands.add_parser(
        "stats",
        help="paired statistics across subjects of saved results (one or more results.csv)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description=(
            "Re-analyse results written by `sktime-eeg compare`: per-subject scores, paired\n"
            "differences with 95 % CIs, permutation and Wilcoxon tests (Holm-corrected), an\n"
            "equivalence test (TOST) and training-time ratios; with several files (datasets),\n"
            "a random-effects meta-analysis and Stouffer's combined p. Prints one sentence per\n"
            "comparison and writes stats.csv, paired.png and forest.png to --out."
        ),
    )
    command.add_argument("results", nargs="+", type=Path, metavar="RESULTS.csv")
    command.add_argument(
        "--baseline",
        metavar="MODEL",
        help="compare every model against this one (default: conv2d vs conv1d and "
        "conformer-2d vs conformer-1d when present, else all against the first model)",
    )
    command.add_argument("--metric", default="accuracy", help="default: %(default)s")
    command.add_argument(
        "--margin",
        type=float,
        default=0.02,
        help="equivalence margin, in the metric's units (default: %(default)s = 2 pp)",
    )
    command.add_argument(
        "--subject-column",
        default=None,
        metavar="COLUMN",
        help="column holding the subject (default: subject; test_groups for cross-subject)",
    )
    command.add_argument(
        "--out", type=Path, help="output folder (default: the first file's folder)"
    )
    command.set_defaults(command_parser=command, func=run_stats_command)
    return command


def _check_files_disjoint(
    parser: argparse.ArgumentParser, paths: Sequence[Path], tables: Sequence[Any], subject: str
) -> None:
    """Refuse files that hold results of the same data set and subject.

    Their rows would be pooled as repeated folds of one run (e.g. two ``compare`` runs on
    simulated data with other seeds both name their data set ``simulated``), silently
    averaging two runs into one score per subject instead of comparing them.
    """
    seen: dict[tuple[str, str], Path] = {}
    for path, table in zip(paths, tables, strict=True):
        keys = set(zip(table["dataset"].astype(str), table[subject].astype(str), strict=True))
        for key in sorted(keys):
            if key in seen:
                parser.error(
                    f"{seen[key]} and {path} both hold results of dataset {key[0]!r}, "
                    f"{subject} {key[1]}; analysed together their rows would be averaged as "
                    "one run. Run `sktime-eeg stats` on each file separately, or pass files "
                    "of other data sets or subjects"
                )
        seen.update(dict.fromkeys(keys, path))


def run_stats_command(args: argparse.Namespace) -> int:
    """Run ``sktime-eeg stats``; return the exit status (0 ok)."""
    import pandas as pd

    from ..evaluation import read_results

    parser = args.command_parser
    if not args.margin > 0:
        parser.error(f"--margin must be > 0, got {args.margin:g}")
    tables = []
    folders = [path.parent.name for path in args.results]
    for path, folder in zip(args.results, folders, strict=True):
        try:
            table = read_results(path)
        except (OSError, ValueError) as exc:
            parser.error(f"cannot read {path}: {exc}")
        if "dataset" not in table:
            # One data set per file: named by its folder, or by the file when folders repeat.
            unique = folder and folders.count(folder) == 1
            table.insert(0, "dataset", folder if unique else str(path))
        tables.append(table)
    results = pd.concat(tables, ignore_index=True)
    subject = args.subject_column
    if subject is None:
        cross_subject = "protocol" in results and (results["protocol"] == "cross-subject").all()
        subject = "test_groups" if cross_subject else "subject"
    if subject not in results:
        parser.error(
            f"--subject-column {subject}: no such column in the results (columns: "
            f"{', '.join(map(str, results.columns))})"
        )
    _check_files_disjoint(parser, args.results, tables, subject)
    if args.metric not in results:
        parser.error(f"--metric {args.metric}: no such column in the results")
    models = set(results["model"].astype(str))
    if args.baseline is not None and args.baseline not in models:
        parser.error(f"--baseline {args.baseline}: not a model of the results ({sorted(models)})")
    out = args.out or args.results[0].parent
    out.mkdir(parents=True, exist_ok=True)
    try:
        stats = report_statistics(
            results,
            out,
            baseline=args.baseline,
            metric=args.metric,
            margin=args.margin,
            subject=subject,
        )
    except ValueError as exc:
        parser.error(str(exc))
    if stats is not None:
        print(f"Wrote {out / 'stats.csv'}, {out / 'paired.png'}, {out / 'forest.png'}.")
    return 0
