"""Tests of sktime_eeg.evaluation: splitters, compare (errors, resume, parallel, Dask), the
summary and plots, the model registry, the data loader, the protocols and MOABB interop."""

from __future__ import annotations

import math

import joblib
import mne
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
from sklearn.dummy import DummyClassifier
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer
from sklearn.utils import Bunch

from sktime_eeg import Conv2DEEGClassifier
from sktime_eeg.evaluation import (
    DEFAULT_MODELS,
    MODELS,
    CrossSessionSplit,
    CrossSubjectSplit,
    WithinSessionSplit,
    compare,
    fit_time_ratios,
    format_summary,
    load_comparison_data,
    make_models,
    plot_fit_times,
    plot_scores,
    read_results,
    run_comparison,
    summarize,
)

RESULT_COLUMNS = [
    "model",
    "fold",
    "test_groups",
    "n_train",
    "n_test",
    "accuracy",
    "balanced_accuracy",
    "cohen_kappa",
    "fit_seconds",
    "predict_ms_per_trial",
    "n_parameters",
    "error",
    "data_fingerprint",
    "folds_fingerprint",
    "scoring",
    "params",
    "version",
    "fingerprint",
]
TIMING = ["fit_seconds", "predict_ms_per_trial"]
FINGERPRINTS = RESULT_COLUMNS[-6:]


# -- data and estimators for the tests -------------------------------------------------------
def _log_variance(X):
    return np.log(np.var(X, axis=2))


def _lda():
    """Deterministic, fast: log-variance per channel + LDA."""
    return make_pipeline(FunctionTransformer(_log_variance), LinearDiscriminantAnalysis())


def _tiny_cnn(**params):
    defaults = dict(
        n_filters=4, kernel_length=5, pool_length=8, pool_stride=4, max_epochs=2, random_state=0
    )
    return Conv2DEEGClassifier(**{**defaults, **params})


