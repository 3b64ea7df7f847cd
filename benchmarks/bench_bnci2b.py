"""BCI Competition IV 2b, cross-session: every model of the package, per subject, in one run.

The protocol a user runs: train on sessions 1-3, test on sessions 4-5, 0.5-3.5 s after the
cue (samples 125-875 of the competition export's 4 s epochs at 250 Hz), package defaults,
``random_state=0``. Nothing is chosen on the test sessions: no early stopping, no model
selection, no labels; the aligned models align each test session causally (every trial with
the trials before it, :class:`~sktime_eeg.preprocessing.RunningEuclideanAligner`).

    python benchmarks/bench_bnci2b.py                      # subjects 1-6, all models
    python benchmarks/bench_bnci2b.py --models conv2d ts-lr --subjects 1 2
    python benchmarks/bench_bnci2b.py --dataset simulated --subjects 101 102
    python benchmarks/bench_bnci2b.py --models conv2d conv2d-ea --seeds 0 1 2   # seed spread

Rows are appended to ``--out`` (JSON lines) as they finish; a rerun with the same file skips
what it holds, so an interrupted run resumes. ``--dataset simulated`` replaces the recordings
by simulated motor imagery with five sessions per subject (22 channels, 250 Hz; a sanity
check for subjects that are not on disk). The braindecode row (ShallowFBCSPNet, 100 epochs,
the full 4 s window) is run when braindecode is importable, or, with
``--braindecode-python PATH``, by that interpreter in a subprocess -- braindecode imports
torchaudio, which has no release for every torch (none for 2.13), so it may need a virtual
environment of its own::

    python -m venv bd && bd/bin/pip install torch==2.9.1 'torchaudio==2.9.*' braindecode
    python benchmarks/bench_bnci2b.py --models braindecode --braindecode-python bd/bin/python

The subprocess gets the training and test arrays in a temporary ``.npz`` file and returns
the predictions and its fit time (measured inside it, interpreter start-up excluded).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

WINDOW = slice(125, 875)  # 0.5-3.5 s after the cue at 250 Hz
TRAIN_SESSIONS, TEST_SESSIONS = (1, 2, 3), (4, 5)

#: Row label -> description; the order of the table.
MODELS = {
    "ts-lr": "TS+LR (make_ts_lr)",
    "conv1d": "Conv1DEEGClassifier",
    "conv2d": "Conv2DEEGClassifier",
    "conformer": "ConformerEEGClassifier (2d stem)",
    "conv2d-crop500": "Conv2DEEGClassifier(crop_length=500)",
    "conformer-crop500": "ConformerEEGClassifier(crop_length=500)",
    "conv2d-pool375": "Conv2DEEGClassifier(pool_length=375, pool_stride=75)",
    "conv2d-ea": "RunningEuclideanAligner + Conv2DEEGClassifier",
    "conv2d-pool375-ea": "RunningEuclideanAligner + Conv2D(pool_length=375, pool_stride=75)",
    "conv2d-poolg-ea": 'RunningEuclideanAligner + Conv2D(pool_length="whole")',
    "conformer-ea": "RunningEuclideanAligner + ConformerEEGClassifier (2d stem)",
    "ts-lr-ea": "RunningEuclideanAligner + TS+LR",
    "braindecode": "braindecode ShallowFBCSPNet, 100 epochs, full 4 s window",
}


#: Rows without a network seed of the package's: run once, with seed 0.
SEEDLESS = ("ts-lr", "ts-lr-ea", "braindecode")


def braindecode_available() -> bool:
    try:
        import braindecode  # noqa: F401
    except Exception:  # ImportError, or torchaudio failing to load beside this torch
        return False
    return True


def make_model(name: str, seed: int = 0):
    """Unfitted model (networks seeded with ``seed``) and whether it aligns sessions (then fit
    takes the sessions)."""
    from sklearn.pipeline import make_pipeline

    from sktime_eeg import ConformerEEGClassifier, Conv1DEEGClassifier, Conv2DEEGClassifier
    from sktime_eeg.baselines import make_ts_lr
    from sktime_eeg.preprocessing import RunningEuclideanAligner

    aligned = name.endswith("-ea")
    base = name[: -len("-ea")] if aligned else name
    model = {
        "ts-lr": lambda: make_ts_lr(),
        "conv1d": lambda: Conv1DEEGClassifier(random_state=seed),
        "conv2d": lambda: Conv2DEEGClassifier(random_state=seed),
        "conformer": lambda: ConformerEEGClassifier(random_state=seed),
        "conv2d-crop500": lambda: Conv2DEEGClassifier(crop_length=500, random_state=seed),
        "conformer-crop500": lambda: ConformerEEGClassifier(crop_length=500, random_state=seed),
        "conv2d-pool375": lambda: Conv2DEEGClassifier(
            pool_length=375, pool_stride=75, random_state=seed
        ),
        # one pooling window over the whole trial: log variance of each spatiotemporal
        # filter, as in CSP (the rows of 2026-11-30 were measured with the same network
        # spelled pool_length=726, pool_stride=1: 750 samples - kernel 25 + 1)
        "conv2d-poolg": lambda: Conv2DEEGClassifier(pool_length="whole", random_state=seed),
    }[base]()
    if aligned:
        model = make_pipeline(RunningEuclideanAligner(), model)
    return model, aligned


def fit_predict_braindecode(X_train, y_train, X_test):
    """braindecode's ShallowFBCSPNet in its EEGClassifier, 100 epochs (only if installed)."""
    import torch

    torch.manual_seed(0)
    from braindecode import EEGClassifier
    from braindecode.models import ShallowFBCSPNet

    classes, y_enc = np.unique(y_train, return_inverse=True)
    clf = EEGClassifier(
        ShallowFBCSPNet,
        module__n_chans=X_train.shape[1],
        module__n_outputs=classes.size,
        module__n_times=X_train.shape[2],
        module__final_conv_length="auto",
        max_epochs=100,
        batch_size=64,
        train_split=None,
        optimizer=torch.optim.AdamW,
        lr=1e-3,
        verbose=0,
    )
    mean = X_train.mean(axis=(0, 2), keepdims=True)
    std = X_train.std(axis=(0, 2), keepdims=True)
    clf.fit(((X_train - mean) / std).astype(np.float32), y_enc)
    return classes[clf.predict(((X_test - mean) / std).astype(np.float32))]


