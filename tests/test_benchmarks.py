"""The benchmark scripts' own plumbing (their numbers are measured by running them)."""

import sys

import numpy as np
import pytest
from helpers import load_script


def _bench_bnci2b():
    return load_script("benchmarks/bench_bnci2b.py")


def test_braindecode_subprocess_failure_is_reported_with_its_cause():
    bench = _bench_bnci2b()
    if bench.braindecode_available():
        pytest.skip("braindecode imports here, so the worker would succeed")
    X = np.zeros((4, 3, 100))
    with pytest.raises(RuntimeError, match="failed on the braindecode row") as err:
        bench.fit_predict_braindecode_subprocess(
            sys.executable, 1, X, np.array(["a", "b", "a", "b"]), X
        )
    assert "braindecode" in str(err.value).split("row:", 1)[1]  # the worker's own error


def test_braindecode_worker_round_trip(tmp_path, monkeypatch):
    """The worker reads the arrays it is given and writes predictions, time and versions."""
    bench = _bench_bnci2b()
    seen = {}

    def fake_fit_predict(X_train, y_train, X_test):
        seen.update(X_train=X_train, y_train=y_train, X_test=X_test)
        return np.full(len(X_test), y_train[0])

    monkeypatch.setattr(bench, "fit_predict_braindecode", fake_fit_predict)
    fake = type(sys)("braindecode")
    fake.__version__ = "0.0-test"
    monkeypatch.setitem(sys.modules, "braindecode", fake)
    rng = np.random.default_rng(0)
    X_train, X_test = rng.normal(size=(6, 3, 50)), rng.normal(size=(2, 3, 50))
    y_train = np.array(["left_hand", "right_hand"] * 3)
    np.savez(tmp_path / "in.npz", X_train=X_train, y_train=y_train, X_test=X_test)
    bench.braindecode_worker(tmp_path / "in.npz", tmp_path / "out.npz")
    np.testing.assert_array_equal(seen["X_train"], X_train)
    np.testing.assert_array_equal(seen["y_train"], y_train)
    with np.load(tmp_path / "out.npz") as out:
        assert out["pred"].tolist() == ["left_hand", "left_hand"]
        assert float(out["fit_s"]) >= 0
        assert "braindecode 0.0-test" in str(out["versions"])
