"""
Online decoding: from a trained model to a live LSL stream
==========================================================

Train a :class:`~sktime_eeg.Conv2DEEGClassifier` on imagined left- vs right-fist trials of
PhysioNet eegmmidb subject S001 (runs 4 and 8), behind a *causal* 8-30 Hz filter, and
evaluate it pseudo-online on the held-out run 12: a decision every 0.1 s on the last second,
scored against the time since the cue (:func:`~sktime_eeg.evaluation.pseudo_online`). Then
export the model to ONNX (:func:`~sktime_eeg.deploy.export_onnx`), replay the first seconds
of run 12 as a Lab Streaming Layer stream with mne-lsl's ``PlayerLSL``, decode it live
(:func:`~sktime_eeg.deploy.run_stream`), check the live decisions against the offline
sliding-window pass over the same samples, and plot the probabilities over time with the cues.

The recorded data are read from ``../shared/data`` when present; otherwise simulated runs
(3 channels, a 10 Hz rhythm on one side per class) stand in. The LSL part needs
``pip install "sktime-eeg[deploy]"`` and a machine where LSL can open a local socket.
"""

# %%
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

import matplotlib.pyplot as plt
import mne
import numpy as np

from sktime_eeg import Conv2DEEGClassifier
from sktime_eeg.deploy import export_onnx, load_onnx, run_stream, sliding_window_predict
from sktime_eeg.evaluation import plot_pseudo_online, pseudo_online
from sktime_eeg.preprocessing import StreamingFilter

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.local_data import shared_data_dir  # noqa: E402

FIGURES = os.environ.get("SKTIME_EEG_FIGURES")  # folder to save the figures in, if set
REPLAY_S = 20.0  # seconds of run 12 streamed over LSL (in real time)


def simulated_run(seed, sfreq=160.0):
    """Rest (T0) and cued trials (T1: 10 Hz on C3, T2: on C4), like an eegmmidb run."""
    rng = np.random.default_rng(seed)
    labels = rng.permutation(["T1", "T2"] * 8)
    n_rest, n_task = int(4.2 * sfreq), int(4.1 * sfreq)
    data = rng.standard_normal((3, (n_rest + n_task) * len(labels) + n_rest))
    onsets, descriptions = [], []
    t = np.arange(n_task) / sfreq
    for k, label in enumerate(labels):
        start = k * (n_rest + n_task)
        onsets += [start / sfreq, (start + n_rest) / sfreq]
        descriptions += ["T0", label]
        channel = 0 if label == "T1" else 2
        data[channel, start + n_rest : start + n_rest + n_task] += np.sin(2 * np.pi * 10 * t)
    info = mne.create_info(["C3", "Cz", "C4"], sfreq, "eeg")
    raw = mne.io.RawArray(data * 1e-5, info, verbose=False)
    raw.set_annotations(mne.Annotations(onsets, 4.1, descriptions))
    return raw


root = shared_data_dir()
if root is not None and (root / "eegmmidb").is_dir():
    from mne.datasets import eegbci

    files = eegbci.load_data(1, [4, 8, 12], path=root / "eegmmidb", update_path=False)
    runs = [mne.io.read_raw_edf(f, preload=True, verbose=False) for f in files]
    title = "eegmmidb S001, imagined left vs right fist"
else:
    runs = [simulated_run(seed) for seed in range(3)]
    title = "simulated runs (../shared/data not found)"
sfreq = runs[0].info["sfreq"]
print(title, "|", len(runs[0].ch_names), "channels at", sfreq, "Hz")

# %%
# Pseudo-online evaluation
# ------------------------
# The causal filter runs over each whole run from its first sample, for the training windows
# and the decoded runs alike -- exactly what the live decoder will do. Training windows are
# all 1-second windows from 0.5 s after each cue, every 0.25 s; a decision is *active* when
# its highest probability reaches 0.7.
causal = StreamingFilter.from_bandpass(8.0, 30.0, sfreq, method="iir")  # Butterworth, forward
clf = Conv2DEEGClassifier(n_filters=20, max_epochs=15, batch_size=32, random_state=0)
start = time.perf_counter()
result = pseudo_online(
    clf,
    runs,
    event_id={"left": "T1", "right": "T2"},
    rest_id="T0",
    train_runs=[0, 1],
    test_runs=[2],
    window=1.0,
    step=0.1,
    filter=causal,
    threshold=0.7,
)
print(f"trained and decoded in {time.perf_counter() - start:.0f} s")
for name, value in result.summary().items():
    print(f"  {name:<34}{value:8.3f}")

