"""
Do 1D and 2D convolutions learn the same thing?
===============================================

Dixen, Heinrich & Burelli (2026) compare EEG CNNs whose first layer is a temporal then a
spatial convolution ("1D") with the same networks built on one spatiotemporal convolution
("2D"). They report that both rely on the same frequency bands, but that their internal
representations are very different. This example repeats both analyses with
:mod:`sktime_eeg.explain`:

(a) **Band importance** (:func:`~sktime_eeg.explain.band_importance`): how much test
    accuracy drops when a band is filtered out, for every model, and the rank correlation
    between the 1D and the 2D importance profiles.
(b) **Representational similarity** (:func:`~sktime_eeg.explain.representational_similarity`):
    linear CKA and RSA between the log band-power features of every pair of models.

A fitted 1D model and its :meth:`~sktime_eeg.Conv1DEEGClassifier.fold` compute the same
function, so their representations are identical (similarity 1, checked below). The
question is about *independently trained* models: several seeds of each kind, compared
within a kind (2D vs 2D, 1D vs 1D) and across kinds (1D vs 2D).

Two datasets, as in the paper: 3 channels (BCI Competition IV 2b, subject 4) and 64
channels (PhysioNet eegmmidb, subject 1, both fists vs both feet, imagined and executed).
The recordings are read from ``../shared/data`` when present; otherwise
:func:`~sktime_eeg.datasets.make_motor_imagery` simulates data of the same shape. To keep
the run to a few minutes the data are downsampled (2b to 125 Hz, eegmmidb to 80 Hz and
0.5-2.5 s after the cue) and three seeds of each model are trained. The results are
discussed in :doc:`/reproducing_the_paper`.
"""

# %%
# Data
# ----
import os
import sys
import time
from itertools import combinations
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from scipy import stats

from sktime_eeg import Conv1DEEGClassifier, Conv2DEEGClassifier
from sktime_eeg.datasets import make_motor_imagery
from sktime_eeg.explain import (
    band_importance,
    layer_activations,
    linear_cka,
    plot_similarity,
    representational_similarity,
)
from sktime_eeg.preprocessing import Resampler

try:  # the repository root holds benchmarks/local_data.py (readers of ../shared/data)
    ROOT = Path(__file__).resolve().parents[1]
except NameError:  # run interactively from examples/
    ROOT = Path.cwd().parent
sys.path.insert(0, str(ROOT))
from benchmarks.local_data import load_bnci2014_004, shared_data_dir  # noqa: E402

SHARED = shared_data_dir()
SEEDS = (0, 1, 2)
FIGURES = os.environ.get("SKTIME_EEG_FIGURES")  # folder to save the figures in, if set


def load_3_channels():
    """BCI IV 2b subject 4 at 125 Hz: sessions 1-3 train, 4-5 test (microvolts)."""
    if SHARED is not None and (SHARED / "bnci2014_004").is_dir():
        X_train, y_train, _ = load_bnci2014_004(4, sessions=(1, 2, 3))
        X_test, y_test, _ = load_bnci2014_004(4, sessions=(4, 5))
        resample = Resampler(125.0, sfreq=250.0)
        name = "BCI IV 2b, S4 (3 ch)"
        return resample.transform(X_train), y_train, resample.transform(X_test), y_test, name
    X, y = make_motor_imagery(
        600, montage="bci_iv_2b", sfreq=125.0, duration=4.0, snr=3.0, random_state=0
    )
    return X[:360], y[:360], X[360:], y[360:], "simulated (3 ch)"


def load_64_channels():
    """eegmmidb S001 hands vs feet, 0.5-2.5 s after the cue at 80 Hz (volts)."""
    path = None if SHARED is None else SHARED / "eegmmidb"
    if path is not None and path.is_dir():
        from sktime_eeg.datasets import load_physionet_mi

        epochs = load_physionet_mi(
            1, "hands_feet", path=path, runs=(5, 6, 9, 10, 13, 14), tmin=0.5, tmax=2.5, l_freq=1.0
        )
        epochs.set_eeg_reference("average", verbose="error").resample(80.0)
        X, y = epochs.get_data()[..., :160], epochs.metadata["label"].to_numpy()
        name = "eegmmidb, S1 (64 ch)"
    else:
        X, y = make_motor_imagery(
            90, montage="physionet_64", sfreq=80.0, duration=2.0, snr=3.0, random_state=0
        )
        name = "simulated (64 ch)"
    order = np.random.default_rng(0).permutation(len(y))
    train, test = order[:60], order[60:]
    return X[train], y[train], X[test], y[test], name


# %%
# Models
# ------
# ShallowNet with either stem; the time constants of the default architecture (100 ms
# kernels, 300 ms pooling windows every 60 ms) scaled to each sampling rate.
def make_models(sfreq, **training):
    lengths = dict(
        kernel_length=int(round(0.1 * sfreq)),
        pool_length=int(round(0.3 * sfreq)),
        pool_stride=int(round(0.06 * sfreq)),
        **training,
    )
    models = {}
    for seed in SEEDS:
        models[f"1D s{seed}"] = Conv1DEEGClassifier(random_state=seed, **lengths)
        models[f"2D s{seed}"] = Conv2DEEGClassifier(random_state=seed, **lengths)
    return models


def kind(name):
    return name.split()[0]


def pair_summary(matrix):
    """Mean (min-max) of the off-diagonal entries for within-1D, within-2D and 1D-vs-2D pairs."""
    groups = {"1D-1D": [], "2D-2D": [], "1D-2D": []}
    for a, b in combinations(matrix.index, 2):
        key = "-".join(sorted((kind(a), kind(b))))
        groups[key].append(matrix.loc[a, b])
    return {key: (np.mean(v), np.min(v), np.max(v)) for key, v in groups.items()}