@pytest.fixture(scope="module")
def eeg():
    """40 trials x 3 channels x 64 samples; class 'b' has more power on channel 0."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((40, 3, 64))
    y = np.tile(["a", "b"], 20)
    X[y == "b", 0] *= 2.0
    session = np.repeat(["T", "E"], 20)
    return X, y, session


class FailOnFold(ClassifierMixin, BaseEstimator):
    """Raises ``exception`` when fitted on a training set of size ``fail_n_train``."""

    def __init__(self, fail_n_train=None, exception=ValueError):
        self.fail_n_train = fail_n_train
        self.exception = exception

    def fit(self, X, y):
        if self.fail_n_train is None or len(X) == self.fail_n_train:
            raise self.exception("boom: cannot fit\nthis fold")
        self.model_ = _lda().fit(X, y)
        self.classes_ = self.model_.classes_
        return self

    def predict(self, X):
        return self.model_.predict(X)


class CountingLDA(ClassifierMixin, BaseEstimator):
    """The LDA pipeline, counting fits in a class attribute (serial runs only)."""

    n_fits = 0

    def fit(self, X, y):
        CountingLDA.n_fits += 1
        self.model_ = _lda().fit(X, y)
        self.classes_ = self.model_.classes_
        return self

    def predict(self, X):
        return self.model_.predict(X)


class Flaky(CountingLDA):
    """Fails while the class attribute ``failing`` is set (serial runs only)."""

    failing = False

    def fit(self, X, y):
        if Flaky.failing:
            raise RuntimeError("earlier failure")
        return super().fit(X, y)


class Interrupting(CountingLDA):
    """Simulates Ctrl-C during a fit."""

    def fit(self, X, y):
        raise KeyboardInterrupt


# -- splitters -------------------------------------------------------------------------------
def _assert_disjoint_partition(splits, n_trials):
    for train, test in splits:
        assert np.intersect1d(train, test).size == 0
        assert train.size > 0 and test.size > 0
        assert np.all((0 <= train) & (train < n_trials)) and np.all(test < n_trials)


def test_within_session_folds_stay_inside_one_session():
    y = np.tile(["a", "b"], 15)
    session = np.repeat(["s2", "s1", "s3"], 10)
    cv = WithinSessionSplit(n_splits=5, random_state=0)
    splits = list(cv.split(np.zeros((30, 2)), y, session))
    assert len(splits) == cv.get_n_splits(groups=session) == 15
    _assert_disjoint_partition(splits, 30)
    for train, test in splits:
        assert np.unique(session[np.concatenate([train, test])]).size == 1
        assert (y[test] == "a").sum() == (y[test] == "b").sum() == 1  # stratified
    # Sessions in sorted order; each session's trials are tested exactly once.
    assert [session[test[0]] for _, test in splits[::5]] == ["s1", "s2", "s3"]
    tested = np.sort(np.concatenate([test for _, test in splits]))
    np.testing.assert_array_equal(tested, np.arange(30))


def test_within_session_without_groups_is_stratified_kfold():
    y = np.repeat([0, 1], 10)
    ours = WithinSessionSplit(n_splits=4, random_state=3).split(np.zeros((20, 1)), y)
    reference = StratifiedKFold(4, shuffle=True, random_state=3).split(np.zeros((20, 1)), y)
    for (train, test), (train_ref, test_ref) in zip(ours, reference, strict=True):
        np.testing.assert_array_equal(train, train_ref)
        np.testing.assert_array_equal(test, test_ref)
    assert WithinSessionSplit(n_splits=4).get_n_splits() == 4


def test_within_session_errors():
    y = np.array(["a"] * 6 + ["b"] * 2)
    with pytest.raises(ValueError, match=r"session 'x' has only 2 trial\(s\) of class 'b'"):
        list(WithinSessionSplit(3).split(np.zeros((8, 1)), y, np.full(8, "x")))
    with pytest.raises(ValueError, match="n_splits must be an integer >= 2"):
        list(WithinSessionSplit(1).split(np.zeros((8, 1)), y))
    with pytest.raises(ValueError, match=r"one session label per trial, shape \(8,\)"):
        list(WithinSessionSplit(2).split(np.zeros((8, 1)), y, np.zeros(5)))


def test_cross_session_train_sessions_gives_one_exact_fold():
    session = np.array([1, 1, 2, 2, 3, 4, 5, 5])
    cv = CrossSessionSplit(train_sessions=[1, 2, 3])
    (train, test), *rest = list(cv.split(np.zeros((8, 1)), None, session))
    assert not rest and cv.get_n_splits() == 1
    np.testing.assert_array_equal(train, [0, 1, 2, 3, 4])
    np.testing.assert_array_equal(test, [5, 6, 7])


def test_cross_session_leave_one_session_out():
    session = np.array(["E", "T", "E", "T", "T"])
    cv = CrossSessionSplit()
    splits = list(cv.split(np.zeros((5, 1)), None, session))
    assert len(splits) == cv.get_n_splits(groups=session) == 2
    _assert_disjoint_partition(splits, 5)
    (train_e, test_e), (train_t, test_t) = splits
    np.testing.assert_array_equal(test_e, [0, 2])
    np.testing.assert_array_equal(train_e, [1, 3, 4])
    np.testing.assert_array_equal(test_t, [1, 3, 4])


@pytest.mark.parametrize(
    ("train_sessions", "groups", "match"),
    [
        (None, None, "needs the session of every trial as `groups`"),
        (None, np.ones(4), r"only one session \(1.0\)"),
        (["T"], np.array(["T", "T", "E", "E"]), None),
        (["X"], np.array(["T", "T", "E", "E"]), r"train_sessions \['X'\] not found"),
        (["T", "E"], np.array(["T", "T", "E", "E"]), "covers every session"),
        ("T", np.array(["T", "T", "E", "E"]), r"train_sessions=\['T'\]"),
    ],
)
def test_cross_session_errors(train_sessions, groups, match):
    cv = CrossSessionSplit(train_sessions)
    if match is None:
        assert len(list(cv.split(np.zeros((4, 1)), None, groups))) == 1
        return
    with pytest.raises(ValueError, match=match):
        list(cv.split(np.zeros((4, 1)), None, groups))


def test_cross_subject_leave_one_out_and_group_kfold():
    subject = np.array([3, 1, 2, 1, 3, 2, 4, 4])
    splits = list(CrossSubjectSplit().split(np.zeros((8, 1)), None, subject))
    assert len(splits) == CrossSubjectSplit().get_n_splits(groups=subject) == 4
    _assert_disjoint_partition(splits, 8)
    assert [np.unique(subject[test]).tolist() for _, test in splits] == [[1], [2], [3], [4]]
    for train, test in splits:
        assert np.intersect1d(subject[train], subject[test]).size == 0
    two = list(CrossSubjectSplit(n_splits=2).split(np.zeros((8, 1)), None, subject))
    assert len(two) == 2
    for train, test in two:
        assert np.intersect1d(subject[train], subject[test]).size == 0
    with pytest.raises(ValueError, match="needs at least two"):
        list(CrossSubjectSplit().split(np.zeros((3, 1)), None, np.ones(3)))
    with pytest.raises(ValueError, match="n_splits=5 is more than the 4 subjects.*lower n_splits"):
        list(CrossSubjectSplit(n_splits=5).split(np.zeros((8, 1)), None, subject))
    with pytest.raises(ValueError, match="the subject of every trial"):
        list(CrossSubjectSplit().split(np.zeros((8, 1))))


@settings(max_examples=40, deadline=None)
@given(
    labels=st.lists(st.tuples(st.integers(0, 3), st.integers(0, 1)), min_size=2, max_size=60),
)
def test_no_trial_is_ever_in_train_and_test(labels):
    """Property: for any sessions, all three splitters keep train and test disjoint, and the
    session (or subject) protocols never share a group between them."""
    groups = np.array([g for g, _ in labels])
    y = np.array([c for _, c in labels])
    X = np.zeros((len(labels), 1))
    candidates = [CrossSessionSplit(), CrossSubjectSplit()]
    if all(np.bincount(y[groups == g], minlength=2).min() >= 2 for g in np.unique(groups)):
        candidates.append(WithinSessionSplit(2, random_state=0))
    for cv in candidates:
        try:
            splits = list(cv.split(X, y, groups))
        except ValueError as exc:  # a single group: the protocol cannot apply, and says so
            assert np.unique(groups).size < 2, exc
            continue
        _assert_disjoint_partition(splits, len(labels))
        for train, test in splits:
            if isinstance(cv, WithinSessionSplit):
                assert np.unique(groups[np.concatenate([train, test])]).size == 1
            else:
                assert np.intersect1d(groups[train], groups[test]).size == 0


def test_splitters_work_in_scikit_learn_cross_validation(eeg):
    X, y, session = eeg
    scores = cross_val_score(_lda(), X, y, groups=session, cv=CrossSessionSplit(["T"]))
    assert scores.shape == (1,)
    scores = cross_val_score(_lda(), X, y, groups=session, cv=WithinSessionSplit(2))
    assert scores.shape == (4,)
    assert "n_splits=5" in repr(WithinSessionSplit())


# -- compare ---------------------------------------------------------------------------------
def test_compare_table_matches_cross_val_score(eeg):
    X, y, _ = eeg
    cv = StratifiedKFold(4, shuffle=True, random_state=0)
    dummy = make_pipeline(FunctionTransformer(_log_variance), DummyClassifier())
    results = compare({"lda": _lda(), "dummy": dummy}, X, y, cv=cv, progress=False)
    assert list(results.columns) == RESULT_COLUMNS
    assert results["model"].tolist() == ["lda"] * 4 + ["dummy"] * 4
    assert results["fold"].tolist() == [0, 1, 2, 3] * 2
    assert results["n_train"].tolist() == [30] * 8 and results["n_test"].tolist() == [10] * 8
    expected = cross_val_score(_lda(), X, y, cv=cv)
    np.testing.assert_array_equal(results["accuracy"][:4], expected)
    np.testing.assert_array_equal(results["accuracy"][4:], 0.5)
    np.testing.assert_array_equal(results["cohen_kappa"][4:], 0.0)
    assert results["error"].isna().all() and results["n_parameters"].isna().all()
    assert (results[TIMING] > 0).all().all()
    assert (results["test_groups"] == "").all()


def test_compare_records_cnn_size_also_inside_a_pipeline(eeg):
    X, y, _ = eeg
    cnn = _tiny_cnn()
    results = compare(
        {"cnn": cnn, "piped": make_pipeline(FunctionTransformer(), _tiny_cnn())},
        X,
        y,
        cv=2,
        progress=False,
    )
    size = sum(p.numel() for p in cnn.fit(X, y).net_.module_.parameters())
    assert size > 0
    np.testing.assert_array_equal(results["n_parameters"], size)


def test_failing_model_is_isolated(eeg, capsys):
    X, y, _ = eeg
    cv = StratifiedKFold(4)  # every training set has 30 trials
    results = compare(
        {"ok": _lda(), "broken": FailOnFold(), "flaky": FailOnFold(fail_n_train=30)},
        X,
        y,
        cv=[next(iter(cv.split(X, y))), (np.arange(35), np.arange(35, 40))],
    )
    ok, broken, flaky = (results[results["model"] == m] for m in ("ok", "broken", "flaky"))
    assert ok["error"].isna().all() and ok["accuracy"].notna().all()
    assert broken["error"].tolist() == ["ValueError: boom: cannot fit this fold"] * 2
    assert broken[["accuracy", "fit_seconds", "n_parameters"]].isna().all().all()
    assert flaky["error"].tolist() == ["ValueError: boom: cannot fit this fold", None]
    assert flaky["accuracy"].iloc[1] == ok["accuracy"].iloc[1]
    printed = capsys.readouterr().out
    assert "broken         fold 1/2  FAILED  ValueError: boom" in printed
    summary = summarize(results)
    assert summary.loc["broken", "n_folds"] == 0 and summary.loc["broken", "n_failed"] == 2
    assert summary.loc["flaky", "n_folds"] == 1 and summary.loc["flaky", "n_failed"] == 1


def test_resume_after_keyboard_interrupt(eeg, tmp_path):
    X, y, _ = eeg
    out = tmp_path / "run" / "results.csv"
    CountingLDA.n_fits = 0
    with pytest.raises(KeyboardInterrupt):
        compare(
            {"first": CountingLDA(), "second": Interrupting()}, X, y, cv=3, out=out, progress=False
        )
    written = pd.read_csv(out)
    assert written["model"].tolist() == ["first"] * 3 and CountingLDA.n_fits == 3

    CountingLDA.n_fits = 0
    resumed = compare(
        {"first": CountingLDA(), "second": CountingLDA()}, X, y, cv=3, out=out, progress=False
    )
    assert CountingLDA.n_fits == 3  # only the interrupted model's folds ran
    fresh = compare({"first": CountingLDA(), "second": CountingLDA()}, X, y, cv=3, progress=False)
    pd.testing.assert_frame_equal(resumed.drop(columns=TIMING), fresh.drop(columns=TIMING))
    # Resumed rows come back with their recorded timings, bit for bit.
    np.testing.assert_array_equal(resumed["fit_seconds"][:3], written["fit_seconds"].to_numpy())
    assert len(pd.read_csv(out)) == 6


def test_resume_from_partly_written_csv_skips_present_rows_and_retries_failures(eeg, tmp_path):
    X, y, _ = eeg
    out = tmp_path / "results.csv"
    models = {"a": CountingLDA(), "b": Flaky()}
    full = compare(models, X, y, cv=3, progress=False, tags={"subject": 7})
    Flaky.failing = True
    try:
        failed = compare(models, X, y, cv=3, out=out, progress=False, tags={"subject": 7})
    finally:
        Flaky.failing = False
    assert failed["error"].tolist() == [None] * 3 + ["RuntimeError: earlier failure"] * 3
    header, a0, a1, a2, b0, b1, b2 = out.read_bytes().splitlines(keepends=True)
    out.write_bytes(header + a0 + a2 + b0)  # a1, b1, b2 never written; b0 failed

    CountingLDA.n_fits = 0
    resumed = compare(models, X, y, cv=3, out=out, progress=False, tags={"subject": 7})
    assert CountingLDA.n_fits == 4  # 6 fits, 2 done, the failed one rerun
    pd.testing.assert_frame_equal(resumed.drop(columns=TIMING), full.drop(columns=TIMING))
    on_disk = read_results(out)
    assert len(on_disk) == 6 and on_disk["error"].isna().all()
    # Other tags are other rows: nothing is skipped for subject 8.
    CountingLDA.n_fits = 0
    compare({"a": CountingLDA()}, X, y, cv=3, out=out, progress=False, tags={"subject": 8})
    assert CountingLDA.n_fits == 3 and len(read_results(out)) == 9
    # Resumed rows keep this run's tag values ("8", not 8 as the CSV reads it back).
    CountingLDA.n_fits = 0
    again = compare(
        {"a": CountingLDA()}, X, y, cv=3, out=out, progress=False, tags={"subject": "8"}
    )
    assert CountingLDA.n_fits == 0 and again["subject"].tolist() == ["8"] * 3


def test_resume_refuses_a_csv_of_another_run(eeg, tmp_path):
    X, y, _ = eeg
    out = tmp_path / "results.csv"
    compare({"a": _lda()}, X, y, cv=2, out=out, progress=False)
    with pytest.raises(ValueError, match="its columns .* differ from this run's"):
        compare({"a": _lda()}, X, y, cv=2, out=out, progress=False, scoring="accuracy")
    with pytest.raises(ValueError, match=r"the folds differ \(another cv"):
        compare({"a": _lda()}, X, y, cv=4, out=out, progress=False)
    other = tmp_path / "other.csv"
    other.write_text("model,fold,accuracy\nlda,0,0.5\n")  # not written by compare
    with pytest.raises(ValueError, match="is not a result file of sktime_eeg"):
        compare({"a": _lda()}, X, y, cv=2, out=other, progress=False)
    assert other.read_text() == "model,fold,accuracy\nlda,0,0.5\n"


def test_rerun_with_other_data_or_hyperparameters_into_the_same_out_is_refused(eeg, tmp_path):
    """The stale resume: other data, SNR, seed or hyperparameters into the same file used to
    return the first run's numbers as "resumed"; now the rerun refuses, naming what differs."""
    X, y, _ = eeg
    out = tmp_path / "results.csv"
    first = compare({"lda": _lda()}, X, y, cv=2, out=out, progress=False)
    written = out.read_bytes()
    noisier = X + np.random.default_rng(5).standard_normal(X.shape)
    with pytest.raises(ValueError, match=r"model='lda', fold='0': the data differ"):
        compare({"lda": _lda()}, noisier, y, cv=2, out=out, progress=False)
    shrunk = make_pipeline(
        FunctionTransformer(_log_variance), LinearDiscriminantAnalysis(solver="lsqr")
    )
    with pytest.raises(
        ValueError,
        match=r"hyperparameter lineardiscriminantanalysis__solver is 'svd' there, 'lsqr' now",
    ):
        compare({"lda": shrunk}, X, y, cv=2, out=out, progress=False)
    shuffled = StratifiedKFold(2, shuffle=True, random_state=1)
    with pytest.raises(ValueError, match="the folds differ"):
        compare({"lda": _lda()}, X, y, cv=shuffled, out=out, progress=False)
    assert out.read_bytes() == written
    again = compare({"lda": _lda()}, X, y, cv=2, out=out, progress=False)
    pd.testing.assert_frame_equal(again, first)


