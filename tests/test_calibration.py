"""calibration_curve: the leave-one-subject-out calibration protocol and its strategies."""

from __future__ import annotations

import matplotlib
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.base import BaseEstimator, ClassifierMixin
from transfer_helpers import make_subjects

from sktime_eeg import Conv2DEEGClassifier
from sktime_eeg.evaluation import (
    FINGERPRINT_COLUMNS,
    CalibrationStrategy,
    CannotCalibrate,
    FineTuned,
    Pooled,
    PooledAligned,
    Recentred,
    ResumeError,
    Scratch,
    calibration_curve,
    calibration_statistics,
    default_strategies,
    paired_comparison,
    plot_calibration_curve,
    read_results,
    trials_to_reach,
)
from sktime_eeg.evaluation._calibration import (
    CALIBRATION_COLUMNS,
    _strategy_params,
    _summary,
)
from sktime_eeg.preprocessing import EuclideanAligner

matplotlib.use("Agg")


def _tagged(n, n_channels=2, n_times=8, seed=0):
    """Random EEG whose first sample of channel 0 is the trial's index."""
    X = np.random.default_rng(seed).standard_normal((n, n_channels, n_times))
    X[:, 0, 0] = np.arange(n)
    return X


def _ids(X):
    return [int(v) for v in np.asarray(X)[:, 0, 0]]


class SpyStrategy(CalibrationStrategy):
    """Records the trial indices each call sees; predicts the first class."""

    def __init__(self, log):
        self.log = log

    def fit_pool(self, X, y, subjects):
        self.log.append(("pool", _ids(X), list(subjects)))
        return "pooled"

    def fit_target(self, pooled, X_calibration, y_calibration, X_reference, target):
        assert pooled == "pooled"
        self.log.append(("calibration", _ids(X_calibration), list(y_calibration), target))
        self.log.append(("reference", _ids(X_reference), target))
        log = self.log

        class Model:
            def predict(self, X):
                log.append(("test", _ids(X), target))
                return np.full(len(X), "a")

        return Model()


@st.composite
def layouts(draw):
    n_subjects = draw(st.integers(2, 4))
    rows = []
    for s in range(n_subjects):
        n_sessions = draw(st.integers(2, 3))
        labels = sorted(
            draw(st.lists(st.integers(0, 9), min_size=n_sessions, max_size=n_sessions, unique=True))
        )
        for session in labels:
            for _ in range(draw(st.integers(1, 6))):
                rows.append((f"S{s}", session))
    order = draw(st.permutations(range(len(rows))))
    rows = [rows[i] for i in order]
    y = draw(st.lists(st.sampled_from("ab"), min_size=len(rows), max_size=len(rows)))
    ks = draw(st.lists(st.integers(0, 8), min_size=1, max_size=4, unique=True))
    reference = draw(st.sampled_from(["calibration", "session"]))
    return rows, np.array(y), ks, reference


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(layouts())
def test_no_test_trial_reaches_training_or_a_reference(layout):
    rows, y, ks, reference = layout
    subjects = np.array([r[0] for r in rows])
    sessions = np.array([r[1] for r in rows])
    X = _tagged(len(rows))
    log = []
    table = calibration_curve(
        {"spy": SpyStrategy(log)}, X, y, subjects, sessions, ks, reference=reference
    )
    targets = sorted(set(subjects))
    assert len(table) == len(targets) * len(ks)
    pools = [entry for entry in log if entry[0] == "pool"]
    assert len(pools) == len(targets)  # the pool is fitted once per target, whatever k
    for target, (_, pool_ids, pool_subjects) in zip(targets, pools, strict=True):
        own = np.flatnonzero(subjects == target)
        first = sorted(set(sessions[own]))[0]
        cal_session = [i for i in own if sessions[i] == first]  # in the order of X
        test = {i for i in own if sessions[i] != first}
        assert sorted(pool_ids) == list(np.flatnonzero(subjects != target))
        assert target not in pool_subjects
        seen = [e for e in log if e[0] != "pool" and e[-1] == target]
        for kind, ids, *_ in seen:
            if kind == "test":
                assert set(ids) == test
            else:
                assert not set(ids) & test, (kind, ids, test)
        cals = [e for e in seen if e[0] == "calibration"]
        refs = [e for e in seen if e[0] == "reference"]
        feasible = [k for k in sorted(ks) if k <= len(cal_session)]
        assert [e[1] for e in cals] == [cal_session[:k] for k in feasible]
        assert [e[2] for e in cals] == [list(y[cal_session[:k]]) for k in feasible]
        expected_ref = [
            cal_session[:k] if reference == "calibration" else cal_session for k in feasible
        ]
        assert [e[1] for e in refs] == expected_ref
        rows_t = table[table["subject"] == target].set_index("n_calibration")
        for k in ks:
            if k > len(cal_session):
                assert rows_t.loc[k, "error"].startswith(f"skipped: k={k} exceeds the")
                assert np.isnan(rows_t.loc[k, "accuracy"])
            else:
                assert rows_t.loc[k, "error"] is None
                assert rows_t.loc[k, "n_test"] == len(test)
                assert rows_t.loc[k, "accuracy"] == np.mean(y[sorted(test)] == "a")


