"""
Comparing 1D- and 2D-stem CNNs with Riemannian baselines on real EEG
====================================================================

The comparison of the paper, run with :func:`sktime_eeg.evaluation.run_comparison`: the
ShallowConvNet-style CNN with the classic 1D stem (temporal then spatial convolution) and with
the joint 2D spatiotemporal stem, the CNN + transformer hybrids with either stem, and the
Riemannian baselines (CSP + LDA, MDM, tangent space + logistic regression), on

* **BCI Competition IV 2b** (3 channels, 250 Hz), subject 4, trained on sessions 1-3 and
  tested on sessions 4-5 (the competition's protocol) -- the low-dimensional task;
* **PhysioNet eegmmidb** (64 channels, resampled from 160 to 100 Hz), subject 1, imagined
  hands vs feet, 5-fold cross-validation -- the high-dimensional task.

Both are read from ``../shared/data`` when it is there (the competition export of BCI IV 2b
through ``benchmarks/local_data.py``, eegmmidb through
:func:`sktime_eeg.datasets.load_physionet_mi`); otherwise simulated 3- and 22-channel motor
imagery stands in, so the example always runs. The same comparison from the command line is
``sktime-eeg compare`` (see the user guide).

The numbers to look at: the 1D and 2D stems compute the same family of functions, so their
accuracies are close, while the 2D stem trains several times faster -- the gap grows with the
number of channels.
"""

# %%
# Load the data
# -------------
import sys
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from sklearn.utils import Bunch

from sktime_eeg.evaluation import (
    fit_time_ratios,
    format_summary,
    load_comparison_data,
    make_models,
    plot_fit_times,
    plot_scores,
    run_comparison,
    summarize,
)

# Training epochs of the networks: raise them (and conformer_layers to 6) for better CNN
# accuracies; these keep the example to a few minutes on a laptop.
MAX_EPOCHS = 30

try:  # the repository root holds benchmarks/local_data.py
    ROOT = Path(__file__).resolve().parents[1]
except NameError:  # run interactively from the examples folder
    ROOT = Path.cwd().parent
sys.path.insert(0, str(ROOT))


def bci_iv_2b(subject=4):
    """BCI IV 2b from the competition export, 0.5-2.5 s after the cue, in volts."""
    from benchmarks.local_data import BNCI2014_004_SFREQ, load_bnci2014_004

    X, y, session = load_bnci2014_004(subject, sessions=(1, 2, 3, 4, 5))
    window = slice(int(0.5 * BNCI2014_004_SFREQ), int(2.5 * BNCI2014_004_SFREQ))
    return Bunch(
        X=X[:, :, window] * 1e-6,
        y=y,
        subject=np.full(len(y), str(subject)),
        session=session.astype(str),
        sfreq=BNCI2014_004_SFREQ,
        dataset="bnci2014_004",
        train_sessions=["1", "2", "3"],
    )


def eegmmidb(subject=1):
    """PhysioNet eegmmidb, imagined hands vs feet, 8-30 Hz, 0.5-2.5 s, resampled to 100 Hz."""
    from benchmarks.local_data import shared_data_dir

    folder = shared_data_dir()
    if folder is None or not (folder / "eegmmidb").is_dir():
        raise FileNotFoundError("../shared/data/eegmmidb is absent")
    return load_comparison_data(
        "physionet", subjects=[subject], path=folder / "eegmmidb", sfreq=100.0
    )


experiments = []
try:
    experiments.append(("BCI IV 2b, 3 channels", bci_iv_2b(), "cross-session", 64))
except (ImportError, OSError) as exc:
    print(f"BCI IV 2b not available ({exc}); using simulated 3-channel data.")
    simulated = load_comparison_data(n_trials=200, snr=2.0)
    picks = [simulated.ch_names.index(name) for name in ("C3", "Cz", "C4")]
    simulated.X = simulated.X[:, picks]
    experiments.append(("simulated, 3 channels", simulated, "within-session", 32))
try:
    experiments.append(("eegmmidb, 64 channels", eegmmidb(), "within-session", 16))
except (ImportError, OSError) as exc:
    print(f"eegmmidb not available ({exc}); using simulated 22-channel data.")
    simulated = load_comparison_data(n_trials=150, snr=2.0, sfreq=100.0)
    experiments.append(("simulated, 22 channels", simulated, "within-session", 16))

for title, data, protocol, _ in experiments:
    print(f"{title}: X {data.X.shape} at {data.sfreq:g} Hz, protocol {protocol}")

# %%
# Run the comparison
# ------------------
# Every model is trained and tested on the same folds; ``results`` has one row per model and
# fold with accuracy, Cohen's kappa, fit time, prediction latency and the network size.
# Small data sets get small mini-batches, so the networks take enough optimizer steps.
all_results = {}
for title, data, protocol, batch_size in experiments:
    models = make_models(
        sfreq=data.sfreq, max_epochs=MAX_EPOCHS, batch_size=batch_size, conformer_layers=2
    )
    all_results[title] = results = run_comparison(
        data, models, protocol, n_splits=5, progress=False
    )
    print(f"\n{title} ({protocol})")
    print(format_summary(summarize(results)))
    for pair, ratio in fit_time_ratios(results).items():
        print(f"training time {pair}: {ratio:.1f}x")

# %%
# Plot accuracy and training time
# -------------------------------
# Left: accuracy per model (bars: mean, dots: folds; dashed: chance). Right: training time
# per fold on a log axis.
fig, axes = plt.subplots(
    len(all_results), 2, figsize=(12, 4 * len(all_results)), layout="constrained", squeeze=False
)
for (title, results), (ax_accuracy, ax_time) in zip(all_results.items(), axes, strict=True):
    plot_scores(results, "accuracy", chance=0.5, ax=ax_accuracy)
    ax_accuracy.set_title(f"{title}: accuracy")
    plot_fit_times(results, ax=ax_time)
    ax_time.set_title(f"{title}: training time per fold")
plt.show()