def test_torn_last_row_is_dropped_and_the_run_completed(eeg, tmp_path):
    """A row cut mid-write (killed process, full disk) was read back as a finished fold and
    the next append glued onto it; now it is dropped and refitted, the rest is kept."""
    X, y, _ = eeg
    out = tmp_path / "results.csv"
    models = {"a": CountingLDA(), "b": CountingLDA()}
    full = compare(models, X, y, cv=3, out=out, progress=False)
    text = out.read_bytes()
    last = text.rstrip(b"\n").rfind(b"\n") + 1
    for cut in (last + 25, len(text) - 3):  # inside the last row, and inside its checksum
        out.write_bytes(text[:cut])
        CountingLDA.n_fits = 0
        resumed = compare(models, X, y, cv=3, out=out, progress=False)
        assert CountingLDA.n_fits == 1  # only the torn fold
        pd.testing.assert_frame_equal(resumed.drop(columns=TIMING), full.drop(columns=TIMING))
        on_disk = pd.read_csv(out)
        assert len(on_disk) == 6 and on_disk["error"].isna().all()
        np.testing.assert_array_equal(on_disk["accuracy"], full["accuracy"])


class DivergedProba(ClassifierMixin, BaseEstimator):
    """A fit that "succeeds" but whose outputs are NaN, as after a diverged training; predict
    still returns valid-looking labels (the argmax of NaN probabilities is class 0)."""

    def fit(self, X, y):
        self.classes_ = np.unique(y)
        return self

    def predict_proba(self, X):
        return np.full((len(X), len(self.classes_)), np.nan)

    def predict(self, X):
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]