SPY_LOG = []  # module-level: clone deep-copies parameters


class SpyClassifier(ClassifierMixin, BaseEstimator):
    """Records the trial indices of fit and predict in SPY_LOG."""

    def fit(self, X, y):
        SPY_LOG.append(("fit", _ids(X)))
        self.classes_ = np.unique(y)
        return self

    def predict(self, X):
        SPY_LOG.append(("predict", _ids(X)))
        return np.full(len(X), self.classes_[0])


def test_builtin_strategies_see_no_test_trial(monkeypatch):
    rng = np.random.default_rng(0)
    subjects = np.repeat([1, 2, 3], 12)
    sessions = np.tile(np.repeat([1, 2], 6), 3)
    y = np.tile(["a", "b"], 18)
    X = _tagged(36, n_channels=2, n_times=50)
    X[:, :, 1:] += rng.standard_normal((36, 2, 49))
    SPY_LOG.clear()
    log, references = SPY_LOG, []
    fit = EuclideanAligner.fit

    def spy_fit(self, X, y=None, groups=None):
        references.append(_ids(X))
        return fit(self, X, y, groups)

    monkeypatch.setattr(EuclideanAligner, "fit", spy_fit)
    spy = SpyClassifier()
    strategies = {
        "scratch": Scratch(spy),
        "pooled": Pooled(spy),
        "aligned": PooledAligned(spy),
    }
    table = calibration_curve(strategies, X, y, subjects, sessions, (0, 2, 6), targets=[2])
    test = set(np.flatnonzero((subjects == 2) & (sessions == 2)))
    assert log and references
    for kind, ids in log:
        if kind == "fit":
            assert not set(ids) & test
    for ids in references:
        assert not set(ids) & test
    assert table.loc[table["strategy"] == "scratch", "error"].iloc[0].startswith("skipped:")


@pytest.fixture(scope="module")
def small_data():
    X, y, subjects, sessions = make_subjects(3, 16, montage="bci_iv_2b", n_sessions=2, seed=3)
    return X, y, subjects, sessions


def _tiny_cnn():
    return Conv2DEEGClassifier(
        n_filters=4, kernel_length=5, pool_length=10, pool_stride=5, max_epochs=2, random_state=0
    )


