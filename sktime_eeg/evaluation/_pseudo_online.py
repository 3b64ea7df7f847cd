"""Pseudo-online evaluation: train on cued trials, then decode held-out continuous runs.

Offline accuracy on epochs cut around cues says little about a running BCI, which decides
every few hundred milliseconds on whatever the last window holds, including the rest
between trials. :func:`pseudo_online` replays held-out runs through the same causal filter
and sliding window that :class:`~sktime_eeg.deploy.OnlineDecoder` runs live, and reports what
a user would experience: accuracy against time since the cue, time to the first correct
decision, false activations during rest, and the information transfer rate.
"""

from __future__ import annotations

import math
import numbers
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._input import EPOCHS_UNITS, epochs_units
from .._validation import check_positive_int, check_real

__all__ = ["PseudoOnlineResult", "plot_pseudo_online", "pseudo_online", "wolpaw_itr"]


def wolpaw_itr(accuracy: float, n_classes: int) -> float:
    """Bits per selection after Wolpaw et al. (2000).

    ``B = log2 N + P log2 P + (1 - P) log2((1 - P) / (N - 1))`` for accuracy ``P`` over ``N``
    classes; 0 when ``P <= 1 / N`` (no information is transferred below chance).

    Parameters
    ----------
    accuracy : float
        Fraction of correct selections, in [0, 1].
    n_classes : int
        Number of possible selections (>= 2).

    Returns
    -------
    float
        Bits per selection.
    """
    check_real(accuracy, "accuracy", "wolpaw_itr", low=0.0, high=1.0)
    check_positive_int(n_classes, "n_classes", "wolpaw_itr")
    if n_classes < 2:
        raise ValueError(f"wolpaw_itr: n_classes must be at least 2, got {n_classes}.")
    p, n = float(accuracy), n_classes
    if p <= 1.0 / n:
        return 0.0
    bits = math.log2(n) + p * math.log2(p)
    if p < 1.0:
        bits += (1.0 - p) * math.log2((1.0 - p) / (n - 1))
    return bits


@dataclass
class PseudoOnlineResult:
    """Outcome of :func:`pseudo_online`.

    Attributes
    ----------
    decisions : pandas.DataFrame
        One row per decision on the test runs: ``run``, ``sample`` (last sample of the window,
        from the run's start), ``time`` (its time in s), ``cue`` (the class label of the
        segment, ``"rest"``, or None before the first cue), ``trial`` (segment number within
        the run), ``time_since_cue`` (s from the segment's cue to the window's last sample),
        ``inside`` (whether the whole window lies in the segment), ``predicted``,
        ``confidence`` (highest probability), ``active`` (``confidence >= threshold``, and
        not a ``"rest"`` prediction),
        ``correct`` (task segments), and ``proba_<class>``.
    accuracy_by_time : pandas.DataFrame
        For task segments: ``time_since_cue`` (s), ``accuracy`` (fraction of decisions equal
        to the cued class), ``n`` (decisions).
    trials : pandas.DataFrame
        One row per task trial: ``run``, ``trial``, ``label``, ``onset`` (s from the run's
        start), ``duration`` (s from the cue to the next cue or the run's end), ``predicted``
        (argmax of the mean probabilities over the decisions whose window lies inside the
        trial; None, and ``correct`` False, with a warning, when no decision window lies
        inside it), ``correct``, ``time_to_first_correct`` (s from the cue to the first
        decision that is correct and active; NaN when none is).
    trial_accuracy : float
        Fraction of trials whose trial-level prediction is correct.
    itr_bits_per_trial, itr_bits_per_min : float
        Wolpaw information transfer rate for ``trial_accuracy`` over the task classes, per trial
        and per minute at ``seconds_per_selection``.
    seconds_per_selection : float
        Mean time between consecutive task cues in the test runs (trial plus rest).
    false_activations : int
        Active decisions during rest, counting only windows that lie wholly inside a rest
        segment.
    false_activations_per_min : float
        ``false_activations`` per minute of such rest decisions (``step / sfreq`` s each).
    rest_active_fraction : float
        Fraction of those rest decisions that are active.
    threshold : float
        Probability from which a decision counts as an activation (a command sent).
    classes : ndarray
        The classes of the fitted estimator (``"rest"`` included with ``rest_class``).
    task_classes : ndarray
        The cued classes (``classes`` without ``"rest"``).
    estimator : estimator
        The estimator fitted on the training runs.
    window, step : int
        Window and step in samples.
    sfreq : float
        Sampling frequency in Hz.
    """

    decisions: Any
    accuracy_by_time: Any
    trials: Any
    trial_accuracy: float
    itr_bits_per_trial: float
    itr_bits_per_min: float
    seconds_per_selection: float
    false_activations: int
    false_activations_per_min: float
    rest_active_fraction: float
    threshold: float
    classes: np.ndarray
    task_classes: np.ndarray
    estimator: Any
    window: int
    step: int
    sfreq: float

    def summary(self) -> dict[str, float]:
        """The headline numbers as a flat dict."""
        ttfc = self.trials["time_to_first_correct"]
        return {
            "trial_accuracy": self.trial_accuracy,
            "decision_accuracy": float(
                self.decisions.loc[
                    self.decisions["inside"] & self.decisions["cue"].isin(list(self.task_classes)),
                    "correct",
                ].mean()
            ),
            "median_time_to_first_correct_s": float(ttfc.median())
            if ttfc.notna().any()
            else math.nan,
            "trials_with_correct_activation": float(ttfc.notna().mean()),
            "false_activations_per_min": self.false_activations_per_min,
            "rest_active_fraction": self.rest_active_fraction,
            "itr_bits_per_trial": self.itr_bits_per_trial,
            "itr_bits_per_min": self.itr_bits_per_min,
            "seconds_per_selection": self.seconds_per_selection,
        }


