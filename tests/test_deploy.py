"""ONNX export and onnxruntime parity, the online decoder, and live decoding over LSL."""

from __future__ import annotations

import io
import json
import socket
import uuid
import warnings

import mne
import numpy as np
import pytest
from helpers import make_easy_data, require_shared_data
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.exceptions import NotFittedError

from sktime_eeg import ConformerEEGClassifier, Conv1DEEGClassifier, Conv2DEEGClassifier
from sktime_eeg.deploy import (
    OnlineDecoder,
    decisions_to_frame,
    export_onnx,
    load_onnx,
    sliding_window_predict,
)
from sktime_eeg.deploy._lsl import decision_json
from sktime_eeg.preprocessing import StreamingFilter

PARITY_ATOL = 1e-5


def _need(module: str):
    return pytest.importorskip(module, reason=f'needs {module} (pip install "sktime-eeg[deploy]")')


def _small(cls, **kw):
    params = dict(n_filters=8, max_epochs=3, batch_size=16, random_state=0)
    if cls is Conv1DEEGClassifier:
        params["n_filters_time"] = 6
    if cls is ConformerEEGClassifier:
        params.update(d_model=8, n_heads=2, n_layers=1, dim_feedforward=16)
    return cls(**{**params, **kw})


def _assert_parity(clf, model, X):
    p_torch = clf.predict_proba(X)
    for batch in (X[:1], X):  # dynamic batch axis: one trial and many
        p_onnx = model.predict_proba(batch)
        assert p_onnx.shape == (len(batch), clf.classes_.size)
        np.testing.assert_allclose(p_onnx, p_torch[: len(batch)], rtol=0, atol=PARITY_ATOL)
    np.testing.assert_array_equal(model.predict(X), clf.classes_[np.argmax(p_onnx, axis=1)])


# -- ONNX export on synthetic data (no shared data needed) ------------------------------------
@pytest.mark.parametrize(
    ("cls", "kw"),
    [
        (Conv1DEEGClassifier, {}),
        (Conv2DEEGClassifier, {}),
        (ConformerEEGClassifier, {}),
        (ConformerEEGClassifier, {"stem": "1d", "n_filters_time": 4}),
    ],
)
def test_onnx_parity_synthetic(cls, kw, tmp_path):
    _need("onnxruntime")
    X, y = make_easy_data(n_trials=40, n_channels=3, n_times=100)
    X = X * 1e-5 + 3e-3  # volts with a DC offset: standardization must be in the graph
    clf = _small(cls, kernel_length=11, pool_length=20, pool_stride=5, **kw).fit(X, y)
    path = export_onnx(clf, tmp_path / "m.onnx", sfreq=100.0, units="V")
    model = load_onnx(path, n_threads=1)
    _assert_parity(clf, model, X)
    assert model.classes_.tolist() == ["a", "b"]
    assert (model.n_channels, model.n_times, model.sfreq, model.units) == (3, 100, 100.0, "V")
    expected = "Conv2DEEGClassifier" if cls is Conv1DEEGClassifier else cls.__name__
    assert model.metadata["estimator"] == expected  # the 1D stem travels folded
    assert model.ch_names is None and model.filter is None


def test_onnx_metadata_is_plain_json_and_keeps_label_types(tmp_path):
    onnx = _need("onnx")
    import sktime_eeg

    X, y = make_easy_data(n_trials=40, n_channels=3, n_times=60)
    labels = np.where(y == "a", 7, 11)
    clf = _small(Conv2DEEGClassifier, kernel_length=11, pool_length=20, pool_stride=5)
    clf.fit(X, labels)
    filt = StreamingFilter.from_bandpass(8.0, 30.0, 100.0, method="iir")
    path = export_onnx(
        clf, tmp_path / "m.onnx", ch_names=["C3", "Cz", "C4"], sfreq=100, filter=filt
    )
    meta = {p.key: p.value for p in onnx.load(str(path)).metadata_props}
    assert json.loads(meta["classes"]) == [7, 11]
    assert json.loads(meta["ch_names"]) == ["C3", "Cz", "C4"]
    assert json.loads(meta["sfreq"]) == 100.0
    assert (meta["n_times"], meta["n_channels"]) == ("60", "3")
    assert meta["sktime_eeg_version"] == sktime_eeg.__version__
    model = load_onnx(path)
    assert model.classes_.dtype.kind == "i" and set(model.predict(X)) <= {7, 11}
    x = np.random.default_rng(0).standard_normal((3, 300))
    np.testing.assert_array_equal(model.filter.filter(x), filt.copy(reset=True).filter(x))