def test_default_strategies_bookkeeping(small_data):
    X, y, subjects, sessions = small_data
    strategies = default_strategies(cnn=_tiny_cnn(), finetune_epochs=1)
    assert list(strategies) == [
        "scratch",
        "ts-lr-scratch",
        "pooled",
        "pooled+align",
        "pooled+align+finetune",
        "ts-lr-recentre",
    ]
    table = calibration_curve(
        strategies, X, y, subjects, sessions, (0, 4, 8), targets=[0], tags={"dataset": "sim"}
    )
    assert list(table.columns) == ["dataset", *CALIBRATION_COLUMNS, *FINGERPRINT_COLUMNS]
    assert len(table) == 6 * 3
    t = table.set_index(["strategy", "n_calibration"])
    for name in [
        "scratch",
        "ts-lr-scratch",
        "pooled+align",
        "pooled+align+finetune",
        "ts-lr-recentre",
    ]:
        assert t.loc[(name, 0), "error"].startswith("skipped:"), name
        assert np.isnan(t.loc[(name, 0), "accuracy"])
    assert "alignment needs target trials" in t.loc[("pooled+align", 0), "error"]
    assert "at least two classes" in t.loc[("scratch", 0), "error"]
    for name in ["pooled", "scratch", "pooled+align+finetune", "ts-lr-recentre"]:
        for k in (4, 8):
            assert t.loc[(name, k), "error"] is None, t.loc[(name, k), "error"]
            assert 0 <= t.loc[(name, k), "accuracy"] <= 1
    # the pooled model does not depend on k: trained once, the same predictions
    assert t.loc[("pooled", 0), "accuracy"] == t.loc[("pooled", 8), "accuracy"]
    assert t.loc[("pooled", 0), "error"] is None
    pretrain = table.groupby("strategy")["pretrain_seconds"].nunique()
    assert (pretrain == 1).all()
    # pooled+align and its fine-tuning share one pool fit
    assert (
        t.loc[("pooled+align", 4), "pretrain_seconds"]
        == t.loc[("pooled+align+finetune", 4), "pretrain_seconds"]
    )
    assert t.loc[("pooled+align", 4), "n_reference"] == 4
    assert (table["n_test"] == 16).all() and (table["n_pool"] == 64).all()
    assert (table["subject"] == 0).all() and (table["test_sessions"] == "2").all()
    ok = table["error"].isna()
    np.testing.assert_allclose(
        table.loc[ok, "fit_seconds"],
        table.loc[ok, "pretrain_seconds"] + table.loc[ok, "adapt_seconds"],
    )


def test_reference_session_aligns_at_k0_and_single_class_calibration(small_data):
    X, y, subjects, sessions = small_data
    y = y.copy()
    first = np.flatnonzero((subjects == 1) & (sessions == 1))
    y[first[:3]] = y[first[0]]  # the first 3 calibration trials share one class
    strategies = {
        "scratch": Scratch(_tiny_cnn()),
        "aligned": PooledAligned(_tiny_cnn()),
        "finetune": FineTuned(_tiny_cnn(), max_epochs=1),
        "recentre": Recentred(),
    }
    table = calibration_curve(
        strategies, X, y, subjects, sessions, (0, 3), targets=[1], reference="session"
    )
    t = table.set_index(["strategy", "n_calibration"])
    assert t.loc[("aligned", 0), "error"] is None  # the unlabelled session is the reference
    assert t.loc[("aligned", 0), "n_reference"] == 16
    assert t.loc[("recentre", 0), "error"] is None
    assert "at least two classes" in t.loc[("scratch", 3), "error"]
    assert "lack" in t.loc[("finetune", 3), "error"]
    assert t.loc[("finetune", 0), "error"] == (
        "skipped: fine-tuning needs calibration trials, and there are none"
    )


