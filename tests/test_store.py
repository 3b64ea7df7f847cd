"""Tests of the results store (sktime_eeg.evaluation._store) and the fingerprints
(_fingerprint): crash-safe appends, fingerprinted resume and refusal, read-only reading,
writability checks before any fit."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import tracemalloc
from pathlib import Path

import mne
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

import sktime_eeg
from sktime_eeg import Conv2DEEGClassifier
from sktime_eeg.evaluation import (
    FINGERPRINT_COLUMNS,
    MODELS,
    FileInUseError,
    ResultsStore,
    ResumeError,
    canonical_params,
    check_writable,
    compare,
    fingerprint_data,
    fingerprint_folds,
    make_models,
    read_results,
)

ROOT = Path(__file__).resolve().parents[1]
TIMING = ["fit_seconds", "predict_ms_per_trial"]
SYSFS = Path("/sys/kernel")


def _log_variance(X):
    return np.log(np.var(X, axis=2))


class CountingLDA(ClassifierMixin, BaseEstimator):
    """Log-variance + LDA (fast, deterministic), counting fits in a class attribute."""

    n_fits = 0

    def __init__(self, shrinkage=None):
        self.shrinkage = shrinkage

    def fit(self, X, y):
        CountingLDA.n_fits += 1
        solver = "svd" if self.shrinkage is None else "lsqr"
        lda = LinearDiscriminantAnalysis(solver=solver, shrinkage=self.shrinkage)
        self.model_ = make_pipeline(FunctionTransformer(_log_variance), lda).fit(X, y)
        self.classes_ = self.model_.classes_
        return self

    def predict(self, X):
        return self.model_.predict(X)


@pytest.fixture(scope="module")
def eeg():
    rng = np.random.default_rng(1)
    X = rng.standard_normal((36, 3, 32))
    y = np.tile(["a", "b"], 18)
    X[y == "b", 0] *= 1.8
    return X, y


def _run(X, y, out=None, **kwargs):
    models = {"lda": CountingLDA(), "shrunk": CountingLDA(shrinkage=0.5)}
    arguments = {"cv": 3, "progress": False, "tags": {"subject": 1}, **kwargs}
    return compare(models, X, y, out=out, **arguments)


@pytest.fixture(scope="module")
def uninterrupted(eeg, tmp_path_factory):
    """The file of an uninterrupted run (its bytes) and the table read back from it."""
    out = tmp_path_factory.mktemp("full") / "results.csv"
    _run(*eeg, out=out)
    return out.read_bytes(), read_results(out)


# -- crash safety ----------------------------------------------------------------------------
@settings(max_examples=30, deadline=None)
@given(data=st.data())
def test_a_file_cut_anywhere_resumes_to_exactly_the_uninterrupted_rows(eeg, uninterrupted, data):
    """Property: cut the result file at any byte (a killed process, a full disk), resume, and
    the file and the returned table hold exactly the rows of the uninterrupted run; only the
    rows that were cut off are refitted."""
    full, expected = uninterrupted
    cut = data.draw(st.integers(0, len(full)), label="cut")
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "results.csv"
        out.write_bytes(full[:cut])
        complete = max(0, full[:cut].count(b"\n") - 1)  # rows with their line end
        CountingLDA.n_fits = 0
        resumed = _run(*eeg, out=out)
        assert CountingLDA.n_fits == len(expected) - complete
        on_disk = read_results(out)
        assert out.read_bytes().endswith(b"\n")
    pd.testing.assert_frame_equal(on_disk.drop(columns=TIMING), expected.drop(columns=TIMING))
    returned = expected.assign(subject=1)  # the table keeps this run's tag values
    pd.testing.assert_frame_equal(
        resumed.drop(columns=TIMING), returned.drop(columns=TIMING), check_dtype=False
    )
    # The rows kept from the cut file come back bit for bit, timings included.
    kept = on_disk.iloc[:complete]
    pd.testing.assert_frame_equal(kept, expected.iloc[:complete])


def test_read_results_drops_a_torn_row_without_touching_the_file(uninterrupted, tmp_path):
    full, expected = uninterrupted
    out = tmp_path / "results.csv"
    torn = full[: full.rstrip(b"\n").rfind(b"\n") + 20]  # 19 bytes of the last row
    out.write_bytes(torn)
    pd.testing.assert_frame_equal(read_results(out), expected.iloc[:-1])
    assert out.read_bytes() == torn


def test_a_damaged_row_before_the_last_is_refused(uninterrupted, tmp_path):
    full, _ = uninterrupted
    lines = full.splitlines(keepends=True)
    lines[2] = lines[2].replace(b",24,", b",25,", 1)  # an edited count: its checksum fails
    assert lines[2] != full.splitlines(keepends=True)[2]
    out = tmp_path / "results.csv"
    out.write_bytes(b"".join(lines))
    with pytest.raises(ValueError, match="is damaged: line 3 fails its checksum"):
        read_results(out)
    with pytest.raises(ValueError, match="is damaged: line 3 fails its checksum"):
        ResultsStore(out, pd.read_csv(out).columns[:-1]).open()
    assert out.read_bytes() == b"".join(lines)


def test_append_never_glues_onto_a_torn_row(tmp_path):
    out = tmp_path / "r.csv"
    store = ResultsStore(out, ["model", "fold", "score"], fingerprint=(), shared=(), error=None)
    store.open()
    store.append({"model": "a", "fold": 0, "score": 0.25})
    with open(out, "ab") as handle:
        handle.write(b"a,1,0.12")  # the start of a row, then the process died
    store = ResultsStore(out, ["model", "fold", "score"], fingerprint=(), shared=(), error=None)
    assert store.open()["score"].tolist() == [0.25]
    store.append({"model": "a", "fold": 1, "score": 1 / 3})
    table = read_results(out)
    assert table["fold"].tolist() == [0, 1] and table["score"].tolist() == [0.25, 1 / 3]


# -- fingerprints and refusal ----------------------------------------------------------------
def test_rows_carry_their_fingerprints(eeg, uninterrupted):
    X, y = eeg
    _, table = uninterrupted
    assert list(table.columns[-6:]) == list(FINGERPRINT_COLUMNS)
    assert (table["data_fingerprint"] == fingerprint_data(X, y)).all()
    assert (table["version"] == sktime_eeg.__version__).all()
    assert (table["scoring"] == "accuracy,balanced_accuracy,cohen_kappa").all()
    params = json.loads(table["params"].iloc[-1])
    assert params["shrinkage"] == "0.5" and params["<class>"].endswith("CountingLDA")
    assert table["fingerprint"].nunique() == 2  # one per model: same data, folds, scoring


@pytest.mark.filterwarnings("ignore:The groups parameter is ignored by StratifiedKFold")
def test_other_settings_into_the_same_file_are_refused_naming_what_differs(
    eeg, uninterrupted, tmp_path, monkeypatch
):
    X, y = eeg
    full, _ = uninterrupted
    out = tmp_path / "results.csv"
    out.write_bytes(full)
    cases = [
        ({"X": X * 2}, r"the data differ \(X, y or groups\)"),
        ({"y": y[::-1].copy()}, r"the data differ"),
        ({"groups": np.repeat([1, 2], 18), "cv": 3}, "the data differ"),
        ({"cv": 4}, r"the folds differ \(another cv"),
        ({"scoring": {"accuracy": "accuracy", "balanced_accuracy": "f1_macro",
                      "cohen_kappa": "cohen_kappa"}},
         "scoring is 'accuracy,balanced_accuracy,cohen_kappa' there, "
         "'accuracy,balanced_accuracy=f1_macro,cohen_kappa' now"),
    ]  # fmt: skip
    for change, match in cases:
        arguments = {"X": X, "y": y, **change}
        with pytest.raises(ResumeError, match=match) as info:
            _run(arguments.pop("X"), arguments.pop("y"), out=out, **arguments)
        assert "write this run to another file, or delete this one" in str(info.value)
    models = {"lda": CountingLDA(), "shrunk": CountingLDA(shrinkage=0.25)}
    with pytest.raises(
        ResumeError, match=r"model='shrunk'.*hyperparameter shrinkage is 0\.5 there, 0\.25 now"
    ):
        compare(models, X, y, cv=3, out=out, progress=False, tags={"subject": 1})
    # A model not in the file, with other data: the file's rows of that subject differ.
    with pytest.raises(ResumeError, match=r"subject='1': the data differ"):
        compare(
            {"new": CountingLDA()}, X * 2, y, cv=3, out=out, progress=False, tags={"subject": 1}
        )
    monkeypatch.setattr(sktime_eeg, "__version__", "9.9")
    with pytest.raises(ResumeError, match=r"written by sktime_eeg \S+ there|this is 9\.9"):
        _run(X, y, out=out)
    assert out.read_bytes() == full  # refusals write nothing
    monkeypatch.undo()
    CountingLDA.n_fits = 0
    _run(X, y, out=out)  # the same settings resume
    assert CountingLDA.n_fits == 0


def test_fingerprints_are_stable_across_processes_and_clones():
    """Every catalogue model and a pipeline with a function: the same fingerprints in a fresh
    process (another hash seed) and for clones; one changed hyperparameter changes it."""
    code = (
        "import json; from sktime_eeg.evaluation import MODELS, make_models, canonical_params;"
        "print(json.dumps({k: canonical_params(m) for k, m in "
        "make_models(list(MODELS), sfreq=100.0).items()}))"
    )
    here = {k: canonical_params(m) for k, m in make_models(list(MODELS), sfreq=100.0).items()}
    result = subprocess.run(  # another process, with another seed of str hashes
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONHASHSEED": "12345", "PATH": os.environ.get("PATH", "/usr/bin:/bin")},
    )
    assert json.loads(result.stdout.strip().splitlines()[-1]) == here
    for name, model in make_models(list(MODELS), sfreq=100.0).items():
        assert canonical_params(clone(model)) == here[name], name
        assert " at 0x" not in json.dumps(here[name])
    cnn = Conv2DEEGClassifier(n_filters=8)
    assert canonical_params(cnn) != canonical_params(Conv2DEEGClassifier(n_filters=9))
    changed = {
        k
        for k, v in canonical_params(cnn.set_params(lr=0.01)).items()
        if canonical_params(Conv2DEEGClassifier(n_filters=8))[k] != v
    }
    assert changed == {"lr"}
    pipe = make_pipeline(FunctionTransformer(np.log1p), LinearDiscriminantAnalysis())
    params = canonical_params(pipe)
    assert params["functiontransformer__func"] == "numpy.log1p"
    assert params["lineardiscriminantanalysis"].endswith("LinearDiscriminantAnalysis")
    assert params["steps"].startswith("[('functiontransformer', sklearn.preprocessing.")
    rng_a, rng_b = np.random.RandomState(3), np.random.RandomState(3)
    assert canonical_params(CountingLDA(shrinkage=rng_a)) == canonical_params(
        CountingLDA(shrinkage=rng_b)
    )
    rng_b.rand()
    assert canonical_params(CountingLDA(shrinkage=rng_a)) != canonical_params(
        CountingLDA(shrinkage=rng_b)
    )


def test_functions_are_fingerprinted_by_what_they_compute():
    """Not by name alone: two lambdas of one scope, or closures over other values, differ;
    equal code and values give equal texts, also under another hash seed."""
    from helpers import keep_motor_channels

    from sktime_eeg.evaluation._fingerprint import canonical_text

    def scaled(k):
        return lambda X: X * k

    assert canonical_text(scaled(2)) == canonical_text(scaled(2))
    assert canonical_text(scaled(2)) != canonical_text(scaled(3))
    first, second = (lambda X: X + 1), (lambda X: X - 1)
    assert canonical_text(first) != canonical_text(second)
    assert canonical_text(first).startswith(f"{__name__}.")
    assert "<lambda>[" in canonical_text(first)

    def with_default(k):
        def multiply(X, factor=k):
            return X * factor

        return multiply

    assert canonical_text(with_default(2)) != canonical_text(with_default(3))

    def total(n):
        result = 0.0
        for i in range(n):
            result += i * 2.0
        return result

    cold = canonical_text(total)
    for _ in range(2000):  # the interpreter specializes hot code; the text must not change
        total(20)
    assert canonical_text(total) == cold
    # a module (say, in a closure) by its name, not its repr, which holds the install path
    assert canonical_text(np) == "module numpy"

    def countdown(n):  # refers to itself through its closure
        return countdown(n - 1) if n else 0

    assert canonical_text(countdown) == canonical_text(countdown)
    here = canonical_text(keep_motor_channels)  # its code holds a frozenset constant
    code = (
        "import sys; sys.path.insert(0, 'tests'); from helpers import keep_motor_channels;"
        "from sktime_eeg.evaluation._fingerprint import canonical_text;"
        "print(canonical_text(keep_motor_channels))"
    )
    for seed in ("1", "987"):
        result = subprocess.run(
            [sys.executable, "-c", code],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
            env={"PYTHONHASHSEED": seed, "PATH": os.environ.get("PATH", "/usr/bin:/bin")},
        )
        assert result.stdout.strip().splitlines()[-1] == here


def test_a_changed_function_in_a_pipeline_is_another_run(eeg, tmp_path):
    X, y = eeg
    out = tmp_path / "results.csv"
    features = [lambda X: np.log(np.var(X, axis=2)), lambda X: np.log(np.var(X, axis=2) + 1)]

    def run(func):
        model = make_pipeline(FunctionTransformer(func), LinearDiscriminantAnalysis())
        return compare({"logvar": model}, X, y, cv=3, out=out, progress=False, tags={"subject": 1})

    run(features[0])
    written = out.read_bytes()
    with pytest.raises(ResumeError, match=r"model='logvar'.*functiontransformer__func"):
        run(features[1])  # same name (<lambda>), other computation
    assert out.read_bytes() == written
    run(features[0])  # the same function resumes
    assert out.read_bytes() == written


def test_data_fingerprints_cover_epochs_metadata_and_copy_nothing():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((240, 22, 500))  # 21 MB, a realistic size
    y = np.repeat(["a", "b"], 120)
    info = mne.create_info([f"E{i}" for i in range(22)], 250.0, "eeg")
    epochs = mne.EpochsArray(X, info, verbose="error")
    base = fingerprint_data(epochs, y)
    assert fingerprint_data(mne.EpochsArray(X, info, verbose="error"), y) == base
    renamed = mne.create_info([f"F{i}" for i in range(22)], 250.0, "eeg")
    assert fingerprint_data(mne.EpochsArray(X, renamed, verbose="error"), y) != base
    slower = mne.create_info(list(info.ch_names), 125.0, "eeg")
    assert fingerprint_data(mne.EpochsArray(X, slower, verbose="error"), y) != base
    shifted = mne.EpochsArray(X, info, tmin=-0.5, verbose="error")
    assert fingerprint_data(shifted, y) != base
    # Same stored values, other input to the models: a volt channel turned misc is read 1e6x
    # larger (µV convention), a bad channel is left out of picks.
    retyped = epochs.copy().set_channel_types({"E3": "misc"}, verbose="error")
    assert fingerprint_data(retyped, y) != base
    marked = epochs.copy()
    marked.info["bads"] = ["E3"]
    assert fingerprint_data(marked, y) != base
    assert fingerprint_data(X, y) != fingerprint_data(X.astype(np.float32), y)
    assert fingerprint_data(X, y) != fingerprint_data(X, y, groups=np.zeros(240))
    assert fingerprint_data(np.asfortranarray(X), y) == fingerprint_data(X, y)
    assert fingerprint_folds([([0, 1], [2])]) != fingerprint_folds([([0, 2], [1])])
    for data in (X, np.asfortranarray(X), epochs):
        tracemalloc.start()
        fingerprint_data(data, y)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert peak < X.nbytes / 8, (type(data), peak)


# -- writability before the first fit --------------------------------------------------------
def test_an_unwritable_out_fails_before_any_fit(eeg, tmp_path):
    X, y = eeg
    afile = tmp_path / "afile"
    afile.write_text("x")
    with pytest.raises(NotADirectoryError, match="is a file, not a folder"):
        check_writable(afile / "results.csv")
    with pytest.raises(IsADirectoryError, match="pass a file path"):
        check_writable(tmp_path)
    check_writable(tmp_path / "new" / "deeper" / "results.csv")
    assert not (tmp_path / "new").exists()  # the check creates nothing
    CountingLDA.n_fits = 0
    with pytest.raises(NotADirectoryError):
        _run(X, y, out=afile / "results.csv")
    if SYSFS.is_dir():  # a read-only file system, for root as well
        with pytest.raises(OSError, match=r"is not writable .*choose a writable location"):
            _run(X, y, out=SYSFS / "sktime-eeg-test" / "results.csv")
    assert CountingLDA.n_fits == 0


@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() == 0,
    reason="root writes through permission bits (and Windows has none), so chmod cannot make "
    "a folder read-only here; test_an_unwritable_out_fails_before_any_fit uses sysfs instead",
)
def test_a_read_only_folder_fails_before_any_fit(eeg, tmp_path):
    X, y = eeg
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o500)
    CountingLDA.n_fits = 0
    with pytest.raises(PermissionError, match="is not writable"):
        _run(X, y, out=folder / "results.csv")
    assert CountingLDA.n_fits == 0


# -- the store for other protocols -----------------------------------------------------------
def test_store_api_for_another_protocol(tmp_path):
    """A calibration-like protocol: rows keyed by subject, model and calibration size."""
    columns = ["subject", "model", "n_calibration", "accuracy", "error", *FINGERPRINT_COLUMNS]
    stamp = {"data_fingerprint": "d1", "folds_fingerprint": "f1", "scoring": "accuracy",
             "params": "{}", "version": "1", "fingerprint": "x"}  # fmt: skip
    path = tmp_path / "calibration.csv"
    store = ResultsStore(path, columns, group=["subject"], task=["model", "n_calibration"])
    assert store.key == ["subject", "model", "n_calibration"]
    assert len(store.open()) == 0
    rows = [{"subject": 1, "model": "m", "n_calibration": n, "accuracy": 0.5 + n / 100,
             "error": None, **stamp} for n in (10, 20)]  # fmt: skip
    rows[1]["error"] = "ValueError: diverged"
    for row in rows:
        store.append(row)
    again = ResultsStore(path, columns, group=["subject"], task=["model", "n_calibration"])
    again.open()
    reused = again.resume(rows)
    assert reused["n_calibration"].tolist() == [10]  # the failed row is dropped, to rerun
    assert read_results(path)["n_calibration"].tolist() == [10]
    with pytest.raises(ResumeError, match="subject='1': the data differ") as info:
        again.resume([{**rows[0], "n_calibration": 40, "data_fingerprint": "d2"}])
    assert info.value.differences == ["the data differ (X, y or groups)"]
    assert info.value.path == path
    other = [{**rows[0], "subject": 2, "data_fingerprint": "d2"}]
    assert len(again.resume(other)) == 0  # another subject's data may differ
    with pytest.raises(ValueError, match="its columns .* differ from this run's"):
        ResultsStore(path, columns[:-1], task=["model"], fingerprint=(), shared=()).open()


def test_model_names_and_tags_that_look_like_numbers_resume(eeg, tmp_path):
    X, y = eeg
    out = tmp_path / "results.csv"
    models = {"01": CountingLDA(), "1e3": CountingLDA(shrinkage=0.1)}
    first = compare(models, X, y, cv=2, out=out, progress=False, tags={"session": "007"})
    CountingLDA.n_fits = 0
    again = compare(models, X, y, cv=2, out=out, progress=False, tags={"session": "007"})
    assert CountingLDA.n_fits == 0
    pd.testing.assert_frame_equal(again, first)
    assert read_results(out)["model"].tolist() == ["01", "01", "1e3", "1e3"]


# -- one writer per file ---------------------------------------------------------------------
_HOLD = """
import sys, time
from sktime_eeg.evaluation._file_lock import FileLock
lock = FileLock(sys.argv[1])  # what ResultsStore.open() takes
print("open", flush=True)
if sys.argv[2] == "hold":
    time.sleep(120)
