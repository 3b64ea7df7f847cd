"""The ``sktime-eeg calibrate`` command: how many trials does a new user need?

Runs :func:`sktime_eeg.evaluation.calibration_curve` (leave one subject out; the target's
first ``k`` trials of its first session calibrate, its later sessions test) on simulated or
real EEG, prints a table (mean accuracy over subjects per strategy and ``k``) and the paired
statistics of every strategy against ``pooled`` at the largest ``k``, and writes
``results.csv`` (through the results store: rerunning with the same ``--out`` resumes, a run
with other settings is refused), ``summary.csv``, ``stats.csv`` and ``calibration.png``.
:func:`add_calibrate_command` registers it with the ``sktime-eeg`` parser,
:func:`run_calibrate_command` runs it; the work is done by :mod:`sktime_eeg.evaluation`, this
module only parses arguments and writes files.
"""

from __future__ import annotations

import argparse
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from ._options import add_data_options, check_data_options, run_into_out

__all__ = ["add_calibrate_command", "run_calibrate_command"]

#: Defaults of ``sktime-eeg calibrate`` on simulated data, sized to finish in under 5 minutes
#: on two CPU cores (docs/calibrating_a_new_user.rst has the measurement).
SIMULATED_SUBJECTS = ("1", "2", "3", "4")
SIMULATED_N_TRIALS = 60
SIMULATED_SNR = 2.0
DEFAULT_N_CALIBRATION = (0, 5, 10, 20, 40)
DEFAULT_MAX_EPOCHS = 20
DEFAULT_FINETUNE_EPOCHS = 20
DEFAULT_BATCH_SIZE = 16