def fit_predict_braindecode_subprocess(python: str, threads: int, X_train, y_train, X_test):
    """:func:`fit_predict_braindecode` run by another interpreter.

    Returns the predictions, the fit time in s and the worker's torch / braindecode versions.
    """
    with tempfile.TemporaryDirectory() as tmp:
        data, out = Path(tmp) / "data.npz", Path(tmp) / "out.npz"
        np.savez(data, X_train=X_train, y_train=y_train, X_test=X_test)
        cmd = [python, str(Path(__file__).resolve()), "--braindecode-worker", str(data), str(out)]
        cmd += ["--threads", str(threads)]
        done = subprocess.run(cmd, capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"{python} failed on the braindecode row:\n{done.stderr[-3000:]}")
        with np.load(out) as result:
            return result["pred"], float(result["fit_s"]), str(result["versions"])


def braindecode_worker(data: Path, out: Path) -> None:
    """The subprocess side: fit and predict the arrays in ``data``, save to ``out``."""
    with np.load(data) as arrays:
        X_train, y_train, X_test = arrays["X_train"], arrays["y_train"], arrays["X_test"]
    start = time.perf_counter()
    pred = fit_predict_braindecode(X_train, y_train, X_test)
    fit_s = time.perf_counter() - start
    import braindecode
    import torch

    versions = f"torch {torch.__version__}, braindecode {braindecode.__version__}"
    np.savez(out, pred=pred, fit_s=fit_s, versions=versions)


def load_subject(dataset: str, subject: int):
    """(X, y, session) of all five sessions: the 3 s window for the package's models."""
    if dataset == "bnci2014_004":
        from benchmarks.local_data import load_bnci2014_004

        X, y, session = load_bnci2014_004(subject, sessions=TRAIN_SESSIONS + TEST_SESSIONS)
        return X, y, session
    from sktime_eeg.evaluation import load_comparison_data

    # Simulated: 4 s epochs from the cue, so the same sample window applies.
    data = load_comparison_data(
        "simulated",
        subjects=[subject],
        n_sessions=5,
        n_trials=120,
        sfreq=250.0,
        window=(0.0, 4.0),
        random_state=subject,
    )
    return data.X, data.y, data.session.astype(int)


def run_one(name: str, X, y, session, braindecode_python=None, threads=2, seed=0) -> dict:
    train = np.isin(session, TRAIN_SESSIONS)
    # Test sessions in order, each in recording order (as the other rows predict them).
    test = np.concatenate([np.flatnonzero(session == s) for s in TEST_SESSIONS])
    start = time.perf_counter()
    extra = {}
    if name == "braindecode" and braindecode_python:
        pred, fit_s, extra["versions"] = fit_predict_braindecode_subprocess(
            braindecode_python, threads, X[train], y[train], X[test]
        )
    elif name == "braindecode":
        pred = fit_predict_braindecode(X[train], y[train], X[test])
        fit_s = time.perf_counter() - start
    else:
        Xw = X[:, :, WINDOW]
        model, aligned = make_model(name, seed)
        if aligned:
            step = model.steps[0][0]
            model.fit(Xw[train], y[train], **{f"{step}__groups": session[train]})
        else:
            model.fit(Xw[train], y[train])
        fit_s = time.perf_counter() - start
        # Each test session on its own, in recording order (the aligned models align each
        # trial with the trials of its session before it).
        pred = np.concatenate([model.predict(Xw[session == s]) for s in TEST_SESSIONS])
    y_test = np.concatenate([y[session == s] for s in TEST_SESSIONS])
    return {"acc": float(np.mean(pred == y_test)), "fit_s": fit_s, **extra}


def seeds_of(model: str, seeds: list[int]) -> list[int]:
    """The seeds a model runs with: the seedless rows (and braindecode, seeded 0) only 0."""
    return [0] if model in SEEDLESS else list(seeds)


