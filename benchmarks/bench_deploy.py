"""Decision latency and throughput of a deployed model: torch ``predict_proba`` vs onnxruntime.

For each montage size (3, 22, 64 channels) a :class:`sktime_eeg.Conv2DEEGClassifier` with the
default architecture (40 filters of 25 samples, pooling 75 / 15) is fitted for one epoch on
random data of 1-second windows (250 samples at 250 Hz; the weights do not change the
timings) and exported with :func:`sktime_eeg.deploy.export_onnx`. Measured:

``latency``
    One window ``(1, C, 250)`` float64 at a time, as an online decoder calls the model:
    the median (and p95) over ``--repeats`` calls after ``--warmup`` calls, wall clock
    (``time.perf_counter``). Rows: ``torch`` is ``clf.predict_proba`` (input validation,
    standardization and skorch included), ``torch-module`` the bare ``net_.module_`` forward
    + softmax under ``torch.inference_mode`` (the floor for torch), ``onnxruntime`` is
    :meth:`ONNXModel.predict_proba` (input checks included).
``throughput``
    Windows per second on a batch of ``--batch`` windows (median of 10 calls).

``--threads`` sets torch's threads and onnxruntime's ``intra_op_num_threads`` (default 2: the
target is <= 0.3 ms per 22-channel window on 2 cores with onnxruntime). ``--model conformer``
times :class:`sktime_eeg.ConformerEEGClassifier` (2D stem, 6 encoder layers) instead.

Run: ``python benchmarks/bench_deploy.py [--threads 2] [--out results.csv]``.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sktime_eeg import ConformerEEGClassifier, Conv2DEEGClassifier  # noqa: E402
from sktime_eeg.deploy import export_onnx, load_onnx  # noqa: E402

N_TIMES, SFREQ = 250, 250.0


def _timed(fn, repeats: int, warmup: int) -> np.ndarray:
    for _ in range(warmup):
        fn()
    out = np.empty(repeats)
    for i in range(repeats):
        start = time.perf_counter()
        fn()
        out[i] = time.perf_counter() - start
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--channels", type=int, nargs="+", default=[3, 22, 64])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=1000)
    parser.add_argument("--warmup", type=int, default=100)
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--model", choices=["conv2d", "conformer"], default="conv2d")
    parser.add_argument("--out", type=Path, help="also write the rows as CSV")
    args = parser.parse_args(argv)

    import onnxruntime

    torch.set_num_threads(args.threads)
    print(
        f"# bench_deploy {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC; model={args.model}; "
        f"threads={args.threads}; {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} cores, load {os.getloadavg()[0]:.2f}; torch {torch.__version__}, "
        f"onnxruntime {onnxruntime.__version__}"
    )
    rng = np.random.default_rng(0)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n_channels in args.channels:
            X = rng.standard_normal((32, n_channels, N_TIMES))
            y = np.repeat([0, 1], 16)
            cls = ConformerEEGClassifier if args.model == "conformer" else Conv2DEEGClassifier
            clf = cls(max_epochs=1, random_state=0).fit(X, y)
            model = load_onnx(
                export_onnx(clf, Path(tmp) / f"m{n_channels}.onnx", sfreq=SFREQ),
                n_threads=args.threads,
            )
            one = rng.standard_normal((1, n_channels, N_TIMES))
            many = rng.standard_normal((args.batch, n_channels, N_TIMES))
            module = clf.net_.module_.eval()
            mean = torch.from_numpy(clf.mean_[:, None])
            scale = torch.from_numpy(clf.scale_[:, None])

            def bare(x, module=module, mean=mean, scale=scale):
                with torch.inference_mode():
                    z = ((torch.from_numpy(x) - mean) / scale).float()
                    return torch.softmax(module(z), dim=1).numpy()

            np.testing.assert_allclose(model.predict_proba(one), clf.predict_proba(one), atol=1e-5)
            runners = {
                "torch": clf.predict_proba,
                "torch-module": bare,
                "onnxruntime": model.predict_proba,
            }
            for name, fn in runners.items():
                single = _timed(lambda fn=fn, x=one: fn(x), args.repeats, args.warmup) * 1e3
                batch = _timed(lambda fn=fn, x=many: fn(x), 10, 2)
                row = {
                    "model": args.model,
                    "n_channels": n_channels,
                    "runtime": name,
                    "latency_ms_p50": float(np.median(single)),
                    "latency_ms_p95": float(np.percentile(single, 95)),
                    "windows_per_s": float(args.batch / np.median(batch)),
                }
                rows.append(row)
    header = f"{'channels':>8}  {'runtime':<13} {'p50 ms':>8} {'p95 ms':>8} {'windows/s':>10}"
    print(header)
    print("-" * len(header))
    for r in rows:
        print(
            f"{r['n_channels']:>8}  {r['runtime']:<13} {r['latency_ms_p50']:>8.3f} "
            f"{r['latency_ms_p95']:>8.3f} {r['windows_per_s']:>10.0f}"
        )
    if args.out:
        import pandas as pd

        pd.DataFrame(rows).to_csv(args.out, index=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
