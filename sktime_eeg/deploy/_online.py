"""Sliding-window decoding of continuous EEG: online, chunk by chunk, and offline in one pass.

:class:`OnlineDecoder` takes chunks of a stream of any size and returns a decision every
``step`` samples once a full ``window`` has arrived; :func:`sliding_window_predict` makes the
same decisions over a whole recording at once. For any chunking of a recording the two agree:
the same windows (the causal filter state is carried across chunks), at the same sample
indices and times, hence the same probabilities.
"""

from __future__ import annotations

import copy
import numbers
import warnings
from typing import Any, NamedTuple

import numpy as np

from .._validation import check_positive_int
from ..preprocessing._streaming import StreamingFilter

__all__ = ["Decision", "OnlineDecoder", "decisions_to_frame", "sliding_window_predict"]

#: Windows per ``predict_proba`` call in the offline pass.
_BATCH = 256


class Decision(NamedTuple):
    """One decision of a sliding-window decoder.

    Attributes
    ----------
    sample : int
        Index, counted from the first sample of the stream (0), of the last sample of the
        window the decision was made on; the window is samples ``sample - window + 1`` to
        ``sample``.
    time : float
        Time of that sample: its timestamp when timestamps were given, else
        ``sample / sfreq`` (NaN when the sampling frequency is unknown).
    proba : ndarray of shape (n_classes,)
        Class probabilities, in the order of the model's ``classes_``.
    label : object
        The most probable class.
    """

    sample: int
    time: float
    proba: np.ndarray
    label: Any


class _ModelSpec(NamedTuple):
    n_channels: int | None
    n_times: int | None
    sfreq: float | None
    ch_names: list[str] | None
    classes: np.ndarray


def _model_spec(model: Any, owner: str) -> _ModelSpec:
    """What a decoder needs to know of a fitted estimator or an :class:`ONNXModel`."""
    if not (hasattr(model, "predict_proba") and hasattr(model, "classes_")):
        raise TypeError(
            f"{owner}: model must be a fitted sktime_eeg classifier or a model loaded with "
            f"sktime_eeg.deploy.load_onnx (with predict_proba and classes_), got "
            f"{type(model).__name__}. Fit it first, or load the exported .onnx file."
        )
    n_times = getattr(model, "n_times", getattr(model, "n_times_", None))
    return _ModelSpec(
        getattr(model, "n_channels", getattr(model, "n_channels_", None)),
        None if n_times is None else int(n_times),
        getattr(model, "sfreq", getattr(model, "sfreq_", None)),
        getattr(model, "ch_names", getattr(model, "ch_names_", None)),
        np.asarray(model.classes_),
    )


def _check_window(spec: _ModelSpec, window: int | None, step: int, owner: str) -> int:
    check_positive_int(window, "window", owner, allow_none=True)
    check_positive_int(step, "step", owner)
    if spec.n_times is None:  # any classifier of fixed-length windows (e.g. a pipeline)
        if window is None:
            raise ValueError(
                f"{owner}: the model does not say its window length (n_times or n_times_); "
                "give window=<samples per window the model was trained on>."
            )
        return window
    if window is None:
        return spec.n_times
    if window != spec.n_times:
        raise ValueError(
            f"{owner}: window={window} samples but the model was fitted on windows of "
            f"{spec.n_times} samples; use window={spec.n_times} (or None), or refit the model "
            f"on {window}-sample windows."
        )
    return window


def _check_sfreq(spec: _ModelSpec, sfreq: float | None, owner: str) -> float | None:
    if sfreq is None:
        return None if spec.sfreq is None else float(spec.sfreq)
    if isinstance(sfreq, bool) or not isinstance(sfreq, numbers.Real) or not sfreq > 0:
        raise ValueError(f"{owner}: sfreq must be a positive number of Hz, got {sfreq!r}.")
    if spec.sfreq is not None and float(sfreq) != float(spec.sfreq):
        raise ValueError(
            f"{owner}: the data are sampled at {sfreq} Hz but the model was fitted at "
            f"{spec.sfreq} Hz; resample the stream to {spec.sfreq} Hz."
        )
    return float(sfreq)