def print_table(
    rows: list[dict], models: list[str], subjects: list[int], seeds: list[int] = (0,)
) -> None:
    """Accuracy per subject (the mean over ``seeds`` when several), the mean over subjects,
    and with several seeds the standard deviation of that mean over the seeds."""
    by_key = {(r["model"], r["subject"], r.get("seed", 0)): r for r in rows}
    several = len(seeds) > 1
    head = f"{'model':66s} " + " ".join(f"{'S' + str(s):>6s}" for s in subjects)
    print("\n" + head + f" {'mean':>6s}" + (f" {'sd':>5s}" if several else "") + f" {'fit s':>7s}")
    for model in models:
        model_seeds = seeds_of(model, seeds)
        cells, accs, times = [], [], []
        complete = True
        for subject in subjects:
            found = [by_key.get((model, subject, seed)) for seed in model_seeds]
            found = [row for row in found if row]
            complete &= len(found) == len(model_seeds)
            cells.append(
                f"{100 * np.mean([r['acc'] for r in found]):6.1f}" if found else f"{'-':>6s}"
            )
            if found:
                accs.append(np.mean([r["acc"] for r in found]))
                times += [r["fit_s"] for r in found]
        if not accs:
            continue
        mean = f"{100 * np.mean(accs):6.1f}" + ("*" if not complete else "")
        sd = ""
        if several:
            per_seed = [
                [by_key[(model, s, seed)]["acc"] for s in subjects if (model, s, seed) in by_key]
                for seed in model_seeds
            ]
            means = [np.mean(a) for a in per_seed if len(a) == len(subjects)]
            sd = f" {100 * np.std(means, ddof=1):5.2f}" if len(means) > 1 else f" {'-':>5s}"
        line = f"{MODELS[model]:66s} " + " ".join(cells) + f" {mean:>6s}" + sd
        print(line + f" {np.mean(times):7.1f}")
    print(
        "(accuracy %, test sessions 4-5; fit s: mean fit time per subject; * = not all subjects"
        + (
            f" or seeds; several seeds: each cell the mean over seeds {list(seeds)}, sd the "
            "standard deviation over those seeds of the mean over subjects; ts-lr and "
            "braindecode run with seed 0 only)"
            if several
            else ")"
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", choices=list(MODELS), default=list(MODELS))
    parser.add_argument("--subjects", nargs="+", type=int, default=[1, 2, 3, 4, 5, 6])
    parser.add_argument("--dataset", choices=["bnci2014_004", "simulated"], default="bnci2014_004")
    parser.add_argument("--threads", type=int, default=2, help="torch threads (default 2)")
    parser.add_argument("--out", type=Path, default=Path("bench_bnci2b.jsonl"))
    parser.add_argument(
        "--seeds",
        nargs="+",
        type=int,
        default=[0],
        help="random_state of the networks (default 0); several give the spread over seeds",
    )
    parser.add_argument(
        "--braindecode-python",
        help="an interpreter that imports braindecode, to run its row in a subprocess",
    )
    parser.add_argument("--braindecode-worker", nargs=2, type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()

    import torch

    if args.braindecode_worker:
        torch.set_num_threads(args.threads)
        braindecode_worker(*args.braindecode_worker)
        return

    torch.set_num_threads(args.threads)
    os.environ.setdefault("OMP_NUM_THREADS", str(args.threads))
    models = list(args.models)
    if "braindecode" in models and not (args.braindecode_python or braindecode_available()):
        print(
            "braindecode is not importable here (not installed, or torchaudio does not load "
            "beside this torch): its row is skipped."
        )
        models.remove("braindecode")
    rows = []
    if args.out.exists():
        rows = [json.loads(line) for line in args.out.read_text().splitlines()]
        rows = [r for r in rows if r.get("dataset", "bnci2014_004") == args.dataset]
    done = {(r["model"], r["subject"], r.get("seed", 0)) for r in rows}
    print(
        f"{args.dataset}: train sessions {TRAIN_SESSIONS}, test sessions {TEST_SESSIONS}, "
        f"0.5-3.5 s, torch threads {args.threads}; {time.strftime('%Y-%m-%d %H:%M')}"
    )
    data = {}
    for model in models:  # model by model, so the fast rows are complete first
        for seed in seeds_of(model, args.seeds):
            for subject in args.subjects:
                if (model, subject, seed) in done:
                    continue
                if subject not in data:
                    data[subject] = load_subject(args.dataset, subject)
                X, y, session = data[subject]
                row = {
                    "dataset": args.dataset,
                    "model": model,
                    "subject": subject,
                    "seed": seed,
                    **run_one(model, X, y, session, args.braindecode_python, args.threads, seed),
                }
                rows.append(row)
                with args.out.open("a") as f:
                    f.write(json.dumps(row) + "\n")
                print(
                    f"S{subject} {model:14s} seed {seed} {100 * row['acc']:5.1f} %  "
                    f"fit {row['fit_s']:6.1f} s",
                    flush=True,
                )
    print_table(rows, models, args.subjects, args.seeds)


if __name__ == "__main__":
    main()
