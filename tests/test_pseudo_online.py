"""Pseudo-online evaluation on synthetic continuous runs with known cues."""

from __future__ import annotations

import math

import matplotlib
import mne
import numpy as np
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin

from sktime_eeg import Conv2DEEGClassifier
from sktime_eeg.evaluation import plot_pseudo_online, pseudo_online, wolpaw_itr
from sktime_eeg.preprocessing import StreamingFilter

matplotlib.use("Agg")

SFREQ = 100.0
TASK_S, REST_S = 3.0, 2.0


def _run(labels, seed):
    """Rest (T0) then a cued trial (T1: 10 Hz on channel 0, T2: on channel 2), repeated."""
    rng = np.random.default_rng(seed)
    n_per = int((TASK_S + REST_S) * SFREQ)
    n = n_per * len(labels) + int(REST_S * SFREQ)
    data = 0.3 * rng.standard_normal((3, n))
    onsets, descriptions = [], []
    t = np.arange(int(TASK_S * SFREQ)) / SFREQ
    for k, label in enumerate(labels):
        rest = k * n_per
        task = rest + int(REST_S * SFREQ)
        onsets += [rest / SFREQ, task / SFREQ]
        descriptions += ["T0", label]
        channel = 0 if label == "T1" else 2
        data[channel, task : task + t.size] += 2.0 * np.sin(2 * np.pi * 10 * t)
    onsets.append(len(labels) * n_per / SFREQ)
    descriptions.append("T0")
    raw = mne.io.RawArray(data * 1e-5, mne.create_info(["C3", "Cz", "C4"], SFREQ, "eeg"))
    raw.set_annotations(mne.Annotations(onsets, 0.0, descriptions))
    return raw


def _runs():
    return [_run(["T1", "T2", "T2", "T1", "T1", "T2"], seed) for seed in range(3)]


class _PowerRatio(ClassifierMixin, BaseEstimator):
    """Deterministic stand-in: P(right) from the power of channel 2 against channel 0."""

    def fit(self, X, y):
        self.classes_ = np.unique(y)
        X = X.get_data() if hasattr(X, "get_data") else X
        self.n_times_ = X.shape[-1]
        return self

    def predict_proba(self, X):
        X = np.asarray(X)
        ratio = np.log((X[:, 2] ** 2).mean(axis=1) / (X[:, 0] ** 2).mean(axis=1))
        p = 1.0 / (1.0 + np.exp(-3 * ratio))
        return np.column_stack([1 - p, p])


class _PowerWithRest(ClassifierMixin, BaseEstimator):
    """Deterministic 3-class stand-in: rest when neither side carries extra power."""

    def fit(self, X, y):
        self.classes_ = np.unique(y)
        X = X.get_data() if hasattr(X, "get_data") else np.asarray(X)
        rest = X[np.asarray(y) == "rest"]
        self.reference_ = np.log((rest**2).mean(axis=(0, 2)))
        return self

    def predict_proba(self, X):
        X = np.asarray(X)
        excess = np.log((X**2).mean(axis=2)) - self.reference_  # (n, 3)
        scores = {"left": 4 * excess[:, 0], "right": 4 * excess[:, 2], "rest": np.full(len(X), 1.0)}
        z = np.column_stack([scores[c] for c in self.classes_])
        z = np.exp(z - z.max(axis=1, keepdims=True))
        return z / z.sum(axis=1, keepdims=True)


def test_pseudo_online_with_a_rest_class():
    kw = dict(
        event_id={"left": "T1", "right": "T2"},
        rest_id="T0",
        train_runs=[0, 1],
        test_runs=[2],
        threshold=0.6,
    )
    result = pseudo_online(_PowerWithRest(), _runs(), rest_class=True, **kw)
    assert result.classes.tolist() == ["left", "rest", "right"]
    assert result.task_classes.tolist() == ["left", "right"]
    frame = result.decisions
    assert not frame.loc[frame["predicted"] == "rest", "active"].any()
    rest = frame[(frame["cue"] == "rest") & frame["inside"]]
    assert (rest["predicted"] == "rest").mean() > 0.8
    assert result.false_activations == int(rest["active"].sum())
    assert result.trial_accuracy == 1.0 and result.itr_bits_per_trial == 1.0  # over 2 classes
    assert set(result.trials["predicted"]) == {"left", "right"}
    # Classifiers other than the networks are fitted on the arrays they will decode (volts):
    # a CSP + LDA baseline, whose first step would turn Epochs into microvolts.
    from sktime_eeg.baselines import make_csp_lda

    baseline = pseudo_online(make_csp_lda(n_components=2), _runs(), **kw)
    assert baseline.trial_accuracy == 1.0
    with pytest.raises(ValueError, match="needs their marker: set rest_id"):
        pseudo_online(_PowerWithRest(), _runs(), rest_class=True, **{**kw, "rest_id": None})