class NaNLabels(DivergedProba):
    """Regression-style outputs: NaN predictions."""

    def fit(self, X, y):
        self.classes_ = np.array([0.0, 1.0])
        return self

    def predict(self, X):
        return np.full(len(X), np.nan)


def test_diverged_fold_is_recorded_as_failed_never_scored(eeg, tmp_path):
    X, y, _ = eeg
    y01 = (y == "b").astype(float)
    out = tmp_path / "results.csv"
    results = compare(
        {"ok": _lda(), "diverged": DivergedProba()}, X, y, cv=2, out=out, progress=False
    )
    diverged = results[results["model"] == "diverged"]
    assert diverged["accuracy"].isna().all() and results["error"][:2].isna().all()
    assert (
        diverged["error"]
        .str.startswith(
            "ValueError: predict_proba returned NaN or infinite values for 20 of 20 test trials"
        )
        .all()
    )
    assert "training diverge" in diverged["error"].iloc[0]
    assert read_results(out)["error"].notna().sum() == 2
    nan_labels = compare({"nan": NaNLabels()}, X, y01, cv=2, progress=False)
    assert nan_labels["error"].str.contains("predict returned NaN or infinite labels").all()
    assert nan_labels["accuracy"].isna().all()


def test_compare_counts_trials_without_copying_the_data():
    """compare validated X by converting it to float32 (a copy of half its size) just to count
    the trials; now it counts and checks in place."""
    import tracemalloc

    X = np.random.default_rng(0).standard_normal((240, 22, 500))  # 21 MB
    y = np.repeat(["a", "b"], 120)
    tracemalloc.start()
    with pytest.raises(ValueError, match="produced no folds"):
        compare({"lda": _lda()}, X, y, cv=[], progress=False)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < X.nbytes / 8
    X[3, 2, 1] = np.nan
    with pytest.raises(ValueError, match=r"X contains NaN in 1 trial\(s\)"):
        compare({"lda": _lda()}, X, y, cv=[], progress=False)


