"""Choose training recipes on the TRAINING sessions of BCI IV 2b only (no test session is read).

Inner validation of the cross-session protocol: for every subject, fit on training sessions
1-2 and score on training session 3 (the later session, as the test sessions 4-5 are later
than the training ones); optionally also the other two leave-one-session-out folds
(``--folds 3``). The window is 0.5-3.5 s after the cue (samples 125-875 of the export's 4 s
epochs), as in ``bench_bnci2b.py``. Sessions 4-5 are never loaded here.

    python benchmarks/select_bnci2b.py --model conv2d --configs base crop500 crop500_aug \\
        --subjects 1 2 3 4 5 6 --out /tmp/select.jsonl

Each (model, config, subject, fold, seed) row is appended to ``--out`` as JSON and skipped
when the file already has it, so a run can be resumed. ``--seeds 1 2`` repeats a screen with
other network seeds (a confirmation independent of the seed the screen chose on).

Some recipes use transforms that are not in the package, defined here for the screen only:
segment recombination (Song et al. 2023's "S&R"), label smoothing, a left/right hemisphere
flip (C3 <-> C4 with the labels swapped) and per-trial normalisation.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch
from sklearn.base import BaseEstimator, TransformerMixin

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sklearn.pipeline import make_pipeline  # noqa: E402

from benchmarks.bench_bnci2b import WINDOW  # noqa: E402
from benchmarks.local_data import load_bnci2014_004  # noqa: E402
from sktime_eeg import (  # noqa: E402
    ConformerEEGClassifier,
    Conv1DEEGClassifier,
    Conv2DEEGClassifier,
)
from sktime_eeg.augment import (  # noqa: E402
    AmplitudeScale,
    BatchTransform,
    ChannelDropout,
    FrequencyShift,
    GaussianNoise,
    Mixup,
)
from sktime_eeg.baselines import make_ts_lr  # noqa: E402
from sktime_eeg.preprocessing import RunningEuclideanAligner  # noqa: E402


class SegmentRecombination(BatchTransform):
    """Rebuild each trial from time segments of random trials of its class in the batch."""

    def __init__(self, n_segments: int = 8, append: bool = False) -> None:
        self.n_segments = n_segments
        self.append = append

    def _check(self) -> None:
        pass

    def __call__(self, X, y, *, n_classes):
        bounds = np.linspace(0, X.shape[-1], self.n_segments + 1).astype(int)
        labels = y if y.ndim == 1 else y.argmax(1)
        out = X.clone()
        for k in range(n_classes):
            idx = torch.nonzero(labels == k).flatten()
            if idx.numel() == 0:  # class absent from this batch
                continue
            for start, stop in zip(bounds[:-1], bounds[1:], strict=True):
                source = idx[torch.randint(idx.numel(), (idx.numel(),))]
                out[idx, :, start:stop] = X[source, :, start:stop]
        return (torch.cat([X, out]), torch.cat([y, y])) if self.append else (out, y)


class LabelSmoothing(BatchTransform):
    """Soft targets ``(1 - eps) * one_hot + eps / n_classes``."""

    def __init__(self, eps: float = 0.1) -> None:
        self.eps = eps

    def _check(self) -> None:
        pass

    def __call__(self, X, y, *, n_classes):
        if y.ndim == 1:
            y = torch.nn.functional.one_hot(y, n_classes).to(X.dtype)
        return X, y * (1 - self.eps) + self.eps / n_classes


class HemisphereFlip(BatchTransform):
    """With probability ``p``, swap C3 and C4 (channels 0 and 2) and the two classes."""

    def __init__(self, p: float = 0.5) -> None:
        self.p = p

    def _check(self) -> None:
        pass

    def __call__(self, X, y, *, n_classes):
        flip = torch.rand(X.shape[0]) < self.p
        X, y = X.clone(), y.clone()
        X[flip] = X[flip][:, [2, 1, 0]]
        y[flip] = 1 - y[flip] if y.ndim == 1 else y[flip].flip(1)
        return X, y


class SpatialMix(BatchTransform):
    """Multiply each trial by a random matrix ``I + eps * N(0, 1)`` (channels x channels).

    A simulated between-session shift: other gains and other mixing of the sources into the
    electrodes, as a moved cap or changed impedances give."""

    def __init__(self, eps: float = 0.1) -> None:
        self.eps = eps

    def _check(self) -> None:
        pass

    def __call__(self, X, y, *, n_classes):
        n_trials, n_channels = X.shape[:2]
        noise = torch.randn((n_trials, n_channels, n_channels), dtype=X.dtype).to(X.device)
        mixing = torch.eye(n_channels, dtype=X.dtype, device=X.device) + self.eps * noise
        return mixing @ X, y


class TrialNorm(BaseEstimator, TransformerMixin):
    """Standardize every channel of every trial over time (per-trial z-score)."""

    def fit(self, X, y=None):
        return self

    def transform(self, X):
        return (X - X.mean(-1, keepdims=True)) / X.std(-1, keepdims=True)


class TrialScale(BaseEstimator, TransformerMixin):
    """Divide every trial by its standard deviation over channels and time."""

    def fit(self, X, y=None):
        return self

    def transform(self, X):
        return X / X.std(axis=(1, 2), keepdims=True)


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
    # third screen (2026-11-30, second session): head size, pooling, label tricks
    "sr8": {"augment": [SegmentRecombination(8)]},
    "sr8_app": {"augment": [SegmentRecombination(8, append=True)]},
    "ea_sr8": {"align": True, "augment": [SegmentRecombination(8)]},
    "crop500_sr8": {"crop_length": 500, "augment": [SegmentRecombination(8)]},
    "ls1": {"augment": [LabelSmoothing(0.1)]},
    "flip": {"augment": [HemisphereFlip(0.5)]},
    "tnorm": {"front": TrialNorm},
    "tscale": {"front": TrialScale},
    "pool375": {"pool_length": 375, "pool_stride": 75},
    # One pooling window over the trial. The rows of 2026-11-30c/d were measured with the same
    # network spelled pool_length=726, pool_stride=1 (750 samples - kernel 25 + 1).
    "poolg": {"pool_length": "whole"},
    "drop0": {"dropout": 0.0},
    "lr2e3": {"lr": 2e-3},
    "bs32_lr5e4": {"batch_size": 32, "lr": 5e-4},
    "drop25_ea": {"dropout": 0.25, "align": True},
    "drop25_crop500": {"dropout": 0.25, "crop_length": 500},
    "f20_ea": {"n_filters": 20, "align": True},
    "f20_drop25": {"n_filters": 20, "dropout": 0.25},
    "f20_lr2e3": {"n_filters": 20, "lr": 2e-3},
    "f20_pool375": {"n_filters": 20, "pool_length": 375, "pool_stride": 75},
    "f20_pool375_ea": {"n_filters": 20, "pool_length": 375, "pool_stride": 75, "align": True},
    "f20_pool375_drop25": {
        "n_filters": 20,
        "pool_length": 375,
        "pool_stride": 75,
        "dropout": 0.25,
    },
    "f10": {"n_filters": 10},
    "pool375_drop25": {"pool_length": 375, "pool_stride": 75, "dropout": 0.25},
    "pool375_ea": {"pool_length": 375, "pool_stride": 75, "align": True},
    "pool250_ea": {"pool_length": 250, "pool_stride": 50, "align": True},
    "poolg_ea": {"pool_length": "whole", "align": True},
    "pool375_drop25_ea": {
        "pool_length": 375,
        "pool_stride": 75,
        "dropout": 0.25,
        "align": True,
    },
    "pool375_e100_ea": {"pool_length": 375, "pool_stride": 75, "max_epochs": 100, "align": True},
    # Fourth screen: simulated session shifts (random spatial mixing, per-channel gains) in
    # front of the coarse heads, without alignment -- levers an estimator's defaults can hold.
    "smix1": {"augment": [SpatialMix(0.1)]},
    "smix2": {"augment": [SpatialMix(0.2)]},
    "pool375_smix1": {"pool_length": 375, "pool_stride": 75, "augment": [SpatialMix(0.1)]},
    "pool375_smix2": {"pool_length": 375, "pool_stride": 75, "augment": [SpatialMix(0.2)]},
    "poolg_smix1": {
        "pool_length": "whole",
        "augment": [SpatialMix(0.1)],
    },
    "poolg_smix2": {
        "pool_length": "whole",
        "augment": [SpatialMix(0.2)],
    },
    "pool375_scale": {
        "pool_length": 375,
        "pool_stride": 75,
        "augment": [AmplitudeScale(0.8, 1.2, per_channel=True)],
    },
    "poolg_scale": {
        "pool_length": "whole",
        "augment": [AmplitudeScale(0.8, 1.2, per_channel=True)],
    },
}
FOLDS = [((1, 2), 3), ((1, 3), 2), ((2, 3), 1)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", choices=list(MODELS), default="conv2d")
    parser.add_argument("--configs", nargs="+", default=["base", "crop500"])
    parser.add_argument("--subjects", nargs="+", type=int, default=[1, 2, 3, 4, 5, 6])
    parser.add_argument("--folds", type=int, choices=[1, 3], default=1)
    parser.add_argument("--seeds", nargs="+", type=int, default=[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--conformer-layers", type=int, default=6)
    parser.add_argument("--out", type=Path, default=Path("select_bnci2b.jsonl"))
    parser.add_argument(
        "--summarize",
        type=Path,
        metavar="ROWS",
        help="print the table of a rows file over the fits of --seeds, and exit",
    )
    args = parser.parse_args()
    if args.summarize:
        summarize(args.summarize, seeds=args.seeds)
        return
    if args.model == "ts-lr" and args.seeds != [0]:
        parser.error("ts-lr has no seed; run it with the default --seeds 0")
    torch.set_num_threads(args.threads)
    done = set()
    if args.out.exists():
        for line in args.out.read_text().splitlines():
            row = json.loads(line)
            done.add((row["model"], row["config"], row["subject"], row["fold"], row.get("seed", 0)))
    for subject in args.subjects:
        X, y, session = load_bnci2014_004(subject, sessions=(1, 2, 3))
        X = X[:, :, WINDOW]
        for config in args.configs:
            for fold, (train_sessions, valid_session) in enumerate(FOLDS[: args.folds]):
                for seed in args.seeds:
                    key = (args.model, config, subject, fold, seed)
                    if key in done:
                        continue
                    train = np.isin(session, train_sessions)
                    valid = session == valid_session
                    acc, fit_s = score_config(
                        args.model, config, seed, X, y, session, train, valid, args
                    )
                    row = dict(
                        zip(("model", "config", "subject", "fold", "seed"), key, strict=True)
                    )
                    row.update(acc=acc, fit_s=fit_s)
                    with args.out.open("a") as f:
                        f.write(json.dumps(row) + "\n")
                    print(
                        f"{args.model:9s} {config:16s} S{subject} fold {fold} seed {seed}: "
                        f"{acc:.3f} ({fit_s:.1f} s)",
                        flush=True,
                    )
    summarize(args.out, seeds=args.seeds)


def score_config(model, config, seed, X, y, session, train, valid, args) -> tuple[float, float]:
    """Fit one recipe on the ``train`` trials, return (accuracy on ``valid``, fit seconds)."""
    params = {**BASE, **CONFIGS[config]}
    align = params.pop("align", False)
    front = params.pop("front", None)
    n_seeds = params.pop("n_seeds", 1)
    if align and front is not None:
        raise ValueError(f"config {config!r}: 'align' and 'front' cannot be combined")
    if model == "conformer":
        params["n_layers"] = args.conformer_layers
    start = time.perf_counter()
    proba = 0.0
    # An ensemble of n networks: seeds n * seed .. n * seed + n - 1, so that the ensembles of
    # different --seeds share no member (seed 0: 0 .. n - 1, as before --seeds existed).
    for member in range(n_seeds * seed, n_seeds * (seed + 1)):
        clf = make_ts_lr() if model == "ts-lr" else MODELS[model](**params, random_state=member)
        if align:  # sessions aligned causally; the valid session as one group
            clf = make_pipeline(RunningEuclideanAligner(), clf)
            clf.fit(X[train], y[train], runningeuclideanaligner__groups=session[train])
        else:
            if front is not None:
                clf = make_pipeline(front(), clf)
            clf.fit(X[train], y[train])
        proba = proba + clf.predict_proba(X[valid])
    fit_s = time.perf_counter() - start
    return float(np.mean(clf.classes_[np.argmax(proba, axis=1)] == y[valid])), fit_s


def summarize(path: Path, seeds=None) -> None:
    """Mean inner-validation accuracy per (model, config), and the paired difference from the
    model's "base" over the (subject, fold, seed) fits both have, with its t statistic over
    subjects (each subject's differences averaged first). ``seeds``: only the fits of these
    seeds (None: all)."""
    from scipy import stats

    rows = [json.loads(line) for line in path.read_text().splitlines()]
    if seeds is not None:
        rows = [row for row in rows if row.get("seed", 0) in seeds]
    acc: dict[tuple[str, str], dict[tuple[int, int, int], float]] = {}
    times: dict[tuple[str, str], list[float]] = {}
    for row in rows:
        fit = (row["subject"], row["fold"], row.get("seed", 0))
        acc.setdefault((row["model"], row["config"]), {})[fit] = row["acc"]
        times.setdefault((row["model"], row["config"]), []).append(row["fit_s"])
    print(f"\n{'model':9s} {'config':18s} " + " ".join(f"  S{s}" for s in range(1, 7)) + "  mean")
    for (model, config), fits in sorted(acc.items()):
        per_subject = {}
        for (subject, _, _), value in fits.items():
            per_subject.setdefault(subject, []).append(value)
        cells = [
            f"{100 * np.mean(per_subject[s]):4.1f}" if s in per_subject else "   -"
            for s in range(1, 7)
        ]
        mean = 100 * np.mean([np.mean(v) for v in per_subject.values()])
        line = f"{model:9s} {config:18s} " + " ".join(cells) + f"  {mean:4.1f}"
        base = acc.get((model, "base"), {})
        diffs: dict[int, list[float]] = {}
        for fit, value in fits.items():
            if fit in base:
                diffs.setdefault(fit[0], []).append(value - base[fit])
        if config != "base" and len(diffs) >= 2:
            d = 100 * np.array([np.mean(v) for v in diffs.values()])
            t = stats.ttest_1samp(d, 0.0).statistic if np.ptp(d) > 0 else float("nan")
            line += f"  diff {d.mean():+.2f} (t {t:.2f}, {len(d)} subjects)"
        n_fits = len(fits)
        print(line + f"  [{n_fits} fits, {np.mean(times[(model, config)]):.1f} s/fit]")


if __name__ == "__main__":
    main()
