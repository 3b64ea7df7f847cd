"""Tests of the real-data loaders of ``sktime_eeg.datasets`` (PhysioNet via MNE, BNCI via MOABB).

The PhysioNet tests read the local copy in ``../shared/data/eegmmidb`` (MNE's own layout);
MOABB is an optional dependency and its downloads need the internet, so the BNCI loader is
tested against a stand-in ``moabb`` module (monkeypatched ``sys.modules``) that mimics
MOABB's ``datasets`` / ``paradigms`` API. Only the documented side effect of MOABB on the
MNE configuration file is checked with MOABB itself (skipped without it), offline.
"""

from __future__ import annotations

import json
import sys
import types
import warnings

import mne
import numpy as np
import pandas as pd
import pytest
import requests
from helpers import require_shared_data
from mne.decoding import CSP
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
from sklearn.model_selection import ShuffleSplit, cross_val_score
from sklearn.pipeline import Pipeline
from threadpoolctl import threadpool_limits

import sktime_eeg.datasets as datasets
from sktime_eeg.datasets import MONTAGES, load_bnci, load_physionet_mi, make_motor_imagery


def test_public_api():
    assert sorted(datasets.__all__) == sorted(
        [
            "BANDS",
            "BNCI_DATASETS",
            "MI_CLASSES",
            "MONTAGES",
            "PHYSIONET_EVENT_ID",
            "PHYSIONET_TASKS",
            "SOURCES",
            "load_bnci",
            "load_physionet_mi",
            "make_motor_imagery",
            "subject_parameters",
        ]
    )
    for name in datasets.__all__:
        assert getattr(datasets, name) is not None


# --------------------------------------------------------------------------- PhysioNet


@pytest.fixture(scope="module")
def eegmmidb():
    return require_shared_data("eegmmidb")


def test_physionet_reproduces_mne_csp_example(eegmmidb):
    """MNE's documented CSP example on subject 1 gives 0.933333 (chance 0.533333)."""
    epochs = load_physionet_mi(
        1, "hands_feet", path=eegmmidb, tmin=-1.0, tmax=4.0, l_freq=7.0, h_freq=30.0
    )
    assert len(epochs) == 45
    assert epochs.event_id == {"hands": 3, "feet": 4}
    epochs.set_eeg_reference("average", verbose="error")
    X = epochs.copy().crop(tmin=1.0, tmax=2.0).get_data(copy=False)
    y = epochs.metadata["label"].to_numpy()
    clf = Pipeline(
        [("CSP", CSP(n_components=4, reg=None, log=True, norm_trace=False)),
         ("LDA", LinearDiscriminantAnalysis())]
    )  # fmt: skip
    cv = ShuffleSplit(10, test_size=0.2, random_state=42)
    # one BLAS thread: small matrices, and threads oversubscribe a busy machine (10x slower)
    with mne.use_log_level("error"), threadpool_limits(1):
        accuracy = cross_val_score(clf, X, y, cv=cv).mean()
    chance = max(np.mean(y == "hands"), np.mean(y == "feet"))
    assert accuracy == pytest.approx(0.933333, abs=1e-6)
    assert chance == pytest.approx(0.533333, abs=1e-6)


def test_physionet_epochs_content(eegmmidb):
    epochs = load_physionet_mi(1, "four_class", path=eegmmidb)
    assert len(epochs) == 90  # 6 runs x 15 trials
    assert epochs.event_id == {"left_hand": 1, "right_hand": 2, "hands": 3, "feet": 4}
    assert epochs.ch_names == list(MONTAGES["physionet_64"])  # the simulator's montage
    assert epochs.info["sfreq"] == 160.0
    assert epochs.get_data().shape == (90, 64, 641)  # 0-4 s inclusive at 160 Hz
    assert epochs.get_montage() is not None
    meta = epochs.metadata
    assert list(meta.columns) == ["subject", "run", "label"]
    assert sorted(meta["run"].unique()) == [4, 6, 8, 10, 12, 14]
    assert set(meta.loc[meta["run"].isin([4, 8, 12]), "label"]) == {"left_hand", "right_hand"}
    assert set(meta.loc[meta["run"].isin([6, 10, 14]), "label"]) == {"hands", "feet"}
    codes = meta["label"].map(epochs.event_id).to_numpy()
    np.testing.assert_array_equal(epochs.events[:, 2], codes)
    # volts: tens of microvolts
    assert 5e-6 < epochs.get_data().std() < 200e-6


