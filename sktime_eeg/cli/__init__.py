"""The ``sktime-eeg`` command, one module per sub-command.

- ``compare``: the paper's comparison -- 1D- and 2D-stem CNNs and hybrids next to Riemannian
  baselines -- under a BCI protocol, with paired statistics across subjects
  (:mod:`._compare`);
- ``stats``: those statistics for saved results, several data sets at once (:mod:`._stats`);
- ``calibrate``: how many trials a new user needs (:mod:`._calibrate`);
- ``stream``: decode a live LSL stream with an exported ONNX model (:mod:`._stream`).

The work is done by the layers below (:mod:`sktime_eeg.evaluation`, :mod:`sktime_eeg.deploy`);
these modules parse arguments, translate errors into usage errors naming the options, and
write files.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from ._calibrate import add_calibrate_command
from ._compare import (
    DEFAULT_BATCH_SIZE,
    DEFAULT_CONFORMER_LAYERS,
    DEFAULT_MAX_EPOCHS,
    DEFAULT_N_SPLITS,
    SIMULATED_N_TRIALS,
    SIMULATED_SNR,
    add_compare_command,
)
from ._options import SIMULATED_SFREQ
from ._stats import add_stats_command
from ._stream import add_stream_command

__all__ = [
    "DEFAULT_BATCH_SIZE",
    "DEFAULT_CONFORMER_LAYERS",
    "DEFAULT_MAX_EPOCHS",
    "DEFAULT_N_SPLITS",
    "SIMULATED_N_TRIALS",
    "SIMULATED_SFREQ",
    "SIMULATED_SNR",
    "main",
]


def _parser() -> argparse.ArgumentParser:
    from .. import __version__

    parser = argparse.ArgumentParser(
        prog="sktime-eeg",
        description="1D and 2D spatiotemporal CNNs for EEG as scikit-learn estimators.",
    )
    parser.add_argument("--version", action="version", version=f"sktime-eeg {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    add_compare_command(commands)
    add_stats_command(commands)
    add_calibrate_command(commands)
    add_stream_command(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``sktime-eeg``.

    Parameters
    ----------
    argv : sequence of str or None, default=None
        Arguments without the program name; None reads ``sys.argv[1:]``.

    Returns
    -------
    int
        Exit status: 0 on success, 130 when interrupted (argument errors exit with 2 through
        ``SystemExit``, as argparse does).
    """
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 1
    return args.func(args)