def analyse(loader, sfreq, **training):
    X_train, y_train, X_test, y_test, name = loader()
    print(f"\n== {name}: train {X_train.shape}, test {X_test.shape}")
    models = make_models(sfreq, **training)
    for label, model in models.items():
        start = time.perf_counter()
        model.fit(X_train, y_train)
        print(
            f"{label}: fit {time.perf_counter() - start:5.1f} s, "
            f"test accuracy {model.score(X_test, y_test):.3f}"
        )

    # (a) band importance of every model on the test trials
    importance = {}
    for label, model in models.items():
        frame = band_importance(model, X_test, y_test, sfreq=sfreq, n_repeats=20, random_state=0)
        importance[label] = frame.set_index("band")["importance"]
    importance = pd.DataFrame(importance)
    rho = {}
    for a, b in combinations(importance.columns, 2):
        key = "-".join(sorted((kind(a), kind(b))))
        rho.setdefault(key, []).append(stats.spearmanr(importance[a], importance[b])[0])
    mean_1d = importance[[c for c in importance if kind(c) == "1D"]].mean(axis=1)
    mean_2d = importance[[c for c in importance if kind(c) == "2D"]].mean(axis=1)
    rho_means = stats.spearmanr(mean_1d, mean_2d)[0]
    print("band importance (accuracy drop without the band):")
    print(importance.round(3).to_string())
    print(
        f"Spearman rank correlation of the mean profiles, 1D vs 2D: {rho_means:.2f}; "
        "pairs of models: " + ", ".join(f"{k} {np.nanmean(v):.2f}" for k, v in sorted(rho.items()))
    )

    # (b) representational similarity; the 64-channel set has only 30 test trials, so its
    # representations are compared on all 90 trials
    X_repr = X_test if len(y_test) >= 100 else np.concatenate([X_train, X_test])
    folded = models["1D s0"].fold()
    check = linear_cka(
        layer_activations(models["1D s0"], X_repr, "drop"),
        layer_activations(folded, X_repr, "drop"),
    )
    print(f"sanity: CKA(1D s0, fold of 1D s0) = {check:.6f}")
    similarities = {
        "CKA (debiased)": representational_similarity(
            models, X_repr, layer="drop", method="cka", debiased=True
        ),
        "CKA": representational_similarity(models, X_repr, layer="drop", method="cka"),
        "RSA (Spearman)": representational_similarity(models, X_repr, layer="drop", method="rsa"),
        "CKA (debiased) at stem": representational_similarity(
            models, X_repr, layer="stem", method="cka", debiased=True
        ),
    }
    summary = pd.DataFrame(
        {
            metric: {
                pair: f"{mean:.3f} ({low:.3f}-{high:.3f})"
                for pair, (mean, low, high) in pair_summary(matrix).items()
            }
            for metric, matrix in similarities.items()
        }
    ).T
    print("similarity between models, mean (min-max) over the pairs of each kind:")
    print(summary[["1D-1D", "2D-2D", "1D-2D"]].to_string())
    return name, importance, rho_means, similarities


# With only 60 training trials the 64-channel models take smaller batches (more updates).
results = [
    analyse(load_3_channels, sfreq=125.0, max_epochs=25),
    analyse(load_64_channels, sfreq=80.0, max_epochs=40, batch_size=16),
]

# %%
# (a) Band importance: 1D and 2D side by side
# -------------------------------------------
# Bars: mean accuracy drop over the seeds when the band is filtered out; whiskers: the
# smallest and largest seed. The title gives the Spearman rank correlation between the
# mean 1D and the mean 2D profile.
fig, axes = plt.subplots(1, len(results), figsize=(11, 3.8), layout="constrained")
for ax, (name, importance, rho_means, _) in zip(axes, results, strict=True):
    positions = np.arange(len(importance.index))
    for offset, model_kind, color in ((-0.2, "1D", "tab:blue"), (0.2, "2D", "tab:orange")):
        values = importance[[c for c in importance if kind(c) == model_kind]]
        mean = values.mean(axis=1)
        err = np.vstack([mean - values.min(axis=1), values.max(axis=1) - mean])
        ax.bar(positions + offset, mean, 0.4, yerr=err, color=color, label=model_kind, capsize=2)
    ax.axhline(0, color="k", linewidth=0.8)
    ax.set_xticks(positions, importance.index, rotation=30, ha="right")
    ax.set_ylabel("accuracy drop")
    ax.set_title(f"{name}\nSpearman rho(1D, 2D) = {rho_means:.2f}", fontsize=10)
axes[0].legend()
if FIGURES:
    fig.savefig(Path(FIGURES) / "band_importance.png", dpi=120)

# %%
# (b) Representational similarity across models and seeds
# -------------------------------------------------------
# Debiased linear CKA and RSA (Spearman correlation of correlation-distance RDMs) of the
# log band-power features. If the geometry of 1D and 2D models differed, the 1D-2D block
# (off-diagonal quadrants) would be darker than the 1D-1D and 2D-2D blocks. Each colour
# scale is stretched to its own range of values: compare the blocks, and read the numbers.
fig, axes = plt.subplots(2, len(results), figsize=(11, 9.5), layout="constrained")
for column, (name, _, _, similarities) in enumerate(results):
    for row, metric in enumerate(("CKA (debiased)", "RSA (Spearman)")):
        matrix = similarities[metric]
        order = sorted(matrix.index, key=lambda label: (kind(label), label))
        plot_similarity(
            matrix.loc[order, order],
            ax=axes[row, column],
            vmin=None,
            vmax=1.0,
            title=f"{name}: {metric}",
        )
if FIGURES:
    fig.savefig(Path(FIGURES) / "representational_similarity.png", dpi=120)
plt.show()