def test_wolpaw_itr_values():
    assert wolpaw_itr(1.0, 2) == 1.0
    assert wolpaw_itr(1.0, 4) == 2.0
    assert wolpaw_itr(0.5, 2) == 0.0 and wolpaw_itr(0.3, 2) == 0.0  # chance and below
    p = 0.8
    expected = 1 + p * math.log2(p) + (1 - p) * math.log2(1 - p)
    assert wolpaw_itr(p, 2) == pytest.approx(expected, abs=1e-12)
    p, n = 0.7, 4
    expected = math.log2(n) + p * math.log2(p) + (1 - p) * math.log2((1 - p) / (n - 1))
    assert wolpaw_itr(p, n) == pytest.approx(expected, abs=1e-12)
    with pytest.raises(ValueError, match="n_classes must be at least 2"):
        wolpaw_itr(0.9, 1)
    with pytest.raises(ValueError, match="accuracy must be a real number in"):
        wolpaw_itr(1.2, 2)


def test_pseudo_online_definitions_on_known_cues():
    runs = _runs()
    result = pseudo_online(
        _PowerRatio(),
        runs,
        event_id={"left": "T1", "right": "T2"},
        rest_id="T0",
        train_runs=[0, 1],
        test_runs=[2],
        window=1.0,
        step=0.1,
        threshold=0.9,
    )
    frame = result.decisions
    n_samples = runs[2].n_times
    assert len(frame) == (n_samples - 100) // 10 + 1
    assert frame["sample"].tolist() == list(range(99, n_samples, 10))
    # Every decision is attributed to the segment its last sample lies in.
    cue_at = np.full(n_samples, None, dtype=object)
    for onset, desc in zip(runs[2].annotations.onset, runs[2].annotations.description, strict=True):
        cue_at[int(round(onset * SFREQ)) :] = {"T0": "rest", "T1": "left", "T2": "right"}[desc]
    assert frame["cue"].tolist() == cue_at[frame["sample"]].tolist()
    task = frame[frame["cue"] != "rest"]
    assert task["time_since_cue"].between(0, TASK_S).all()
    np.testing.assert_array_equal(task["inside"], task["time_since_cue"] >= (100 - 1) / SFREQ)
    # The easy task: every trial right, ITR = 1 bit per trial, one trial every 5 s.
    assert result.trial_accuracy == 1.0 and len(result.trials) == 6
    assert result.itr_bits_per_trial == 1.0
    assert result.seconds_per_selection == pytest.approx(TASK_S + REST_S)
    assert result.itr_bits_per_min == pytest.approx(60.0 / (TASK_S + REST_S))
    first = result.trials["time_to_first_correct"]
    assert first.notna().all() and (first >= 0).all() and (first <= TASK_S).all()
    # At rest the powers are equal, so the stand-in sits near 0.5: below the threshold.
    rest = frame[(frame["cue"] == "rest") & frame["inside"]]
    assert len(rest) > 0
    assert result.false_activations == int((rest["confidence"] >= 0.9).sum())
    minutes = len(rest) * 0.1 / 60
    assert result.false_activations_per_min == pytest.approx(result.false_activations / minutes)
    curve = result.accuracy_by_time
    assert curve["n"].sum() == len(task)
    assert curve.loc[curve["time_since_cue"] >= 1.0, "accuracy"].min() == 1.0
    summary = result.summary()
    assert summary["trial_accuracy"] == 1.0 and summary["trials_with_correct_activation"] == 1.0

    # threshold 0: every rest decision is an activation
    loose = pseudo_online(
        _PowerRatio(),
        runs,
        event_id={"left": "T1", "right": "T2"},
        rest_id="T0",
        train_runs=[0],
        test_runs=[2],
        threshold=0.0,
    )
    assert loose.rest_active_fraction == 1.0
    assert loose.false_activations_per_min == pytest.approx(60.0 / 0.1)


def test_pseudo_online_events_arrays_equal_annotations():
    runs = _runs()
    events = [
        mne.events_from_annotations(r, {"T0": 1, "T1": 2, "T2": 3}, verbose=False)[0] for r in runs
    ]
    common = dict(train_runs=[0], test_runs=[1, 2], threshold=0.8)
    a = pseudo_online(
        _PowerRatio(), runs, event_id={"left": "T1", "right": "T2"}, rest_id="T0", **common
    )
    b = pseudo_online(
        _PowerRatio(), runs, events, event_id={"left": 2, "right": 3}, rest_id=1, **common
    )
    assert a.decisions.equals(b.decisions)
    assert a.decisions["run"].unique().tolist() == [1, 2]