def test_failures_are_recorded_and_warned(small_data):
    X, y, subjects, sessions = small_data

    class Broken(CalibrationStrategy):
        def fit_target(self, *args):
            raise RuntimeError("boom")

    with pytest.warns(RuntimeWarning, match="strategy 'broken' failed for subject 0 at k=2"):
        table = calibration_curve({"broken": Broken()}, X, y, subjects, sessions, 2, targets=[0])
    assert table["error"].tolist() == ["RuntimeError: boom"]

    class BrokenPool(CalibrationStrategy):
        def fit_pool(self, X, y, subjects):
            raise ValueError("no pool for you")

        def fit_target(self, *args):
            raise AssertionError("not called after a failed pool fit")

    with pytest.warns(RuntimeWarning, match="pool fit of strategy 'bp' failed"):
        table = calibration_curve(
            {"bp": BrokenPool()}, X, y, subjects, sessions, (0, 2), targets=[0]
        )
    assert table["error"].tolist() == ["pool fit failed: ValueError: no pool for you"] * 2
    assert table["accuracy"].isna().all()


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(strategies=["nope"]), r"unknown name\(s\) \['nope'\]"),
        (dict(n_calibration=(5, -1)), "non-negative integers"),
        (dict(reference="test"), "reference must be one of"),
        (dict(targets=[9]), r"targets \[9\] are not among the subjects"),
        (dict(test_sessions=[1]), "include the calibration session 1"),
        (dict(calibration_session=7), "calibration_session=7 is not a session"),
        (dict(tags={"subject": 1}), "clash with result columns"),
        (dict(pool_sessions=[1, "2"]), r"pool_sessions \['2'\] are not sessions of the data"),
    ],
)
def test_bad_arguments(small_data, kwargs, match):
    X, y, subjects, sessions = small_data
    args = dict(strategies=["pooled"], n_calibration=(0,))
    args.update(kwargs)
    strategies = args.pop("strategies")
    with pytest.raises(ValueError, match=match):
        calibration_curve(strategies, X, y, subjects, sessions, **args)


def test_plot_and_trials_to_reach():
    rows = []
    for subject, offset in [(1, 0.0), (2, 0.1), (3, 0.05)]:
        for k, acc in [(0, 0.5), (5, 0.6), (10, 0.8)]:
            rows.append(dict(strategy="a", subject=subject, n_calibration=k, accuracy=acc + offset))
            rows.append(
                dict(
                    strategy="b",
                    subject=subject,
                    n_calibration=k,
                    accuracy=np.nan if k == 0 else 0.55,
                )
            )
    table = pd.DataFrame(rows)
    ax = plot_calibration_curve(table, reference=0.7)
    lines = [line for line in ax.get_lines() if line.get_label() in ("a", "b")]
    assert [line.get_label() for line in lines] == ["a", "b"]
    np.testing.assert_allclose(lines[0].get_ydata(), [0.55, 0.65, 0.85])
    assert list(lines[1].get_xdata()) == [5, 10]  # the NaN row is left out, not plotted as 0
    reached = trials_to_reach(table, 0.7)
    assert reached["a"] == 10 and np.isnan(reached["b"])
    per_subject = trials_to_reach(table, {1: 0.6, 2: 0.7, 3: 0.65})
    assert per_subject["a"] == 5
    # an equal mean reaches the target, whatever the float rounding of the per-subject gaps
    # (correct trials out of 240 per subject; both sum to 1031)
    correct = np.array([162, 150, 135, 234, 161, 189]) / 240
    within = dict(enumerate(np.array([162, 134, 133, 232, 169, 201]) / 240))
    equal = pd.DataFrame(dict(strategy="c", subject=range(6), n_calibration=40, accuracy=correct))
    assert (equal["accuracy"] - equal["subject"].map(within)).mean() != 0  # rounding
    assert trials_to_reach(equal, within)["c"] == 40
    assert np.isnan(trials_to_reach(equal, {s: v + 1 / 240 for s, v in within.items()})["c"])


