"""Choose training recipes on the TRAINING sessions of BCI IV 2b only (no test session is read).

Inner validation of the cross-session protocol: for every subject, fit on training sessions
1-2 and score on training session 3 (the later session, as the test sessions 4-5 are later
than the training ones); optionally also the other two leave-one-session-out folds
(``--folds 3``). The window is 0.5-3.5 s after the cue (samples 125-875 of the export's 4 s
epochs), as in ``bench_bnci2b.py``. Sessions 4-5 are never loaded here.

    python benchmarks/select_bnci2b.py --model conv2d --configs base crop500 crop500_aug \\
        --subjects 1 2 3 4 5 6 --out /tmp/select.jsonl

Each (model, config, subject, fold) row is appended to ``--out`` as JSON and skipped when the
file already has it, so a run can be resumed.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sklearn.pipeline import make_pipeline  # noqa: E402

from benchmarks.local_data import load_bnci2014_004  # noqa: E402
from sktime_eeg import (  # noqa: E402
    ConformerEEGClassifier,
    Conv1DEEGClassifier,
    Conv2DEEGClassifier,
)
from sktime_eeg.augment import (  # noqa: E402
    AmplitudeScale,
    ChannelDropout,
    FrequencyShift,
    GaussianNoise,
    Mixup,
)
from sktime_eeg.baselines import make_ts_lr  # noqa: E402
from sktime_eeg.preprocessing import RunningEuclideanAligner  # noqa: E402

WINDOW = slice(125, 875)  # 0.5-3.5 s after the cue at 250 Hz
MODELS = {
    "conv1d": Conv1DEEGClassifier,
    "conv2d": Conv2DEEGClassifier,
    "conformer": ConformerEEGClassifier,
    "ts-lr": None,  # sktime_eeg.baselines.make_ts_lr; only the "align" option applies
}
# Plain parameter dicts (model defaults elsewhere); "none" resets to the pre-issue recipe.
BASE = {"crop_length": None, "augment": None}
CONFIGS = {
    "base": {},
    "e100": {"max_epochs": 100},
    "bs32": {"batch_size": 32},
    "bs32_e100": {"batch_size": 32, "max_epochs": 100},
    "wd": {"weight_decay": 1e-2},
    "wd05": {"weight_decay": 0.5},
    "bs16": {"batch_size": 16},
    "lr3": {"lr": 3e-3},
    "pool150": {"pool_length": 150, "pool_stride": 30},
    "drop07": {"dropout": 0.7},
    "crop375": {"crop_length": 375},
    "crop500": {"crop_length": 500},
    "crop625": {"crop_length": 625},
    "crop500_e100": {"crop_length": 500, "max_epochs": 100},
    "crop500_e30": {"crop_length": 500, "max_epochs": 30},
    "crop500_bs32": {"crop_length": 500, "batch_size": 32},
    "crop500_wd": {"crop_length": 500, "weight_decay": 1e-2},
    "crop500_lr3": {"crop_length": 500, "lr": 3e-3},
    "crop500_noise": {"crop_length": 500, "augment": [GaussianNoise(0.1)]},
    "crop500_scale": {"crop_length": 500, "augment": [AmplitudeScale(0.8, 1.2, per_channel=True)]},
    "crop500_aug": {
        "crop_length": 500,
        "augment": [AmplitudeScale(0.8, 1.2, per_channel=True), GaussianNoise(0.1)],
    },
    "crop500_fshift": {"crop_length": 500, "augment": [FrequencyShift(1.0, 250.0)]},
    "crop500_chdrop": {"crop_length": 500, "augment": [ChannelDropout(0.1)]},
    "crop500_mixup": {"crop_length": 500, "augment": [Mixup(0.2)]},
    "aug": {"augment": [AmplitudeScale(0.8, 1.2, per_channel=True), GaussianNoise(0.1)]},
    "mixup": {"augment": [Mixup(0.2)]},
    "fshift": {"augment": [FrequencyShift(1.0, 250.0)]},
    "scale": {"augment": [AmplitudeScale(0.8, 1.2, per_channel=True)]},
    # "align": running Euclidean alignment per session in front of the classifier.
    "ea": {"align": True},
    "ea_crop500": {"align": True, "crop_length": 500},
    "ea_aug": {
        "align": True,
        "augment": [AmplitudeScale(0.8, 1.2, per_channel=True), GaussianNoise(0.1)],
    },
    "ea_e100": {"align": True, "max_epochs": 100},
    "ea_wd": {"align": True, "weight_decay": 1e-2},
    # second screen (all three folds): capacity, regularisation, schedule, seed ensembles
    "k50": {"kernel_length": 50},
    "k13": {"kernel_length": 13},
    "f20": {"n_filters": 20},
    "f80": {"n_filters": 80},
    "drop25": {"dropout": 0.25},
    "lr3e4_e100": {"lr": 3e-4, "max_epochs": 100},
    "e25": {"max_epochs": 25},
    "wd_e100": {"weight_decay": 1e-2, "max_epochs": 100},
    "mixup_e100": {"augment": [Mixup(0.2)], "max_epochs": 100},
    "aug_e100": {
        "augment": [AmplitudeScale(0.8, 1.2, per_channel=True), GaussianNoise(0.1)],
        "max_epochs": 100,
    },
    # "n_seeds": average the predicted probabilities of networks fitted with seeds 0..n-1
    "ens3": {"n_seeds": 3},
    "ens5": {"n_seeds": 5},
    "ea_ens3": {"align": True, "n_seeds": 3},
    "ea_ens5": {"align": True, "n_seeds": 5},
}
FOLDS = [((1, 2), 3), ((1, 3), 2), ((2, 3), 1)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", choices=list(MODELS), default="conv2d")
    parser.add_argument("--configs", nargs="+", default=["base", "crop500"])
    parser.add_argument("--subjects", nargs="+", type=int, default=[1, 2, 3, 4, 5, 6])
    parser.add_argument("--folds", type=int, choices=[1, 3], default=1)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--conformer-layers", type=int, default=6)
    parser.add_argument("--out", type=Path, default=Path("select_bnci2b.jsonl"))
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    done = set()
    if args.out.exists():
        for line in args.out.read_text().splitlines():
            row = json.loads(line)
            done.add((row["model"], row["config"], row["subject"], row["fold"]))
    for subject in args.subjects:
        X, y, session = load_bnci2014_004(subject, sessions=(1, 2, 3))
        X = X[:, :, WINDOW]
        for config in args.configs:
            for fold, (train_sessions, valid_session) in enumerate(FOLDS[: args.folds]):
                key = (args.model, config, subject, fold)
                if key in done:
                    continue
                params = {**BASE, **CONFIGS[config]}
                align = params.pop("align", False)
                n_seeds = params.pop("n_seeds", 1)
                if args.model == "conformer":
                    params["n_layers"] = args.conformer_layers
                train = np.isin(session, train_sessions)
                valid = session == valid_session
                start = time.perf_counter()
                proba = 0.0
                for seed in range(n_seeds):
                    if args.model == "ts-lr":
                        clf = make_ts_lr()
                    else:
                        clf = MODELS[args.model](**params, random_state=seed)
                    if align:  # sessions aligned causally; the valid session as one group
                        clf = make_pipeline(RunningEuclideanAligner(), clf)
                        clf.fit(X[train], y[train], runningeuclideanaligner__groups=session[train])
                    else:
                        clf.fit(X[train], y[train])
                    proba = proba + clf.predict_proba(X[valid])
                fit_s = time.perf_counter() - start
                acc = float(np.mean(clf.classes_[np.argmax(proba, axis=1)] == y[valid]))
                row = dict(zip(("model", "config", "subject", "fold"), key, strict=True))
                row.update(acc=acc, fit_s=fit_s)
                with args.out.open("a") as f:
                    f.write(json.dumps(row) + "\n")
                print(
                    f"{args.model:9s} {config:16s} S{subject} fold {fold}: {acc:.3f} "
                    f"({fit_s:.1f} s)",
                    flush=True,
                )
    summarize(args.out)


def summarize(path: Path) -> None:
    """Mean inner-validation accuracy per (model, config) over the subjects present."""
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    table: dict[tuple[str, str], dict[int, list[float]]] = {}
    times: dict[tuple[str, str], list[float]] = {}
    for row in rows:
        table.setdefault((row["model"], row["config"]), {}).setdefault(row["subject"], []).append(
            row["acc"]
        )
        times.setdefault((row["model"], row["config"]), []).append(row["fit_s"])
    print(f"\n{'model':9s} {'config':16s} " + " ".join(f"  S{s}" for s in range(1, 7)) + "  mean")
    for (model, config), per_subject in sorted(table.items()):
        cells = [
            f"{100 * np.mean(per_subject[s]):4.1f}" if s in per_subject else "   -"
            for s in range(1, 7)
        ]
        mean = 100 * np.mean([np.mean(v) for v in per_subject.values()])
        print(
            f"{model:9s} {config:16s} " + " ".join(cells) + f"  {mean:4.1f}"
            f"  (n={len(per_subject)}, {np.mean(times[(model, config)]):.1f} s/fit)"
        )


if __name__ == "__main__":
    main()