def test_serial_and_process_parallel_runs_are_identical(eeg):
    X, y, _ = eeg
    models = {"cnn": _tiny_cnn(), "lda": make_models(["csp-lda"])["csp-lda"]}
    serial = compare(models, X, y, cv=2, n_jobs=1, progress=False)
    parallel = compare(models, X, y, cv=2, n_jobs=2, progress=False)
    pd.testing.assert_frame_equal(serial.drop(columns=TIMING), parallel.drop(columns=TIMING))


def test_dask_local_cluster_gives_the_serial_results(eeg):
    distributed = pytest.importorskip(
        "distributed", reason="needs the dask extra: pip install 'sktime-eeg[dask]'"
    )
    X, y, _ = eeg
    models = {"cnn": _tiny_cnn(), "lda": make_models(["csp-lda"])["csp-lda"]}
    serial = compare(models, X, y, cv=2, progress=False)
    # Two worker threads in this process: compare makes torch trainings take turns.
    with (
        distributed.LocalCluster(
            n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
        joblib.parallel_config("dask"),
    ):
        with distributed.get_task_stream(client) as task_stream:
            on_dask = compare(models, X, y, cv=2, progress=False)
        assert len(task_stream.data) >= 4  # the 2 x 2 fits ran on the cluster
    pd.testing.assert_frame_equal(serial.drop(columns=TIMING), on_dask.drop(columns=TIMING))


def test_threaded_runs_of_networks_are_identical_to_serial(eeg):
    """Four trainings in four threads of one process give the serial numbers."""
    X, y, _ = eeg
    models = {f"cnn{seed}": _tiny_cnn(random_state=seed, max_epochs=3) for seed in range(2)}
    serial = compare(models, X, y, cv=2, progress=False)
    with joblib.parallel_config("threading", n_jobs=4):
        threaded = compare(models, X, y, cv=2, progress=False)
    pd.testing.assert_frame_equal(serial.drop(columns=TIMING), threaded.drop(columns=TIMING))


def test_compare_accepts_epochs_and_metadata_groups(eeg):
    X, y, session = eeg
    info = mne.create_info(["C3", "Cz", "C4"], 64.0, "eeg")
    events = np.column_stack([np.arange(40) * 100, np.zeros(40, int), (y == "b") + 1])
    epochs = mne.EpochsArray(
        X,
        info,
        events,
        event_id={"a": 1, "b": 2},
        metadata=pd.DataFrame({"session": session, "subject": 1}),
        verbose="error",
    )
    cv = CrossSessionSplit(["T"])
    from_epochs = compare({"lda": _lda()}, epochs, y, cv=cv, groups="session", progress=False)
    from_arrays = compare({"lda": _lda()}, X, y, cv=cv, groups=session, progress=False)
    pd.testing.assert_frame_equal(
        from_epochs.drop(columns=TIMING + FINGERPRINTS),
        from_arrays.drop(columns=TIMING + FINGERPRINTS),
    )
    # Epochs carry channel names, rate and events: other data than the bare array.
    assert (from_epochs["data_fingerprint"] != from_arrays["data_fingerprint"]).all()
    assert (from_epochs["params"] == from_arrays["params"]).all()
    # A list of Epochs is joined: trial indices count trials, not list items.
    from_list = compare(
        {"lda": _lda()}, [epochs[:15], epochs[15:]], y, cv=cv, groups=session, progress=False
    )
    assert from_list["n_train"].tolist() == [20] and from_list["n_test"].tolist() == [20]
    np.testing.assert_array_equal(from_list["accuracy"], from_arrays["accuracy"])
    assert from_epochs["test_groups"].tolist() == ["E"]
    joined = compare(
        {"lda": _lda()},
        epochs,
        y,
        cv=CrossSessionSplit(["1/T"]),
        groups=["subject", "session"],
        progress=False,
    )
    assert joined["test_groups"].tolist() == ["1/E"]
    with pytest.raises(ValueError, match=r"column\(s\) \['run'\] not in epochs.metadata"):
        compare({"lda": _lda()}, epochs, y, cv=cv, groups="run", progress=False)
    labels = compare({"lda": _lda()}, epochs, y, cv=cv, groups=list(session), progress=False)
    assert labels["test_groups"].tolist() == ["E"]  # a list of labels, not column names
    with pytest.raises(ValueError, match="needs X to be mne.Epochs with metadata"):
        compare({"lda": _lda()}, X, y, cv=cv, groups="session", progress=False)


def test_compare_scoring_and_progress_callable(eeg):
    X, y, _ = eeg
    rows = []
    results = compare(
        {"lda": _lda()},
        X,
        y,
        cv=2,
        scoring={"acc": "accuracy", "auc": "roc_auc", "one": lambda est, X, y: 1.0},
        progress=rows.append,
    )
    assert list(results.columns[5:8]) == ["acc", "auc", "one"]
    assert (results["one"] == 1.0).all() and results["auc"].between(0.5, 1).all()
    assert [row["fold"] for row in sorted(rows, key=lambda r: r["fold"])] == [0, 1]
    with pytest.raises(ValueError, match="Unknown metric 'acuracy'"):
        compare({"lda": _lda()}, X, y, scoring="acuracy")
    with pytest.raises(ValueError, match=r"clashes with a column.*scoring=\{'fold_score'"):
        compare({"lda": _lda()}, X, y, scoring=["fold"])
    empty_test = [(np.arange(len(y)), np.array([], dtype=int))]
    with pytest.raises(ValueError, match="empty train or test set; .*check cv and groups"):
        compare({"lda": _lda()}, X, y, cv=empty_test)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"estimators": [_lda()]}, TypeError, "must be a non-empty dict"),
        ({"estimators": {}}, TypeError, "must be a non-empty dict"),
        ({"estimators": {"x": LinearDiscriminantAnalysis}}, TypeError, "pass an instance"),
        ({"groups": np.zeros(3)}, ValueError, r"one label .* per trial, shape \(40,\)"),
        ({"y": np.zeros(39)}, ValueError, "X has 40 trials but y has 39 labels"),
        ({"tags": {"model": "x"}}, ValueError, r"tags \['model'\] clash"),
        ({"cv": []}, ValueError, "produced no folds"),
        ({"progress": "yes"}, TypeError, "progress must be a bool or a callable"),
        ({"n_jobs": 0}, ValueError, r"n_jobs=0 runs no fit; pass a positive number"),
        ({"out": "."}, ValueError, r"out='\.' is a folder; .* pass a file path"),
    ],
)
def test_compare_input_errors(eeg, kwargs, error, match):
    X, y, _ = eeg
    arguments = {"estimators": {"lda": _lda()}, "X": X, "y": y, **kwargs}
    with pytest.raises(error, match=match):
        compare(**arguments)