def test_trials_to_reach_refuses_per_subject_targets_that_miss_subjects():
    table = pd.DataFrame(
        dict(strategy="a", subject=[1, 2, 1, 2], n_calibration=[0, 0, 5, 5], accuracy=0.8)
    )
    assert trials_to_reach(table, {1: 0.7, 2: 0.7})["a"] == 0
    for target in ({"1": 0.7, "2": 0.7}, {1: 0.7}):  # str keys; a subject left out
        with pytest.raises(ValueError, match=r"target has no score for subject\(s\) \[(1, )?2\]"):
            trials_to_reach(table, target)


def test_plot_counts_subjects_per_dataset_and_warns_when_a_point_has_fewer():
    import warnings

    rows = [
        dict(dataset=ds, strategy="a", subject=s, n_calibration=k, accuracy=acc + k / 100)
        for ds, acc in (("A", 0.8), ("B", 0.5))
        for s in (1, 2, 3)
        for k in (0, 10)
    ]
    table = pd.DataFrame(rows)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ax = plot_calibration_curve(table)
    assert ax.get_ylabel() == "accuracy (mean over 6 subjects, 95% CI)"  # not 3: 1-3 of A, B
    summary = _summary(table, "accuracy", 0.95)
    assert summary["count"].tolist() == [6, 6]
    assert summary["std"].iloc[0] == pytest.approx(np.std([0.8] * 3 + [0.5] * 3, ddof=1))
    skipped = (table["dataset"] == "B") & (table["n_calibration"] == 10)
    table.loc[skipped, "accuracy"] = np.nan
    with pytest.warns(UserWarning, match=r"fewer than the 6 subjects \('a' k=10: 3;"):
        ax = plot_calibration_curve(table)
    assert "mean over the subjects with a score at each k" in ax.get_ylabel()


def test_aligned_strategies_share_a_pool_fit_only_with_equal_parameters():
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer

    long = FunctionTransformer(kw_args={f"k{i}": float(i) for i in range(20)})

    def pipe(n_filters):
        cnn = Conv2DEEGClassifier(
            n_filters=n_filters,
            **dict(batch_size=32, dropout=0.25, kernel_length=64, lr=1e-3, lr_schedule="cosine"),
            **dict(max_epochs=50, optimizer="sgd", patience=5, pool_length=8, pool_stride=4),
            **dict(random_state=0, validation_fraction=0.2, weight_decay=0.01),
        )
        return make_pipeline(long, cnn, long)

    assert repr(pipe(16)) == repr(pipe(32))  # scikit-learn elides the middle of a long repr
    assert PooledAligned(pipe(16)).pool_key() != FineTuned(pipe(32)).pool_key()
    assert PooledAligned(pipe(16)).pool_key() == FineTuned(pipe(16)).pool_key()


