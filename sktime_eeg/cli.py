"""The ``sktime-eeg`` command.

``sktime-eeg compare`` runs the paper's comparison -- 1D- and 2D-stem CNNs and hybrids next to
Riemannian baselines -- on simulated or real EEG under a BCI evaluation protocol, prints a
summary table and writes ``results.csv``, ``summary.csv`` and plots. The work is done by
:mod:`sktime_eeg.evaluation`; this module only parses arguments and writes files.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

__all__ = ["main"]

#: Defaults of ``sktime-eeg compare`` on simulated data, sized to finish in about 2 minutes on
#: two CPU cores (see docs/user_guide_evaluation.rst for the measurement).
SIMULATED_N_TRIALS = 240
SIMULATED_SNR = 2.0
SIMULATED_SFREQ = 100.0
DEFAULT_MAX_EPOCHS = 30
DEFAULT_BATCH_SIZE = 16
DEFAULT_N_SPLITS = 3
DEFAULT_CONFORMER_LAYERS = 2


def _parser() -> argparse.ArgumentParser:
    from . import __version__
    from .evaluation import DATASETS, DEFAULT_MODELS, MODELS, PROTOCOLS

    parser = argparse.ArgumentParser(
        prog="sktime-eeg",
        description="1D and 2D spatiotemporal CNNs for EEG as scikit-learn estimators.",
    )
    parser.add_argument("--version", action="version", version=f"sktime-eeg {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    formatter = argparse.RawDescriptionHelpFormatter
    command = commands.add_parser(
        "compare",
        help="compare the CNNs, hybrids and Riemannian baselines on one data set",
        formatter_class=formatter,
        description=(
            "Cross-validate the models under a BCI protocol; print per-fold progress and a "
            "summary\n(mean ± sd per model), and write results.csv, summary.csv, "
            "accuracy.png and fit_time.png\nto --out. Rerunning with the same --out resumes "
            "an interrupted run.\n\ndatasets:\n"
            + "".join(f"  {name:<14}{text}\n" for name, text in DATASETS.items())
            + "\nmodels:\n"
            + "".join(f"  {name:<14}{text}\n" for name, text in MODELS.items())
            + "\nprotocols:\n"
            + "".join(f"  {name:<16}{text}\n" for name, text in PROTOCOLS.items())
        ),
    )
    command.add_argument(
        "--dataset", choices=list(DATASETS), default="simulated", help="default: simulated"
    )
    command.add_argument(
        "--data-path",
        metavar="PATH",
        help="physionet: MNE's eegbci download folder; bnci*: MOABB's download folder; "
        "epochs: the -epo.fif file",
    )
    command.add_argument(
        "--subjects", nargs="+", metavar="SUBJECT", help="subjects to use (default: 1)"
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
        default=DEFAULT_N_SPLITS,
        help="within-session folds per session (default: %(default)s)",
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
    command.add_argument(
        "--n-trials",
        type=int,
        default=SIMULATED_N_TRIALS,
        help="simulated: trials per subject and session (default: %(default)s)",
    )
    command.add_argument(
        "--snr",
        type=float,
        default=SIMULATED_SNR,
        help="simulated: signal-to-noise ratio of the rhythm (default: %(default)s)",
    )
    command.add_argument(
        "--sfreq",
        type=float,
        help=f"resample to this rate in Hz (default: {SIMULATED_SFREQ:g} for simulated, else "
        "the recording's)",
    )
    command.add_argument(
        "--n-jobs",
        type=int,
        default=1,
        help="fits run in parallel (joblib; -1: all cores; default: %(default)s)",
    )
    command.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    command.add_argument(
        "--out",
        type=Path,
        help="output folder (default: a new sktime-eeg-compare-<date>-<time> folder here); "
        "an existing one is resumed",
    )
    command.set_defaults(command_parser=command)
    return parser


def _save(results, out: Path, chance: float) -> list[Path]:
    from matplotlib.figure import Figure

    from .evaluation import plot_fit_times, plot_scores

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


def _compare(args: argparse.Namespace) -> int:
    from .evaluation import (
        fit_time_ratios,
        format_summary,
        load_comparison_data,
        make_models,
        run_comparison,
        summarize,
    )

    parser = args.command_parser  # errors show the usage of `sktime-eeg compare`
    for option in ("max_epochs", "batch_size", "n_trials", "conformer_layers"):
        if getattr(args, option) < 1:
            parser.error(f"--{option.replace('_', '-')} must be >= 1")
    if args.protocol == "within-session" and args.n_splits < 2:
        parser.error("--n-splits must be >= 2")
    if args.out is not None:
        clash = next((p for p in (args.out, *args.out.parents) if p.exists()), None)
        if clash is not None and not clash.is_dir():
            where = "" if clash == args.out else f" ({clash})"
            parser.error(
                f"--out {args.out}{where} is a file; pass a folder (new, or one to resume)"
            )
    out = args.out or Path.cwd() / f"sktime-eeg-compare-{datetime.now():%Y%m%d-%H%M%S}"
    started = time.perf_counter()

    print(f"sktime-eeg compare: loading {args.dataset} ...", flush=True)
    try:
        data = load_comparison_data(
            args.dataset,
            subjects=args.subjects,
            path=args.data_path,
            n_trials=args.n_trials,
            n_sessions=2 if args.protocol == "cross-session" else 1,
            snr=args.snr,
            sfreq=SIMULATED_SFREQ
            if args.sfreq is None and args.dataset == "simulated"
            else args.sfreq,
            random_state=args.seed,
        )
    except (ValueError, ImportError, OSError, RuntimeError) as exc:
        parser.error(f"cannot load --dataset {args.dataset}: {exc}")
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
    try:
        results = run_comparison(
            data,
            models,
            args.protocol,
            n_splits=args.n_splits,
            train_sessions=args.train_sessions,
            n_jobs=args.n_jobs,
            progress=True,
            out=out / "results.csv",
            random_state=args.seed,
        )
    except KeyboardInterrupt:
        finished = (
            f"Finished fits are in {out / 'results.csv'}"
            if (out / "results.csv").exists()
            else "No fit had finished"
        )
        print(
            f"\nInterrupted. {finished}; rerun with --out {out} to resume.",
            file=sys.stderr,
            flush=True,
        )
        return 130
    except (ValueError, OSError) as exc:
        parser.error(str(exc))

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
    print(
        f"\nWrote {out / 'results.csv'}, {out / 'summary.csv'}, "
        + ", ".join(str(p) for p in plots)
        + f" ({time.perf_counter() - started:.0f} s)."
    )
    print(f"Results in: {out}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``sktime-eeg``.

    Parameters
    ----------
    argv : sequence of str or None, default=None
        Arguments without the program name; None reads ``sys.argv[1:]``.

    Returns
    -------
    int
        Exit status: 0 on success, 130 when interrupted (argument errors exit with 2 through
        ``SystemExit``, as argparse does).
    """
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command == "compare":
        return _compare(args)
    parser.print_help()
    return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