ax = plot_pseudo_online(result)
if FIGURES:
    ax.figure.savefig(Path(FIGURES) / "deploy_pseudo_online.png", dpi=120)

# %%
# Export and replay over LSL
# --------------------------
# The ONNX file holds the network, the standardization, the softmax, and in its metadata the
# classes, channels, sampling frequency, window length, units and the causal filter.
# ``PlayerLSL`` streams the first seconds of run 12 in real time; ``run_stream`` decodes it.
model_path = Path(tempfile.mkdtemp()) / "online.onnx"
export_onnx(result.estimator, model_path, filter=causal)
model = load_onnx(model_path, n_threads=1)
print(model)

replay = runs[2].copy().pick("eeg").crop(0.0, REPLAY_S)
source = f"sktime-eeg-demo-{uuid.uuid4().hex[:8]}"
report = None
try:
    from mne_lsl.player import PlayerLSL

    player = PlayerLSL(replay, chunk_size=8, n_repeat=1, name=source).start()
    try:
        report = run_stream(
            model_path,
            source,
            step=int(round(0.1 * sfreq)),
            max_samples=replay.n_times - 16,
            duration=REPLAY_S + 10.0,
            keep_data=True,
            out=open(os.devnull, "w"),  # noqa: SIM115 - decisions are kept in the report
        )
    finally:
        try:
            player.stop()
        except RuntimeError:
            pass  # it stopped by itself at the end of the recording
except (ImportError, RuntimeError, OSError) as exc:
    print(f"LSL replay skipped: {exc}")

# %%
# Live equals offline
# -------------------
# The samples arrive unchanged over LSL (float64); the decoder joined the stream a few samples
# after the player started, so the offline pass runs over exactly the samples it received.
# Latency is from the arrival of a window's last sample to its decision.
if report is not None:
    # The stream's values, in the model's units (run_stream rescales a stream that declares
    # its units: here volts to the microvolts a model fitted on Epochs reads).
    data = replay.get_data() * report.extra["unit_scale"]
    first = int(np.flatnonzero((data == report.data[:, :1]).all(axis=0))[0])
    offline = sliding_window_predict(
        model,
        report.data,
        step=int(round(0.1 * sfreq)),
        filter=model.filter,
        timestamps=report.timestamps,
    )
    pairs = zip(report.decisions, offline, strict=True)
    gap = max(np.abs(a.proba - b.proba).max() for a, b in pairs)
    print(
        f"{len(report.decisions)} live decisions, max |live - offline| = {gap:.1e}; latency "
        + ", ".join(f"{k} {v:.2f} ms" for k, v in report.latency_summary().items())
    )
    t0 = report.timestamps[0] - first / sfreq  # LSL time of the replay's first sample
    times = np.array([d.time for d in report.decisions]) - t0
    proba = np.stack([d.proba for d in report.decisions])
    fig, ax = plt.subplots(figsize=(8, 3.2), layout="constrained")
    for k, cls in enumerate(model.classes_):
        ax.plot(times, proba[:, k], label=f"P({cls})")
    colors = {"T0": "0.9", "T1": "tab:blue", "T2": "tab:orange"}
    names = {"T0": "rest", "T1": "left cue", "T2": "right cue"}
    for onset, duration, desc in zip(
        replay.annotations.onset,
        replay.annotations.duration,
        replay.annotations.description,
        strict=True,
    ):
        ax.axvspan(onset, onset + duration, color=colors[desc], alpha=0.15, lw=0)
        ax.text(onset + 0.05, 1.02, names[desc], fontsize="small", va="bottom")
    ax.axhline(0.7, color="gray", ls=":", lw=1)
    ax.set_xlim(0, REPLAY_S)
    ax.set_ylim(0, 1.1)
    ax.set_xlabel("time in run 12 (s, window end)")
    ax.set_ylabel("probability")
    ax.set_title("live decoding over LSL (shaded: cue periods; dotted: activation threshold)")
    ax.legend(loc="lower right", fontsize="small")
    if FIGURES:
        fig.savefig(Path(FIGURES) / "deploy_live_lsl.png", dpi=120)
plt.show()