# -- summary, ratios, plots ------------------------------------------------------------------
def _table():
    return pd.DataFrame(
        {
            "model": ["conv1d", "conv1d", "conv2d", "conv2d", "mdm"],
            "fold": [0, 1, 0, 1, 0],
            "test_groups": "",
            "n_train": 30,
            "n_test": 10,
            "accuracy": [0.8, 0.6, 0.9, 0.7, math.nan],
            "cohen_kappa": [0.6, 0.2, 0.8, 0.4, math.nan],
            "fit_seconds": [6.0, 10.0, 1.0, 3.0, math.nan],
            "predict_ms_per_trial": [0.5, 0.7, 0.1, 0.3, math.nan],
            "n_parameters": [100.0, 100.0, 90.0, 90.0, math.nan],
            "error": [None, None, None, None, "LinAlgError: singular"],
        }
    )


def test_summarize_format_and_ratios():
    summary = summarize(_table())
    assert summary.index.tolist() == ["conv1d", "conv2d", "mdm"]
    assert summary.loc["conv1d", "accuracy_mean"] == pytest.approx(0.7)
    assert summary.loc["conv2d", "accuracy_sd"] == pytest.approx(np.std([0.9, 0.7], ddof=1))
    assert summary.loc["conv2d", "fit_seconds_mean"] == 2.0
    assert summary["n_folds"].tolist() == [2, 2, 0] and summary["n_failed"].tolist() == [0, 0, 1]
    text = format_summary(summary)
    assert "0.700 ± 0.141" in text and "8.00 ± 2.83" in text and "0 (1 failed)" in text
    assert text.splitlines()[0].split() == [
        "accuracy", "cohen_kappa", "fit", "time", "(s)", "latency", "(ms/trial)",
        "parameters", "folds",
    ]  # fmt: skip
    assert fit_time_ratios(_table()) == {"conv1d/conv2d": 4.0}
    with pytest.raises(ValueError, match="not a table from sktime_eeg.evaluation.compare"):
        summarize(pd.DataFrame({"model": ["a"]}))


def test_plots_draw_one_bar_per_model():
    from matplotlib.figure import Figure

    figure = Figure()
    ax_scores, ax_times = figure.subplots(1, 2)
    plot_scores(_table(), chance=0.5, ax=ax_scores)
    plot_fit_times(_table(), ax=ax_times)
    assert [t.get_text() for t in ax_scores.get_xticklabels()] == ["conv1d", "conv2d", "mdm"]
    assert [p.get_height() for p in ax_scores.patches] == pytest.approx([0.7, 0.8, 0.0])
    assert ax_times.get_yscale() == "log"
    assert [p.get_height() for p in ax_times.patches][:2] == pytest.approx([8.0, 2.0])
    with pytest.raises(ValueError, match="'f1' is not a metric column"):
        plot_scores(_table(), "f1")


def test_score_plot_shows_negative_kappas():
    from matplotlib.figure import Figure

    table = _table().assign(cohen_kappa=[-0.3, 0.2, 0.8, 0.4, math.nan])
    ax = plot_scores(table, "cohen_kappa", ax=Figure().subplots())
    assert ax.get_ylim() == pytest.approx((-0.35, 1.0))
    ax = plot_scores(_table(), "accuracy", ax=Figure().subplots())
    assert ax.get_ylim() == pytest.approx((0.0, 1.0))


# -- registry, data, protocols ---------------------------------------------------------------
def test_make_models_registry():
    models = make_models(sfreq=125.0, max_epochs=3, random_state=5)
    assert list(models) == list(DEFAULT_MODELS)
    assert set(DEFAULT_MODELS) < set(MODELS)
    conv1d = models["conv1d"]
    assert (conv1d.kernel_length, conv1d.pool_length, conv1d.pool_stride) == (12, 38, 8)
    assert (conv1d.max_epochs, conv1d.random_state) == (3, 5)
    assert make_models(["conv2d"])["conv2d"].kernel_length == 25
    with pytest.raises(ValueError, match=r"Unknown model\(s\) \['eegnet'\]; choose from"):
        make_models(["conv2d", "eegnet"])
    # scikit-learn's random_state convention: a RandomState draws one int seed per network.
    drawn = make_models(["conv1d", "csp-lda", "conv2d"], random_state=np.random.RandomState(0))
    again = make_models(["conv1d", "csp-lda", "conv2d"], random_state=np.random.RandomState(0))
    seeds = [drawn["conv1d"].random_state, drawn["conv2d"].random_state]
    assert all(isinstance(seed, int) for seed in seeds) and seeds[0] != seeds[1]
    assert seeds == [again["conv1d"].random_state, again["conv2d"].random_state]
    assert make_models(["conv2d"], random_state=None)["conv2d"].random_state is None


