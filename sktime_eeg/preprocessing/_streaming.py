"""Causal filtering of continuous EEG chunk by chunk, equal to the offline causal filter.

Online decoding can only use past samples, so the filter that runs online must be causal, and
the model must be trained on data filtered the same way. MNE designs the causal filters
(FIR ``phase="minimum"`` or ``"linear"``, IIR ``phase="forward"``); :class:`StreamingFilter`
applies such a design to a stream, carrying the filter state (``zi`` of
:func:`scipy.signal.lfilter` / :func:`scipy.signal.sosfilt`) from one chunk to the next, so
the concatenated output equals :class:`~sktime_eeg.preprocessing.BandpassFilter` with the
same settings applied to the whole recording.
"""

from __future__ import annotations

import copy
import numbers
from typing import Any

import numpy as np
from scipy import signal

__all__ = ["StreamingFilter"]

_CAUSAL_PHASES = {"fir": ("minimum", "linear"), "iir": ("forward",)}
_INITS = ("zeros", "edge")


class StreamingFilter:
    """A causal filter that keeps its state across chunks of a multichannel stream.

    Parameters
    ----------
    b, a : array-like of shape (n_taps,) or None
        Transfer-function coefficients (``a=None`` for a FIR filter ``b``). Give either
        ``b`` (and ``a``) or ``sos``.
    sos : array-like of shape (n_sections, 6) or None
        Second-order sections (the numerically safer form for IIR filters).
    init : {"zeros", "edge"}, default="zeros"
        State before the first sample: ``"zeros"`` (the signal was 0 before; what
        :func:`scipy.signal.lfilter` and MNE's IIR ``phase="forward"`` do) or ``"edge"`` (the
        signal stood still at its first value, the steady state; what MNE's FIR filtering
        with ``pad="edge"`` amounts to for causal phases).

    Attributes
    ----------
    n_channels : int or None
        Channel count, fixed by the first chunk (None before it).
    n_samples_seen : int
        Samples filtered since construction or the last :meth:`reset`.
    design : dict
        How the filter was made (for :meth:`from_bandpass`: the band and MNE settings).

    Notes
    -----
    Each call of :meth:`filter` continues where the previous one stopped: for any split of a
    recording into chunks, the concatenated outputs equal ``filter`` applied once to the
    whole recording, and equal the offline causal filter of MNE (see :meth:`from_bandpass`),
    to float rounding (~1e-12 relative for FIR filters, which MNE applies with FFTs).

    Examples
    --------
    >>> import numpy as np
    >>> filt = StreamingFilter.from_bandpass(8.0, 30.0, sfreq=250.0, method="iir")
    >>> x = np.random.default_rng(0).standard_normal((3, 1000))
    >>> y = np.concatenate([filt.filter(x[:, :300]), filt.filter(x[:, 300:])], axis=1)
    >>> bool(np.allclose(y, filt.copy(reset=True).filter(x)))
    True
    """

    def __init__(
        self,
        b: Any = None,
        a: Any = None,
        *,
        sos: Any = None,
        init: str = "zeros",
    ) -> None:
        if (b is None) == (sos is None):
            raise ValueError(
                "StreamingFilter: give either the coefficients b (and a) or sos, not both and "
                "not neither, e.g. StreamingFilter(b, a) or StreamingFilter(sos=sos)."
            )
        if init not in _INITS:
            raise ValueError(f"StreamingFilter: init must be one of {list(_INITS)}, got {init!r}.")
        if sos is not None:
            if a is not None:
                raise ValueError("StreamingFilter: a goes with b, not with sos; drop a.")
            sos = np.array(sos, dtype=np.float64)
            if sos.ndim != 2 or sos.shape[1] != 6 or sos.shape[0] == 0:
                raise ValueError(
                    f"StreamingFilter: sos must have shape (n_sections, 6), got {sos.shape}."
                )
            _check_finite(sos, "sos")
            if not np.allclose(sos[:, 3], 1.0):
                raise ValueError(
                    "StreamingFilter: every second-order section must be normalised "
                    "(sos[:, 3] == 1), as scipy.signal designs them."
                )
            self._sos, self._b, self._a = sos, None, None
        else:
            b = np.atleast_1d(np.array(b, dtype=np.float64))
            a = np.ones(1) if a is None else np.atleast_1d(np.array(a, dtype=np.float64))
            if b.ndim != 1 or a.ndim != 1 or b.size == 0 or a.size == 0:
                raise ValueError(
                    f"StreamingFilter: b and a must be 1D coefficient arrays, got shapes "
                    f"{b.shape} and {a.shape}."
                )
            _check_finite(b, "b")
            _check_finite(a, "a")
            if a[0] == 0:
                raise ValueError("StreamingFilter: a[0] must not be 0 (it normalises the filter).")
            self._sos, self._b, self._a = None, b, a
        self.init = init
        self.design: dict = {}
        self.reset()

    # -- construction ----------------------------------------------------------------------
    @classmethod
    def from_bandpass(
        cls,
        l_freq: float | None,
        h_freq: float | None,
        sfreq: float,
        *,
        method: str = "iir",
        phase: str | None = None,
        iir_params: dict | None = None,
        filter_length: str | int = "auto",
        l_trans_bandwidth: str | float = "auto",
        h_trans_bandwidth: str | float = "auto",
        fir_window: str = "hamming",
        fir_design: str = "firwin",
    ) -> StreamingFilter:
        """Design a causal band-pass with :func:`mne.filter.create_filter` and stream it.

        Parameters
        ----------
        l_freq, h_freq : float or None
            Band edges in Hz (None for a low- or high-pass), as in
            :class:`~sktime_eeg.preprocessing.BandpassFilter`.
        sfreq : float
            Sampling frequency in Hz.
        method : {"iir", "fir"}, default="iir"
            Filter family.
        phase : str or None, default=None
            A causal phase of MNE: ``"forward"`` for IIR (the default for it), ``"minimum"``
            (default for FIR) or ``"linear"`` (delays the signal by half the filter length)
            for FIR. MNE's zero-phase filters look into the future and are refused.
        iir_params, filter_length, l_trans_bandwidth, h_trans_bandwidth, fir_window, \
fir_design
            Passed to :func:`mne.filter.create_filter` (``iir_params=None`` is MNE's 4th-order
            Butterworth in second-order sections).

        Returns
        -------
        StreamingFilter
            With ``init="edge"`` for FIR and ``"zeros"`` for IIR, so that its output equals
            ``BandpassFilter(l_freq, h_freq, sfreq, method=method, phase=phase, ...)`` (MNE's
            defaults, ``pad="edge"``) applied offline; :meth:`as_transformer` returns that
            transformer.
        """
        from mne.filter import create_filter

        if method not in _CAUSAL_PHASES:
            raise ValueError(
                f"StreamingFilter.from_bandpass: method must be 'iir' or 'fir', got {method!r}."
            )
        if phase is None:
            phase = _CAUSAL_PHASES[method][0]
        if phase not in _CAUSAL_PHASES[method]:
            raise ValueError(
                f"StreamingFilter.from_bandpass: phase={phase!r} is not causal for "
                f"method={method!r} (it needs future samples, which a stream does not have); "
                f"use phase in {list(_CAUSAL_PHASES[method])}."
            )
        if isinstance(sfreq, bool) or not isinstance(sfreq, numbers.Real) or not sfreq > 0:
            raise ValueError(
                f"StreamingFilter.from_bandpass: sfreq must be a positive number of Hz, got "
                f"{sfreq!r}."
            )
        kwargs = dict(
            filter_length=filter_length,
            l_trans_bandwidth=l_trans_bandwidth,
            h_trans_bandwidth=h_trans_bandwidth,
            method=method,
            iir_params=copy.deepcopy(iir_params),
            phase=phase,
            fir_window=fir_window,
            fir_design=fir_design,
        )
        design = create_filter(None, float(sfreq), l_freq, h_freq, verbose=False, **kwargs)
        if method == "fir":
            out = cls(design, init="edge")
        elif "sos" in design:
            out = cls(sos=design["sos"], init="zeros")
        else:
            out = cls(design["b"], design["a"], init="zeros")
        out.design = {"l_freq": l_freq, "h_freq": h_freq, "sfreq": float(sfreq), **kwargs}
        return out

    def as_transformer(self) -> Any:
        """The offline :class:`~sktime_eeg.preprocessing.BandpassFilter` this filter streams.

        Only for filters made by :meth:`from_bandpass`. Applied to a whole array
        ``(n_trials, n_channels, n_times)`` it gives, per trial, what this filter gives on
        that trial streamed from its start (to float rounding) -- for FIR filters when the
        trials are at least as long as the filter (MNE pads shorter signals less).
        """
        from ._mne_steps import BandpassFilter

        if not self.design:
            raise ValueError(
                "as_transformer: this StreamingFilter was built from coefficients; only one made "
                "by StreamingFilter.from_bandpass(...) knows its BandpassFilter."
            )
        d = self.design
        return BandpassFilter(
            d["l_freq"],
            d["h_freq"],
            d["sfreq"],
            **{k: copy.deepcopy(v) for k, v in d.items() if k not in ("l_freq", "h_freq", "sfreq")},
            pad="edge",
        )

    # -- serialization -----------------------------------------------------------------------
    def to_dict(self) -> dict:
        """The design as plain JSON-able data (coefficients, ``init``, ``design``); no state."""
        coefficients = (
            {"sos": self._sos.tolist()}
            if self._sos is not None
            else {"b": self._b.tolist(), "a": self._a.tolist()}
        )
        return {**coefficients, "init": self.init, "design": copy.deepcopy(self.design)}

    @classmethod
    def from_dict(cls, spec: dict) -> StreamingFilter:
        """Rebuild a filter from :meth:`to_dict` output (floats round-trip exactly in JSON)."""
        if "sos" in spec:
            out = cls(sos=spec["sos"], init=spec["init"])
        else:
            out = cls(spec["b"], spec["a"], init=spec["init"])
        out.design = copy.deepcopy(spec.get("design") or {})
        return out

    # -- state -----------------------------------------------------------------------------
    def reset(self) -> StreamingFilter:
        """Forget the state: the next chunk is the start of a new recording. Returns self."""
        self._zi: np.ndarray | None = None
        self.n_channels: int | None = None
        self.n_samples_seen = 0
        return self

    def copy(self, *, reset: bool = False) -> StreamingFilter:
        """A deep copy (state included), or with ``reset=True`` a fresh one with the same design."""
        out = copy.deepcopy(self)
        return out.reset() if reset else out

    def _initial_state(self, first: np.ndarray) -> np.ndarray:
        """State before the first sample; ``first`` is the first sample, shape (n_channels,)."""
        if self._sos is not None:
            unit = signal.sosfilt_zi(self._sos)  # (n_sections, 2): steady state of a unit step
            zi = unit[:, np.newaxis, :] * first[np.newaxis, :, np.newaxis]
        else:
            n = max(self._a.size, self._b.size) - 1
            if n == 0:
                return np.zeros((first.size, 0))
            unit = signal.lfilter_zi(self._b, self._a)  # (n,)
            zi = first[:, np.newaxis] * unit[np.newaxis, :]
        return zi if self.init == "edge" else np.zeros_like(zi)

    # -- filtering -------------------------------------------------------------------------
    def filter(self, chunk: Any) -> np.ndarray:
        """Filter the next chunk of the stream.

        Parameters
        ----------
        chunk : array-like of shape (n_channels, n_samples)
            The samples following those of the previous call (any ``n_samples >= 0``); the
            channel count must stay the same.

        Returns
        -------
        ndarray of shape (n_channels, n_samples), float64
            The filtered chunk.
        """
        x = np.asarray(chunk)
        if x.ndim != 2:
            raise ValueError(
                f"StreamingFilter.filter: a chunk must have shape (n_channels, n_samples), got "
                f"shape {x.shape}. Pass one channel as x[np.newaxis]."
            )
        if x.dtype.kind not in "biuf":
            raise ValueError(
                f"StreamingFilter.filter: a chunk must be numeric, got dtype {x.dtype}."
            )
        x = x.astype(np.float64, copy=False)
        if self.n_channels is not None and x.shape[0] != self.n_channels:
            raise ValueError(
                f"StreamingFilter.filter: the chunk has {x.shape[0]} channels but the stream "
                f"had {self.n_channels}; keep the channel count, or call reset() for a new "
                "stream."
            )
        if x.shape[1] == 0:
            return x.copy()
        _check_finite(x, "the chunk")
        if self._zi is None:
            self.n_channels = x.shape[0]
            self._zi = self._initial_state(x[:, 0])
        if self._sos is not None:
            y, self._zi = signal.sosfilt(self._sos, x, axis=-1, zi=self._zi)
        elif self._zi.shape[1] == 0:  # a pure gain
            y = x * (self._b[0] / self._a[0])
        else:
            y, self._zi = signal.lfilter(self._b, self._a, x, axis=-1, zi=self._zi)
        self.n_samples_seen += x.shape[1]
        return y

    def __repr__(self) -> str:
        if self.design:
            d = self.design
            return (
                f"StreamingFilter.from_bandpass({d['l_freq']}, {d['h_freq']}, sfreq={d['sfreq']}, "
                f"method={d['method']!r}, phase={d['phase']!r})"
            )
        kind = f"sos={self._sos.shape[0]} sections" if self._sos is not None else "b, a"
        return f"StreamingFilter({kind}, init={self.init!r})"


def _check_finite(values: np.ndarray, name: str) -> None:
    if not np.isfinite(values).all():
        raise ValueError(
            f"StreamingFilter: {name} contains NaN or infinite values; a filter would spread "
            "them to every later sample. Repair or drop them before filtering."
        )