def _as_runs(raw: Any) -> list:
    from mne.io import BaseRaw

    runs = [raw] if isinstance(raw, BaseRaw) else list(raw)
    if not runs or not all(isinstance(r, BaseRaw) for r in runs):
        raise TypeError(
            "pseudo_online: raw must be an mne.io.Raw or a list of them (one per run), got "
            f"{type(raw).__name__}."
        )
    return runs


def _cues(raw: Any, events: Any, markers: dict[Any, Any], run: int) -> list[tuple[int, Any]]:
    """``(sample from the run's start, key)`` of every cue in ``markers`` (key -> marker)."""
    if events is None:
        from mne import events_from_annotations

        present = {str(d) for d in raw.annotations.description}
        wanted = {str(m): j + 1 for j, m in enumerate(markers.values()) if str(m) in present}
        if wanted:
            events, _ = events_from_annotations(raw, event_id=wanted, verbose=False)
        else:
            events = np.empty((0, 3), dtype=int)
        codes = {wanted[str(m)]: k for k, m in markers.items() if str(m) in wanted}
    else:
        events = np.asarray(events)
        if events.ndim != 2 or events.shape[1] != 3:
            raise ValueError(
                f"pseudo_online: events[{run}] must be an MNE events array of shape "
                f"(n_events, 3), got shape {events.shape}."
            )
        codes = {m: k for k, m in markers.items()}
    # events count samples from the recording's start (raw.first_samp); runs from their own
    cues = [
        (int(s) - raw.first_samp, codes[c])
        for s, c in zip(events[:, 0], events[:, 2], strict=True)
        if c in codes
    ]
    if not cues:
        raise ValueError(
            f"pseudo_online: run {run} has none of the cues {list(markers.values())}; check "
            "event_id (annotation descriptions such as 'T1', or event codes when events are "
            "given)."
        )
    return sorted(cues, key=lambda c: c[0])