def test_plot_says_when_every_row_was_skipped_and_refuses_unknown_strategies():
    import warnings

    table = pd.DataFrame(
        dict(strategy="finetune", subject=[1, 2], n_calibration=[0, 0], accuracy=np.nan)
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "No artists with labels" warning from the legend
        ax = plot_calibration_curve(table)
    assert not ax.get_lines()
    assert "every row of ['finetune'] was skipped or failed" in ax.texts[0].get_text()
    assert ax.get_legend() is None
    with pytest.raises(ValueError, match=r"strategies \['pooled'\] are not in results"):
        plot_calibration_curve(table, strategies=["pooled"])


def _calibrate_parser():
    import argparse

    from sktime_eeg.cli._calibrate import add_calibrate_command

    parser = argparse.ArgumentParser(prog="sktime-eeg")
    add_calibrate_command(parser.add_subparsers(dest="command"))
    return parser


def test_calibrate_command(tmp_path, capsys):
    parser = _calibrate_parser()
    argv = [
        "calibrate",
        "--subjects",
        "1",
        "2",
        "--n-trials",
        "10",
        "--n-calibration",
        "0",
        "4",
        "--strategies",
        "pooled",
        "scratch",
        "ts-lr-recentre",
        "--max-epochs",
        "1",
        "--out",
        str(tmp_path / "run"),
    ]
    args = parser.parse_args(argv)
    assert args.func(args) == 0
    out = capsys.readouterr().out
    assert "Mean accuracy over 2 subjects" in out
    assert "scratch k=0: skipped: training from scratch needs" in out
    assert "Paired comparison with pooled at k=4" in out
    table = read_results(tmp_path / "run" / "results.csv")
    assert list(table.columns) == ["dataset", *CALIBRATION_COLUMNS, *FINGERPRINT_COLUMNS, "failed"]
    assert len(table) == 2 * 3 * 2
    assert set(table["test_sessions"].astype(str)) == {"2"}
    summary = pd.read_csv(tmp_path / "run" / "summary.csv", index_col=0)
    assert list(summary.columns) == ["0", "4"]
    assert (tmp_path / "run" / "calibration.png").stat().st_size > 0
    stats = pd.read_csv(tmp_path / "run" / "stats.csv")
    assert set(stats["model"]) == {"scratch", "ts-lr-recentre"}
    assert (stats["baseline"] == "pooled").all() and (stats["n_calibration"] == 4).all()
    before = (tmp_path / "run" / "results.csv").read_bytes()

    # the same command again resumes: every row reused, the file unchanged
    args = parser.parse_args(argv)
    assert args.func(args) == 0
    assert "12 of 12 row(s) reused" in capsys.readouterr().out
    assert (tmp_path / "run" / "results.csv").read_bytes() == before

    # other settings into the same --out: a usage error naming --out and what differs
    args = parser.parse_args([*argv, "--max-epochs", "2"])
    with pytest.raises(SystemExit):
        args.func(args)
    err = capsys.readouterr().err
    assert f"--out {tmp_path / 'run'} holds results of another run" in err
    assert "hyperparameter estimator__max_epochs is 1 there, 2 now" in err


def test_calibrate_command_needs_two_subjects(capsys):
    parser = _calibrate_parser()
    args = parser.parse_args(["calibrate", "--subjects", "1"])
    with pytest.raises(SystemExit):
        args.func(args)
    assert "calibration needs at least two subjects" in capsys.readouterr().err


# -- the results store: resume, refusal, torn rows, statistics ----------------------------------
class CountingStrategy(CalibrationStrategy):
    """Nearest class mean of the pool plus the calibration trials, shifted by ``scale``;
    counts its calls (private attributes are not part of the fingerprint)."""

    def __init__(self, scale=1.0):
        self.scale = scale
        self._calls = {"pool": 0, "target": 0}

    def fit_pool(self, X, y, subjects):
        self._calls["pool"] += 1
        return X.mean(axis=(1, 2)), y

    def fit_target(self, pooled, X_calibration, y_calibration, X_reference, target):
        self._calls["target"] += 1
        if len(y_calibration) == 0:
            raise CannotCalibrate("no calibration trials")
        values = np.concatenate([pooled[0], X_calibration.mean(axis=(1, 2))])
        labels = np.concatenate([pooled[1], y_calibration])
        means = {c: values[labels == c].mean() * self.scale for c in np.unique(labels)}

        class Model:
            def predict(self, X):
                v = X.mean(axis=(1, 2))
                return np.array([min(means, key=lambda c: abs(means[c] - x)) for x in v])

        return Model()


def _store_data(seed=0):
    n_subjects, n_sessions, n_trials = 3, 2, 10
    n = n_subjects * n_sessions * n_trials
    rng = np.random.default_rng(seed)
    y = np.tile(np.repeat(["a", "b"], n_trials // 2), n_subjects * n_sessions)
    rng.shuffle(y)
    X = rng.standard_normal((n, 2, 8)) + (y == "b")[:, None, None] * 0.3
    subjects = np.repeat(np.arange(1, n_subjects + 1), n_sessions * n_trials)
    sessions = np.tile(np.repeat([1, 2], n_trials), n_subjects)
    return X, y, subjects, sessions


def _calls(strategies):
    return {name: dict(s._calls) for name, s in strategies.items()}


def test_out_resumes_rows_exactly_and_skips_their_work(tmp_path):
    X, y, subjects, sessions = _store_data()
    path = tmp_path / "calibration.csv"
    ks = (0, 2, 4)

    def run(ks=ks, **kwargs):
        strategies = {"near": CountingStrategy(), "near2": CountingStrategy(scale=1.5)}
        table = calibration_curve(
            strategies, X, y, subjects, sessions, ks, out=path, tags={"dataset": "d"}, **kwargs
        )
        return table, _calls(strategies)

    first, calls = run()
    assert calls["near"] == {"pool": 3, "target": 9}
    assert list(first.columns) == ["dataset", *CALIBRATION_COLUMNS, *FINGERPRINT_COLUMNS]
    assert (
        first.loc[first["n_calibration"] == 0, "error"].tolist()
        == ["skipped: no calibration trials"] * 6
    )
    assert first["accuracy"].notna().sum() == 12
    on_disk = read_results(path)
    assert len(on_disk) == 18 and (on_disk["failed"].isna()).all()
    pd.testing.assert_frame_equal(
        on_disk[first.columns].drop(columns=["calibration_session", "test_sessions"]),
        first.drop(columns=["calibration_session", "test_sessions"]),
        check_exact=True,
        check_dtype=False,
    )

    # the same run again: every row reused bitwise (timings too), no fit at all
    again, calls = run()
    assert calls["near"] == {"pool": 0, "target": 0}
    assert calls["near2"] == {"pool": 0, "target": 0}
    pd.testing.assert_frame_equal(again, first, check_exact=True)
    assert len(read_results(path)) == 18

    # another k is added: only its rows are computed (the pool is fitted again for them)
    more, calls = run(ks=(0, 2, 4, 6))
    assert calls["near"] == {"pool": 3, "target": 3}
    assert len(more) == 24 and len(read_results(path)) == 24
    pd.testing.assert_frame_equal(
        more[more["n_calibration"] < 6].reset_index(drop=True), first, check_exact=True
    )


def test_out_refuses_another_run_naming_what_differs(tmp_path):
    X, y, subjects, sessions = _store_data()
    path = tmp_path / "calibration.csv"
    calibration_curve({"near": CountingStrategy()}, X, y, subjects, sessions, (2, 4), out=path)
    before = path.read_bytes()
    cases = [
        (dict(strategies={"near": CountingStrategy(scale=2.0)}), "hyperparameter scale is 1.0 "),
        (dict(X=X + 1e-9), r"the data differ \(X, y, subjects or sessions\)"),
        (dict(sessions=3 - sessions), r"the data differ"),
        (dict(reference="session"), r"the protocol differs .*reference="),
    ]
    for change, match in cases:
        args = dict(
            strategies={"near": CountingStrategy()}, X=X, y=y, subjects=subjects, sessions=sessions
        )
        args.update(change)
        strategies = args.pop("strategies")
        with pytest.raises(ResumeError, match=match) as info:
            calibration_curve(strategies, n_calibration=(2, 4), out=path, **args)
        assert info.value.differences
        assert all("folds" not in d for d in info.value.differences)
        assert strategies["near"]._calls == {"pool": 0, "target": 0}  # refused before any fit
        assert path.read_bytes() == before


def test_out_redoes_a_torn_last_row_and_failed_rows(tmp_path):
    X, y, subjects, sessions = _store_data()
    path = tmp_path / "calibration.csv"

    class Flaky(CountingStrategy):
        broken = True

        def fit_target(self, *args):
            if Flaky.broken:
                raise RuntimeError("flaky")
            return super().fit_target(*args)

    def run():
        strategies = {"near": CountingStrategy(), "flaky": Flaky()}
        table = calibration_curve(strategies, X, y, subjects, sessions, (2, 4), out=path)
        return table, _calls(strategies)

    with pytest.warns(RuntimeWarning, match="strategy 'flaky' failed"):
        first, _ = run()
    assert first.loc[first["strategy"] == "flaky", "error"].eq("RuntimeError: flaky").all()
    raw = path.read_bytes()
    path.write_bytes(raw[:-7])  # the last row (flaky, subject 3, k=4) cut short
    Flaky.broken = False
    second, calls = run()
    assert calls["near"] == {"pool": 0, "target": 0}
    assert calls["flaky"] == {"pool": 3, "target": 6}  # failed rows (and the torn one) redone
    assert second["error"].isna().all()
    near = second["strategy"] == "near"
    pd.testing.assert_frame_equal(second[near], first[near], check_exact=True)
    on_disk = read_results(path)
    assert len(on_disk) == 12 and on_disk["error"].isna().all()
    key = ["subject", "strategy", "n_calibration"]
    on_disk = on_disk.sort_values(key).reset_index(drop=True)
    ordered = second.sort_values(key).reset_index(drop=True)
    assert on_disk["accuracy"].tolist() == ordered["accuracy"].tolist()
    assert on_disk["fingerprint"].tolist() == ordered["fingerprint"].tolist()


def test_default_strategies_fingerprint_stably_across_processes():
    import json
    import subprocess
    import sys

    code = (
        "import json; from sktime_eeg.evaluation import default_strategies; "
        "from sktime_eeg.evaluation._calibration import _strategy_params; "
        "print(json.dumps({n: _strategy_params(s) for n, s in default_strategies().items()}))"
    )
    other = json.loads(
        subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        ).stdout
    )
    here = {n: _strategy_params(s) for n, s in default_strategies().items()}
    assert here == other
    assert "0x" not in json.dumps(here)
    assert here["pooled+align+finetune"]["max_epochs"] == "30"
    assert here["pooled"]["estimator"] == "sktime_eeg.estimators.Conv2DEEGClassifier"
    assert here["pooled"]["estimator__max_epochs"] == "50"
    assert here["ts-lr-recentre"] == {
        "<class>": "sktime_eeg.evaluation._calibration.Recentred",
        "estimator": "None",
    }


def test_calibration_statistics_is_paired_comparison_at_one_k():
    rng = np.random.default_rng(0)
    rows = []
    for subject in range(1, 7):
        for k in (0, 10):
            for name, gain in [("pooled", 0.0), ("tuned", 0.05), ("scratch", -0.1)]:
                skipped = k == 0 and name != "pooled"
                rows.append(
                    dict(
                        dataset="d",
                        strategy=name,
                        subject=subject,
                        n_calibration=k,
                        accuracy=np.nan if skipped else 0.6 + gain + rng.normal(0, 0.02),
                        fit_seconds=1.0,
                        predict_ms_per_trial=0.1,
                        error="skipped: no trials" if skipped else None,
                    )
                )
    table = pd.DataFrame(rows)
    stats = calibration_statistics(table, n_permutations=99, n_bootstrap=99)
    assert stats["n_calibration"].eq(10).all()
    at_k = table[table["n_calibration"] == 10].rename(columns={"strategy": "model"})
    expected = paired_comparison(
        at_k, baseline="pooled", models=["tuned", "scratch"], n_permutations=99, n_bootstrap=99
    )
    pd.testing.assert_frame_equal(stats.drop(columns="n_calibration"), expected)
    assert set(stats["model"]) == {"tuned", "scratch"}
    # at k=0 only pooled has scores: the skipped rows are left out, without a warning
    with pytest.raises(ValueError, match=r"n_calibration=5 is not in the table \(its k: \[0, 10\]"):
        calibration_statistics(table, n_calibration=5)
    with pytest.raises(ValueError, match="baseline 'tuned' has no scores at k=0"):
        calibration_statistics(table, n_calibration=0, baseline="tuned")
