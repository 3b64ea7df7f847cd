"""The ``sktime-eeg compare`` command.

It runs the paper's comparison -- 1D- and 2D-stem CNNs and hybrids next to
Riemannian baselines -- on simulated or real EEG under a BCI evaluation protocol, prints a
summary table and writes ``results.csv``, ``summary.csv`` and plots. The work is done by
:mod:`sktime_eeg.evaluation`; this module only parses arguments and writes files.
"""

from __future__ import annotations

import argparse
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from ._options import add_data_options, check_data_options, run_into_out
from ._stats import report_statistics

__all__ = ["add_compare_command", "run_compare_command"]

#: Defaults of ``sktime-eeg compare`` on simulated data (8 subjects), sized to finish in about 2.5
#: minutes on two CPU cores (see docs/user_guide_evaluation.rst for the measurement).
SIMULATED_SUBJECTS = ("1", "2", "3", "4", "5", "6", "7", "8")
SIMULATED_N_TRIALS = 200
SIMULATED_SNR = 2.0
DEFAULT_MAX_EPOCHS = 20
DEFAULT_BATCH_SIZE = 16
DEFAULT_N_SPLITS = 2
DEFAULT_CONFORMER_LAYERS = 2


def add_compare_command(commands: Any) -> argparse.ArgumentParser:
    """Add ``compare`` to the ``sktime-eeg`` sub-commands; return its parser."""
    from ..evaluation import DATASETS, DEFAULT_MODELS, MODELS, PROTOCOLS

    formatter = argparse.RawDescriptionHelpFormatter
    command = commands.add_parser(
        "compare",
        help="compare the CNNs, hybrids and Riemannian baselines on one data set",
        formatter_class=formatter,
        description=(
            "Cross-validate the models under a BCI protocol; print per-fold progress and a "
            "summary\n(mean ± sd per model), and write results.csv, summary.csv, "
            "accuracy.png and fit_time.png\nto --out. Rerunning with the same --out resumes "
            "an interrupted run\n(a folder with results of other settings is refused).\n"
            "\ndatasets:\n"
            + "".join(f"  {name:<14}{text}\n" for name, text in DATASETS.items())
            + "\nmodels:\n"
            + "".join(f"  {name:<14}{text}\n" for name, text in MODELS.items())
            + "\nprotocols:\n"
            + "".join(f"  {name:<16}{text}\n" for name, text in PROTOCOLS.items())
        ),
    )
    add_data_options(
        command,
        subjects_help=f"subjects to use (default: {' '.join(SIMULATED_SUBJECTS)} for "
        "simulated, else 1)",
        n_trials=SIMULATED_N_TRIALS,
        snr=SIMULATED_SNR,
        jobs_help="fits run in parallel (joblib; -1: all cores; default: %(default)s)",
        out_help="output folder (default: a new sktime-eeg-compare-<date>-<time> folder "
        "here); an existing one is resumed if it holds results of the same settings",
    )
    command.add_argument(
        "--models",
        nargs="+",
        choices=list(MODELS),
        default=list(DEFAULT_MODELS),
        metavar="MODEL",
        help=f"models to compare (default: {' '.join(DEFAULT_MODELS)})",
    )
    command.add_argument(
        "--protocol", choices=list(PROTOCOLS), default="within-session", help="default: %(default)s"
    )
    command.add_argument(
        "--n-splits",
        type=int,
        help=f"within-session folds per session (default: {DEFAULT_N_SPLITS})",
    )
    command.add_argument(
        "--train-sessions",
        nargs="+",
        metavar="SESSION",
        help="cross-session: sessions to train on (default: the data set's training sessions, "
        "else leave one session out)",
    )
    command.add_argument(
        "--max-epochs",
        type=int,
        default=DEFAULT_MAX_EPOCHS,
        help="training epochs of the networks (default: %(default)s)",
    )
    command.add_argument(
        "--batch-size",
        type=int,
        default=DEFAULT_BATCH_SIZE,
        help="mini-batch size of the networks (default: %(default)s)",
    )
    command.add_argument(
        "--conformer-layers",
        type=int,
        default=DEFAULT_CONFORMER_LAYERS,
        help="transformer layers of the hybrids (default: %(default)s; EEG-Conformer has 6)",
    )
    command.set_defaults(command_parser=command, func=run_compare_command)
    return command


def _save(results, out: Path, chance: float) -> list[Path]:
    from matplotlib.figure import Figure

    from ..evaluation import plot_fit_times, plot_scores

    paths = []
    for name, draw in (
        ("accuracy.png", lambda ax: plot_scores(results, "accuracy", chance=chance, ax=ax)),
        ("fit_time.png", lambda ax: plot_fit_times(results, ax=ax)),
    ):
        figure = Figure(figsize=(7, 4), layout="constrained")
        draw(figure.subplots())
        figure.savefig(out / name, dpi=120)
        paths.append(out / name)
    return paths


