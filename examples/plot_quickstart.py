"""
Quick start: 1D and 2D CNNs on motor imagery
============================================

Fit :class:`~sktime_eeg.Conv1DEEGClassifier` (temporal then spatial convolution) and
:class:`~sktime_eeg.Conv2DEEGClassifier` (one spatiotemporal convolution) on BCI Competition
IV 2b, subject 4 (3 channels, left vs right hand imagery): train on sessions 1-3, test on
sessions 4-5. Then fold the 1D model into the 2D form and check that it predicts the same.

The recorded data are read from ``../shared/data`` when present (the competition export, via
``benchmarks/local_data.py``); otherwise a small synthetic problem stands in.
"""

# %%
import sys
import time
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from sktime_eeg import Conv1DEEGClassifier, Conv2DEEGClassifier

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.local_data import load_bnci2014_004, shared_data_dir  # noqa: E402

if shared_data_dir() is not None:
    X_train, y_train, _ = load_bnci2014_004(4, sessions=(1, 2, 3))
    X_test, y_test, _ = load_bnci2014_004(4, sessions=(4, 5))
    title = "BCI IV 2b, subject 4 (sessions 1-3 -> 4-5)"
else:  # synthetic fallback: class "right_hand" has a 12 Hz rhythm on channel 0
    rng = np.random.default_rng(0)
    X = rng.standard_normal((240, 3, 500))
    y = np.repeat(["left_hand", "right_hand"], 120)
    t = np.arange(500) / 250
    X[y == "right_hand", 0] += 1.5 * np.sin(2 * np.pi * 12 * t)
    order = rng.permutation(240)
    X, y = X[order], y[order]
    X_train, y_train, X_test, y_test = X[:160], y[:160], X[160:], y[160:]
    title = "synthetic data (../shared/data not found)"
print(title, "| train", X_train.shape, "| test", X_test.shape)

# %%
# Fit both models with the same settings. ``validation_fraction`` holds out a stratified 20%
# of the training trials so that the history shows a validation curve.
models = {
    "Conv1D (temporal + spatial)": Conv1DEEGClassifier(
        max_epochs=30, validation_fraction=0.2, random_state=0
    ),
    "Conv2D (spatiotemporal)": Conv2DEEGClassifier(
        max_epochs=30, validation_fraction=0.2, random_state=0
    ),
}
for name, clf in models.items():
    start = time.perf_counter()
    clf.fit(X_train, y_train)
    seconds = time.perf_counter() - start
    print(f"{name}: fit {seconds:.1f} s, test accuracy {clf.score(X_test, y_test):.3f}")

# %%
# Training curves from skorch's history (``net_.history``).
fig, axes = plt.subplots(1, 2, figsize=(10, 3.5))
for name, clf in models.items():
    history = clf.net_.history
    (line,) = axes[0].plot(history[:, "epoch"], history[:, "train_loss"], label=f"{name} train")
    axes[0].plot(
        history[:, "epoch"],
        history[:, "valid_loss"],
        "--",
        color=line.get_color(),
        label=f"{name} valid",
    )
    axes[1].plot(history[:, "epoch"], np.cumsum(history[:, "dur"]), label=name)
axes[0].set(xlabel="epoch", ylabel="cross-entropy", title=title)
axes[1].set(xlabel="epoch", ylabel="cumulative training time (s)", title="Training time")
axes[0].legend(fontsize=7)
axes[1].legend(fontsize=7)
fig.tight_layout()
plt.show()

# %%
# Fold the trained 1D model into a 2D one: the temporal and spatial kernels are multiplied
# out into one spatiotemporal kernel per filter. The predictions agree to float rounding.
conv1d = models["Conv1D (temporal + spatial)"]
folded = conv1d.fold()
gap = np.abs(folded.predict_proba(X_test) - conv1d.predict_proba(X_test)).max()
print(f"folded model: {type(folded).__name__}, max |p_1D - p_folded| = {gap:.1e}")
