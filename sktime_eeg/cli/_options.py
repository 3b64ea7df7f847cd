"""Options shared by ``sktime-eeg compare`` and ``sktime-eeg calibrate``: where the data come
from, how they are simulated, seed, parallelism and output folder -- declared once, checked
once (usage errors before anything is loaded, fitted or written)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = ["SIMULATED_SFREQ", "add_data_options", "check_data_options", "run_into_out"]

#: Sampling rate of the simulated data of both commands, in Hz.
SIMULATED_SFREQ = 100.0


def add_data_options(
    command: argparse.ArgumentParser,
    *,
    subjects_help: str,
    n_trials: int,
    snr: float,
    jobs_help: str,
    out_help: str,
) -> None:
    """Add --dataset, --data-path, --subjects, --n-trials, --snr, --sfreq, --n-jobs, --seed
    and --out to ``command``.

    ``--n-trials`` and ``--snr`` default to None (so that giving them with real data is a
    usage error); ``n_trials`` and ``snr`` are the values used for simulated data, shown in
    the help and filled in by :func:`check_data_options`.
    """
    from ..evaluation import DATASETS

    command.add_argument(
        "--dataset", choices=list(DATASETS), default="simulated", help="default: simulated"
    )
    command.add_argument(
        "--data-path",
        metavar="PATH",
        help="physionet: MNE's eegbci download folder; bnci*: MOABB's download folder; "
        "epochs: the -epo.fif file",
    )
    command.add_argument("--subjects", nargs="+", metavar="SUBJECT", help=subjects_help)
    command.add_argument(
        "--n-trials",
        type=int,
        help=f"simulated: trials per subject and session (default: {n_trials})",
    )
    command.add_argument(
        "--snr",
        type=float,
        help=f"simulated: signal-to-noise ratio of the rhythm (default: {snr:g})",
    )
    command.add_argument(
        "--sfreq",
        type=float,
        help=f"resample to this rate in Hz (default: {SIMULATED_SFREQ:g} for simulated, else "
        "the recording's)",
    )
    command.add_argument("--n-jobs", type=int, default=1, help=jobs_help)
    command.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    command.add_argument("--out", type=Path, help=out_help)
    command.set_defaults(simulated_n_trials=n_trials, simulated_snr=snr)


def check_data_options(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Usage errors for the options of :func:`add_data_options`, then fill in the simulated
    defaults (``args.n_trials``, ``args.snr``, ``args.sfreq``)."""
    if args.dataset != "simulated":
        pairs = (("--n-trials", args.n_trials), ("--snr", args.snr))
        given = [flag for flag, value in pairs if value is not None]
        if given:
            parser.error(
                f"{' and '.join(given)} apply to --dataset simulated only, not "
                f"{args.dataset}; drop {'them' if len(given) > 1 else 'it'}"
            )
    if args.dataset == "epochs" and args.data_path is None:
        parser.error(
            "--dataset epochs reads your own data: pass --data-path FILE-epo.fif (MNE epochs "
            "with event names; optional metadata columns 'subject' and 'session')"
        )
    if args.n_trials is not None and args.n_trials < 1:
        parser.error("--n-trials must be >= 1")
    if args.snr is not None and not args.snr > 0:
        parser.error(f"--snr must be > 0, got {args.snr:g}")
    if args.sfreq is not None and not args.sfreq > 0:
        parser.error(f"--sfreq must be > 0, got {args.sfreq:g}")
    if args.n_jobs == 0:
        parser.error(
            "--n-jobs must be a positive number of parallel jobs, or -1 for all cores (-2 for "
            "all but one, ...); got 0"
        )
    if args.seed < 0:
        parser.error(f"--seed must be >= 0, got {args.seed}")
    if args.subjects is not None:
        if args.dataset != "epochs":
            bad = [s for s in args.subjects if not (s.isdigit() and int(s) >= 1)]
            if bad:
                parser.error(
                    f"--subjects {' '.join(bad)}: subjects of --dataset {args.dataset} are "
                    "numbered from 1; pass e.g. --subjects 1 2 3"
                )
            numbers: list[Any] = [int(s) for s in args.subjects]
        else:
            numbers = list(args.subjects)
        repeated = [str(s) for s in dict.fromkeys(numbers) if numbers.count(s) > 1]
        if repeated:
            parser.error(f"--subjects names {' '.join(repeated)} more than once")
    if args.out is not None:
        clash = next((p for p in (args.out, *args.out.parents) if p.exists()), None)
        if clash is not None and not clash.is_dir():
            where = "" if clash == args.out else f" ({clash})"
            parser.error(
                f"--out {args.out}{where} is a file; pass a folder (new, or one to resume)"
            )
    _check_out_writable(parser, args.out or Path.cwd())
    simulated = args.dataset == "simulated"
    if args.n_trials is None:
        args.n_trials = args.simulated_n_trials
    if args.snr is None:
        args.snr = args.simulated_snr
    if args.sfreq is None and simulated:
        args.sfreq = SIMULATED_SFREQ


def _check_out_writable(parser: argparse.ArgumentParser, out: Path) -> None:
    from ..evaluation import check_writable

    try:
        check_writable(out / "results.csv")
    except OSError as exc:
        parser.error(f"--out {out} is not writable ({exc}); pass a writable folder")


def run_into_out(
    parser: argparse.ArgumentParser, out: Path, run: Callable[[], Any], *, unit: str
) -> Any:
    """Run ``run()``, which writes ``out / "results.csv"``; its errors become usage errors.

    Parameters
    ----------
    parser : argparse.ArgumentParser
        The command's parser (errors show its usage and exit with status 2).
    out : Path
        The ``--out`` folder.
    run : callable
        Runs the command's work and returns its result table.
    unit : str
        What one result row is ("fit", "row"), for the interruption message.

    Returns
    -------
    object or None
        What ``run()`` returned; None when it was interrupted (Ctrl-C), after saying where
        the finished results are and how to resume.
    """
    from ..evaluation import FileInUseError, ResumeError

    results_path = out / "results.csv"
    try:
        return run()
    except KeyboardInterrupt:
        finished = (
            f"Finished {unit}s are in {results_path}"
            if results_path.exists()
            else f"No {unit} had finished"
        )
        print(
            f"\nInterrupted. {finished}; rerun with --out {out} to resume.",
            file=sys.stderr,
            flush=True,
        )
        return None
    except FileInUseError as exc:
        reason = str(exc).replace("or write to another file", "or pass another --out")
        parser.error(f"--out {out} is in use: {reason}")
    except ResumeError as exc:
        parser.error(
            f"--out {out} holds results of another run ({'; '.join(exc.differences)}); pass "
            f"another --out, or delete {exc.path} to start afresh"
        )
    except OSError as exc:
        parser.error(f"cannot write to --out {out}: {exc}")
    except ValueError as exc:
        if str(results_path) in str(exc):  # a results file of another kind
            parser.error(f"--out {out} cannot be resumed: {exc} (or pass another --out)")
        parser.error(str(exc))
