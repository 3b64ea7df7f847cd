"""
Simulated motor imagery: where the ERD was planted
==================================================

:func:`sktime_eeg.datasets.make_motor_imagery` simulates motor-imagery EEG from radial
dipoles in sensorimotor cortex whose mu rhythm (8-13 Hz) loses power over the cortical
area of the imagined body part: event-related desynchronisation (ERD). Because the
simulation returns its ground truth, we can check that the class-wise band power of the
EEG shows the ERD where it was planted, before asking a classifier or an explanation
method to find it.

We simulate left hand, right hand and feet imagery on the 64 channels of the PhysioNet
montage, plot each class's mu-band power relative to the average over all trials as
topographic maps (MNE), next to the ground-truth mixing pattern of the source that was
modulated, and finish with the spectra at C3, Cz and C4.
"""

# %%
import matplotlib.pyplot as plt
import mne
import numpy as np

from sktime_eeg.datasets import make_motor_imagery

classes = ("left_hand", "right_hand", "feet")
epochs, y, truth = make_motor_imagery(
    240,
    classes=classes,
    montage="physionet_64",
    snr=1.0,
    return_epochs=True,
    return_truth=True,
    random_state=42,
)
print(epochs)
print("planted sources per class:", truth.class_sources)

# %%
# Band power per class
# --------------------
# Mu-band power during imagery (1-4 s after the cue, after the ERD onset), averaged over
# the trials of each class (top row, one colour scale for all classes): the resting mu
# rhythm peaks over both hand areas and the vertex, and each class lacks the peak of
# the area it imagines moving. The middle row shows the same power in dB relative to the
# mean over all trials; the bottom row the ground-truth mixing pattern of the source
# whose rhythm the class suppresses.
spectrum = epochs.compute_psd(method="welch", fmin=1.0, fmax=40.0, tmin=1.0, n_fft=250)
psd, freqs = spectrum.get_data(return_freqs=True)  # (n_trials, n_channels, n_freqs), V^2/Hz
in_band = (freqs >= truth.band[0]) & (freqs <= truth.band[1])
band_power = psd[:, :, in_band].mean(axis=-1) * 1e12  # uV^2/Hz
class_power = {c: band_power[y == c].mean(axis=0) for c in classes}
reference = band_power.mean(axis=0)
relative_db = {c: 10 * np.log10(class_power[c] / reference) for c in classes}
power_lim = (min(p.min() for p in class_power.values()), max(p.max() for p in class_power.values()))
db_lim = max(np.abs(v).max() for v in relative_db.values())

fig, axes = plt.subplots(3, len(classes), figsize=(3.0 * len(classes) + 1, 9), layout="constrained")
for col, c in enumerate(classes):
    im_power, _ = mne.viz.plot_topomap(
        class_power[c], epochs.info, axes=axes[0, col], cmap="viridis", vlim=power_lim,
        show=False,
    )  # fmt: skip
    axes[0, col].set_title(f"{c}\nmu power")
    im_db, _ = mne.viz.plot_topomap(
        relative_db[c], epochs.info, axes=axes[1, col], cmap="RdBu_r", vlim=(-db_lim, db_lim),
        show=False,
    )  # fmt: skip
    axes[1, col].set_title("vs all trials")
    source = truth.class_sources[c][0]
    pattern = truth.patterns[truth.source_names.index(source)]
    mne.viz.plot_topomap(pattern, epochs.info, axes=axes[2, col], cmap="RdBu_r", show=False)
    axes[2, col].set_title(f"planted source:\n{source}")
fig.colorbar(im_power, ax=axes[0, -1], shrink=0.8, label="µV²/Hz")
fig.colorbar(im_db, ax=axes[1, -1], shrink=0.8, label="dB")
fig.suptitle("Simulated mu power per class and the ground truth it comes from")

# %%
# Spectra over the sensorimotor cortex
# ------------------------------------
# Left-hand imagery lowers the mu peak at C4 (right hemisphere), right-hand imagery at C3,
# feet imagery at Cz, where the hand areas' rhythm even rises (surround ERS) during feet
# imagery.
fig, axes = plt.subplots(1, 3, figsize=(11, 3.4), sharey=True, layout="constrained")
for ax, channel in zip(axes, ["C3", "Cz", "C4"], strict=True):
    idx = epochs.ch_names.index(channel)
    for c in classes:
        ax.semilogy(freqs, psd[y == c, idx].mean(axis=0) * 1e12, label=c)  # uV^2/Hz
    ax.axvspan(*truth.band, color="0.9", zorder=0)
    ax.set(title=channel, xlabel="Frequency (Hz)")
axes[0].set_ylabel("PSD (µV²/Hz)")
axes[-1].legend()

plt.show()