def test_onnx_refuses_labels_json_cannot_hold(tmp_path):
    _need("onnx")
    X, y = make_easy_data(n_trials=40, n_channels=3, n_times=60)
    clf = _small(Conv2DEEGClassifier, kernel_length=11, pool_length=20, pool_stride=5)
    clf.fit(X, y)
    # scikit-learn's label checks keep such labels out of fit; the guard still holds when
    # classes_ is set by other code (e.g. a wrapper).
    clf.classes_ = np.array([b"a", b"b"], dtype=object)
    with pytest.raises(ValueError, match=r"b'a'.*cannot be stored.*y.astype\(str\)"):
        export_onnx(clf, tmp_path / "m.onnx")
    clf.classes_ = np.array([("a", 1), ("b", 2), None], dtype=object)[:2]
    with pytest.raises(ValueError, match=r"\('a', 1\).*type tuple"):
        export_onnx(clf, tmp_path / "m.onnx")
    assert not (tmp_path / "m.onnx").exists()


def test_onnx_export_errors(tmp_path):
    _need("onnx")
    X, y = make_easy_data(n_trials=40, n_channels=3, n_times=60)
    with pytest.raises(NotFittedError):
        export_onnx(Conv2DEEGClassifier(), tmp_path / "m.onnx")
    with pytest.raises(TypeError, match="network classifiers of sktime_eeg"):
        export_onnx(object(), tmp_path / "m.onnx")
    info = mne.create_info(["C3", "Cz", "C4"], 100.0, "eeg")
    epochs = mne.EpochsArray(X * 1e-6, info, verbose=False)
    clf = _small(Conv2DEEGClassifier, kernel_length=11, pool_length=20, pool_stride=5)
    clf.fit(epochs, y)
    with pytest.raises(ValueError, match="contradicts.*fitted on Epochs with sfreq=100.0"):
        export_onnx(clf, tmp_path / "m.onnx", sfreq=250.0)
    with pytest.raises(ValueError, match="units='V' contradicts"):
        export_onnx(clf, tmp_path / "m.onnx", units="V")
    array_clf = _small(Conv2DEEGClassifier, kernel_length=11, pool_length=20, pool_stride=5)
    array_clf.fit(X, y)
    with pytest.raises(ValueError, match="must be 3 channel names"):
        export_onnx(array_clf, tmp_path / "m.onnx", ch_names=["C3", "C4"])


def test_onnx_model_checks_input_like_the_estimator(tmp_path):
    _need("onnxruntime")
    X, y = make_easy_data(n_trials=40, n_channels=3, n_times=60)
    info = mne.create_info(["C3", "Cz", "C4"], 100.0, "eeg")
    epochs = mne.EpochsArray(X * 1e-6, info, verbose=False)
    clf = _small(Conv2DEEGClassifier, kernel_length=11, pool_length=20, pool_stride=5)
    clf.fit(epochs, y)
    model = load_onnx(export_onnx(clf, tmp_path / "m.onnx"))
    assert model.ch_names == ["C3", "Cz", "C4"] and model.units == "uV"
    np.testing.assert_allclose(
        model.predict_proba(epochs), clf.predict_proba(epochs), rtol=0, atol=PARITY_ATOL
    )
    with pytest.raises(ValueError, match="channels of X differ.*reorder_channels"):
        model.predict_proba(epochs.copy().reorder_channels(["C4", "Cz", "C3"]))
    resampled = mne.EpochsArray(X * 1e-6, mne.create_info(["C3", "Cz", "C4"], 200.0, "eeg"))
    with pytest.raises(ValueError, match="sampled at 200.0 Hz.*fitted at 100.0 Hz"):
        model.predict_proba(resampled)
    with pytest.raises(ValueError, match="59 samples per trial.*fitted on 60"):
        model.predict_proba(X[:, :, :59])
    with pytest.raises(ValueError, match="X has 2 features, but ONNXModel is expecting 3"):
        model.predict_proba(X[:, :2])
    with pytest.raises(ValueError, match=r"X\[np.newaxis\]"):
        model.predict_proba(X[0])
    bad = X.copy()
    bad[3, 1, 7] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        model.predict_proba(bad)
    with pytest.raises(ValueError, match="must be numeric"):
        model.predict_proba(X.astype(str))
    # integer input is cast to float, as the estimators do
    ints = np.round(X * 10).astype(np.int32)
    np.testing.assert_allclose(
        model.predict_proba(ints), clf.predict_proba(ints), rtol=0, atol=PARITY_ATOL
    )


