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


def test_table_over_seeds_averages_cells_and_gives_the_spread_of_the_mean(capsys):
    """Each cell is the mean over the seeds; sd is over the seeds' six-subject means; rows
    measured before seeds existed count as seed 0; seedless rows run with seed 0 only."""
    bench = _bench_bnci2b()
    assert bench.seeds_of("ts-lr", [0, 1, 2]) == [0]
    assert bench.seeds_of("conv2d", [1, 2]) == [1, 2]
    subjects = [1, 2]
    rows = [
        {"model": "conv2d", "subject": 1, "acc": 0.70, "fit_s": 1.0},  # no seed: seed 0
        {"model": "conv2d", "subject": 2, "acc": 0.50, "fit_s": 1.0, "seed": 0},
        {"model": "conv2d", "subject": 1, "acc": 0.80, "fit_s": 3.0, "seed": 1},
        {"model": "conv2d", "subject": 2, "acc": 0.60, "fit_s": 3.0, "seed": 1},
        {"model": "conv2d", "subject": 1, "acc": 0.99, "fit_s": 9.0, "seed": 7},  # not asked
        {"model": "ts-lr", "subject": 1, "acc": 0.65, "fit_s": 0.1},
        {"model": "ts-lr", "subject": 2, "acc": 0.55, "fit_s": 0.1},
    ]
    bench.print_table(rows, ["ts-lr", "conv2d"], subjects, [0, 1])
    lines = {line.split()[0]: line for line in capsys.readouterr().out.splitlines() if line}
    conv2d = lines["Conv2DEEGClassifier"].split()
    assert conv2d[1:] == ["75.0", "55.0", "65.0", "7.07", "2.0"]  # sd of (60, 70)
    ts_lr = lines["TS+LR"].split()
    assert ts_lr[-5:-1] == ["65.0", "55.0", "60.0", "-"]
    bench.print_table(rows[:2], ["conv2d"], subjects, [0, 1])  # seed 1 missing: marked
    assert "60.0*" in capsys.readouterr().out