def test_load_comparison_data_simulated():
    data = load_comparison_data(n_trials=20, n_sessions=2, subjects=[1, 2], window=(0.5, 1.5))
    assert data.X.shape == (80, 22, 125) and data.X.dtype == np.float64
    assert data.sfreq == 125.0 and len(data.ch_names) == 22
    assert data.subject.tolist() == ["1"] * 40 + ["2"] * 40
    assert data.session.tolist() == (["1"] * 20 + ["2"] * 20) * 2
    assert data.train_sessions == ["1"]
    assert set(data.y) == {"left_hand", "right_hand"}
    again = load_comparison_data(n_trials=20, n_sessions=2, subjects=[1, 2], window=(0.5, 1.5))
    np.testing.assert_array_equal(again.X, data.X)
    assert not np.array_equal(data.X[:20], data.X[20:40])  # sessions are distinct draws
    with pytest.raises(ValueError, match=r"Unknown dataset 'bci'; choose from \['simulated'"):
        load_comparison_data("bci")
    for subjects in ([-3], [0], [1.5], ["x"]):
        with pytest.raises(ValueError, match=r"subjects must be subject numbers \(integers from 1"):
            load_comparison_data(subjects=subjects, n_trials=8)
    with pytest.raises(ValueError, match="subjects repeat"):
        load_comparison_data(subjects=[1, 1], n_trials=8)
    with pytest.raises(ValueError, match="random_state must be >= 0"):
        load_comparison_data(random_state=-1, n_trials=8)
    small = {"n_trials": 8, "window": (0.5, 1.0)}
    drawn = load_comparison_data(random_state=np.random.RandomState(4), **small)
    np.testing.assert_array_equal(
        drawn.X, load_comparison_data(random_state=np.random.RandomState(4), **small).X
    )


def test_load_comparison_data_from_an_epochs_file(tmp_path, eeg):
    X, y, session = eeg
    info = mne.create_info(["C3", "Cz", "C4"], 64.0, "eeg")
    events = np.column_stack([np.arange(40) * 100, np.zeros(40, int), (y == "b") + 1])
    metadata = pd.DataFrame({"session": session, "subject": np.repeat([4, 5], 20)})
    path = tmp_path / "mine-epo.fif"
    mne.EpochsArray(
        X * 1e-6, info, events, event_id={"a": 1, "b": 2}, metadata=metadata, verbose="error"
    ).save(path, verbose="error")
    data = load_comparison_data("epochs", path=path, window=None, l_freq=None, h_freq=None)
    np.testing.assert_allclose(data.X, X * 1e-6, rtol=1e-6)
    assert data.y.tolist() == y.tolist() and data.subject.tolist() == ["4"] * 20 + ["5"] * 20
    only_5 = load_comparison_data("epochs", path=path, subjects=["5"], window=None)
    assert only_5.X.shape == (20, 3, 64) and set(only_5.session) == {"E"}
    with pytest.raises(ValueError, match=r"subjects \['9'\] are not in"):
        load_comparison_data("epochs", path=path, subjects=[9])
    with pytest.raises(ValueError, match="pass path=<file>-epo.fif"):
        load_comparison_data("epochs")


@pytest.fixture(scope="module")
def simulated():
    return load_comparison_data(n_trials=24, n_sessions=2, subjects=[1, 2], window=(0.5, 1.5))


@pytest.mark.parametrize(
    ("protocol", "n_rows", "test_groups"),
    [
        ("within-session", 2 * 2 * 3, ["1", "1", "1", "2", "2", "2"] * 2),
        ("cross-session", 2, ["2", "2"]),
        ("cross-subject", 2, ["1", "2"]),
    ],
)
def test_run_comparison_protocols(simulated, protocol, n_rows, test_groups, tmp_path):
    results = run_comparison(
        simulated, {"lda": _lda()}, protocol, n_splits=3, progress=False, out=tmp_path / "r.csv"
    )
    assert list(results.columns[:3]) == ["dataset", "protocol", "subject"]
    assert len(results) == n_rows and (results["protocol"] == protocol).all()
    assert results["test_groups"].tolist() == test_groups
    assert len(pd.read_csv(tmp_path / "r.csv")) == n_rows
    if protocol == "cross-subject":
        assert (results["subject"] == "all").all() and (results["n_test"] == 48).all()
    else:
        assert results["subject"].tolist() == sorted(results["subject"])


def test_run_comparison_errors(simulated):
    one_session = load_comparison_data(n_trials=12, window=(0.5, 1.0))
    with pytest.raises(ValueError, match="needs at least two subjects"):
        run_comparison(one_session, {"lda": _lda()}, "cross-subject", progress=False)
    with pytest.raises(
        ValueError, match=r"Simulate several with load_comparison_data\(\.\.\., n_sessions=2\)"
    ):
        run_comparison(one_session, {"lda": _lda()}, "cross-session", progress=False)
    with pytest.raises(ValueError, match="Unknown protocol 'loso'; choose from"):
        run_comparison(simulated, {"lda": _lda()}, "loso")