def test_load_onnx_errors(tmp_path):
    onnx = _need("onnx")
    _need("onnxruntime")
    from onnx import TensorProto, helper

    with pytest.raises(FileNotFoundError, match="export_onnx"):
        load_onnx(tmp_path / "missing.onnx")
    node = helper.make_node("Identity", ["X"], ["proba"])
    graph = helper.make_graph(
        [node],
        "g",
        [helper.make_tensor_value_info("X", TensorProto.FLOAT, [1])],
        [helper.make_tensor_value_info("proba", TensorProto.FLOAT, [1])],
    )
    onnx.save(helper.make_model(graph), str(tmp_path / "other.onnx"))
    with pytest.raises(ValueError, match="lacks the sktime_eeg metadata.*export_onnx"):
        load_onnx(tmp_path / "other.onnx")
    with pytest.raises(ValueError, match="n_threads must be None or a positive integer"):
        load_onnx(tmp_path / "other.onnx", n_threads=0)


def test_load_onnx_refuses_another_format_version(tmp_path):
    """A file of another metadata layout is refused, not read as this version's layout."""
    onnx = _need("onnx")
    _need("onnxruntime")
    X, y = make_easy_data(n_trials=40, n_channels=3, n_times=60)
    clf = _small(Conv2DEEGClassifier, kernel_length=11, pool_length=20, pool_stride=5).fit(X, y)
    path = export_onnx(clf, tmp_path / "m.onnx")
    proto = onnx.load(str(path))
    for prop in proto.metadata_props:
        if prop.key == "sktime_eeg_format":
            prop.value = "2"
    onnx.save(proto, str(tmp_path / "future.onnx"))
    with pytest.raises(ValueError, match="model format '2'.*reads format '1'.*export the model"):
        load_onnx(tmp_path / "future.onnx")
    assert load_onnx(path).n_times == 60  # this version's own files load


# -- ONNX parity on real EEG ----------------------------------------------------------------
@pytest.mark.slow
@pytest.mark.parametrize("cls", [Conv1DEEGClassifier, ConformerEEGClassifier])
def test_onnx_parity_bnci2014_004(cls, tmp_path):
    _need("onnxruntime")
    require_shared_data("bnci2014_004")
    from benchmarks.local_data import load_bnci2014_004

    X, y, _ = load_bnci2014_004(4, sessions=(1,))
    X = X[:, :, 250:500]  # 1 s at 250 Hz, microvolts
    clf = _small(cls).fit(X[:60], y[:60])
    model = load_onnx(export_onnx(clf, tmp_path / "m.onnx", sfreq=250.0, units="uV"))
    _assert_parity(clf, model, X[60:])


def _eegmmidb_raw(runs=(4,)):
    folder = require_shared_data("eegmmidb")
    from mne.datasets import eegbci

    files = eegbci.load_data(1, list(runs), path=folder, update_path=False, verbose=False)
    raws = [mne.io.read_raw_edf(f, preload=True, verbose=False) for f in files]
    return mne.concatenate_raws(raws, verbose=False) if len(raws) > 1 else raws[0]


@pytest.mark.slow
def test_onnx_parity_eegmmidb_epochs(tmp_path):
    _need("onnxruntime")
    raw = _eegmmidb_raw((4,))
    events, _ = mne.events_from_annotations(raw, event_id={"T1": 2, "T2": 3}, verbose=False)
    epochs = mne.Epochs(
        raw, events, {"left": 2, "right": 3}, 0.5, 2.5, baseline=None, preload=True, verbose=False
    )
    clf = _small(Conv2DEEGClassifier).fit(epochs, epochs.events[:, 2])
    model = load_onnx(export_onnx(clf, tmp_path / "m.onnx"))
    assert model.ch_names == raw.ch_names and model.sfreq == 160.0 and model.n_channels == 64
    _assert_parity(clf, model, epochs.get_data(units="uV"))