def _check_filter_rate(filter: StreamingFilter, sfreq: float | None, owner: str) -> None:
    """Refuse a filter designed (:meth:`StreamingFilter.from_bandpass`) for another rate."""
    rate = filter.design.get("sfreq") if filter.design else None
    if rate is not None and sfreq is not None and not np.isclose(float(rate), float(sfreq)):
        raise ValueError(
            f"{owner}: the filter was designed for {float(rate)} Hz but the data are sampled "
            f"at {float(sfreq)} Hz, so its band edges would be off by a factor of "
            f"{float(sfreq) / float(rate):.3g}. Design it at the data's rate: "
            f"StreamingFilter.from_bandpass(l_freq, h_freq, sfreq={float(sfreq)}, ...)."
        )


def _check_filter(
    filter: StreamingFilter | None,
    owner: str,
    sfreq: float | None = None,
    model: Any = None,
) -> StreamingFilter | None:
    if filter is None:
        stored = getattr(model, "filter", None)
        if isinstance(stored, StreamingFilter):
            warnings.warn(
                f"{owner}: the model carries the causal filter it was trained behind "
                f"({stored!r}), but filter=None, so the data are decoded unfiltered. Pass "
                "filter=model.filter (or silence this warning if the data are already "
                "filtered).",
                UserWarning,
                stacklevel=3,
            )
        return None
    if not isinstance(filter, StreamingFilter):
        raise TypeError(
            f"{owner}: filter must be a sktime_eeg.preprocessing.StreamingFilter (e.g. "
            "StreamingFilter.from_bandpass(8.0, 30.0, sfreq=250.0)) or None, got "
            f"{type(filter).__name__}."
        )
    _check_filter_rate(filter, sfreq, owner)
    return filter.copy(reset=True)  # the caller's filter is a template; its state is untouched


def _check_chunk(chunk: Any, spec: _ModelSpec, owner: str, what: str = "chunk") -> np.ndarray:
    x = np.asarray(chunk)
    if x.dtype.kind not in "biuf":
        raise ValueError(
            f"{owner}: the {what} must be numeric EEG of shape (n_channels, n_samples), got "
            f"dtype {x.dtype}."
        )
    if x.ndim != 2:
        raise ValueError(
            f"{owner}: the {what} must have shape (n_channels, n_samples), got shape {x.shape}."
            " Continuous data go channels first, e.g. raw.get_data() or chunk.T for "
            "(n_samples, n_channels) data."
        )
    if spec.n_channels is not None and x.shape[0] != spec.n_channels:
        hint = (
            " It looks like (n_samples, n_channels); pass its transpose."
            if x.shape[1] == spec.n_channels
            else ""
        )
        raise ValueError(
            f"{owner}: the {what} has {x.shape[0]} channels but the model expects "
            f"{spec.n_channels} (axis 0 of (n_channels, n_samples)).{hint}"
        )
    x = x.astype(np.float64, copy=False)
    if not np.isfinite(x).all():
        bad = np.flatnonzero(~np.isfinite(x).all(axis=0))
        raise ValueError(
            f"{owner}: the {what} contains NaN or infinite values at {bad.size} sample(s) "
            f"(first: sample {bad[0]} of the {what}). Repair or drop them before decoding "
            "(a causal filter would spread them to every later decision)."
        )
    return x


def _check_timestamps(timestamps: Any, n_samples: int, owner: str) -> np.ndarray | None:
    if timestamps is None:
        return None
    ts = np.asarray(timestamps, dtype=np.float64)
    if ts.shape != (n_samples,):
        raise ValueError(
            f"{owner}: timestamps must hold one time per sample, shape ({n_samples},); got "
            f"shape {ts.shape}."
        )
    return ts


def _decide(
    model: Any,
    classes: np.ndarray,
    windows: np.ndarray,
    ends: np.ndarray,
    times: np.ndarray,
) -> list[Decision]:
    proba = np.asarray(model.predict_proba(windows))
    labels = classes[np.argmax(proba, axis=1)]
    return [
        Decision(int(e), float(t), p, lab)
        for e, t, p, lab in zip(ends, times, proba, labels, strict=True)
    ]


