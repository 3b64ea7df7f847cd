"""How many trials does a new user need? Calibration curves on BCI Competition IV 2b.

Leave one subject out over subjects 1-6 of BCI IV 2b (3 channels, 250 Hz, the 4 s epochs as
exported, in microvolts): the pool is the other five subjects' sessions 1-3; the target's
calibration data are the first k trials of its session 1; its test data are its sessions 4-5
(the competition's evaluation sessions; its sessions 2-3 are not used). Every strategy of
:func:`sktime_eeg.evaluation.default_strategies` (Conv2DEEGClassifier defaults,
random_state=0) is compared with the within-subject model: Conv2DEEGClassifier defaults,
random_state=0, trained on the target's sessions 1-3 (360 trials) and tested on its sessions
4-5 -- and the script reports how many target trials each strategy needs to match it. The
CNNs trained on the pool (1800 trials) get ``--pool-epochs`` (20) epochs to keep the run
affordable on two shared CPU cores; the scratch CNN has the defaults (50 epochs).

Run from the project root (about an hour on two busy CPU cores)::

    python benchmarks/bench_calibration.py --out benchmarks/results

writes ``calibration_bnci2014_004.csv`` (the calibration table),
``within_subject_bnci2014_004.csv`` and ``docs/_static/calibration_bnci2014_004.png``.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.local_data import load_bnci2014_004  # noqa: E402
from sktime_eeg import Conv2DEEGClassifier  # noqa: E402
from sktime_eeg.evaluation import (  # noqa: E402
    FineTuned,
    Scratch,
    calibration_curve,
    default_strategies,
    plot_calibration_curve,
    trials_to_reach,
)

SUBJECTS = (1, 2, 3, 4, 5, 6)
N_CALIBRATION = (0, 5, 10, 20, 40, 80)


def load(subjects):
    Xs, ys, subject_of, session_of = [], [], [], []
    for subject in subjects:
        X, y, session = load_bnci2014_004(subject, sessions=(1, 2, 3, 4, 5))
        Xs.append(X)
        ys.append(y)
        subject_of.append(np.full(len(y), subject))
        session_of.append(session)
    return (
        np.concatenate(Xs),
        np.concatenate(ys),
        np.concatenate(subject_of),
        np.concatenate(session_of),
    )


def within_subject(X, y, subjects, sessions, max_epochs):
    rows = []
    for subject in np.unique(subjects):
        train = (subjects == subject) & np.isin(sessions, [1, 2, 3])
        test = (subjects == subject) & np.isin(sessions, [4, 5])
        start = time.perf_counter()
        clf = Conv2DEEGClassifier(max_epochs=max_epochs, random_state=0).fit(X[train], y[train])
        seconds = time.perf_counter() - start
        rows.append(
            dict(subject=int(subject), accuracy=clf.score(X[test], y[test]), fit_seconds=seconds)
        )
        print(f"[within-subject] subject {subject}: {rows[-1]['accuracy']:.3f}", flush=True)
    return pd.DataFrame(rows)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    parser.add_argument("--subjects", type=int, nargs="+", default=list(SUBJECTS))
    parser.add_argument("--n-calibration", type=int, nargs="+", default=list(N_CALIBRATION))
    parser.add_argument(
        "--max-epochs",
        type=int,
        default=50,
        help="epochs of the within-subject and scratch CNNs (default 50, the default)",
    )
    parser.add_argument(
        "--pool-epochs",
        type=int,
        default=20,
        help="epochs of the CNNs trained on the pool (default 20: 1800 trials, 560 steps)",
    )
    parser.add_argument(
        "--reuse-within",
        action="store_true",
        help="read the within-subject results from --out instead of refitting them",
    )
    parser.add_argument("--finetune-epochs", type=int, default=30)
    parser.add_argument("--n-jobs", type=int, default=1)
    parser.add_argument(
        "--plot", type=Path, default=ROOT / "docs" / "_static" / "calibration_bnci2014_004.png"
    )
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    X, y, subjects, sessions = load(args.subjects)
    print(f"BCI IV 2b subjects {args.subjects}: {X.shape}", flush=True)

    within_csv = args.out / "within_subject_bnci2014_004.csv"
    if args.reuse_within and within_csv.exists():
        within = pd.read_csv(within_csv)
        within = within[within["subject"].isin(args.subjects)]
    else:
        within = within_subject(X, y, subjects, sessions, args.max_epochs)
        within.to_csv(within_csv, index=False)

    # The pool CNN (Conv2DEEGClassifier defaults but max_epochs) trains on 1800 trials, 15
    # times the steps per epoch of a 120-trial session; the scratch CNN keeps the defaults.
    strategies = default_strategies(
        finetune_epochs=args.finetune_epochs,
        cnn=Conv2DEEGClassifier(max_epochs=args.pool_epochs, random_state=0),
    )
    strategies["scratch"] = Scratch(Conv2DEEGClassifier(max_epochs=args.max_epochs, random_state=0))
    # Head-only fine-tuning shares the pooled+align pool fit, so it costs little extra.
    strategies["pooled+align+finetune-head"] = FineTuned(
        Conv2DEEGClassifier(max_epochs=args.pool_epochs, random_state=0),
        max_epochs=args.finetune_epochs,
        lr=1e-3,
        finetune="head",
    )
    results = calibration_curve(
        strategies,
        X,
        y,
        subjects,
        sessions,
        args.n_calibration,
        calibration_session=1,
        test_sessions=[4, 5],
        pool_sessions=[1, 2, 3],
        tags={"dataset": "bnci2014_004"},
        n_jobs=args.n_jobs,
        verbose=True,
    )
    results.to_csv(args.out / "calibration_bnci2014_004.csv", index=False)

    summary = results.pivot_table(
        index="strategy", columns="n_calibration", values="accuracy", aggfunc="mean", sort=False
    )
    print("\nMean accuracy over subjects (columns: k calibration trials of session 1):")
    print(summary.round(3).to_string(na_rep="-"))
    target = within.set_index("subject")["accuracy"]
    print(f"\nWithin-subject Conv2D (sessions 1-3 -> 4-5): mean {target.mean():.3f}")
    reached = trials_to_reach(results, target.to_dict())
    print("Fewest target trials matching it (mean over subjects of the per-subject gap >= 0):")
    print(reached.to_string(na_rep="not reached"))

    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    figure = Figure(figsize=(7.5, 4.8), layout="constrained")
    ax = plot_calibration_curve(
        results,
        ax=figure.subplots(),
        reference={"within-subject Conv2D (360 trials)": float(target.mean())},
    )
    ax.set_title(f"BCI IV 2b, {len(args.subjects)} subjects, test sessions 4-5 ({date.today()})")
    args.plot.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(args.plot, dpi=110)
    print(f"\nWrote {args.out} and {args.plot} ({time.perf_counter() - started:.0f} s).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