# -- the online decoder ---------------------------------------------------------------------
class _MeanModel:
    """A row-wise, batch-independent stand-in for a classifier (exact comparisons)."""

    classes_ = np.array(["low", "high"])
    n_channels_ = 3
    sfreq_ = 100.0
    ch_names_ = None

    def __init__(self, n_times):
        self.n_times_ = n_times

    def predict_proba(self, X):
        assert X.ndim == 3 and X.shape[1:] == (3, self.n_times_) and X.dtype == np.float64
        score = np.tanh(X[:, 0].mean(axis=1) - X[:, 2, -1])
        return np.column_stack([(1 - score) / 2, (1 + score) / 2])


def _decode_in_chunks(decoder, data, cuts, timestamps=None):
    bounds = [0, *sorted(c for c in cuts if 0 < c < data.shape[1]), data.shape[1]]
    out = []
    for a, b in zip(bounds, bounds[1:], strict=False):
        ts = None if timestamps is None else timestamps[a:b]
        out += decoder.update(data[:, a:b], ts)
    return out


def _assert_same(online, offline, exact=True):
    assert [d.sample for d in online] == [d.sample for d in offline]
    np.testing.assert_array_equal([d.time for d in online], [d.time for d in offline])
    assert [d.label for d in online] == [d.label for d in offline]
    for a, b in zip(online, offline, strict=True):
        if exact:
            np.testing.assert_array_equal(a.proba, b.proba)
        else:
            np.testing.assert_allclose(a.proba, b.proba, rtol=0, atol=1e-6)


