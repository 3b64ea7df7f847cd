"""
A new user in five minutes: pretraining, alignment and few-trial calibration
============================================================================

A decoder trained on other people rarely works as well on a new user as one trained on that
user -- but recording enough of the user's own trials takes time. This example runs the
calibration protocol of :func:`sktime_eeg.evaluation.calibration_curve`: leave one subject
out, train on the others (the pool), give the model the first ``k`` labelled trials of the
new user's first session, and test on the user's second session.

The strategies: a CNN and tangent space + logistic regression trained on the ``k`` trials
alone (``scratch``, ``ts-lr-scratch``), a CNN trained on the pool as it is (``pooled``), on
the pool with every subject Euclidean-aligned (``pooled+align``; the new user is aligned with
its own ``k`` trials), that network fine-tuned on the ``k`` trials (``pooled+align+finetune``,
with ``warm_start=True``), and Riemannian re-centring per subject (``ts-lr-recentre``). A
seventh strategy, written here, fine-tunes only the network's head -- the protocol is open to
any object with ``fit_pool`` and ``fit_target``.

The subjects are simulated (:func:`sktime_eeg.datasets.make_motor_imagery`, 3 channels, one
random state per subject and session); each subject sees the sources through its own random
channel mixing, a stand-in for head shape and electrode placement that alignment can undo.
"""

# %%
# Simulated subjects
# ------------------
import matplotlib.pyplot as plt
import numpy as np

from sktime_eeg import Conv2DEEGClassifier
from sktime_eeg.datasets import make_motor_imagery
from sktime_eeg.evaluation import (
    FineTuned,
    calibration_curve,
    default_strategies,
    plot_calibration_curve,
)

SFREQ = 100.0
rng = np.random.default_rng(0)
Xs, ys, subjects, sessions = [], [], [], []
for subject in range(1, 5):
    mixing = np.eye(3) + 0.5 * rng.standard_normal((3, 3))
    for session in (1, 2):
        X, y = make_motor_imagery(
            60,
            montage="bci_iv_2b",
            sfreq=SFREQ,
            duration=2.0,
            snr=3.0,
            random_state=10 * subject + session,
        )
        Xs.append(np.einsum("ij,njt->nit", mixing, X))
        ys.append(y)
        subjects.append(np.full(len(y), subject))
        sessions.append(np.full(len(y), session))
X, y = np.concatenate(Xs), np.concatenate(ys)
subjects, sessions = np.concatenate(subjects), np.concatenate(sessions)
print(X.shape, np.unique(subjects), np.unique(sessions))

# %%
# The strategies
# --------------
# One small CNN (kernel and pooling lengths of ShallowConvNet, in samples at 100 Hz) serves
# every CNN strategy; ``pooled+align`` and both fine-tunings share one pool fit per target.
cnn = Conv2DEEGClassifier(
    kernel_length=10, pool_length=30, pool_stride=6, max_epochs=20, batch_size=16, random_state=0
)
strategies = default_strategies(cnn=cnn, finetune_epochs=20, finetune_lr=1e-4)
strategies["pooled+align+finetune-head"] = FineTuned(cnn, max_epochs=20, lr=1e-3, finetune="head")

# %%
# The calibration curve
# ---------------------
# ``reference="calibration"``: all the new user gives is its ``k`` trials, so the aligned
# strategies cannot run at ``k=0`` -- the table says so in its ``error`` column.
results = calibration_curve(strategies, X, y, subjects, sessions, (0, 5, 10, 20, 40))
print(
    results.pivot_table(
        index="strategy", columns="n_calibration", values="accuracy", sort=False
    ).round(2)
)
skipped = results[results["error"].notna()].drop_duplicates(["strategy", "n_calibration"])
print(skipped[["strategy", "n_calibration", "error"]].to_string(index=False))

# %%
fig, ax = plt.subplots(figsize=(7.5, 4.5), layout="constrained")
plot_calibration_curve(results, ax=ax)
ax.axhline(0.5, color="grey", linestyle=":", linewidth=0.8)
plt.show()