def test_run_comparison_checks_every_subject_before_the_first_fit(simulated, tmp_path):
    # Subject 2 recorded in session 1 only: the error comes before subject 1 is fitted.
    data = Bunch(**simulated)
    data.session = np.where(
        np.asarray(simulated.subject).astype(str) == "2", "1", simulated.session
    )
    out = tmp_path / "run" / "results.csv"
    with pytest.raises(ValueError, match=r"subject 2 of 'simulated' has only session\(s\) \['1'\]"):
        run_comparison(data, {"lda": _lda()}, "cross-session", progress=False, out=out)
    with pytest.raises(ValueError, match=r"train_sessions \['3'\] not"):
        run_comparison(simulated, {"lda": _lda()}, "cross-session", train_sessions=["3"], out=out)
    assert not out.parent.exists()


def test_run_comparison_refuses_another_runs_file_before_fitting_any_subject(simulated, tmp_path):
    out = tmp_path / "results.csv"
    second = np.asarray(simulated.subject) == "2"
    only_2 = Bunch(**simulated)
    for field in ("X", "y", "subject", "session"):
        only_2[field] = simulated[field][second]
    run_comparison(only_2, {"lda": CountingLDA()}, n_splits=2, progress=False, out=out)
    altered = Bunch(**{**simulated, "X": np.where(second[:, None, None], 2, 1) * simulated.X})
    CountingLDA.n_fits = 0
    with pytest.raises(ValueError, match=r"subject='2', model='lda', fold='0': the data differ"):
        run_comparison(altered, {"lda": CountingLDA()}, n_splits=2, progress=False, out=out)
    assert CountingLDA.n_fits == 0  # subject 1 came first, but nothing was fitted
    both = run_comparison(simulated, {"lda": CountingLDA()}, n_splits=2, progress=False, out=out)
    assert CountingLDA.n_fits == 4 and both["subject"].tolist() == ["1"] * 4 + ["2"] * 4


# -- real data -------------------------------------------------------------------------------
@pytest.mark.slow
def test_compare_on_bci_iv_2b_train_to_evaluation_sessions():
    """BCI IV 2b subject 4, sessions 1-3 -> 4-5: the Riemannian baseline and a short CNN
    training are far above chance on the same fold."""
    from helpers import require_shared_data

    require_shared_data("bnci2014_004")
    from benchmarks.local_data import load_bnci2014_004

    X, y, session = load_bnci2014_004(4, sessions=(1, 2, 3, 4, 5))
    X = X[:, :, 125:625]  # 0.5-2.5 s of the exported window
    models = make_models(["csp-lda", "conv2d"], max_epochs=15)
    results = compare(models, X, y, cv=CrossSessionSplit([1, 2, 3]), groups=session, progress=False)
    assert results["n_train"].tolist() == [360, 360] and results["n_test"].tolist() == [240] * 2
    assert results["test_groups"].tolist() == ["4+5", "4+5"]
    accuracy = dict(zip(results["model"], results["accuracy"], strict=True))
    assert accuracy["csp-lda"] >= 0.85 and accuracy["conv2d"] >= 0.8, accuracy


# -- MOABB -----------------------------------------------------------------------------------
def test_moabb_within_session_evaluation_runs_sktime_eeg_pipelines(tmp_path):
    pytest.importorskip("moabb", reason="needs the moabb extra: pip install 'sktime-eeg[moabb]'")
    from moabb.datasets.fake import FakeDataset
    from moabb.evaluations import WithinSessionEvaluation
    from moabb.paradigms import LeftRightImagery

    dataset = FakeDataset(
        event_list=["left_hand", "right_hand"],
        n_sessions=1,
        n_runs=1,
        n_subjects=1,
        duration=60,
        n_events=20,
        seed=0,
    )
    paradigm = LeftRightImagery(fmin=8, fmax=30, resample=64)
    evaluation = WithinSessionEvaluation(
        paradigm=paradigm,
        datasets=[dataset],
        overwrite=True,
        hdf5_path=str(tmp_path),
        random_state=0,
        n_splits=2,
    )
    pipelines = {
        "conv2d": make_pipeline(_tiny_cnn(kernel_length=8, pool_length=16, pool_stride=8)),
        "csp-lda": make_models(["csp-lda"])["csp-lda"],
    }
    results = evaluation.process(pipelines)
    assert sorted(results["pipeline"]) == ["conv2d", "csp-lda"]
    assert results["score"].between(0, 1).all()
    # The one session of FakeDataset: 20 trials of its 3 channels, in 2 folds.
    assert (results["samples"] == 20).all() and (results["channels"] == 3).all()


def test_run_comparison_warms_the_networks_up_untimed_first(monkeypatch):
    """The first network fit of a process pays torch's one-off start-up (~1 s: lazy imports
    of the optimizer), which made whichever network ran first look far slower (conv1d /
    conv2d 46x for equal tiny fits). run_comparison fits throwaway copies first, in this
    process only, and leaves the given estimators untouched."""
    from sktime_eeg.evaluation.catalogue import _protocols

    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((20, 4, 100)), np.repeat(["a", "b"], 10)
    model = Conv2DEEGClassifier(
        max_epochs=1, kernel_length=5, pool_length=10, pool_stride=5, random_state=0
    )
    _protocols._warm_up({"conv2d": model, "lda": make_models(["csp-lda"])["csp-lda"]}, X, y)
    assert not hasattr(model, "net_")  # a clone was fitted, not the caller's estimator

    calls = []
    monkeypatch.setattr(_protocols, "_warm_up", lambda estimators, X, y: calls.append(estimators))
    data = Bunch(X=X, y=y, subject=np.full(20, "1"), session=np.full(20, "1"), dataset="toy")
    run_comparison(data, {"conv2d": model}, n_splits=2, progress=False)
    assert [list(c) for c in calls] == [["conv2d"]]
    run_comparison(data, {"conv2d": model}, n_splits=2, progress=False, n_jobs=2)
    assert len(calls) == 1  # workers are other processes: no warm-up here