class OnlineDecoder:
    """Decode a continuous stream chunk by chunk with a sliding window.

    Parameters
    ----------
    model : fitted classifier or ONNXModel
        A fitted sktime_eeg classifier or a model from :func:`load_onnx` (or any fitted
        classifier with ``predict_proba`` and ``classes_`` taking arrays ``(n, C, T)``, e.g.
        a pipeline of :mod:`sktime_eeg.baselines`); its ``predict_proba`` is called on
        windows ``(n_windows, n_channels, window)`` (float64, in the units it was trained on).
    window : int or None, default=None
        Window length in samples; must equal the model's ``n_times`` (None takes it; required
        for models that do not state it).
    step : int, default=25
        Samples between two decisions (25 at 250 Hz: 10 decisions per second).
    filter : StreamingFilter or None, default=None
        Causal filter applied to the stream before windowing (a fresh copy is used; the one
        given is not modified). Train the model on data filtered by the same filter. For a
        model from :func:`load_onnx` pass ``filter=model.filter`` (None warns when the model
        carries one). A filter made by :meth:`StreamingFilter.from_bandpass` must be designed
        at the stream's sampling frequency.
    sfreq : float or None, default=None
        Sampling frequency of the stream in Hz, for decision times without timestamps;
        defaults to the model's (and must agree with it when both are known).

    Attributes
    ----------
    n_samples_seen : int
        Samples received since construction or the last :meth:`reset`.
    classes_ : ndarray of shape (n_classes,)
        The model's classes.

    Notes
    -----
    The first decision comes with sample ``window - 1`` (the first full window), then one
    every ``step`` samples: decision ``k`` is made on samples ``k * step`` to
    ``k * step + window - 1``. The decoder keeps only the last ``window - 1`` filtered samples
    and the filter state. For any chunking of a recording, the decisions equal those of
    :func:`sliding_window_predict` on the whole recording (same samples and times; the
    probabilities equal to the float rounding of batched network evaluation).

    Examples
    --------
    >>> decoder = OnlineDecoder(model, step=25)  # doctest: +SKIP
    >>> for chunk, stamps in stream:  # doctest: +SKIP
    ...     for decision in decoder.update(chunk, stamps):
    ...         print(decision.time, decision.label, decision.proba.max())
    """

    def __init__(
        self,
        model: Any,
        window: int | None = None,
        step: int = 25,
        filter: StreamingFilter | None = None,
        *,
        sfreq: float | None = None,
    ) -> None:
        owner = "OnlineDecoder"
        self.model = model
        self._spec = _model_spec(model, owner)
        self.window = _check_window(self._spec, window, step, owner)
        self.step = step
        self.sfreq = _check_sfreq(self._spec, sfreq, owner)
        self.filter = filter
        self._filter_template = _check_filter(filter, owner, self.sfreq, model)
        self.classes_ = self._spec.classes
        self.reset()

    def reset(self) -> OnlineDecoder:
        """Start over: the next chunk is the first of a new stream. Returns self."""
        self._filter = None if self._filter_template is None else self._filter_template.copy()
        self._tail = np.empty((0, 0))
        self._tail_times = np.empty(0)
        self._has_ts = False
        self.n_samples_seen = 0
        self._next_end = self.window - 1
        return self

    def update(self, chunk: Any, timestamps: Any = None) -> list[Decision]:
        """Feed the next samples; return the decisions they complete.

        Parameters
        ----------
        chunk : array-like of shape (n_channels, n_samples)
            The next samples of the stream (any ``n_samples``, 0 included).
        timestamps : array-like of shape (n_samples,) or None, default=None
            Time of each sample (e.g. LSL timestamps); decisions then carry the timestamp of
            their window's last sample. Give them for every chunk or for none.

        Returns
        -------
        list of Decision
            In time order; empty when no window was completed.
        """
        owner = "OnlineDecoder.update"
        x = _check_chunk(chunk, self._spec, owner)
        ts = _check_timestamps(timestamps, x.shape[1], owner)
        if self.n_samples_seen == 0:
            self._has_ts = ts is not None
            self._tail = np.empty((x.shape[0], 0))
        elif (ts is not None) != self._has_ts:
            raise ValueError(
                f"{owner}: timestamps were {'given' if self._has_ts else 'not given'} for the "
                "earlier chunks; give them for every chunk or for none (or call reset())."
            )
        elif x.shape[0] != self._tail.shape[0]:
            raise ValueError(
                f"{owner}: the chunk has {x.shape[0]} channels but the stream had "
                f"{self._tail.shape[0]}; keep the channel count, or call reset() for a new "
                "stream."
            )
        if x.shape[1] == 0:
            return []
        # Nothing changes unless the whole chunk goes through: a failing model leaves the
        # decoder where it was, so the chunk can be fed again.
        saved_filter = copy.copy(self._filter)  # filter() rebinds its state, never mutates it
        try:
            if self._filter is not None:
                x = self._filter.filter(x)
            first = self.n_samples_seen - self._tail.shape[1]  # stream index of data[:, 0]
            data = np.concatenate([self._tail, x], axis=1)
            times = np.concatenate([self._tail_times, ts]) if self._has_ts else None
            n_seen = self.n_samples_seen + x.shape[1]
            ends = np.arange(self._next_end, n_seen, self.step)
            decisions: list[Decision] = []
            if ends.size:
                local = ends - first
                windows = np.stack([data[:, e - self.window + 1 : e + 1] for e in local])
                if times is not None:
                    when = times[local]
                else:
                    when = ends / self.sfreq if self.sfreq else np.full(ends.size, np.nan)
                decisions = _decide(self.model, self.classes_, windows, ends, when)
        except BaseException:
            self._filter = saved_filter
            raise
        self.n_samples_seen = n_seen
        if ends.size:
            self._next_end = int(ends[-1]) + self.step
        keep = min(self.window - 1, data.shape[1])
        self._tail = data[:, data.shape[1] - keep :].copy()
        if self._has_ts:
            self._tail_times = times[times.size - keep :].copy()
        return decisions