@settings(max_examples=40, deadline=None)
@given(
    window=st.integers(1, 60),
    step=st.integers(1, 40),
    cuts=st.lists(st.integers(0, 400), max_size=15),
    use_filter=st.booleans(),
    use_timestamps=st.booleans(),
)
def test_online_decoder_equals_offline_pass_for_any_chunking(
    window, step, cuts, use_filter, use_timestamps
):
    rng = np.random.default_rng(window * 1000 + step)
    data = rng.standard_normal((3, 400))
    filt = StreamingFilter.from_bandpass(5.0, 30.0, 100.0, method="iir") if use_filter else None
    stamps = 1000.0 + np.arange(400) / 100.0 + rng.uniform(0, 1e-3, 400) if use_timestamps else None
    model = _MeanModel(window)
    offline = sliding_window_predict(model, data, window, step, filt, timestamps=stamps)
    decoder = OnlineDecoder(model, window, step, filt)
    online = _decode_in_chunks(decoder, data, cuts, stamps)
    _assert_same(online, offline)
    assert len(offline) == max(0, (400 - window) // step + 1)
    assert decoder.n_samples_seen == 400
    if offline:
        assert offline[0].sample == window - 1 and offline[-1].sample <= 399
    if filt is not None:
        assert filt.n_samples_seen == 0  # the template given is not used up


def test_online_decoder_with_onnx_and_torch_models(tmp_path):
    _need("onnxruntime")
    X, y = make_easy_data(n_trials=40, n_channels=3, n_times=100)
    clf = _small(Conv2DEEGClassifier, kernel_length=11, pool_length=20, pool_stride=5).fit(X, y)
    model = load_onnx(export_onnx(clf, tmp_path / "m.onnx", sfreq=100.0))
    data = np.random.default_rng(1).standard_normal((3, 700))
    filt = StreamingFilter.from_bandpass(1.0, 40.0, 100.0, method="fir")
    cuts = [5, 6, 99, 100, 101, 350, 351, 600]
    for m in (model, clf):
        offline = sliding_window_predict(m, data, step=10, filter=filt)
        _assert_same(
            _decode_in_chunks(OnlineDecoder(m, step=10, filter=filt), data, cuts),
            offline,
            exact=False,
        )
    offline = sliding_window_predict(model, data, step=10, filter=filt)
    frame = decisions_to_frame(offline, clf.classes_)
    assert list(frame.columns) == ["sample", "time", "label", "proba_a", "proba_b"]
    assert frame["time"].iloc[0] == pytest.approx(99 / 100.0)
    np.testing.assert_allclose(frame[["proba_a", "proba_b"]].sum(axis=1), 1.0, atol=1e-6)
    text = json.loads(decision_json(offline[0], clf.classes_))
    assert text["sample"] == 99 and set(text["proba"]) == {"a", "b"}


def test_online_decoder_errors():
    model = _MeanModel(20)
    with pytest.raises(
        ValueError, match="window=30 samples but the model was fitted on windows of 20"
    ):
        OnlineDecoder(model, window=30)
    with pytest.raises(ValueError, match="step must be a positive integer"):
        OnlineDecoder(model, step=0)
    with pytest.raises(ValueError, match="sampled at 250.0 Hz but the model was fitted at 100.0"):
        OnlineDecoder(model, sfreq=250.0)
    with pytest.raises(TypeError, match="StreamingFilter"):
        OnlineDecoder(model, filter="8-30 Hz")
    with pytest.raises(TypeError, match="fitted sktime_eeg classifier or a model loaded"):
        OnlineDecoder(object())
    decoder = OnlineDecoder(model, step=5)
    with pytest.raises(ValueError, match="4 channels but the model expects 3"):
        decoder.update(np.zeros((4, 10)))
    with pytest.raises(
        ValueError, match=r"looks like \(n_samples, n_channels\); pass its transpose"
    ):
        decoder.update(np.zeros((10, 3)))
    with pytest.raises(ValueError, match=r"shape \(n_channels, n_samples\)"):
        decoder.update(np.zeros((1, 3, 10)))
    chunk = np.zeros((3, 10))
    chunk[2, 6] = np.inf
    with pytest.raises(ValueError, match="NaN or infinite values at 1 sample.*sample 6"):
        decoder.update(chunk)
    with pytest.raises(ValueError, match=r"one time per sample, shape \(10,\)"):
        decoder.update(np.zeros((3, 10)), timestamps=np.arange(9.0))
    decoder.update(np.zeros((3, 10)))
    with pytest.raises(ValueError, match="timestamps were not given for the earlier chunks"):
        decoder.update(np.zeros((3, 10)), timestamps=np.arange(10.0))
    assert decoder.update(np.zeros((3, 0))) == []
    assert [d.sample for d in decoder.update(np.zeros((3, 10)))] == [19]
    assert [d.time for d in decoder.reset().update(np.zeros((3, 25)))] == [0.19, 0.24]


def test_online_decoder_state_is_unchanged_when_the_model_fails():
    class Flaky(_MeanModel):
        fail = False

        def predict_proba(self, X):
            if self.fail:
                raise RuntimeError("model failed")
            return super().predict_proba(X)

    model = Flaky(20)
    data = np.random.default_rng(0).standard_normal((3, 100))
    filt = StreamingFilter.from_bandpass(5.0, 30.0, 100.0, method="iir")
    offline = sliding_window_predict(model, data, step=7, filter=filt)
    decoder = OnlineDecoder(model, step=7, filter=filt)
    online = decoder.update(data[:, :40])
    model.fail = True
    with pytest.raises(RuntimeError, match="model failed"):
        decoder.update(data[:, 40:70])
    assert decoder.n_samples_seen == 40
    model.fail = False
    online += decoder.update(data[:, 40:70]) + decoder.update(data[:, 70:])
    _assert_same(online, offline)


def test_online_decoder_with_a_pipeline_needs_the_window():
    from sktime_eeg.baselines import make_csp_lda

    X, y = make_easy_data(n_trials=40, n_channels=3, n_times=100)
    pipe = make_csp_lda(n_components=2).fit(X, y)
    with pytest.raises(ValueError, match="does not say its window length.*give window="):
        OnlineDecoder(pipe)
    data = np.random.default_rng(0).standard_normal((3, 400))
    offline = sliding_window_predict(pipe, data, window=100, step=20)
    decoder = OnlineDecoder(pipe, window=100, step=20)
    _assert_same(_decode_in_chunks(decoder, data, [30, 150, 151]), offline, exact=False)
    assert len(offline) == 16


def test_a_filter_designed_for_another_rate_is_refused(tmp_path):
    filt = StreamingFilter.from_bandpass(8.0, 30.0, 250.0, method="iir")  # the data: 100 Hz
    model, data = _MeanModel(20), np.zeros((3, 100))
    with pytest.raises(ValueError, match="designed for 250.0 Hz but the data are sampled at 100"):
        OnlineDecoder(model, filter=filt)
    with pytest.raises(ValueError, match=r"from_bandpass\(l_freq, h_freq, sfreq=100.0"):
        sliding_window_predict(model, data, filter=filt)
    # A filter built from coefficients states no rate, and one at the data's rate is fine.
    OnlineDecoder(model, filter=StreamingFilter(sos=filt.to_dict()["sos"]))
    OnlineDecoder(model, filter=StreamingFilter.from_bandpass(8.0, 30.0, 100.0))
    _need("onnx")
    X, y = make_easy_data(n_trials=40, n_channels=3, n_times=60)
    clf = _small(Conv2DEEGClassifier, kernel_length=11, pool_length=20, pool_stride=5).fit(X, y)
    with pytest.raises(ValueError, match="export_onnx: the filter was designed for 250.0 Hz"):
        export_onnx(clf, tmp_path / "m.onnx", sfreq=100.0, filter=filt)
    assert not (tmp_path / "m.onnx").exists()


def test_leaving_out_the_filter_the_model_carries_warns():
    class Filtered(_MeanModel):
        filter = StreamingFilter.from_bandpass(8.0, 30.0, 100.0, method="iir")

    model, data = Filtered(20), np.random.default_rng(0).standard_normal((3, 100))
    with pytest.warns(UserWarning, match="carries the causal filter.*Pass filter=model.filter"):
        OnlineDecoder(model)
    with pytest.warns(UserWarning, match="sliding_window_predict: the model carries"):
        sliding_window_predict(model, data)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        online = OnlineDecoder(model, filter=model.filter).update(data)
        _assert_same(online, sliding_window_predict(model, data, filter=model.filter))


# -- live decoding over LSL -----------------------------------------------------------------
def _lsl_or_skip():
    _need("mne_lsl")
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.bind(("127.0.0.1", 0))
        from mne_lsl.lsl import StreamInfo, StreamOutlet

        StreamOutlet(StreamInfo(f"probe-{uuid.uuid4().hex[:8]}", "Markers", 1, 0.0, "string", "p"))
    except Exception as exc:  # noqa: BLE001 - any failure to open LSL's sockets
        pytest.skip(f"LSL cannot open a socket on this machine ({exc})")


@pytest.mark.slow
def test_live_lsl_decoding_equals_offline_pass(tmp_path):
    _need("onnxruntime")
    _lsl_or_skip()
    from mne_lsl.player import PlayerLSL
    from mne_lsl.stream import StreamLSL

    from sktime_eeg.deploy import run_stream

    raw = _eegmmidb_raw((4,)).crop(0.0, 6.0)
    data = raw.get_data()  # what PlayerLSL streams: volts, float64
    rng = np.random.default_rng(0)
    starts = rng.integers(0, data.shape[1] - 160, 30)
    X = np.stack([data[:, s : s + 160] for s in starts])
    clf = _small(Conv2DEEGClassifier, max_epochs=1).fit(X, np.repeat(["left", "right"], 15))
    filt = StreamingFilter.from_bandpass(8.0, 30.0, 160.0, method="iir")
    path = export_onnx(clf, tmp_path / "m.onnx", ch_names=raw.ch_names, sfreq=160.0, filter=filt)

    source, published = f"eeg-{uuid.uuid4().hex[:8]}", f"bci-{uuid.uuid4().hex[:8]}"
    player = PlayerLSL(raw, chunk_size=8, n_repeat=1, name=source).start()
    markers = []
    try:
        report = run_stream(
            path,
            source,
            step=16,
            publish=published,
            max_samples=640,
            duration=20.0,
            keep_data=True,
            on_decision=markers.append,
        )
    finally:
        try:
            player.stop()
        except RuntimeError:
            pass  # it stopped by itself at the end of the recording
    assert report.n_samples == 640 and report.data.shape == (64, 640)
    assert report.extra["gaps"] == [] and report.extra["unit_scale"] == 1.0
    # The samples arrive unchanged (float64 over LSL): find where the decoder joined.
    first = int(np.flatnonzero((data == report.data[:, :1]).all(axis=0))[0])
    np.testing.assert_array_equal(report.data, data[:, first : first + 640])
    offline = sliding_window_predict(
        load_onnx(path), report.data, step=16, filter=filt, timestamps=report.timestamps
    )
    _assert_same(report.decisions, offline, exact=False)
    assert len(offline) == (640 - 160) // 16 + 1
    assert report.latency.shape == (len(offline),) and np.all(report.latency >= 0)
    summary = report.latency_summary()
    assert summary["p50"] <= summary["p95"] <= summary["p99"]
    assert markers == report.decisions
    with pytest.raises(RuntimeError):  # the marker outlet closed with the run
        StreamLSL(1.0, name=published).connect(timeout=0.5)


def test_run_stream_refuses_a_model_without_sfreq(tmp_path):
    _need("onnxruntime")
    _need("mne_lsl")
    from sktime_eeg.deploy import run_stream

    X, y = make_easy_data(n_trials=40, n_channels=3, n_times=60)
    clf = _small(Conv2DEEGClassifier, kernel_length=11, pool_length=20, pool_stride=5).fit(X, y)
    path = export_onnx(clf, tmp_path / "m.onnx")
    with pytest.raises(ValueError, match="does not know its sampling frequency.*sfreq="):
        run_stream(path, "nothing", timeout=0.1)


def test_stream_command_parses_and_reports_errors(tmp_path, capsys):
    import argparse

    from sktime_eeg.cli._stream import add_stream_command, run_stream_command

    parser = argparse.ArgumentParser(prog="sktime-eeg")
    add_stream_command(parser.add_subparsers(dest="command"))
    args = parser.parse_args(
        ["stream", "--model", str(tmp_path / "none.onnx"), "--source", "EEG", "--duration", "2"]
    )
    assert (args.source, args.duration, args.publish, args.step) == ("EEG", 2.0, None, 25)
    assert run_stream_command(args) == 1
    err = capsys.readouterr().err
    assert "sktime-eeg stream: error:" in err and "none.onnx" in err
    buffer = io.StringIO()
    parser.print_help(buffer)


def test_stream_units_are_converted_to_the_model_units():
    from sktime_eeg.deploy._lsl import _unit_scale

    assert _unit_scale("V", ["microvolts"] * 2, [-6, -6]) == pytest.approx(1e-6)
    assert _unit_scale("uV", ["volts"] * 2, [0, 0]) == pytest.approx(1e6)
    assert _unit_scale("uV", ["microvolts"] * 2, [-6, -6]) == 1.0
    assert _unit_scale(None, ["microvolts"], [-6]) == 1.0  # unknown model units: as is
    with pytest.warns(UserWarning, match="declares no channel units.*model's units \\(V\\)"):
        assert _unit_scale("V", None, [0, 0]) == 1.0
    with pytest.raises(ValueError, match="different units"):
        _unit_scale("V", ["volts", "microvolts"], [0, -6])
    # Units mne-lsl does not read come as unit_mul 0 (volts): refused, not taken for volts.
    with pytest.raises(ValueError, match=r"unit\(s\) \['µV'\].*Declare 'microvolts'"):
        _unit_scale("uV", ["µV", "µV"], [0, 0])
    with pytest.raises(ValueError, match=r"'\(none\)', 'microvolts'"):
        _unit_scale("uV", ["microvolts", None], [0, 0])
    assert _unit_scale("uV", ["V", "0"], [0, 0]) == pytest.approx(1e6)


@pytest.mark.slow
def test_live_stream_in_microvolts_is_decoded_in_volts_and_gaps_are_reported(tmp_path):
    _need("onnxruntime")
    _lsl_or_skip()
    import threading
    import time

    from mne_lsl.lsl import StreamInfo, StreamOutlet, local_clock

    from sktime_eeg.deploy import run_stream

    X, y = make_easy_data(n_trials=40, n_channels=3, n_times=50)
    X = X * 1e-5  # volts
    clf = _small(Conv2DEEGClassifier, kernel_length=11, pool_length=20, pool_stride=5).fit(X, y)
    path = export_onnx(
        clf, tmp_path / "m.onnx", ch_names=["C3", "Cz", "C4"], sfreq=100.0, units="V"
    )
    signal_v = np.concatenate(list(X[:6]), axis=1)  # (3, 300) volts
    name = f"uv-{uuid.uuid4().hex[:8]}"
    info = StreamInfo(name, "EEG", 3, 100.0, "float64", name)
    info.set_channel_names(["C4", "C3", "Cz"])  # another order: picked by name
    info.set_channel_types("eeg")
    info.set_channel_units("microvolts")
    outlet = StreamOutlet(info, chunk_size=10)
    order = [2, 0, 1]

    def push():
        outlet.wait_for_consumers(timeout=10.0)  # the decoder's inlet is open
        time.sleep(0.2)
        # explicit timestamps, with 0.5 s missing after sample 149 (a lost stretch)
        stamps = local_clock() + np.arange(300) / 100.0 + np.where(np.arange(300) >= 150, 0.5, 0)
        for start in range(0, 300, 10):
            chunk = np.ascontiguousarray(signal_v[order, start : start + 10].T * 1e6)
            outlet.push_chunk(chunk, timestamp=stamps[start : start + 10])
            time.sleep(0.02)

    pusher = threading.Thread(target=push)
    pusher.start()
    with pytest.warns(RuntimeWarning, match="0.510 s between samples 149 and 150.*lost"):
        report = run_stream(
            path, name, step=10, max_samples=300, duration=15.0, keep_data=True, out=io.StringIO()
        )
    pusher.join()
    assert report.extra["unit_scale"] == pytest.approx(1e-6)
    assert [(n, round(g, 3)) for n, g in report.extra["gaps"]] == [(150, 0.51)]
    assert report.ch_names == ["C3", "Cz", "C4"]
    np.testing.assert_allclose(report.data, signal_v, rtol=1e-12, atol=0)
    offline = sliding_window_predict(clf, signal_v, step=10)
    assert [d.sample for d in report.decisions] == [d.sample for d in offline]
    np.testing.assert_allclose(
        np.stack([d.proba for d in report.decisions]),
        np.stack([d.proba for d in offline]),
        rtol=0,
        atol=PARITY_ATOL,
    )


def test_optional_dependencies_are_imported_only_when_used(monkeypatch, tmp_path):
    import subprocess
    import sys

    code = (
        "import sys, sktime_eeg, sktime_eeg.deploy, sktime_eeg.evaluation, "
        "sktime_eeg.preprocessing\n"
        "loaded = {'onnx', 'onnxruntime', 'mne_lsl'} & set(sys.modules)\n"
        "assert not loaded, loaded\n"
    )
    from helpers import ROOT

    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)
    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # as if not installed
    with pytest.raises(ImportError, match=r'onnxruntime.*pip install "sktime-eeg\[deploy\]"'):
        load_onnx(tmp_path / "m.onnx")