lock.release()
"""


def _other_process(path, mode="hold"):
    process = subprocess.Popen(
        [sys.executable, "-c", _HOLD, str(path), mode],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={
            **os.environ,
            "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
        },
    )
    return process


def test_a_second_process_cannot_write_a_file_in_use_and_a_killed_one_leaves_no_lock(eeg, tmp_path):
    out = tmp_path / "results.csv"
    holder = _other_process(out)
    try:
        assert holder.stdout.readline().strip() == "open", holder.stderr.read()
        with pytest.raises(
            FileInUseError, match=rf"written by another process \(pid {holder.pid}\)"
        ):
            _run(*eeg, out=out)
        assert not out.exists()  # nothing of this run was written
    finally:
        holder.kill()  # a run that dies...
        holder.wait()
    table = _run(*eeg, out=out)  # ...leaves no stale lock behind
    assert len(table) == 6 and len(read_results(out)) == 6


def test_one_process_shares_the_lock_and_releases_it_when_done(eeg, tmp_path):
    out = tmp_path / "results.csv"
    columns = ["model", "fold", "accuracy"]
    first = ResultsStore(out, columns, fingerprint=(), shared=())
    second = ResultsStore(out, columns, fingerprint=(), shared=())
    first.open()
    second.open()  # the parts of one run share the file
    first.close()
    other = _other_process(out, mode="once")
    assert other.wait(timeout=60) != 0  # still held by `second`
    assert "FileInUseError" in other.stderr.read()
    second.close()
    other = _other_process(out, mode="once")
    assert other.wait(timeout=60) == 0, other.stderr.read()
    second.append({"model": "m", "fold": 0, "accuracy": 0.5})  # after close: locks again
    other = _other_process(out, mode="once")
    assert other.wait(timeout=60) != 0
    second.close()
    # compare() releases the file when it returns, and after a failure
    done = out.with_name("done.csv")
    _run(*eeg, out=done)
    other = _other_process(done, mode="once")
    assert other.wait(timeout=60) == 0, other.stderr.read()
    with pytest.raises(ResumeError):
        _run(*eeg, out=done, cv=2)  # other folds: refused
    other = _other_process(done, mode="once")
    assert other.wait(timeout=60) == 0, other.stderr.read()
