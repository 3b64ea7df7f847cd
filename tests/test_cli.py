"""Tests of the ``sktime-eeg`` command, run in-process through ``main([...])``."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sktime_eeg
from sktime_eeg.cli import main
from sktime_eeg.evaluation import read_results

ROOT = Path(__file__).resolve().parents[1]
TINY = ["--n-trials", "24", "--max-epochs", "1", "--conformer-layers", "1", "--subjects", "1"]
TWO_FOLDS = ["--n-splits", "2"]  # within-session only


def test_entry_point_is_declared():
    text = (ROOT / "pyproject.toml").read_text()
    scripts = text.split("[project.scripts]", 1)[1].split("\n[", 1)[0]
    assert scripts.strip() == 'sktime-eeg = "sktime_eeg.cli:main"'


def test_version_and_help(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == f"sktime-eeg {sktime_eeg.__version__}"
    with pytest.raises(SystemExit):
        main(["compare", "--help"])
    text = capsys.readouterr().out
    for word in ("--dataset", "--protocol", "conformer-1d", "bnci2014_004", "cross-subject"):
        assert word in text
    assert main([]) == 1
    assert "compare" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["compare", "--models", "conv2d", "eegnet"], "invalid choice: 'eegnet' (choose from"),
        (["compare", "--dataset", "bci"], "invalid choice: 'bci' (choose from simulated,"),
        (["compare", "--protocol", "loso"], "invalid choice: 'loso' (choose from"),
        (["compare", "--max-epochs", "0"], "--max-epochs must be >= 1"),
    ],
)
def test_bad_arguments_list_the_valid_choices(argv, message, capsys, tmp_path):
    with pytest.raises(SystemExit) as exit_info:
        main([*argv, "--out", str(tmp_path)])
    assert exit_info.value.code == 2
    error = capsys.readouterr().err.replace("'", "")  # Python >= 3.12.8 quotes the choices
    assert message.replace("'", "") in error
    if "eegnet" in message:
        assert "conv1d, conv2d, conformer-1d, conformer-2d, csp-lda, mdm, ts-lr" in error


def test_compare_end_to_end_on_simulated_data(tmp_path, capsys):
    out = tmp_path / "run"
    argv = ["compare", "--models", "conv1d", "conv2d", "csp-lda", *TINY, *TWO_FOLDS]
    argv += ["--subjects", "1", "2", "--out", str(out)]  # the last --subjects counts
    assert main(argv) == 0
    printed = capsys.readouterr().out
    for name in ("results.csv", "summary.csv", "accuracy.png", "fit_time.png"):
        assert (out / name).stat().st_size > 0, name
    for name in ("stats.csv", "paired.png", "forest.png"):  # paired across the 2 subjects
        assert (out / name).stat().st_size > 0, name
    results = read_results(out / "results.csv")
    assert list(results.columns) == [
        "dataset", "protocol", "subject", "model", "fold", "test_groups", "n_train", "n_test",
        "accuracy", "balanced_accuracy", "cohen_kappa", "fit_seconds", "predict_ms_per_trial",
        "n_parameters", "error", "data_fingerprint", "folds_fingerprint", "scoring", "params",
        "version", "fingerprint",
    ]  # fmt: skip
    assert pd.read_csv(out / "results.csv").columns[-1] == "checksum"  # a plain CSV too
    assert sorted(results["model"]) == ["conv1d"] * 4 + ["conv2d"] * 4 + ["csp-lda"] * 4
    assert sorted(set(results["subject"].astype(str))) == ["1", "2"]
    assert (results["dataset"] == "simulated").all() and results["error"].isna().all()
    assert (results["n_train"] == 12).all() and (results["n_test"] == 12).all()
    assert results.loc[results["model"] == "csp-lda", "n_parameters"].isna().all()
    assert (results.loc[results["model"] != "csp-lda", "n_parameters"] > 0).all()
    summary = pd.read_csv(out / "summary.csv", index_col="model")
    assert summary.index.tolist() == ["conv1d", "conv2d", "csp-lda"]
    assert "accuracy_mean" in summary and "fit_seconds_sd" in summary
    # Progress per model and fold, the summary table, the 1D/2D ratio, the folder.
    assert "conv1d         fold 2/2" in printed
    header = next(line for line in printed.splitlines() if "latency (ms/trial)" in line)
    assert header.split() == [
        "accuracy", "cohen_kappa", "fit", "time", "(s)", "latency", "(ms/trial)", "parameters",
        "folds",
    ]  # fmt: skip
    assert "Training time conv1d / conv2d:" in printed
    stats = pd.read_csv(out / "stats.csv")
    assert set(stats["model"]) == {"conv2d"} and set(stats["baseline"]) == {"conv1d"}
    assert (stats["n_subjects"] == 2).all()
    assert "Paired statistics across 2 subjects" in printed
    assert "conv2d vs conv1d, simulated (2 subjects): accuracy difference" in printed
    assert printed.rstrip().endswith(f"Results in: {out}")

    # A rerun with the same --out resumes: nothing is refitted, the table is the same.
    assert main(argv) == 0
    assert "resuming from" in capsys.readouterr().out
    again = read_results(out / "results.csv")
    pd.testing.assert_frame_equal(again, results)


def test_default_output_folder_is_new_and_printed(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["compare", "--models", "mdm", *TINY, *TWO_FOLDS]) == 0
    (folder,) = tmp_path.glob("sktime-eeg-compare-*")
    assert (folder / "results.csv").is_file()
    assert capsys.readouterr().out.rstrip().endswith(f"Results in: {folder}")


def test_interrupt_keeps_results_and_says_how_to_resume(tmp_path, monkeypatch, capsys):
    import sktime_eeg.evaluation as evaluation

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(evaluation, "run_comparison", interrupted)
    assert main(["compare", "--models", "mdm", *TINY, "--out", str(tmp_path)]) == 130
    assert f"No fit had finished; rerun with --out {tmp_path} to resume" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--dataset", "epochs"], "--dataset epochs reads your own data: pass --data-path"),
        (
            ["--n-trials", "24", "--protocol", "cross-subject", "--subjects", "1"],
            "--protocol cross-subject needs at least two subjects; --dataset simulated was "
            "loaded with subject(s) ['1']: pass more, e.g. --subjects 1 2 3",
        ),
        (
            ["--n-trials", "24", "--train-sessions", "9", "--protocol", "cross-session"],
            "--train-sessions 9: not a session of subject 1, whose sessions are ['1', '2']",
        ),
        (
            ["--n-trials", "24", "--train-sessions", "1", "2", "--protocol", "cross-session"],
            "--train-sessions 1 2 covers every session of subject 1 (['1', '2']), leaving none",
        ),
    ],
)
def test_data_and_protocol_errors_exit_cleanly(argv, message, tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(
            [
                "compare",
                "--models",
                "mdm",
                "--max-epochs",
                "1",
                *argv,
                "--out",
                str(tmp_path / "out"),
            ]
        )
    assert exit_info.value.code == 2
    error = capsys.readouterr().err
    assert "usage: sktime-eeg compare" in error
    assert message in error
    assert not (tmp_path / "out").exists()  # no fit ran, so no output folder was made


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--models", "csp-lda", "csp-lda"], "--models names csp-lda more than once"),
        (
            ["--subjects", "-3"],
            "--subjects -3: subjects of --dataset simulated are numbered from 1",
        ),
        (["--subjects", "0"], "--subjects 0: subjects of --dataset simulated are numbered from 1"),
        (["--subjects", "1", "1"], "--subjects names 1 more than once"),
        (["--n-jobs", "0"], "--n-jobs must be a positive number of parallel jobs, or -1"),
        (["--seed", "-1"], "--seed must be >= 0"),
        (["--train-sessions", "1"], "--train-sessions applies to --protocol cross-session only"),
        (
            ["--protocol", "cross-session", "--n-splits", "4"],
            "--n-splits applies to --protocol within-session only",
        ),
        (["--dataset", "physionet", "--snr", "3"], "--snr apply to --dataset simulated only"),
    ],
)
def test_usage_errors_come_before_anything_is_written(argv, message, tmp_path, capsys, monkeypatch):
    """Each of these once ended in a traceback, a cryptic message, a silently ignored option
    or an empty output folder; now a usage error before any data is loaded or file written."""
    import sktime_eeg.evaluation as evaluation

    def never(*args, **kwargs):
        raise AssertionError("no data may be loaded for a usage error")

    monkeypatch.setattr(evaluation, "load_comparison_data", never)
    out = tmp_path / "out"
    with pytest.raises(SystemExit) as exit_info:
        main(["compare", *argv, "--out", str(out)])
    assert exit_info.value.code == 2
    error = capsys.readouterr().err
    assert error.startswith("usage: sktime-eeg compare")
    assert message in error
    assert not out.exists()


def test_read_only_out_fails_before_any_fit(tmp_path, capsys, monkeypatch):
    """A folder on a read-only file system (sysfs, read-only even for root) and, when not
    running as root, a folder without write permission: usage errors before loading data."""
    import os

    import sktime_eeg.evaluation as evaluation

    def never(*args, **kwargs):
        raise AssertionError("no data may be loaded when --out is not writable")

    monkeypatch.setattr(evaluation, "load_comparison_data", never)
    candidates = []
    if Path("/sys/kernel").is_dir():  # sysfs refuses new files, to root as well
        candidates.append(Path("/sys/kernel/sktime-eeg-test-out"))
    if os.geteuid() != 0:
        locked = tmp_path / "locked"
        locked.mkdir()
        locked.chmod(0o500)
        candidates.append(locked / "run")
    if not candidates:
        pytest.skip("needs /sys (a read-only file system) or a non-root user for chmod")
    for out in candidates:
        with pytest.raises(SystemExit) as exit_info:
            main(["compare", "--models", "mdm", "--out", str(out)])
        assert exit_info.value.code == 2
        error = capsys.readouterr().err
        assert f"--out {out} is not writable (" in error and "pass a writable folder" in error
        assert not out.exists()


def test_rerun_with_other_settings_into_the_same_out_is_refused(tmp_path, capsys):
    """Another --snr (other data), --max-epochs (other hyperparameters) or --seed into the
    folder of a finished run used to print the old numbers as "resuming"."""
    out = tmp_path / "run"
    argv = ["compare", "--models", "mdm", "conv2d", *TINY, *TWO_FOLDS, "--out", str(out)]
    assert main(argv) == 0
    first = (out / "results.csv").read_bytes()
    capsys.readouterr()
    for other, what in [
        (["--snr", "0.5"], "the data differ"),
        (["--seed", "1"], "the data differ"),  # the seed draws the simulated data first
        (["--max-epochs", "2"], "hyperparameter max_epochs is 1 there, 2 now"),
    ]:
        with pytest.raises(SystemExit) as exit_info:
            main([*argv, *other])
        assert exit_info.value.code == 2
        error = capsys.readouterr().err
        assert f"--out {out} holds results of another run (" in error
        assert what in error and "pass another --out" in error
        assert (out / "results.csv").read_bytes() == first  # nothing appended or removed
    assert main(argv) == 0  # the same settings still resume
    assert "resuming from" in capsys.readouterr().out
    (out / "results.csv").write_text("model,fold,accuracy\nmdm,0,0.5\n")  # not ours
    with pytest.raises(SystemExit):
        main(argv)
    assert f"--out {out} cannot be resumed: " in capsys.readouterr().err


def test_out_must_be_a_folder_and_n_splits_at_least_two(tmp_path, capsys):
    afile = tmp_path / "results.csv"
    afile.write_text("keep me\n")
    for argv, message in [
        (["--out", str(afile)], f"--out {afile} is a file; pass a folder"),
        (["--n-splits", "1", "--out", str(tmp_path / "x")], "--n-splits must be >= 2"),
        (["--n-trials", "0", "--out", str(tmp_path / "x")], "--n-trials must be >= 1"),
        (["--out", str(afile / "run")], f"--out {afile / 'run'} ({afile}) is a file"),
    ]:
        with pytest.raises(SystemExit) as exit_info:
            main(["compare", "--models", "mdm", *argv])
        assert exit_info.value.code == 2
        assert message in capsys.readouterr().err
    assert afile.read_text() == "keep me\n"
    assert not (tmp_path / "x").exists()


def test_cross_session_on_simulated_data_trains_on_session_1(tmp_path):
    argv = ["compare", "--models", "mdm", "ts-lr", "--protocol", "cross-session"]
    assert main([*argv, *TINY, "--out", str(tmp_path)]) == 0
    results = pd.read_csv(tmp_path / "results.csv")
    assert results["test_groups"].tolist() == [2, 2]
    assert results["n_train"].tolist() == [24, 24]


# -- real data -------------------------------------------------------------------------------
@pytest.mark.slow
def test_compare_on_bci_iv_2b_through_an_epochs_file(tmp_path, capsys):
    """BCI IV 2b subject 4 exported by the benchmarks helper to an MNE epochs file, run with
    --dataset epochs, sessions 1-3 -> 4-5."""
    from helpers import require_shared_data

    require_shared_data("bnci2014_004")
    from benchmarks.local_data import load_bnci2014_004_epochs

    epochs = load_bnci2014_004_epochs(4, sessions=(1, 2, 3, 4, 5))
    epochs.metadata["subject"] = 4
    path = tmp_path / "bnci2014_004_s4-epo.fif"
    epochs.save(path, verbose="error")
    argv = ["compare", "--dataset", "epochs", "--data-path", str(path), "--models", "csp-lda"]
    argv += ["ts-lr", "--protocol", "cross-session", "--train-sessions", "1", "2", "3"]
    assert main([*argv, "--out", str(tmp_path / "out")]) == 0
    results = pd.read_csv(tmp_path / "out" / "results.csv")
    assert results["n_train"].tolist() == [360, 360] and results["n_test"].tolist() == [240] * 2
    assert results["test_groups"].tolist() == ["4+5"] * 2
    assert (results["accuracy"] >= 0.85).all(), results


@pytest.mark.slow
def test_compare_on_physionet_eegmmidb(tmp_path):
    from helpers import require_shared_data

    path = require_shared_data("eegmmidb")
    argv = ["compare", "--dataset", "physionet", "--data-path", str(path), "--models", "csp-lda"]
    assert main([*argv, "--n-splits", "3", "--out", str(tmp_path)]) == 0
    results = pd.read_csv(tmp_path / "results.csv")
    assert (results["n_train"] + results["n_test"] == 45).all()
    assert np.mean(results["accuracy"]) >= 0.7, results


def test_bnci_without_its_data_is_a_clean_error(tmp_path, capsys, monkeypatch):
    download = pytest.importorskip("moabb.datasets.download")

    def offline(*args, **kwargs):
        raise ConnectionError("no route to host (offline test)")

    monkeypatch.setattr(download, "data_dl", offline)  # never download, even when online
    argv = ["compare", "--dataset", "bnci2014_004", "--data-path", str(tmp_path / "none")]
    with pytest.raises(SystemExit) as exit_info:
        main([*argv, "--models", "mdm", "--out", str(tmp_path / "out")])
    assert exit_info.value.code == 2
    error = capsys.readouterr().err
    assert "usage: sktime-eeg compare" in error
    assert "cannot load --dataset bnci2014_004" in error
    assert "no route to host (offline test)" in error
    assert not (tmp_path / "out").exists()  # nothing written for a run that never started


def _write_results(folder, rows) -> str:
    """Write (dataset, subject, model, accuracy, fit_seconds) rows, fold 0 and no error,
    through the results store into ``folder/results.csv``; return its path."""
    from sktime_eeg.evaluation import ResultsStore

    frame = pd.DataFrame(rows, columns=["dataset", "subject", "model", "accuracy", "fit_seconds"])
    frame["fold"] = 0
    frame["error"] = None
    folder.mkdir()
    store = ResultsStore(
        folder / "results.csv",
        list(frame.columns),
        group=("dataset", "subject"),
        fingerprint=(),
        shared=(),
    )
    store.open()
    for row in frame.to_dict("records"):
        store.append(row)
    return str(folder / "results.csv")


def test_stats_command_reanalyses_saved_results(tmp_path, capsys):
    """`sktime-eeg stats` on results of two data sets: per data set and a combined row."""
    rng = np.random.default_rng(0)
    rows = []
    for dataset in ("a", "b"):
        for subject in range(1, 7):
            for model, shift in (("conv1d", 0.0), ("conv2d", 0.01)):
                acc = 0.7 + 0.01 * subject + shift + rng.normal(0, 0.005)
                rows.append((dataset, str(subject), model, acc, 10.0 if model == "conv1d" else 1.0))
    paths = [
        _write_results(tmp_path / dataset, [r for r in rows if r[0] == dataset])
        for dataset in ("a", "b")
    ]
    out = tmp_path / "stats"
    assert main(["stats", *paths, "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    stats = pd.read_csv(out / "stats.csv")
    assert set(stats["dataset"]) == {"a", "b", "combined"}
    accuracy = stats[stats["quantity"] == "accuracy"].set_index("dataset")
    assert accuracy.loc["combined", "n_datasets"] == 2
    assert 0.005 < accuracy.loc["combined", "estimate"] < 0.015
    assert "conv2d vs conv1d, a (6 subjects): accuracy difference" in printed
    assert (out / "paired.png").is_file() and (out / "forest.png").is_file()
    with pytest.raises(SystemExit) as exit_info:
        main(["stats", *paths, "--baseline", "eegnet"])
    assert exit_info.value.code == 2
    assert "--baseline eegnet: not a model of the results" in capsys.readouterr().err


def test_stats_command_refuses_two_runs_of_the_same_dataset_and_subjects(tmp_path, capsys):
    """Two `compare` runs on the same data set (e.g. other seeds) both name it "simulated":
    pooled, their rows would be averaged into one run per subject without a word."""
    paths = [
        _write_results(
            tmp_path / run,
            [
                ("simulated", str(subject), model, 0.6 + shift + (model == "conv2d") * 0.05, 1.0)
                for subject in (1, 2, 3)
                for model in ("conv1d", "conv2d")
            ],
        )
        for run, shift in (("seed0", 0.0), ("seed1", 0.2))
    ]
    with pytest.raises(SystemExit) as exit_info:
        main(["stats", *paths, "--out", str(tmp_path / "stats")])
    assert exit_info.value.code == 2
    error = capsys.readouterr().err
    assert "both hold results of dataset 'simulated', subject 1" in error
    assert "Run `sktime-eeg stats` on each file separately" in error
    assert not (tmp_path / "stats" / "stats.csv").exists()
    assert main(["stats", paths[0], "--out", str(tmp_path / "stats")]) == 0


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--snr", "0"], "--snr must be > 0, got 0"),
        (["--n-jobs", "0"], "--n-jobs must be a positive number of parallel jobs"),
        (["--seed", "-1"], "--seed must be >= 0, got -1"),
        (["--subjects", "-3", "1"], "--subjects -3: subjects of --dataset simulated are"),
        (["--dataset", "physionet", "--subjects", "1", "2", "--snr", "2"], "--snr apply to"),
    ],
)
def test_calibrate_shares_the_data_option_checks(argv, message, tmp_path, capsys):
    """compare and calibrate declare and check their data options in one place."""
    out = tmp_path / "run"
    with pytest.raises(SystemExit) as exit_info:
        main(["calibrate", *argv, "--out", str(out)])
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err
    assert not out.exists()  # refused before anything was written


def test_an_out_in_use_by_another_run_is_refused_naming_it(tmp_path, capsys):
    """Two `compare` runs with the same --out would mix their rows in one results.csv."""
    out = tmp_path / "run"
    out.mkdir()
    hold = (
        "import sys, time\n"
        "from sktime_eeg.evaluation._file_lock import FileLock\n"
        "lock = FileLock(sys.argv[1])\n"
        "print('held', flush=True)\n"
        "time.sleep(120)\n"
    )
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    other = subprocess.Popen(
        [sys.executable, "-c", hold, str(out / "results.csv")],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert other.stdout.readline().strip() == "held"
        with pytest.raises(SystemExit) as exit_info:
            main(["compare", "--models", "mdm", *TINY, *TWO_FOLDS, "--out", str(out)])
        assert exit_info.value.code == 2
        error = capsys.readouterr().err
        assert f"--out {out} is in use:" in error
        assert f"another process (pid {other.pid})" in error and "pass another --out" in error
        assert not (out / "results.csv").exists()
    finally:
        other.kill()
        other.wait()
    assert main(["compare", "--models", "mdm", *TINY, *TWO_FOLDS, "--out", str(out)]) == 0