@pytest.mark.slow
def test_stream_command_decodes_a_live_stream(tmp_path, capsys):
    _need("onnxruntime")
    _lsl_or_skip()
    import argparse

    from mne_lsl.player import PlayerLSL

    from sktime_eeg.cli._stream import add_stream_command, run_stream_command

    X, y = make_easy_data(n_trials=40, n_channels=3, n_times=50)
    info = mne.create_info(["C3", "Cz", "C4"], 100.0, "eeg")
    clf = _small(Conv2DEEGClassifier, kernel_length=11, pool_length=20, pool_stride=5)
    clf.fit(mne.EpochsArray(X * 1e-5, info, verbose=False), y)
    path = export_onnx(clf, tmp_path / "m.onnx")
    raw = mne.io.RawArray(np.concatenate(list(X[:8]), axis=1) * 1e-5, info, verbose=False)
    source = f"cli-{uuid.uuid4().hex[:8]}"
    parser = argparse.ArgumentParser(prog="sktime-eeg")
    add_stream_command(parser.add_subparsers(dest="command"))
    args = parser.parse_args(
        ["stream", "--model", str(path), "--source", source, "--duration", "3", "--step", "10"]
    )
    player = PlayerLSL(raw, chunk_size=10, n_repeat=np.inf, name=source).start()
    try:
        assert run_stream_command(args) == 0
    finally:
        player.stop()
    out, err = capsys.readouterr()
    lines = out.strip().splitlines()
    assert len(lines) >= 10
    time_, label, probabilities = lines[0].split("\t")
    assert label in ("a", "b") and len(probabilities.split()) == 2
    assert "decisions; latency from a window's last sample arriving to its decision: p50" in err


@pytest.mark.parametrize("cls", [Conv1DEEGClassifier, Conv2DEEGClassifier])
def test_onnx_parity_of_a_cropped_model(cls, tmp_path):
    """A model trained on crops predicts by averaging its crops; the exported graph too."""
    _need("onnxruntime")
    X, y = make_easy_data(n_trials=40, n_channels=3, n_times=120)
    clf = cls(
        n_filters=4, kernel_length=9, pool_length=20, pool_stride=10, max_epochs=2,
        crop_length=80, random_state=0,
    ).fit(X, y)  # fmt: skip
    model = load_onnx(export_onnx(clf, tmp_path / "m.onnx"))
    np.testing.assert_allclose(model.predict_proba(X), clf.predict_proba(X), atol=PARITY_ATOL)