def pseudo_online(
    estimator: Any,
    raw: Any,
    events: Sequence[Any] | None = None,
    *,
    event_id: dict[Any, Any],
    train_runs: Sequence[int],
    test_runs: Sequence[int],
    rest_id: Any = None,
    window: float = 1.0,
    step: float = 0.1,
    tmin: float = 0.5,
    train_step: float = 0.25,
    filter: Any = None,
    threshold: float = 0.7,
    rest_class: bool = False,
    picks: Any = "eeg",
) -> PseudoOnlineResult:
    """Train on cued trials of some runs, then decode other runs continuously.

    Parameters
    ----------
    estimator : classifier
        Unfitted scikit-learn classifier of ``(n, C, T)`` windows with ``predict_proba``
        (e.g. a :class:`~sktime_eeg.Conv2DEEGClassifier`, or a baseline of
        :mod:`sktime_eeg.baselines`); a clone is fitted on the training windows. The
        sktime_eeg networks get them as ``mne.Epochs`` (so they record ``ch_names_`` and
        ``sfreq_``, which :func:`~sktime_eeg.deploy.export_onnx` stores), other classifiers
        as float64 arrays in microvolts -- the form every decision is then made on.
    raw : mne.io.Raw or list of mne.io.Raw
        The runs, continuous.
    events : list of ndarray or None, default=None
        One MNE events array per run; None reads the cues from each run's annotations.
    event_id : dict
        Class label -> cue marker (annotation description such as ``"T1"``, or event code
        when ``events`` are given), e.g. ``{"left": "T1", "right": "T2"}``.
    train_runs, test_runs : sequence of int
        Indices into ``raw`` of the runs to train on and to decode.
    rest_id : str, int or None, default=None
        Marker of rest periods (e.g. ``"T0"``); needed for the false-activation numbers.
    window : float, default=1.0
        Decoding window in seconds.
    step : float, default=0.1
        Seconds between decisions.
    tmin : float, default=0.5
        Training windows start at least this many seconds after a cue.
    train_step : float, default=0.25
        Seconds between successive training windows within a trial: every window of the
        trial from ``tmin`` after the cue to the next cue is a training example.
    filter : StreamingFilter or None, default=None
        Causal filter run over each whole run from its start, for training and test alike
        (as :class:`~sktime_eeg.deploy.OnlineDecoder` does live).
    threshold : float, default=0.7
        A decision is *active* (a command would be sent) when its highest class probability
        reaches this value. Used for the time to first correct decision and for false
        activations during rest.
    rest_class : bool, default=False
        Also train on the rest periods, as a class labelled ``"rest"`` (needs ``rest_id``),
        so that the decoder can answer "no command". A decision predicting ``"rest"`` is
        never active; trial-level predictions and the ITR are over the task classes.
    picks : str or list, default="eeg"
        Channels used (:meth:`mne.io.Raw.pick`).

    Returns
    -------
    PseudoOnlineResult
        Decisions, accuracy by time since the cue, per-trial results, false activations and
        ITR; see :class:`PseudoOnlineResult` for the exact definitions.

    Notes
    -----
    A decision is made every ``step`` on the last ``window`` seconds; it belongs to the cue
    segment (trial or rest) its last sample is in, at ``time_since_cue`` after that cue. Its
    window may still hold the end of the previous segment; ``inside`` says when it does not.
    False activations count only rest decisions with ``inside`` true, so the tail of a trial
    is not charged to rest. The ITR uses the trial-level prediction (mean probabilities over
    the decisions inside the trial) and the mean time between task cues.
    """
    import mne
    import pandas as pd
    from sklearn.base import clone

    from ..deploy._online import _check_filter_rate, sliding_window_predict

    runs = _as_runs(raw)
    if events is not None and len(events) != len(runs):
        raise ValueError(
            f"pseudo_online: got {len(events)} events arrays for {len(runs)} runs; give one "
            "per run (or None to read the annotations)."
        )
    if not isinstance(event_id, dict) or len(event_id) < 2:
        raise ValueError(
            "pseudo_online: event_id must map at least two class labels to cue markers, e.g. "
            f"{{'left': 'T1', 'right': 'T2'}}; got {event_id!r}."
        )
    for name, idx in (("train_runs", train_runs), ("test_runs", test_runs)):
        bad = [i for i in idx if not (isinstance(i, numbers.Integral) and 0 <= i < len(runs))]
        if not list(idx) or bad:
            raise ValueError(
                f"pseudo_online: {name} must be non-empty run indices in 0..{len(runs) - 1}, "
                f"got {list(idx)}."
            )
    overlap = sorted(set(train_runs) & set(test_runs))
    if overlap:
        raise ValueError(
            f"pseudo_online: runs {overlap} are both trained and tested on; hold the test runs "
            "out of training."
        )
    for name, value in (("window", window), ("step", step), ("train_step", train_step)):
        check_real(value, name, "pseudo_online", low=0.0, low_inclusive=False)
    check_real(tmin, "tmin", "pseudo_online", low=0.0)
    from ..preprocessing._streaming import StreamingFilter

    if filter is not None and not isinstance(filter, StreamingFilter):
        raise TypeError(
            "pseudo_online: filter must be a sktime_eeg.preprocessing.StreamingFilter (a causal "
            "filter, e.g. StreamingFilter.from_bandpass(8.0, 30.0, sfreq, method='iir')) or "
            f"None, got {type(filter).__name__}."
        )
    check_real(threshold, "threshold", "pseudo_online", low=0.0, high=1.0)
    if rest_class and rest_id is None:
        raise ValueError(
            "pseudo_online: rest_class=True trains on the rest periods, so it needs their "
            "marker: set rest_id (e.g. rest_id='T0')."
        )
    if rest_class and "rest" in event_id:
        raise ValueError(
            "pseudo_online: with rest_class=True the rest periods are the class 'rest'; rename "
            "the task class 'rest' in event_id."
        )
    sfreqs = {float(r.info["sfreq"]) for r in runs}
    if len(sfreqs) != 1:
        raise ValueError(
            f"pseudo_online: the runs have different sampling frequencies {sorted(sfreqs)}; "
            "resample them to one first (raw.resample(...))."
        )
    sfreq = sfreqs.pop()
    if filter is not None:
        _check_filter_rate(filter, sfreq, "pseudo_online")
    n_window = int(round(window * sfreq))
    n_step = max(1, int(round(step * sfreq)))
    n_train_step = max(1, int(round(train_step * sfreq)))
    n_tmin = int(round(tmin * sfreq))
    markers = dict(event_id)
    rest_key = object()
    if rest_id is not None:
        markers[rest_key] = rest_id

    picked = [r.copy().pick(picks) for r in runs]
    ch_names = picked[0].ch_names
    if any(r.ch_names != ch_names for r in picked):
        raise ValueError(
            "pseudo_online: the runs have different channels; pick or reorder them to match."
        )

    def run_data_raw(i: int) -> np.ndarray:
        # The package's convention: volt channels in microvolts (as Epochs are read).
        return picked[i].get_data(units=epochs_units(EPOCHS_UNITS, picked[i]))

    def run_data(i: int) -> np.ndarray:
        data = run_data_raw(i)
        if filter is not None:
            data = filter.copy(reset=True).filter(data)
        return data

    # -- training windows: every window of each cued trial from tmin after the cue ----------
    X, y = [], []
    for i in train_runs:
        data = run_data(i)
        cues = _cues(runs[i], None if events is None else events[i], markers, i)
        ends = [c[0] for c in cues[1:]] + [data.shape[1]]
        for (onset, key), end in zip(cues, ends, strict=True):
            if key is rest_key and not rest_class:
                continue
            for start in range(onset + n_tmin, end - n_window + 1, n_train_step):
                X.append(data[:, start : start + n_window])
                y.append("rest" if key is rest_key else key)
    if len(set(y)) < 2:
        raise ValueError(
            f"pseudo_online: the training runs give {len(X)} windows of {len(set(y))} class(es);"
            " need at least two classes. Check event_id, tmin and window against the trial "
            "length."
        )
    from .._base import BaseEEGClassifier

    X = np.stack(X)
    if isinstance(estimator, BaseEEGClassifier):
        # Epochs make the network carry the channel names and sampling frequency (for
        # export_onnx); they hold volts and are read back in microvolts, the units of ``data``.
        X = mne.EpochsArray(X * 1e-6, mne.create_info(ch_names, sfreq, "eeg"), verbose=False)
    # Other classifiers are fitted on the arrays their decisions will be made on (microvolts).
    fitted = clone(estimator).fit(X, np.asarray(y))
    classes = np.asarray(fitted.classes_)
    task_classes = np.array([c for c in classes if not (rest_class and c == "rest")])

    # -- decode the test runs -----------------------------------------------------------------
    rows = []
    cycle = []
    # (run, trial) -> (onset, end, class) of every task cue; samples from the cue to the next
    segments = {}
    for i in test_runs:
        data = run_data_raw(i)
        decisions = sliding_window_predict(
            fitted, data, n_window, n_step, filter=filter, sfreq=sfreq
        )
        cues = _cues(runs[i], None if events is None else events[i], markers, i)
        onsets = np.array([c[0] for c in cues])
        ends = [*onsets[1:].tolist(), data.shape[1]]
        segments.update(
            {
                (i, k): (int(onsets[k]), int(ends[k]), cues[k][1])
                for k in range(len(cues))
                if cues[k][1] is not rest_key
            }
        )
        task_onsets = [c[0] for c in cues if c[1] is not rest_key]
        cycle += list(np.diff(task_onsets) / sfreq)
        for d in decisions:
            k = int(np.searchsorted(onsets, d.sample, side="right")) - 1
            key = None if k < 0 else cues[k][1]
            cue = None if key is None else ("rest" if key is rest_key else key)
            since = np.nan if k < 0 else (d.sample - onsets[k]) / sfreq
            inside = k >= 0 and d.sample - n_window + 1 >= onsets[k]
            row = {
                "run": i,
                "sample": d.sample,
                "time": d.time,
                "cue": cue,
                "trial": k,
                "time_since_cue": since,
                "inside": inside,
                "predicted": d.label,
                "confidence": float(np.max(d.proba)),
            }
            row.update({f"proba_{c}": float(p) for c, p in zip(classes, d.proba, strict=True)})
            rows.append(row)
    frame = pd.DataFrame(rows)
    frame["active"] = frame["confidence"] >= threshold
    if rest_class:
        frame["active"] &= frame["predicted"] != "rest"
    is_task = frame["cue"].isin(list(task_classes))
    frame["correct"] = np.where(is_task, frame["predicted"] == frame["cue"], np.nan)

    task = frame[is_task]
    bins = np.round(task["time_since_cue"] / (n_step / sfreq)).astype(int) * (n_step / sfreq)
    by_time = (
        task.assign(time_since_cue=np.round(bins, 6))
        .groupby("time_since_cue")["correct"]
        .agg(accuracy="mean", n="size")
        .reset_index()
    )

    proba_cols = [f"proba_{c}" for c in task_classes]
    trial_rows = []
    groups = dict(iter(task.groupby(["run", "trial"], sort=True)))
    undecided = 0
    for (run, trial), (onset, end, label) in sorted(segments.items()):
        group = groups.get((run, trial), task.iloc[:0])
        inside = group[group["inside"]]
        undecided += len(inside) == 0
        mean = (
            inside[proba_cols].mean().to_numpy()
            if len(inside)
            else np.full(len(task_classes), np.nan)
        )
        predicted = task_classes[int(np.nanargmax(mean))] if len(inside) else None
        hits = group[(group["predicted"] == group["cue"]) & group["active"]]
        trial_rows.append(
            {
                "run": run,
                "trial": trial,
                "label": label,
                "onset": onset / sfreq,
                "duration": (end - onset) / sfreq,
                "predicted": predicted,
                "correct": predicted == label,
                "time_to_first_correct": hits["time_since_cue"].min() if len(hits) else np.nan,
            }
        )
    if undecided:
        warnings.warn(
            f"pseudo_online: {undecided} of {len(segments)} trials have no decision whose "
            f"{window} s window lies inside them (shorter trials than the window, or a step "
            "longer than the trial); they count as wrong in trial_accuracy and the ITR. Use a "
            "shorter window or step.",
            UserWarning,
            stacklevel=2,
        )
    trials = pd.DataFrame(trial_rows)
    trial_accuracy = float(trials["correct"].mean()) if len(trials) else math.nan
    bits = wolpaw_itr(trial_accuracy, len(task_classes)) if len(trials) else math.nan
    per_selection = float(np.mean(cycle)) if cycle else math.nan
    rest = frame[(frame["cue"] == "rest") & frame["inside"]]
    n_false = int(rest["active"].sum())
    rest_minutes = len(rest) * n_step / sfreq / 60.0
    return PseudoOnlineResult(
        decisions=frame,
        accuracy_by_time=by_time,
        trials=trials,
        trial_accuracy=trial_accuracy,
        itr_bits_per_trial=bits,
        itr_bits_per_min=bits * 60.0 / per_selection if per_selection > 0 else math.nan,
        seconds_per_selection=per_selection,
        false_activations=n_false,
        false_activations_per_min=n_false / rest_minutes if rest_minutes else math.nan,
        rest_active_fraction=float(rest["active"].mean()) if len(rest) else math.nan,
        threshold=float(threshold),
        classes=classes,
        task_classes=task_classes,
        estimator=fitted,
        window=n_window,
        step=n_step,
        sfreq=sfreq,
    )