def test_physionet_single_executed_run(eegmmidb):
    epochs = load_physionet_mi(1, "left_right", path=eegmmidb, runs=[3])
    assert len(epochs) == 15
    assert set(epochs.metadata["label"]) == {"left_hand", "right_hand"}
    assert (epochs.metadata["run"] == 3).all()


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"task": "left_vs_right"}, ValueError, "Valid tasks: 'hands_feet', 'left_right'"),
        ({"subject": 0}, ValueError, "subject must be in 1-109"),
        ({"subject": "S001"}, TypeError, "subject must be an int"),
        ({"task": "hands_feet", "runs": [4]}, ValueError, r"its runs are \[5, 6, 9, 10, 13, 14\]"),
        ({"task": "left_right", "runs": [1]}, ValueError, "baselines without events"),
        ({"runs": [6, 6]}, ValueError, "more than once"),
    ],
)
def test_physionet_errors(kwargs, error, match):
    kwargs = {"subject": 1, **kwargs}
    with pytest.raises(error, match=match):
        load_physionet_mi(**kwargs)


def test_physionet_download_failure_is_explained(monkeypatch, tmp_path):
    """Files absent and no internet: one clear error naming path= and the internet."""
    import pooch

    def offline_fetch(self, fname, *args, **kwargs):
        raise requests.exceptions.ConnectionError(f"Failed to resolve 'physionet.org' ({fname})")

    monkeypatch.setattr(pooch.Pooch, "fetch", offline_fetch)
    with pytest.raises(OSError, match=r"connect to the internet.*or pass path=") as info:
        load_physionet_mi(2, path=tmp_path)
    message = str(info.value)
    assert "ConnectionError: Failed to resolve 'physionet.org'" in message
    assert str(tmp_path) in message and "S002R06.edf" in message
    assert info.value.__cause__ is None and info.value.__suppress_context__


# --------------------------------------------------------------------------- BNCI / MOABB


class _FakeParadigm:
    """Mimics ``moabb.paradigms.MotorImagery``: remembers its arguments, serves epochs."""

    instances: list = []

    def __init__(self, **kwargs):
        self.kwargs = kwargs
        _FakeParadigm.instances.append(self)

    def get_data(self, dataset, subjects, return_epochs=False):
        self.subjects = subjects
        if dataset.error is not None:
            raise dataset.error
        n_per_session = 10
        epochs, labels = make_motor_imagery(
            2 * n_per_session * len(subjects), montage="bci_iv_2b", duration=1.0,
            return_epochs=True, random_state=0,
        )  # fmt: skip
        metadata = pd.DataFrame(
            {
                "subject": np.repeat(subjects, 2 * n_per_session),
                "session": np.tile(np.repeat(["0train", "1test"], n_per_session), len(subjects)),
                "run": "0",
            },
            index=np.arange(len(labels)) + 100,  # MOABB's index is not always 0..n-1
        )
        if return_epochs:
            return epochs, labels.tolist(), metadata
        # MOABB scales arrays by the dataset's unit_factor (1e6: microvolts)
        return epochs.get_data() * dataset.unit_factor, labels.tolist(), metadata


def _fake_moabb(error=None):
    """A stand-in for the ``moabb`` package with the two BNCI datasets."""

    def dataset_class(code, event_id):
        def __init__(self):
            self.subject_list = list(range(1, 10))
            self.event_id = dict(event_id)
            self.error = error
            self.unit_factor = 1e6

        return type(code, (), {"__init__": __init__})

    moabb = types.ModuleType("moabb")
    moabb.datasets = types.ModuleType("moabb.datasets")
    moabb.datasets.BNCI2014_004 = dataset_class("BNCI2014_004", {"left_hand": 1, "right_hand": 2})
    moabb.datasets.BNCI2014_001 = dataset_class(
        "BNCI2014_001", {"left_hand": 1, "right_hand": 2, "feet": 3, "tongue": 4}
    )
    moabb.paradigms = types.ModuleType("moabb.paradigms")
    moabb.paradigms.MotorImagery = _FakeParadigm
    return moabb


