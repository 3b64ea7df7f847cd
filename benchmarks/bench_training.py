"""Training and inference speed of the sktime_eeg classifiers, plain torch and braindecode.

Measured in one run on synthetic float32 data (standard normal, 4 balanced classes,
``n_trials=288``) at three montage sizes::

    n_channels  n_times  sfreq   like
    3           1000     250 Hz  BCI IV 2b (4 s)
    22          1000     250 Hz  BCI IV 2a (4 s)
    64          640      160 Hz  PhysioNet eegbci (4 s)

For each model it reports seconds per training epoch (the median over ``--epochs`` epochs
after one warm-up epoch, which is excluded) and predict milliseconds per trial (the median
of ``--predict-repeats`` batched ``predict`` calls on all trials, after one warm-up call,
divided by ``n_trials``), both as elapsed (wall) time and as process CPU time (all threads;
steadier than wall time on a machine shared with other jobs when run with ``--threads 1``).
The tables show one clock (``--clock``, default wall); the CSV (``--out``) keeps both.
Models:

``conv1d``, ``conv2d``
    :class:`sktime_eeg.Conv1DEEGClassifier` / :class:`sktime_eeg.Conv2DEEGClassifier`,
    through ``fit(X, y)`` with ``max_epochs = 1 + epochs``; per-epoch times are skorch's
    ``net_.history[:, "dur"]``; predict is ``clf.predict(X)`` (validation and standardization
    included).
``torch2d``
    The honest floor: a plain torch loop over the same network as ``conv2d``
    (``ShallowNet(SpatioTemporalStem(...))``), AdamW, cosine schedule, same batch size,
    one shuffled index per epoch and the data tensor sliced per batch; predict is batched
    forward + softmax under ``torch.no_grad``.
``bd_shallow``
    braindecode's ``ShallowFBCSPNet`` in its skorch wrapper ``EEGClassifier``, the way its
    documentation fits numpy arrays (module class passed by name, signal shape inferred from
    X; skorch's default ``DataLoader``, which indexes the dataset trial by trial).
``conformer1d``, ``conformer2d``
    ``sktime_eeg.ConformerEEGClassifier(stem="1d")`` / ``(stem="2d")``.
``bd_conformer``
    braindecode's ``EEGConformer`` in ``EEGClassifier``.

Shared settings: batch size 64, AdamW (lr 1e-3, weight decay 0), cosine learning-rate
schedule over the fit, no validation split, every epoch covers all 288 trials (braindecode's
``EEGClassifier`` defaults to ``iterator_train__drop_last=True``; it is set to False here so
every model does the same work per epoch). Architecture defaults are the ShallowConvNet /
EEG-Conformer ones everywhere (40 filters of 25 samples, average pooling 75 / stride 15,
dropout 0.5). Differences that remain, by design of each library:

- braindecode ``ShallowFBCSPNet`` (0.8.1): temporal (k=25) and spatial convolutions are
  multiplied into one ``conv2d`` at every forward (``CombinedConv``) over the input laid out
  as ``(n, 1, T, C)``; no bias on the spatial convolution (batch norm follows); a
  ``Conv2d`` classifier over all pooled steps (same size as our linear layer) followed by
  ``LogSoftmax``; Xavier initialisation.
- braindecode ``EEGConformer`` (0.8.1): the 1D stem (temporal then spatial ``Conv2d``),
  attention written out with einsum and scaled by sqrt(d_model), 10 heads (sktime_eeg:
  ``torch.nn.TransformerEncoderLayer``, pre-norm like braindecode's, 4 heads, a final
  LayerNorm), no positional embedding (sktime_eeg: learned), and a head that flattens all
  tokens (2440 -> 256 -> 32 -> classes: 6x the parameters) where sktime_eeg averages them
  (40 -> 40 -> classes).

torch threads are left at torch's default unless ``--threads`` is given; the header prints
``torch.get_num_threads()``, the CPU, the core count, the load average and the versions.
Environment
-----------
The sktime_eeg rows run in the project's venv. braindecode >= 1.0 imports torchaudio, whose
wheel does not load beside torch 2.13 here, so the braindecode rows used braindecode 0.8.1
(no torchaudio dependency) in a separate venv::

    python -m venv /work/bench-venv
    /work/bench-venv/bin/pip install torch==2.13.0          # the CPU wheel
    /work/bench-venv/bin/pip install braindecode==0.8.1     # pulls skorch 1.4, mne; no torch
    /work/bench-venv/bin/pip install -e .                   # sktime_eeg, editable
    /work/bench-venv/bin/pip list | grep -i -e torch -e nvidia   # torch 2.13.0+cpu, no CUDA

In an environment without braindecode (e.g. the project's venv) the braindecode rows read
"not installed".

Usage
-----
::

    python benchmarks/bench_training.py                  # full run (5-10 min on 2 quiet cores)
    python benchmarks/bench_training.py --quick          # smoke run: 1 measured epoch
    python benchmarks/bench_training.py --channels 22 --models conv2d torch2d
    python benchmarks/bench_training.py --format rst --out results.csv
    python benchmarks/bench_training.py --threads 1 --clock cpu   # on a busy machine
    python benchmarks/bench_training.py --from-csv results.csv --clock cpu  # tables again
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import gc
import importlib.metadata
import os
import platform
import statistics
import sys
import time
import traceback
import warnings
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

import numpy as np
import torch

import sktime_eeg
from sktime_eeg import ConformerEEGClassifier, Conv1DEEGClassifier, Conv2DEEGClassifier
from sktime_eeg.nn import ShallowNet, SpatioTemporalStem

#: (n_channels) -> (n_times, sfreq) of the three montages; other channel counts use 1000 / 250.
MONTAGES: dict[int, tuple[int, float]] = {3: (1000, 250.0), 22: (1000, 250.0), 64: (640, 160.0)}
N_TRIALS = 288
N_CLASSES = 4
BATCH_SIZE = 64
LR = 1e-3
SEED = 0

MODEL_NAMES: dict[str, str] = {
    "conv1d": "Conv1DEEGClassifier",
    "conv2d": "Conv2DEEGClassifier",
    "torch2d": "plain torch loop (2D ShallowNet)",
    "bd_shallow": "braindecode ShallowFBCSPNet",
    "conformer1d": "ConformerEEGClassifier(stem='1d')",
    "conformer2d": "ConformerEEGClassifier(stem='2d')",
    "bd_conformer": "braindecode EEGConformer",
}


@dataclass
class Result:
    """One model at one montage."""

    model: str
    n_channels: int
    n_times: int
    sfreq: float
    status: str = "ok"
    n_params: int | None = None
    epoch_s: float | None = None
    epoch_s_min: float | None = None
    predict_ms_per_trial: float | None = None
    epoch_cpu_s: float | None = None
    predict_cpu_ms_per_trial: float | None = None
    epoch_durations: list[float] = field(default_factory=list)

    def value(self, quantity: str, clock: str) -> float | None:
        """Seconds per epoch (``quantity="epoch"``) or ms per trial (``"predict"``).

        ``clock="wall"``: elapsed time; ``"cpu"``: process CPU time (all threads).
        """
        return getattr(self, _RESULT_FIELDS[quantity, clock])


_RESULT_FIELDS = {
    ("epoch", "wall"): "epoch_s",
    ("epoch", "cpu"): "epoch_cpu_s",
    ("predict", "wall"): "predict_ms_per_trial",
    ("predict", "cpu"): "predict_cpu_ms_per_trial",
}


# -- data ------------------------------------------------------------------------------------
def make_data(n_channels: int, n_times: int, seed: int = SEED) -> tuple[np.ndarray, np.ndarray]:
    """Synthetic trials.

    Returns
    -------
    X : ndarray of shape (N_TRIALS, n_channels, n_times), float32, C-contiguous
        Standard-normal noise.
    y : ndarray of shape (N_TRIALS,), int64
        ``N_CLASSES`` balanced classes in shuffled order.
    """
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((N_TRIALS, n_channels, n_times), dtype=np.float32)
    y = rng.permutation(np.arange(N_TRIALS) % N_CLASSES).astype(np.int64)
    return X, y


# -- timing helpers --------------------------------------------------------------------------
def _n_params(module: torch.nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def _time_predict(predict: Callable[[], object], repeats: int) -> tuple[float, float]:
    """Median wall and CPU seconds of ``predict()`` over ``repeats`` calls, after a warm-up."""
    predict()
    wall, cpu = [], []
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        predict()
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return statistics.median(wall), statistics.median(cpu)


@contextlib.contextmanager
def _skorch_epoch_cpu_times():
    """Collect the process CPU seconds of every skorch training epoch run inside the block.

    Wraps ``skorch.NeuralNet.run_single_epoch`` (which neither sktime_eeg nor braindecode
    overrides) for the duration of the block; yields the list the times are appended to.
    """
    from skorch import NeuralNet

    original = NeuralNet.run_single_epoch
    cpu_times: list[float] = []

    def timed(self, iterator, training, prefix, step_fn, **fit_params):
        if not training:
            return original(self, iterator, training, prefix, step_fn, **fit_params)
        start = time.process_time()
        original(self, iterator, training, prefix, step_fn, **fit_params)
        cpu_times.append(time.process_time() - start)

    NeuralNet.run_single_epoch = timed
    try:
        yield cpu_times
    finally:
        NeuralNet.run_single_epoch = original


def _fill(
    result: Result,
    durations: list[float],
    cpu_durations: list[float],
    predict_s: tuple[float, float],
    n_params: int,
) -> Result:
    measured = durations[1:]  # the first epoch is the warm-up
    result.epoch_durations = [round(d, 4) for d in measured]
    result.epoch_s = statistics.median(measured)
    result.epoch_s_min = min(measured)
    result.epoch_cpu_s = statistics.median(cpu_durations[1:])
    result.predict_ms_per_trial = 1e3 * predict_s[0] / N_TRIALS
    result.predict_cpu_ms_per_trial = 1e3 * predict_s[1] / N_TRIALS
    result.n_params = n_params
    return result


def _skorch_durations(net) -> list[float]:
    return [float(d) for d in net.history[:, "dur"]]


# -- the models ------------------------------------------------------------------------------
def _bench_sktime_eeg(estimator, X, y, result: Result, repeats: int) -> Result:
    with warnings.catch_warnings(), _skorch_epoch_cpu_times() as cpu_durations:
        warnings.simplefilter("ignore", UserWarning)
        estimator.fit(X, y)
    predict_s = _time_predict(lambda: estimator.predict(X), repeats)
    net = estimator.net_
    return _fill(result, _skorch_durations(net), cpu_durations, predict_s, _n_params(net.module_))


def bench_conv1d(X, y, result, max_epochs, repeats):
    clf = Conv1DEEGClassifier(max_epochs=max_epochs, batch_size=BATCH_SIZE, random_state=SEED)
    return _bench_sktime_eeg(clf, X, y, result, repeats)


def bench_conv2d(X, y, result, max_epochs, repeats):
    clf = Conv2DEEGClassifier(max_epochs=max_epochs, batch_size=BATCH_SIZE, random_state=SEED)
    return _bench_sktime_eeg(clf, X, y, result, repeats)


def _conformer(stem: str):
    def bench(X, y, result, max_epochs, repeats):
        clf = ConformerEEGClassifier(
            stem=stem, max_epochs=max_epochs, batch_size=BATCH_SIZE, random_state=SEED
        )
        return _bench_sktime_eeg(clf, X, y, result, repeats)

    return bench


def bench_torch2d(X, y, result, max_epochs, repeats):
    """Plain torch: the Conv2D network trained with a hand-written loop."""
    n_trials, n_channels, n_times = X.shape
    torch.manual_seed(SEED)
    model = ShallowNet(SpatioTemporalStem(n_channels, 40, 25), N_CLASSES, n_times, 75, 15, 0.5)
    optimizer = torch.optim.AdamW(model.parameters(), lr=LR, weight_decay=0.0)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=max_epochs)
    X_t, y_t = torch.from_numpy(X), torch.from_numpy(y)
    criterion = torch.nn.CrossEntropyLoss()
    durations, cpu_durations = [], []
    for _ in range(max_epochs):
        start, start_cpu = time.perf_counter(), time.process_time()
        model.train()
        order = torch.randperm(n_trials)
        for first in range(0, n_trials, BATCH_SIZE):
            idx = order[first : first + BATCH_SIZE]
            optimizer.zero_grad()
            loss = criterion(model(X_t[idx]), y_t[idx])
            loss.backward()
            optimizer.step()
        schedule.step()
        durations.append(time.perf_counter() - start)
        cpu_durations.append(time.process_time() - start_cpu)

    @torch.no_grad()
    def predict():
        model.eval()
        proba = [
            torch.softmax(model(X_t[first : first + BATCH_SIZE]), dim=1)
            for first in range(0, n_trials, BATCH_SIZE)
        ]
        return torch.cat(proba).argmax(1).numpy()

    predict_s = _time_predict(predict, repeats)
    return _fill(result, durations, cpu_durations, predict_s, _n_params(model))


def _braindecode(model_name: str, **module_kwargs):
    def bench(X, y, result, max_epochs, repeats):
        try:
            from braindecode import EEGClassifier
            from braindecode import models as bd_models
        except ImportError:
            result.status = "not installed"
            return result
        from skorch.callbacks import LRScheduler

        torch.manual_seed(SEED)
        clf = EEGClassifier(
            getattr(bd_models, model_name),
            **{f"module__{k}": v for k, v in module_kwargs.items()},
            optimizer=torch.optim.AdamW,
            optimizer__weight_decay=0.0,
            lr=LR,
            batch_size=BATCH_SIZE,
            max_epochs=max_epochs,
            train_split=None,
            iterator_train__drop_last=False,
            callbacks=[("lr_schedule", LRScheduler("CosineAnnealingLR", T_max=max_epochs))],
            device="cpu",
            verbose=0,
        )
        with warnings.catch_warnings(), _skorch_epoch_cpu_times() as cpu_durations:
            warnings.simplefilter("ignore")
            clf.fit(X, y)
        predict_s = _time_predict(lambda: clf.predict(X), repeats)
        return _fill(
            result, _skorch_durations(clf), cpu_durations, predict_s, _n_params(clf.module_)
        )

    return bench


BENCHMARKS: dict[str, Callable[..., Result]] = {
    "conv1d": bench_conv1d,
    "conv2d": bench_conv2d,
    "torch2d": bench_torch2d,
    "bd_shallow": _braindecode("ShallowFBCSPNet", final_conv_length="auto"),
    "conformer1d": _conformer("1d"),
    "conformer2d": _conformer("2d"),
    "bd_conformer": _braindecode("EEGConformer", final_fc_length="auto"),
}


def run(
    channels: list[int], models: list[str], epochs: int, repeats: int, stream=sys.stdout
) -> list[Result]:
    """Run every model at every montage; print one progress line per result."""
    results = []
    for n_channels in channels:
        n_times, sfreq = MONTAGES.get(n_channels, (1000, 250.0))
        X, y = make_data(n_channels, n_times)
        for key in models:
            result = Result(key, n_channels, n_times, sfreq)
            gc.collect()
            try:
                BENCHMARKS[key](X, y, result, 1 + epochs, repeats)
            except Exception as exc:  # a broken row must not lose the others
                traceback.print_exc(file=sys.stderr)
                result.status = f"error: {type(exc).__name__}: {exc}"[:200]
            results.append(result)
            if result.status == "ok":
                line = (
                    f"{result.epoch_s:.3f} s/epoch (min {result.epoch_s_min:.3f}, CPU "
                    f"{result.epoch_cpu_s:.3f}), {result.predict_ms_per_trial:.3f} ms/trial "
                    f"(CPU {result.predict_cpu_ms_per_trial:.3f}), {result.n_params} params"
                )
            else:
                line = result.status
            print(f"  [{n_channels:>2} ch] {MODEL_NAMES[key]:<34} {line}", file=stream, flush=True)
    return results


# -- reporting -------------------------------------------------------------------------------
def _version(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def header(epochs: int, repeats: int, threads_set: bool = False) -> str:
    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else "?"
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    return "\n".join(
        [
            f"machine: {_cpu_model()}; os.cpu_count()={os.cpu_count()}, usable cores={affinity}, "
            f"load average {load}",
            f"python {platform.python_version()}, torch {torch.__version__} "
            f"(torch.get_num_threads()={torch.get_num_threads()}"
            f"{', set by --threads' if threads_set else ', torch default'}), "
            f"skorch {_version('skorch')}, "
            f"braindecode {_version('braindecode')}, sktime_eeg {sktime_eeg.__version__}",
            f"data: {N_TRIALS} trials, {N_CLASSES} classes, float32; batch size {BATCH_SIZE}; "
            f"per-epoch time = median of {epochs} epoch(s) after 1 warm-up epoch; predict = "
            f"median of {repeats} batched call(s) on all trials after 1 warm-up call",
        ]
    )


def _cell(value: float | None, status: str, digits: int) -> str:
    if status == "ok" and value is not None:
        return f"{value:.{digits}f}"
    return status if not status.startswith("error") else "error"


def _table(head: list[str], rows: list[list[str]], fmt: str) -> str:
    """A markdown pipe table or an RST simple table, trailing spaces stripped."""
    return "\n".join(line.rstrip() for line in _table_lines(head, rows, fmt))


def _table_lines(head: list[str], rows: list[list[str]], fmt: str) -> list[str]:
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
    if fmt == "markdown":
        lines = ["| " + " | ".join(h.ljust(w) for h, w in zip(head, widths, strict=True)) + " |"]
        lines.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
        lines += [
            "| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |"
            for r in rows
        ]
        return lines
    rule = " ".join("=" * w for w in widths)
    lines = [rule, " ".join(h.ljust(w) for h, w in zip(head, widths, strict=True)), rule]
    lines += [" ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    lines.append(rule)
    return lines


def results_table(results: list[Result], fmt: str, clock: str = "wall") -> str:
    """One row per model; per montage, seconds per epoch and predict ms per trial."""
    channels = list(dict.fromkeys(r.n_channels for r in results))
    models = list(dict.fromkeys(r.model for r in results))
    by_key = {(r.model, r.n_channels): r for r in results}
    head = ["model"]
    for c in channels:
        head += [f"{c} ch s/epoch", f"{c} ch ms/trial"]
    rows = []
    for model in models:
        row = [MODEL_NAMES[model]]
        for c in channels:
            r = by_key[(model, c)]
            row += [
                _cell(r.value("epoch", clock), r.status, 3),
                _cell(r.value("predict", clock), r.status, 3),
            ]
        rows.append(row)
    return _table(head, rows, fmt)


#: (label, numerator model, denominator model, target test, target text); per-epoch times.
RATIOS = [
    ("braindecode ShallowFBCSPNet / Conv2D, s/epoch", "bd_shallow", "conv2d",
     lambda r: r >= 3.0, ">= 3 at 22, 64 ch"),
    ("Conv2D / plain torch, s/epoch", "conv2d", "torch2d", lambda r: r <= 1.3, "<= 1.3"),
    ("Conv1D / Conv2D, s/epoch", "conv1d", "conv2d", None, "(> 1)"),
    ("Conformer 1d / 2d, s/epoch", "conformer1d", "conformer2d",
     lambda r: r > 1.0, "> 1 at 22, 64 ch"),
    ("braindecode EEGConformer / Conformer 2d, s/epoch", "bd_conformer", "conformer2d",
     lambda r: r >= 1.0, ">= 1"),
]  # fmt: skip

#: Ratios whose target the issues set only at some channel counts.
_TARGET_CHANNELS = {"bd_shallow": (22, 64), "conformer1d": (22, 64)}


def ratios_table(results: list[Result], fmt: str, clock: str = "wall") -> str:
    """The ratios the issues set targets on, with the predict latency target as last row."""
    channels = list(dict.fromkeys(r.n_channels for r in results))
    by_key = {(r.model, r.n_channels): r for r in results}
    head = ["ratio", *[f"{c} ch" for c in channels], "target"]
    rows = []
    for label, num, den, test, target in RATIOS:
        row = [label]
        for c in channels:
            a, b = by_key.get((num, c)), by_key.get((den, c))
            if a is None or b is None or a.status != "ok" or b.status != "ok":
                row.append("n/a")
                continue
            ratio = a.value("epoch", clock) / b.value("epoch", clock)
            cell = f"{ratio:.2f}"
            if test is not None and c in _TARGET_CHANNELS.get(num, channels):
                cell += " (met)" if test(ratio) else " (MISSED)"
            row.append(cell)
        rows.append(row + [target])
    row = ["Conv2D predict, ms/trial"]
    for c in channels:
        r = by_key.get(("conv2d", c))
        if r is None or r.status != "ok":
            row.append("n/a")
            continue
        ms_per_trial = r.value("predict", clock)
        cell = f"{ms_per_trial:.3f}"
        if c == 22:
            cell += " (met)" if ms_per_trial <= 0.3 else " (MISSED)"
        row.append(cell)
    rows.append(row + ["<= 0.3 at 22 ch"])
    return _table(head, rows, fmt)


def write_csv(results: list[Result], path: str) -> None:
    fields = [k for k in asdict(results[0]) if k != "epoch_durations"] + ["epoch_durations"]
    with open(path, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=fields)
        writer.writeheader()
        for r in results:
            row = asdict(r)
            row["epoch_durations"] = " ".join(str(d) for d in r.epoch_durations)
            writer.writerow(row)


def read_csv(path: str) -> list[Result]:
    """Results written by :func:`write_csv` (to print the tables again, e.g. on the CPU clock)."""
    numeric = {
        "n_channels": int,
        "n_times": int,
        "sfreq": float,
        "n_params": int,
        "epoch_s": float,
        "epoch_s_min": float,
        "predict_ms_per_trial": float,
        "epoch_cpu_s": float,
        "predict_cpu_ms_per_trial": float,
    }
    results = []
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            kwargs = {
                key: (numeric[key](value) if value != "" else None) if key in numeric else value
                for key, value in row.items()
                if key != "epoch_durations"
            }
            durations = [float(d) for d in row.get("epoch_durations", "").split()]
            results.append(Result(**kwargs, epoch_durations=durations))
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--quick", action="store_true", help="smoke run: 1 measured epoch, 1 predict repeat"
    )
    parser.add_argument(
        "--channels", type=int, nargs="+", default=list(MONTAGES),
        help="channel counts to run (3, 22, 64 have their own n_times/sfreq; others use "
        "1000 samples at 250 Hz)",
    )  # fmt: skip
    parser.add_argument(
        "--models", nargs="+", choices=list(BENCHMARKS), default=list(BENCHMARKS),
        help="models to run (default: all)",
    )  # fmt: skip
    parser.add_argument("--epochs", type=int, default=None, help="measured epochs (default 3)")
    parser.add_argument(
        "--predict-repeats", type=int, default=None, help="timed predict calls (default 3)"
    )
    parser.add_argument(
        "--threads", type=int, default=None,
        help="torch.set_num_threads(N) before running (default: leave torch's default; on a "
        "machine shared with other jobs, 1 avoids OpenMP threads waiting on each other)",
    )  # fmt: skip
    parser.add_argument(
        "--clock", choices=["wall", "cpu"], default="wall",
        help="what the tables show: elapsed time (default; per-epoch from skorch's history "
        "'dur') or process CPU time, steadier on a shared machine with --threads 1",
    )  # fmt: skip
    parser.add_argument("--format", choices=["markdown", "rst"], default="markdown")
    parser.add_argument("--out", default=None, help="also write the results to this CSV file")
    parser.add_argument(
        "--from-csv", default=None, metavar="PATH",
        help="measure nothing: print the tables of a CSV written by --out (with --clock)",
    )  # fmt: skip
    args = parser.parse_args(argv)
    epochs = args.epochs or (1 if args.quick else 3)
    repeats = args.predict_repeats or (1 if args.quick else 3)
    if epochs < 1 or repeats < 1 or any(c < 1 for c in args.channels):
        parser.error("--epochs, --predict-repeats and --channels must be positive")
    if args.threads is not None:
        if args.threads < 1:
            parser.error("--threads must be positive")
        torch.set_num_threads(args.threads)

    if args.from_csv:
        results = read_csv(args.from_csv)
        print(f"results read from {args.from_csv}")
    else:
        print(header(epochs, repeats, args.threads is not None), flush=True)
        start = time.perf_counter()
        results = run(args.channels, args.models, epochs, repeats)
        print(f"total {time.perf_counter() - start:.0f} s\n")
    clock = "wall clock" if args.clock == "wall" else "process CPU time"
    print(f"Tables: {clock}.\n")
    print(results_table(results, args.format, args.clock) + "\n")
    print(ratios_table(results, args.format, args.clock))
    if args.out:
        write_csv(results, args.out)
        print(f"\nwrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
