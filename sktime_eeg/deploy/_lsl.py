"""Decode a live Lab Streaming Layer (LSL) stream with mne-lsl, and publish the decisions.

Every chunk the stream delivers goes, exactly once and in order, through an
:class:`~sktime_eeg.deploy.OnlineDecoder`; the decisions are printed or pushed to an LSL
marker stream (one JSON string per decision, stamped with the LSL time of the window's last
sample).
"""

from __future__ import annotations

import json
import sys
import time
import uuid
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import numpy as np

from .._input import EPOCHS_UNITS
from .._validation import check_positive_int, check_real
from ..preprocessing._streaming import StreamingFilter
from ._extras import import_optional
from ._online import Decision, OnlineDecoder, _model_spec

__all__ = ["StreamReport", "decision_json", "run_stream"]


@dataclass
class StreamReport:
    """What :func:`run_stream` received and decided.

    Attributes
    ----------
    decisions : list of Decision
        In time order; ``sample`` counts from the first received sample, ``time`` is the LSL
        timestamp of the window's last sample.
    latency : ndarray of shape (n_decisions,)
        Seconds from the arrival of a decision's last sample (the moment its chunk was pulled
        from the stream) to the decision being made (after publishing or printing it).
    lsl_delay : ndarray of shape (n_decisions,)
        Seconds from the LSL timestamp of that sample to its arrival (transport and buffering;
        negative when the source stamps ahead, as mne-lsl's ``PlayerLSL`` does by one chunk).
    n_samples : int
        Samples received.
    sfreq : float
        Sampling frequency of the stream in Hz.
    ch_names : list of str
        The channels decoded, in the model's order.
    data, timestamps : ndarray or None
        All received samples of the decoded channels ``(n_channels, n_samples)``, in the
        model's units (before the filter), and their timestamps, when ``keep_data=True``.
    extra : dict
        ``interrupted`` (stopped by Ctrl-C), ``unit_scale`` (factor applied to the
        received values) and ``gaps`` (``(sample, seconds)`` of every jump in the timestamps
        longer than ``max(0.1 s, 10 samples)``, each also warned about: lost samples).
    """

    decisions: list[Decision]
    latency: np.ndarray
    lsl_delay: np.ndarray
    n_samples: int
    sfreq: float
    ch_names: list[str]
    data: np.ndarray | None = None
    timestamps: np.ndarray | None = None
    extra: dict = field(default_factory=dict)

    def latency_summary(self) -> dict[str, float]:
        """Percentiles of :attr:`latency` in milliseconds: ``{"p50", "p95", "p99", "max"}``."""
        if self.latency.size == 0:
            return {"p50": np.nan, "p95": np.nan, "p99": np.nan, "max": np.nan}
        p50, p95, p99 = np.percentile(self.latency * 1e3, [50, 95, 99])
        return {"p50": p50, "p95": p95, "p99": p99, "max": float(self.latency.max() * 1e3)}


def decision_json(decision: Decision, classes: Any) -> str:
    """One decision as the JSON text published on the marker stream.

    Keys: ``label``, ``proba`` (``{class: probability}``, classes as strings), ``sample``,
    ``time`` (null when unknown).
    """
    label = decision.label.item() if isinstance(decision.label, np.generic) else decision.label
    return json.dumps(
        {
            "label": label,
            "proba": {
                str(c): round(float(p), 6)
                for c, p in zip(np.asarray(classes).tolist(), decision.proba, strict=True)
            },
            "sample": decision.sample,
            "time": decision.time if np.isfinite(decision.time) else None,
        }
    )


def _load_model(model: Any, n_threads: int | None) -> Any:
    if isinstance(model, (str, Path)):
        from ._onnx import load_onnx

        return load_onnx(model, n_threads=n_threads)
    return model