def sliding_window_predict(
    model: Any,
    data: Any,
    window: int | None = None,
    step: int = 25,
    filter: StreamingFilter | None = None,
    *,
    timestamps: Any = None,
    sfreq: float | None = None,
) -> list[Decision]:
    """Decide on every sliding window of a recording in one offline pass.

    The reference for :class:`OnlineDecoder`: the same windows, sample indices and times
    whatever the chunking of the stream.

    Parameters
    ----------
    model : fitted classifier or ONNXModel
        As for :class:`OnlineDecoder`.
    data : array-like of shape (n_channels, n_samples)
        The continuous recording.
    window : int or None, default=None
        Window length in samples; must equal the model's ``n_times`` (None takes it).
    step : int, default=25
        Samples between two decisions.
    filter : StreamingFilter or None, default=None
        Causal filter applied to the whole recording first (a fresh copy, from its start);
        as for :class:`OnlineDecoder`.
    timestamps : array-like of shape (n_samples,) or None, default=None
        Time of each sample; decisions carry the timestamp of their window's last sample.
    sfreq : float or None, default=None
        Sampling frequency in Hz for times without timestamps (defaults to the model's).

    Returns
    -------
    list of Decision
        Decision ``k`` on samples ``k * step`` to ``k * step + window - 1``; empty when the
        recording is shorter than one window.
    """
    owner = "sliding_window_predict"
    spec = _model_spec(model, owner)
    window = _check_window(spec, window, step, owner)
    rate = _check_sfreq(spec, sfreq, owner)
    filt = _check_filter(filter, owner, rate, model)
    x = _check_chunk(data, spec, owner, what="data")
    ts = _check_timestamps(timestamps, x.shape[1], owner)
    if filt is not None and x.shape[1]:
        x = filt.filter(x)
    ends = np.arange(window - 1, x.shape[1], step)
    if ts is not None:
        times = ts[ends]
    else:
        times = ends / rate if rate else np.full(ends.size, np.nan)
    views = np.lib.stride_tricks.sliding_window_view(x, window, axis=1)  # (C, n, window)
    decisions: list[Decision] = []
    for start in range(0, ends.size, _BATCH):
        block = ends[start : start + _BATCH]
        windows = np.ascontiguousarray(views[:, block - window + 1].transpose(1, 0, 2))
        decisions += _decide(model, spec.classes, windows, block, times[start : start + _BATCH])
    return decisions


def decisions_to_frame(decisions: list[Decision], classes: Any = None) -> Any:
    """Decisions as a :class:`pandas.DataFrame`, one row per decision.

    Parameters
    ----------
    decisions : list of Decision
        From :class:`OnlineDecoder` or :func:`sliding_window_predict`.
    classes : array-like of shape (n_classes,) or None, default=None
        The model's ``classes_``; names the probability columns ``proba_<class>`` (else
        ``proba_0``, ``proba_1``, ...).

    Returns
    -------
    pandas.DataFrame
        Columns ``sample``, ``time``, ``label`` and one probability column per class.
    """
    import pandas as pd

    n_classes = decisions[0].proba.size if decisions else (0 if classes is None else len(classes))
    names = list(range(n_classes)) if classes is None else list(np.asarray(classes).tolist())
    proba = np.stack([d.proba for d in decisions]) if decisions else np.empty((0, n_classes))
    frame = pd.DataFrame(
        {
            "sample": np.array([d.sample for d in decisions], dtype=np.int64),
            "time": np.array([d.time for d in decisions], dtype=np.float64),
            "label": [d.label for d in decisions],
        }
    )
    for i, name in enumerate(names):
        frame[f"proba_{name}"] = proba[:, i]
    return frame