def test_pseudo_online_with_a_network_and_causal_filter():
    filt = StreamingFilter.from_bandpass(5.0, 30.0, SFREQ, method="iir")
    clf = Conv2DEEGClassifier(
        n_filters=8, kernel_length=11, pool_length=30, pool_stride=10, max_epochs=5, random_state=0
    )
    result = pseudo_online(
        clf,
        _runs(),
        event_id={"left": "T1", "right": "T2"},
        rest_id="T0",
        train_runs=[0, 1],
        test_runs=[2],
        filter=filt,
    )
    assert result.estimator.sfreq_ == SFREQ and result.estimator.ch_names_ == ["C3", "Cz", "C4"]
    assert result.trial_accuracy >= 5 / 6
    assert filt.n_samples_seen == 0  # the template is copied, never used up
    ax = plot_pseudo_online(result)
    assert ax.get_xlabel().startswith("time since cue")


def _run_with_rest(**kw):
    """Train on run 0, test run 2, left/right cues with a rest cue."""
    return pseudo_online(
        _PowerRatio(),
        _runs(),
        event_id={"left": "T1", "right": "T2"},
        rest_id="T0",
        train_runs=[0],
        test_runs=[2],
        **kw,
    )


def test_pseudo_online_trial_onsets_and_durations_are_those_of_the_cues():
    for step in (0.1, 0.25, 0.4):  # not tied to the decision grid
        result = _run_with_rest(step=step)
        np.testing.assert_allclose(result.trials["onset"], REST_S + np.arange(6) * 5.0)
        np.testing.assert_allclose(result.trials["duration"], TASK_S)


def test_pseudo_online_keeps_trials_without_a_decision_and_says_so():
    """A step longer than a trial leaves trials without a decision inside them: they stay in
    the trial table (predicted None, wrong), with a warning, not dropped from the accuracy."""
    with pytest.warns(UserWarning, match=r"of 6 trials have no decision whose 1.0 s window"):
        result = _run_with_rest(window=1.0, step=6.0)
    trials = result.trials
    assert len(trials) == 6
    assert trials["label"].tolist() == ["left", "right", "right", "left", "left", "right"]
    undecided = trials["predicted"].isna()
    assert undecided.any() and not trials.loc[undecided, "correct"].any()
    assert result.trial_accuracy == trials["correct"].mean()


def test_pseudo_online_refuses_a_filter_designed_for_another_rate():
    filt = StreamingFilter.from_bandpass(8.0, 30.0, 250.0, method="iir")  # the runs: 100 Hz
    with pytest.raises(ValueError, match="designed for 250.0 Hz but the data are sampled at 100"):
        pseudo_online(
            _PowerRatio(),
            _runs(),
            event_id={"left": "T1", "right": "T2"},
            train_runs=[0],
            test_runs=[1],
            filter=filt,
        )


def test_pseudo_online_errors():
    runs = _runs()
    kw = dict(event_id={"left": "T1", "right": "T2"}, train_runs=[0], test_runs=[1])
    with pytest.raises(ValueError, match="both trained and tested"):
        pseudo_online(_PowerRatio(), runs, **{**kw, "test_runs": [0, 1]})
    with pytest.raises(ValueError, match=r"run indices in 0..2"):
        pseudo_online(_PowerRatio(), runs, **{**kw, "test_runs": [3]})
    with pytest.raises(ValueError, match="none of the cues"):
        pseudo_online(_PowerRatio(), runs, **{**kw, "event_id": {"a": "X1", "b": "X2"}})
    with pytest.raises(ValueError, match="at least two class labels"):
        pseudo_online(_PowerRatio(), runs, **{**kw, "event_id": {"left": "T1"}})
    with pytest.raises(ValueError, match="1 class"):
        pseudo_online(_PowerRatio(), runs, **{**kw, "event_id": {"left": "T1", "x": "T9"}})
    with pytest.raises(ValueError, match="2 events arrays for 3 runs"):
        pseudo_online(_PowerRatio(), runs, [np.zeros((1, 3), int)] * 2, **kw)
    with pytest.raises(
        TypeError, match="filter must be a sktime_eeg.preprocessing.StreamingFilter"
    ):
        pseudo_online(_PowerRatio(), runs, **kw, filter="8-30 Hz")
    with pytest.raises(TypeError, match="mne.io.Raw or a list"):
        pseudo_online(_PowerRatio(), np.zeros((3, 100)), **kw)