def plot_pseudo_online(
    result: PseudoOnlineResult, ax: Any = None, *, min_fraction: float = 0.5
) -> Any:
    """Plot accuracy against time since the cue, with chance and the window length marked.

    Parameters
    ----------
    result : PseudoOnlineResult
        From :func:`pseudo_online`.
    ax : matplotlib Axes or None, default=None
        Where to draw; a new figure when None.
    min_fraction : float, default=0.5
        Times since the cue reached by fewer than this fraction of the trials (e.g. past the
        end of the shorter trials) are left out, as their accuracy rests on a few decisions.

    Returns
    -------
    matplotlib.axes.Axes
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.5), layout="constrained")
    curve = result.accuracy_by_time
    curve = curve[curve["n"] >= min_fraction * curve["n"].max()]
    ax.plot(curve["time_since_cue"], curve["accuracy"], marker=".", label="decisions")
    ax.axhline(1.0 / len(result.classes), color="gray", ls="--", label="chance")
    ax.axvline(result.window / result.sfreq, color="gray", ls=":", label="first window inside")
    ax.set_xlabel("time since cue (s, window end)")
    ax.set_ylabel("accuracy")
    ax.set_ylim(0, 1)
    ax.set_title(
        f"pseudo-online: trial acc. {result.trial_accuracy:.2f}, "
        f"ITR {result.itr_bits_per_min:.1f} bits/min"
    )
    ax.legend(loc="lower right", fontsize="small")
    return ax