def _check_arguments(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Usage errors for everything that can be told from the arguments alone."""
    for option in ("max_epochs", "batch_size", "conformer_layers"):
        value = getattr(args, option)
        if value is not None and value < 1:
            parser.error(f"--{option.replace('_', '-')} must be >= 1")
    if args.n_splits is not None and args.protocol != "within-session":
        parser.error(
            f"--n-splits applies to --protocol within-session only, not {args.protocol}; drop it"
        )
    if args.n_splits is not None and args.n_splits < 2:
        parser.error("--n-splits must be >= 2")
    if args.train_sessions is not None and args.protocol != "cross-session":
        parser.error(
            f"--train-sessions applies to --protocol cross-session only, not {args.protocol}; "
            "drop it or add --protocol cross-session"
        )
    repeated = [m for m in dict.fromkeys(args.models) if args.models.count(m) > 1]
    if repeated:
        parser.error(f"--models names {', '.join(repeated)} more than once; name each model once")
    check_data_options(parser, args)


def _check_protocol(parser: argparse.ArgumentParser, args: argparse.Namespace, data) -> None:
    """Usage errors for a protocol the loaded data cannot support, naming the options."""
    import numpy as np

    from ..evaluation.catalogue import check_protocol

    subjects = np.asarray(data.subject).astype(str)
    sessions = np.asarray(data.session).astype(str)
    loaded = np.unique(subjects).tolist()
    if args.protocol == "cross-subject" and len(loaded) < 2:
        parser.error(
            f"--protocol cross-subject needs at least two subjects; --dataset {args.dataset} "
            f"was loaded with subject(s) {loaded}: pass more, e.g. --subjects 1 2 3"
        )
    if args.protocol == "cross-session":
        for subject in dict.fromkeys(subjects):
            own = np.unique(sessions[subjects == subject]).tolist()
            if len(own) < 2:
                parser.error(
                    "--protocol cross-session needs at least two sessions per subject; subject "
                    f"{subject} of --dataset {args.dataset} has only session(s) {own}: use "
                    "--protocol within-session or cross-subject"
                )
            if args.train_sessions is None:
                continue
            missing = [s for s in args.train_sessions if s not in own]
            if missing:
                parser.error(
                    f"--train-sessions {' '.join(missing)}: not a session of subject {subject}, "
                    f"whose sessions are {own}; choose among them"
                )
            if set(own) <= set(args.train_sessions):
                parser.error(
                    f"--train-sessions {' '.join(args.train_sessions)} covers every session of "
                    f"subject {subject} ({own}), leaving none to test; leave one out"
                )
    try:
        check_protocol(data, args.protocol, args.train_sessions)
    except ValueError as exc:  # anything the checks above do not phrase with the options
        parser.error(f"cannot run --protocol {args.protocol}: {exc}")


def run_compare_command(args: argparse.Namespace) -> int:
    """Run ``sktime-eeg compare``; return the exit status (0 ok, 130 interrupted)."""
    from ..evaluation import (
        fit_time_ratios,
        format_summary,
        load_comparison_data,
        make_models,
        run_comparison,
        summarize,
    )

    parser = args.command_parser  # errors show the usage of `sktime-eeg compare`
    _check_arguments(parser, args)
    out = args.out or Path.cwd() / f"sktime-eeg-compare-{datetime.now():%Y%m%d-%H%M%S}"
    started = time.perf_counter()

    print(f"sktime-eeg compare: loading {args.dataset} ...", flush=True)
    simulated = args.dataset == "simulated"
    try:
        data = load_comparison_data(
            args.dataset,
            subjects=SIMULATED_SUBJECTS if args.subjects is None and simulated else args.subjects,
            path=args.data_path,
            n_trials=args.n_trials,
            n_sessions=2 if args.protocol == "cross-session" else 1,
            snr=args.snr,
            sfreq=args.sfreq,
            random_state=args.seed,
        )
    except (ValueError, ImportError, OSError, RuntimeError) as exc:
        parser.error(f"cannot load --dataset {args.dataset}: {exc}")
    _check_protocol(parser, args, data)
    n_trials, n_channels, n_times = data.X.shape
    print(
        f"  {n_trials} trials x {n_channels} channels x {n_times} samples at {data.sfreq:g} Hz, "
        f"classes {sorted(set(data.y.tolist()))}, subjects {sorted(set(data.subject.tolist()))}",
        flush=True,
    )
    models = make_models(
        args.models,
        sfreq=data.sfreq,
        max_epochs=args.max_epochs,
        batch_size=args.batch_size,
        conformer_layers=args.conformer_layers,
        random_state=args.seed,
    )
    print(f"  protocol {args.protocol}, models {', '.join(models)}; writing to {out}", flush=True)
    results = run_into_out(
        parser,
        out,
        lambda: run_comparison(
            data,
            models,
            args.protocol,
            n_splits=DEFAULT_N_SPLITS if args.n_splits is None else args.n_splits,
            train_sessions=args.train_sessions,
            n_jobs=args.n_jobs,
            progress=True,
            out=out / "results.csv",
            random_state=args.seed,
        ),
        unit="fit",
    )
    if results is None:
        return 130

    summary = summarize(results)
    summary.to_csv(out / "summary.csv")
    print("\nSummary (mean ± sd over folds):")
    print(format_summary(summary))
    ratios = fit_time_ratios(results)
    for pair, ratio in ratios.items():
        slow, fast = pair.split("/")
        print(f"Training time {slow} / {fast}: {ratio:.2f}x")
    failed = results[results["error"].notna()]
    if len(failed):
        print(f"\n{len(failed)} fit(s) failed; see the 'error' column of results.csv:")
        for row in failed.drop_duplicates("model").itertuples():
            print(f"  {row.model}: {row.error}")
    plots = _save(results, out, chance=1.0 / len(set(data.y)))
    cross_subject = args.protocol == "cross-subject"
    stats = report_statistics(results, out, subject="test_groups" if cross_subject else "subject")
    if stats is not None:
        plots += [out / "stats.csv", out / "paired.png", out / "forest.png"]
    print(
        f"\nWrote {out / 'results.csv'}, {out / 'summary.csv'}, "
        + ", ".join(str(p) for p in plots)
        + f" ({time.perf_counter() - started:.0f} s)."
    )
    print(f"Results in: {out}")
    return 0
