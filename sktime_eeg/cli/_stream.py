"""The ``sktime-eeg stream`` command: decode a live LSL stream with an exported model."""

from __future__ import annotations

import argparse
import sys

__all__ = ["add_stream_command", "run_stream_command"]


def add_stream_command(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add the ``stream`` command to the ``sktime-eeg`` subparsers; return its parser."""
    command = subparsers.add_parser(
        "stream",
        help="decode a live LSL stream with an exported ONNX model",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description=(
            "Decode the LSL stream --source with the model written by\n"
            "sktime_eeg.deploy.export_onnx (the causal filter it was exported with included):\n"
            "one decision every --step samples over the model's window. Each decision is\n"
            "printed as 'time<TAB>label<TAB>probabilities' or, with --publish, pushed to an LSL\n"
            'marker stream of that name as JSON. Needs: pip install "sktime-eeg[deploy]".'
        ),
    )
    command.add_argument("--model", required=True, metavar="PATH", help="the .onnx model file")
    command.add_argument("--source", required=True, metavar="NAME", help="LSL stream to decode")
    command.add_argument(
        "--publish", metavar="NAME", help="re-publish the decisions as this LSL marker stream"
    )
    command.add_argument(
        "--duration", type=float, metavar="S", help="seconds to decode (default: until Ctrl-C)"
    )
    command.add_argument(
        "--step", type=int, default=25, metavar="N", help="samples between decisions (25)"
    )
    command.add_argument(
        "--threads", type=int, default=1, metavar="N", help="onnxruntime threads (default: 1)"
    )
    command.add_argument(
        "--timeout", type=float, default=10.0, metavar="S", help="seconds to find the stream"
    )
    command.set_defaults(command_parser=command, func=run_stream_command)
    return command


def run_stream_command(args: argparse.Namespace) -> int:
    """Run ``sktime-eeg stream``; return the exit status (0 ok, 1 error, 130 interrupted)."""
    from ..deploy import run_stream

    try:
        report = run_stream(
            args.model,
            args.source,
            step=args.step,
            publish=args.publish,
            duration=args.duration,
            n_threads=args.threads,
            timeout=args.timeout,
        )
    except KeyboardInterrupt:
        print("stream: interrupted.", file=sys.stderr)
        return 130
    except (ImportError, OSError, RuntimeError, ValueError) as exc:
        print(f"sktime-eeg stream: error: {exc}", file=sys.stderr)
        return 1
    summary = report.latency_summary()
    print(
        f"stream: {report.n_samples} samples, {len(report.decisions)} decisions; latency from "
        f"a window's last sample arriving to its decision: p50 {summary['p50']:.2f} ms, "
        f"p95 {summary['p95']:.2f} ms, p99 {summary['p99']:.2f} ms.",
        file=sys.stderr,
    )
    return 0
