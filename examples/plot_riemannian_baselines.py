"""
Riemannian baselines on BCI Competition IV 2b
=============================================

Four ready pyRiemann pipelines from :mod:`sktime_eeg.baselines` -- CSP+LDA, MDM, tangent
space + logistic regression and FgMDM -- behind the same preprocessing steps
(:class:`~sktime_eeg.preprocessing.BandpassFilter` 8-30 Hz, then
:class:`~sktime_eeg.preprocessing.TimeCrop` to 0.5-3.5 s after the cue), evaluated
cross-session: train on sessions 1-3, test on sessions 4-5 of each subject.

The recorded data (BCI Competition IV 2b, 3 channels C3/Cz/C4 at 250 Hz) is read from
``../shared/data`` when it is there. Without it, the example falls back to simulated motor
imagery from :func:`sktime_eeg.datasets.make_motor_imagery` (same montage and sampling
rate; three "subjects" of increasing signal-to-noise ratio), so it always runs.
"""

# %%
# Data
# ----
import sys
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from sklearn.pipeline import make_pipeline

from sktime_eeg.baselines import make_csp_lda, make_fgmdm, make_mdm, make_ts_lr
from sktime_eeg.preprocessing import BandpassFilter, TimeCrop

SFREQ = 250.0

try:  # the repository root holds benchmarks/local_data.py (readers of ../shared/data)
    root = Path(__file__).resolve().parents[1]
except NameError:  # run interactively from examples/
    root = Path.cwd().parent
sys.path.insert(0, str(root))
try:
    from benchmarks.local_data import load_bnci2014_004, shared_data_dir

    data_dir = shared_data_dir()
    has_recordings = data_dir is not None and (data_dir / "bnci2014_004").is_dir()
except ImportError:
    has_recordings = False


def load_subject(subject):
    """Train and test trials (microvolts or volts, n_trials x 3 x 1000) and labels."""
    if has_recordings:
        X_train, y_train, _ = load_bnci2014_004(subject, sessions=(1, 2, 3))
        X_test, y_test, _ = load_bnci2014_004(subject, sessions=(4, 5))
        return X_train, y_train, X_test, y_test
    from sktime_eeg.datasets import make_motor_imagery

    snr = {1: 1.0, 2: 2.0, 3: 4.0}[subject]
    X, y = make_motor_imagery(
        240, montage="bci_iv_2b", sfreq=SFREQ, duration=4.0, snr=snr, random_state=subject
    )
    return X[:144], y[:144], X[144:], y[144:]


subjects = [1, 2, 3, 4, 5, 6] if has_recordings else [1, 2, 3]
source = "BCI Competition IV 2b" if has_recordings else "simulated motor imagery"
print(f"Data: {source}, subjects {subjects}")

# %%
# The four baselines behind the same preprocessing
# ------------------------------------------------
# Every step takes arrays (then it needs ``sfreq``) or ``mne.Epochs``; the baselines start
# by converting Epochs to microvolt arrays and estimate covariances with OAS shrinkage.
baselines = {
    "CSP+LDA": make_csp_lda,
    "MDM": make_mdm,
    "TS+LR": make_ts_lr,
    "FgMDM": make_fgmdm,
}


def make_model(make_baseline):
    return make_pipeline(
        BandpassFilter(8.0, 30.0, sfreq=SFREQ),
        TimeCrop(0.5, 3.5, sfreq=SFREQ, include_tmax=False),  # samples 125..874
        make_baseline(),
    )


accuracies = np.zeros((len(subjects), len(baselines)))
for i, subject in enumerate(subjects):
    X_train, y_train, X_test, y_test = load_subject(subject)
    for j, make_baseline in enumerate(baselines.values()):
        model = make_model(make_baseline).fit(X_train, y_train)
        accuracies[i, j] = model.score(X_test, y_test)
    scores = ", ".join(
        f"{name} {acc:.3f}" for name, acc in zip(baselines, accuracies[i], strict=True)
    )
    print(f"subject {subject}: {len(y_train)} train / {len(y_test)} test trials: {scores}")
print(
    "mean:",
    ", ".join(f"{n} {a:.3f}" for n, a in zip(baselines, accuracies.mean(axis=0), strict=True)),
)

# %%
# Accuracy per subject
# --------------------
# Chance is 0.5 (two balanced classes). On BCI IV 2b the subjects differ far more than the
# methods do: subject 4 is above 0.9 with every baseline, others stay near 0.6.
fig, ax = plt.subplots(figsize=(8, 4), layout="constrained")
width = 0.8 / len(baselines)
positions = np.arange(len(subjects))
for j, name in enumerate(baselines):
    ax.bar(positions + (j - 1.5) * width, accuracies[:, j], width, label=name)
ax.axhline(0.5, color="k", linestyle="--", linewidth=1, label="chance")
ax.set_xticks(positions, [f"S{subject}" for subject in subjects])
ax.set_ylim(0.4, 1.0)
ax.set_ylabel("test accuracy (sessions 4-5)")
ax.set_title(f"Riemannian baselines, cross-session ({source})")
fig.legend(ncols=5, loc="outside lower center", fontsize="small")
plt.show()