def _stream_picks(spec: Any, stream_names: list[str], source: str) -> np.ndarray:
    """Indices of the model's channels in the stream, in the model's order."""
    if spec.ch_names is None:
        if spec.n_channels is not None and len(stream_names) != spec.n_channels:
            raise ValueError(
                f"run_stream: stream {source!r} has {len(stream_names)} channels but the model "
                f"expects {spec.n_channels} and knows no channel names to pick them by. Export "
                "the model with ch_names=[...] (export_onnx(..., ch_names=...))."
            )
        return np.arange(len(stream_names))
    missing = [name for name in spec.ch_names if name not in stream_names]
    if missing:
        raise ValueError(
            f"run_stream: stream {source!r} lacks the model's channels {missing} (it has "
            f"{stream_names}). Stream the channels the model was trained on."
        )
    return np.array([stream_names.index(name) for name in spec.ch_names])


#: Powers of ten of the voltage units a model may declare (``units`` metadata).
_VOLT_EXPONENTS = {"V": 0, "mV": -3, "uV": -6, "µV": -6, "nV": -9}
#: Declared stream units that mne-lsl reads as volts (``unit_mul`` 0).
_VOLT_NAMES = ("v", "volt", "volts", "0")


def _unit_scale(model_units: str | None, stream_units: list | None, exponents: list[int]) -> float:
    """Factor from the stream's values to the model's units (1.0 when it cannot be known).

    ``stream_units`` is what the stream declares for the decoded channels (from
    ``sinfo.get_channel_units()``, None when it declares nothing) and ``exponents`` the power
    of ten of their units as mne-lsl reads them (``info["chs"][i]["unit_mul"]``: -6 for
    microvolts). mne-lsl reads a unit it does not know (e.g. ``"µV"``, or any unit of a
    channel whose type is not a voltage) as volts; such a declaration is refused rather than
    taken for volts.
    """
    if model_units not in _VOLT_EXPONENTS:
        return 1.0
    if stream_units is not None:
        unread = sorted(
            {
                "(none)" if unit is None else str(unit)
                for unit, exponent in zip(stream_units, exponents, strict=True)
                if exponent == 0 and str(unit).lower().strip() not in _VOLT_NAMES
            }
        )
        if unread:
            raise ValueError(
                f"run_stream: the stream declares the channel unit(s) {unread}, which mne-lsl "
                "does not read as a voltage unit (it takes them for volts), so the values "
                "cannot be brought to the model's units "
                f"({model_units}). Declare 'microvolts' (or 'volts', 'millivolts') at the "
                "source, with the channel type 'EEG'."
            )
    if stream_units is None:
        warnings.warn(
            f"run_stream: the stream declares no channel units; its values are taken to be in "
            f"the model's units ({model_units}). If they are not, the decisions are wrong: "
            "declare the units at the source (e.g. 'microvolts').",
            UserWarning,
            stacklevel=3,
        )
        return 1.0
    if len(set(exponents)) != 1:
        raise ValueError(
            "run_stream: the decoded channels come in different units (powers of ten "
            f"{sorted(set(exponents))}); stream them in one unit."
        )
    return float(10.0 ** (exponents[0] - _VOLT_EXPONENTS[model_units]))