@pytest.fixture
def fake_moabb(monkeypatch):
    def install(error=None):
        moabb = _fake_moabb(error)
        monkeypatch.setitem(sys.modules, "moabb", moabb)
        monkeypatch.setitem(sys.modules, "moabb.datasets", moabb.datasets)
        monkeypatch.setitem(sys.modules, "moabb.paradigms", moabb.paradigms)
        _FakeParadigm.instances.clear()
        return moabb

    return install


def test_bnci_returns_epochs_with_session_metadata(fake_moabb):
    fake_moabb()
    epochs = load_bnci("BNCI2014_004", subjects=[1, 2], tmin=0.5, tmax=3.5, l_freq=8.0)
    paradigm = _FakeParadigm.instances[-1]
    assert paradigm.kwargs == {
        "n_classes": 2, "events": ["left_hand", "right_hand"], "fmin": 8.0, "fmax": None,
        "tmin": 0.5, "tmax": 3.5, "resample": None,
    }  # fmt: skip
    assert paradigm.subjects == [1, 2]
    assert isinstance(epochs, mne.BaseEpochs) and len(epochs) == 40
    meta = epochs.metadata
    assert list(meta.columns) == ["subject", "session", "run", "label"]
    assert list(meta.index) == list(range(40))
    assert set(meta["session"]) == {"0train", "1test"}
    assert set(meta["label"]) == {"left_hand", "right_hand"}


def test_bnci_returns_arrays_and_metadata(fake_moabb):
    fake_moabb()
    X, y, meta = load_bnci("BNCI2014_001", subjects=3, return_epochs=False, resample=128.0)
    paradigm = _FakeParadigm.instances[-1]
    assert paradigm.kwargs["n_classes"] == 4 and paradigm.kwargs["resample"] == 128.0
    assert paradigm.subjects == [3]
    assert X.dtype == np.float64 and X.shape == (20, 3, 250)
    epochs = load_bnci("BNCI2014_001", subjects=3, resample=128.0)
    np.testing.assert_allclose(X, epochs.get_data())  # volts, as documented (not MOABB's uV)
    assert y.dtype.kind == "U" and len(y) == 20
    np.testing.assert_array_equal(meta["label"].to_numpy(), y)
    assert (meta["subject"] == 3).all()


def test_bnci_without_moabb_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "moabb", None)  # makes `import moabb` fail
    with pytest.raises(
        ImportError, match=r"pip install moabb \(or pip install \"sktime-eeg\[moabb\]"
    ):
        load_bnci("BNCI2014_004")


def test_bnci_download_failure_is_explained(fake_moabb):
    fake_moabb(error=requests.exceptions.ConnectionError("Failed to resolve 'lampx.tugraz.at'"))
    with pytest.raises(OSError, match="Connect to the internet") as info:
        load_bnci("BNCI2014_001", subjects=[1])
    assert "ConnectionError: Failed to resolve 'lampx.tugraz.at'" in str(info.value)
    assert "MNE_DATASETS_BNCI_PATH" in str(info.value)
    assert info.value.__suppress_context__  # no traceback from deep inside


def test_bnci_other_errors_are_not_disguised(fake_moabb):
    fake_moabb(error=KeyError("a bug, not a download problem"))
    with pytest.raises(KeyError, match="a bug"):
        load_bnci("BNCI2014_004")


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"dataset": "BNCI2014_002"}, ValueError, "Valid datasets: 'BNCI2014_001'.*'BNCI2014_004'"),
        ({"subjects": [10]}, ValueError, r"subjects \[1, 2, .*9\]; got \[10\]"),
        ({"subjects": "one"}, TypeError, "list of subject numbers"),
    ],
)
def test_bnci_errors(fake_moabb, kwargs, error, match):
    fake_moabb()
    with pytest.raises(error, match=match):
        load_bnci(**kwargs)


def test_bnci_unknown_dataset_without_moabb(monkeypatch):
    """The dataset name is checked before MOABB is needed."""
    monkeypatch.setitem(sys.modules, "moabb", None)
    with pytest.raises(ValueError, match="Unknown dataset 'bci_iv_2a'"):
        load_bnci("bci_iv_2a")