def add_calibrate_command(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``calibrate`` to the ``sktime-eeg`` sub-commands.

    Parameters
    ----------
    subparsers : argparse._SubParsersAction
        What ``parser.add_subparsers()`` returned.

    Returns
    -------
    argparse.ArgumentParser
        The sub-command's parser (its ``command_parser`` default points to itself, for
        errors, and ``func`` to :func:`run_calibrate_command`).
    """
    from ..evaluation import DATASETS, default_strategies

    names = list(default_strategies())
    command = subparsers.add_parser(
        "calibrate",
        help="how many trials a new user needs: cross-subject pretraining, alignment, fine-tuning",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description=(
            "Leave one subject out: train on the other subjects, calibrate on the first k "
            "trials of\nthe target's first session, test on its later sessions. Print mean "
            "accuracy per\nstrategy and k and paired statistics against pooled at the largest k, "
            "and write\nresults.csv, summary.csv, stats.csv and calibration.png to --out (rerun "
            "with the\nsame --out to resume).\n\ndatasets:\n"
            + "".join(f"  {name:<14}{text}\n" for name, text in DATASETS.items())
            + "\nstrategies:\n  "
            + "\n  ".join(names)
            + "\n"
        ),
    )
    add_data_options(
        command,
        subjects_help=f"subjects (at least 2; default: {' '.join(SIMULATED_SUBJECTS)} for "
        "simulated)",
        n_trials=SIMULATED_N_TRIALS,
        snr=SIMULATED_SNR,
        jobs_help="target subjects run in parallel (joblib; -1: all cores; default: %(default)s)",
        out_help="output folder (default: a new sktime-eeg-calibrate-<date>-<time> folder "
        "here); an existing one of the same run is resumed",
    )
    command.add_argument(
        "--strategies",
        nargs="+",
        choices=names,
        default=names,
        metavar="STRATEGY",
        help="strategies to compare (default: all)",
    )
    command.add_argument(
        "--n-calibration",
        nargs="+",
        type=int,
        default=list(DEFAULT_N_CALIBRATION),
        metavar="K",
        help="numbers of calibration trials (default: %(default)s)",
    )
    command.add_argument(
        "--reference",
        choices=["calibration", "session"],
        default="calibration",
        help="the target's alignment reference: its k calibration trials, or its whole first "
        "session unlabelled (default: %(default)s)",
    )
    command.add_argument(
        "--max-epochs",
        type=int,
        default=DEFAULT_MAX_EPOCHS,
        help="training epochs of the CNN (default: %(default)s)",
    )
    command.add_argument(
        "--finetune-epochs",
        type=int,
        default=DEFAULT_FINETUNE_EPOCHS,
        help="fine-tuning epochs (default: %(default)s)",
    )
    command.add_argument(
        "--batch-size",
        type=int,
        default=DEFAULT_BATCH_SIZE,
        help="mini-batch size of the CNN (default: %(default)s)",
    )
    command.set_defaults(command_parser=command, func=run_calibrate_command)
    return command


def _summary_table(results):
    """Mean accuracy over subjects, strategy x k, with the number of subjects behind each."""
    valid = results[results["accuracy"].notna()]
    mean = valid.pivot_table(
        index="strategy", columns="n_calibration", values="accuracy", aggfunc="mean", sort=False
    )
    return mean.reindex(
        index=list(dict.fromkeys(results["strategy"])),
        columns=sorted(results["n_calibration"].unique()),
    )


def _report_statistics(results, out: Path) -> bool:
    """Print the paired comparisons against ``pooled`` at the largest k; write ``stats.csv``.

    Returns whether ``stats.csv`` was written (not when there is nothing to pair, e.g.
    ``pooled`` was not run; the reason is printed).
    """
    import warnings

    from ..evaluation import calibration_statistics, format_comparisons

    k = int(results["n_calibration"].max())
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            stats = calibration_statistics(results, n_calibration=k, baseline="pooled")
    except ValueError as exc:
        print(f"\nNo paired statistics: {exc}")
        return False
    stats.to_csv(out / "stats.csv", index=False)
    print(f"\nPaired comparison with pooled at k={k} (per target subject):")
    for sentence in format_comparisons(stats):
        print(f"  {sentence}")
    for warning in caught:
        print(f"  note: {warning.message}")
    return True


def run_calibrate_command(args: argparse.Namespace) -> int:
    """Run ``sktime-eeg calibrate`` with parsed arguments.

    Parameters
    ----------
    args : argparse.Namespace
        From the parser :func:`add_calibrate_command` built.

    Returns
    -------
    int
        0 on success, 130 when interrupted (argument errors exit with 2 through
        ``SystemExit``).
    """

    from matplotlib.figure import Figure

    from ..evaluation import (
        calibration_curve,
        default_strategies,
        load_comparison_data,
        make_models,
        plot_calibration_curve,
    )

    parser = args.command_parser
    for option in ("max_epochs", "finetune_epochs", "batch_size"):
        if getattr(args, option) < 1:
            parser.error(f"--{option.replace('_', '-')} must be >= 1")
    if any(k < 0 for k in args.n_calibration):
        parser.error("--n-calibration values must be >= 0")
    check_data_options(parser, args)
    subjects = args.subjects
    if subjects is None:
        if args.dataset != "simulated":
            parser.error(f"--subjects: name at least two subjects of {args.dataset}")
        subjects = list(SIMULATED_SUBJECTS)
    if args.dataset != "epochs" and len(set(subjects)) < 2:
        parser.error("--subjects: calibration needs at least two subjects (a target and a pool)")
    out = args.out or Path.cwd() / f"sktime-eeg-calibrate-{datetime.now():%Y%m%d-%H%M%S}"
    started = time.perf_counter()
    print(f"sktime-eeg calibrate: loading {args.dataset} ...", flush=True)
    try:
        data = load_comparison_data(
            args.dataset,
            subjects=subjects,
            path=args.data_path,
            n_trials=args.n_trials,
            n_sessions=2,
            snr=args.snr,
            sfreq=args.sfreq,
            random_state=args.seed,
        )
    except (ValueError, ImportError, OSError, RuntimeError) as exc:
        parser.error(f"cannot load --dataset {args.dataset}: {exc}")
    n_trials, n_channels, n_times = data.X.shape
    print(
        f"  {n_trials} trials x {n_channels} channels x {n_times} samples at {data.sfreq:g} Hz, "
        f"subjects {sorted(set(data.subject.tolist()))}, sessions "
        f"{sorted(set(data.session.tolist()))}",
        flush=True,
    )
    cnn = make_models(
        ["conv2d"],
        sfreq=data.sfreq,
        max_epochs=args.max_epochs,
        batch_size=args.batch_size,
        random_state=args.seed,
    )["conv2d"]
    strategies = default_strategies(
        cnn=cnn, finetune_epochs=args.finetune_epochs, random_state=args.seed
    )
    strategies = {name: strategies[name] for name in args.strategies}
    print(f"  strategies {', '.join(strategies)}; writing to {out}", flush=True)
    results_path = out / "results.csv"
    results = run_into_out(
        parser,
        out,
        lambda: calibration_curve(
            strategies,
            data.X,
            data.y,
            data.subject,
            data.session,
            sorted(set(args.n_calibration)),
            reference=args.reference,
            tags={"dataset": args.dataset},
            out=results_path,
            n_jobs=args.n_jobs,
            verbose=True,
        ),
        unit="row",
    )
    if results is None:
        return 130
    summary = _summary_table(results)
    summary.to_csv(out / "summary.csv")
    print(f"\nMean accuracy over {results['subject'].nunique()} subjects (columns: k trials):")
    print(summary.to_string(float_format=lambda v: f"{v:.3f}", na_rep="-"))
    skipped = results[results["error"].notna()].drop_duplicates(["strategy", "n_calibration"])
    if len(skipped):
        print("\nNot run (NaN in results.csv, reason in its 'error' column):")
        for row in skipped.itertuples():
            print(f"  {row.strategy} k={row.n_calibration}: {row.error}")
    written = [results_path, out / "summary.csv"]
    if _report_statistics(results, out):
        written.append(out / "stats.csv")
    figure = Figure(figsize=(7, 4.5), layout="constrained")
    ax = plot_calibration_curve(results, ax=figure.subplots())
    ax.axhline(1.0 / len(set(data.y)), color="grey", linewidth=0.8, linestyle=":")
    figure.savefig(out / "calibration.png", dpi=120)
    written.append(out / "calibration.png")
    print(f"\nWrote {', '.join(map(str, written))} ({time.perf_counter() - started:.0f} s).")
    return 0