def run_stream(
    model: Any,
    source: str,
    *,
    step: int = 25,
    filter: StreamingFilter | str | None = "model",
    publish: str | None = None,
    duration: float | None = None,
    max_samples: int | None = None,
    out: TextIO | None = None,
    on_decision: Callable[[Decision], None] | None = None,
    n_threads: int | None = 1,
    bufsize: float = 10.0,
    timeout: float = 10.0,
    poll_interval: float = 0.001,
    keep_data: bool = False,
) -> StreamReport:
    """Decode the LSL stream ``source`` live and print or publish the decisions.

    Parameters
    ----------
    model : str, Path, ONNXModel or fitted classifier
        The model; a path is loaded with :func:`load_onnx`. It must know its sampling
        frequency (exported from Epochs or with ``sfreq=``), which the stream must have.
        With channel names, those channels are picked from the stream in the model's order
        (the stream may carry more); without, the stream must have exactly the model's
        channel count. When the model declares a voltage unit (``units``: ``"uV"`` for
        a model fitted on Epochs) and the stream declares its units (e.g. ``microvolts``),
        the values are rescaled to the model's units (``report.extra["unit_scale"]``); a
        stream without declared units is taken as is, with a warning.
    source : str
        Name of the LSL stream to decode.
    step : int, default=25
        Samples between decisions.
    filter : StreamingFilter, "model" or None, default="model"
        The causal filter the model was trained behind; ``"model"`` takes the one stored in
        the ONNX file (none if it has none), None filters nothing.
    publish : str or None, default=None
        Name of an LSL marker stream (type ``"Markers"``, one string channel) to create and
        push every decision to as :func:`decision_json` text, stamped with the LSL time of the
        window's last sample. None: only print (to ``out``).
    duration : float or None, default=None
        Seconds to decode; None runs until ``max_samples`` or Ctrl-C (which ends the decoding
        and returns the report, ``report.extra["interrupted"]`` set).
    max_samples : int or None, default=None
        Stop once this many samples have been received.
    out : file-like or None, default=None
        Where to print one line per decision (None: ``sys.stdout`` when not publishing,
        nowhere when publishing).
    on_decision : callable or None, default=None
        Called with every :class:`Decision`.
    n_threads : int or None, default=1
        onnxruntime threads when ``model`` is a path.
    bufsize : float, default=10.0
        Seconds of the mne-lsl buffer.
    timeout : float, default=10.0
        Seconds to wait for the stream to be found.
    poll_interval : float, default=0.001
        Seconds to sleep when no new sample arrived.
    keep_data : bool, default=False
        Keep all received samples in the report (for checks against the offline pass).

    Returns
    -------
    StreamReport
        Decisions, latencies and (with ``keep_data``) the received data.
    """
    import_optional("mne_lsl", "Decoding an LSL stream")
    from mne_lsl.lsl import StreamInfo, StreamOutlet, local_clock
    from mne_lsl.stream import StreamLSL

    if duration is not None:
        check_real(duration, "duration", "run_stream", low=0.0, low_inclusive=False)
    check_positive_int(max_samples, "max_samples", "run_stream", allow_none=True)
    model = _load_model(model, n_threads)
    spec = _model_spec(model, "run_stream")
    if isinstance(filter, str):
        if filter != "model":
            raise ValueError(
                f"run_stream: filter must be a StreamingFilter, 'model' or None, got {filter!r}."
            )
        filter = getattr(model, "filter", None)
    if spec.sfreq is None:
        raise ValueError(
            "run_stream: the model does not know its sampling frequency, so the stream's cannot "
            "be checked. Export it with export_onnx(estimator, path, sfreq=...) or fit it on "
            "mne.Epochs."
        )
    stream = StreamLSL(bufsize, name=source)
    try:
        stream.connect(acquisition_delay=None, timeout=timeout)
    except RuntimeError as exc:
        raise RuntimeError(
            f"run_stream: could not connect to an LSL stream named {source!r} within "
            f"{timeout} s ({exc}). Check that it is streaming (e.g. with mne_lsl's "
            "resolve_streams()) and that the name is exact."
        ) from exc
    outlet = None
    try:
        sfreq = float(stream.info["sfreq"])
        if sfreq != float(spec.sfreq):
            raise ValueError(
                f"run_stream: stream {source!r} is sampled at {sfreq} Hz but the model was "
                f"trained at {spec.sfreq} Hz; resample at the source or retrain."
            )
        picks = _stream_picks(spec, list(stream.ch_names), source)
        model_units = getattr(model, "units", None)
        if model_units is None and getattr(model, "sfreq_", None) is not None:
            model_units = EPOCHS_UNITS  # an estimator fitted on Epochs read them in microvolts
        declared = stream.sinfo.get_channel_units()
        scale = _unit_scale(
            model_units,
            None if declared is None else [declared[i] for i in picks],
            [int(stream.info["chs"][i]["unit_mul"]) for i in picks],
        )
        ch_names = [stream.ch_names[i] for i in picks]
        with warnings.catch_warnings():
            # filter=None is the caller's explicit choice here: no warning that it is left out.
            warnings.filterwarnings("ignore", message=".*decoded unfiltered", category=UserWarning)
            decoder = OnlineDecoder(model, step=step, filter=filter, sfreq=sfreq)
        if publish is not None:
            info = StreamInfo(
                publish, "Markers", 1, 0.0, "string", f"sktime_eeg-{uuid.uuid4().hex[:12]}"
            )
            outlet = StreamOutlet(info)
        if out is None and publish is None:
            out = sys.stdout
        chunks: list[tuple[np.ndarray, np.ndarray]] = []

        def collect(data: np.ndarray, timestamps: np.ndarray, info: Any):
            values = data[:, picks].T.astype(np.float64)
            if scale != 1.0:
                values *= scale
            chunks.append((values, timestamps.copy()))
            return data, timestamps

        stream.add_callback(collect)
        decisions: list[Decision] = []
        latency: list[float] = []
        lsl_delay: list[float] = []
        kept: list[tuple[np.ndarray, np.ndarray]] = []
        n_samples = 0
        start = time.monotonic()
        interrupted = False
        last_stamp: float | None = None
        max_gap = max(0.1, 10.0 / sfreq)  # tolerant of timestamp jitter, not of lost chunks
        gaps: list[tuple[int, float]] = []
        try:
            while True:
                if duration is not None and time.monotonic() - start >= duration:
                    break
                if max_samples is not None and n_samples >= max_samples:
                    break
                stream.acquire()
                if not chunks:
                    time.sleep(poll_interval)
                    continue
                arrival = local_clock()
                pending, chunks[:] = list(chunks), []
                for data, stamps in pending:
                    if stamps.size:
                        before = [] if last_stamp is None else [last_stamp]
                        steps = np.diff(np.concatenate([before, stamps]))
                        offset = n_samples + (0 if before else 1)  # index of steps[k]'s sample
                        for k in np.flatnonzero(steps > max_gap):
                            index, gap = offset + int(k), float(steps[k])
                            gaps.append((index, gap))
                            warnings.warn(
                                f"run_stream: {gap:.3f} s between samples {index - 1} and "
                                f"{index} of {source!r} (expected {1 / sfreq:.4f} s): "
                                "samples were lost, and the windows over the gap join "
                                "non-adjacent data. Keep the decoder's loop faster than the "
                                "buffer (bufsize) fills.",
                                RuntimeWarning,
                                stacklevel=2,
                            )
                        last_stamp = float(stamps[-1])
                    if max_samples is not None:
                        left = max_samples - n_samples
                        data, stamps = data[:, :left], stamps[:left]
                    n_samples += stamps.size
                    if keep_data:
                        kept.append((data, stamps))
                    for decision in decoder.update(data, stamps):
                        if outlet is not None:
                            text = decision_json(decision, decoder.classes_)
                            outlet.push_sample([text], decision.time)
                        if out is not None:
                            probabilities = " ".join(f"{p:.3f}" for p in decision.proba)
                            print(
                                f"{decision.time:.3f}\t{decision.label}\t{probabilities}",
                                file=out,
                                flush=True,
                            )
                        if on_decision is not None:
                            on_decision(decision)
                        decisions.append(decision)
                        latency.append(local_clock() - arrival)
                        lsl_delay.append(arrival - decision.time)
        except KeyboardInterrupt:
            interrupted = True
    finally:
        if stream.connected:
            stream.disconnect()
        if outlet is not None:
            del outlet
    report = StreamReport(
        decisions,
        np.array(latency),
        np.array(lsl_delay),
        n_samples,
        sfreq,
        ch_names,
        extra={"interrupted": interrupted, "unit_scale": scale, "gaps": gaps},
    )
    if keep_data and kept:
        report.data = np.concatenate([d for d, _ in kept], axis=1)
        report.timestamps = np.concatenate([t for _, t in kept])
    return report