def test_bnci_docstring_says_that_moabb_writes_the_mne_config_file():
    notes = load_bnci.__doc__.split("Notes\n    -----\n")[1]
    for fact in [
        "MOABB, not this function, writes to the MNE configuration file",
        "``mne.get_config_path()``, by default ``~/.mne/mne-python.json``",
        "``load_bnci``\n    takes no path argument",
        "When it is missing, MOABB stores it in the file, set to\n    ``MNE_DATA``",
        "it first stores\n    ``MNE_DATA = ~/mne_data`` there and creates that folder",
        "set the\n    environment variable ``MNE_DATASETS_BNCI_PATH`` to an existing folder",
    ]:
        assert fact in notes


@pytest.fixture
def offline_moabb(monkeypatch, tmp_path):
    """Real MOABB, a fresh home (MNE config and ~/mne_data) and a download that fails."""
    download = pytest.importorskip("moabb.datasets.download")
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))  # Path.home(): where MOABB puts ~/mne_data
    monkeypatch.setenv("_MNE_FAKE_HOME_DIR", str(home))  # where MNE keeps its config
    for key in ("MNE_DATA", "MNE_DATASETS_BNCI_PATH"):
        monkeypatch.delenv(key, raising=False)

    def offline(url, *args, **kwargs):
        raise requests.exceptions.ConnectionError(f"offline test: {url}")

    monkeypatch.setattr(download, "retrieve", offline)
    return home


def test_bnci_through_real_moabb_unfiltered_by_default_and_in_volts(offline_moabb, monkeypatch):
    """Real MOABB on a served recording: the defaults (no filter) load without MNE's iir
    crash and return the recorded samples unchanged, as Epochs and as arrays, in volts."""
    from moabb.datasets import BNCI2014_004

    sfreq, rng = 250.0, np.random.default_rng(0)
    eeg = rng.standard_normal((3, int(120 * sfreq))) * 10e-6  # volts, as MNE stores them
    stim = np.zeros((1, eeg.shape[1]))
    cues = np.arange(10) * int(10 * sfreq) + 100
    stim[0, cues] = np.tile([1, 2], 5)
    info = mne.create_info(["C3", "Cz", "C4", "STI"], sfreq, ["eeg"] * 3 + ["stim"])
    raw = mne.io.RawArray(np.vstack([eeg, stim]), info, verbose=False)
    monkeypatch.setattr(
        BNCI2014_004, "_get_single_subject_data", lambda self, subject: {"0": {"0": raw}}
    )
    epochs = load_bnci("BNCI2014_004", subjects=[1], verbose="error")
    X, y, _ = load_bnci("BNCI2014_004", subjects=[1], return_epochs=False, verbose="error")
    start = cues[0] + int(3.0 * sfreq)  # MOABB's 2b trials start 3 s after the marker
    np.testing.assert_array_equal(epochs.get_data()[0, :, :50], eeg[:, start : start + 50])
    np.testing.assert_allclose(X, epochs.get_data(), rtol=1e-12)
    assert y.tolist()[:2] == ["left_hand", "right_hand"]


def test_bnci_moabb_writes_the_data_path_into_the_mne_config_as_documented(offline_moabb):
    home = offline_moabb
    config = home / ".mne" / "mne-python.json"
    assert mne.get_config_path() == str(config) and not config.exists()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(OSError, match="Connect to the internet"):
            load_bnci("BNCI2014_004", subjects=[1])  # the download fails, the write stays
    data = str(home / "mne_data")
    assert json.loads(config.read_text()) == {"MNE_DATA": data, "MNE_DATASETS_BNCI_PATH": data}
    assert (home / "mne_data").is_dir()
    assert any(
        'Setting non-standard config type: "MNE_DATASETS_BNCI_PATH"' in str(w.message)
        for w in caught
    )


def test_bnci_moabb_leaves_the_mne_config_alone_with_the_environment_variable(
    offline_moabb, monkeypatch, tmp_path
):
    home = offline_moabb
    folder = tmp_path / "bnci"
    folder.mkdir()
    monkeypatch.setenv("MNE_DATASETS_BNCI_PATH", str(folder))
    with pytest.raises(OSError, match="Connect to the internet"):
        load_bnci("BNCI2014_004", subjects=[1])
    assert not (home / ".mne" / "mne-python.json").exists()
    assert not (home / "mne_data").exists()
