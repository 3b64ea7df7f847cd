"""Export fitted classifiers to ONNX and run them with onnxruntime.

The exported graph is the whole prediction path of the estimator: float64 EEG windows
``(n_trials, n_channels, n_times)`` in, standardized with the fitted ``mean_`` / ``scale_``
(in float64, as ``predict_proba`` does for float64 input), cast to float32, through the
network, softmax out. What the deployed side must know to feed it the right data -- the
classes, channel names, sampling frequency, window length, units -- travels in the file's
``metadata_props``.
"""

from __future__ import annotations

import copy
import io
import json
import math
import numbers
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from .._input import EPOCHS_UNITS, InputRecord, read_eeg
from .._validation import check_positive_int
from ..preprocessing._streaming import StreamingFilter
from ._extras import import_optional
from ._online import _check_filter_rate

__all__ = ["ONNXModel", "export_onnx", "load_onnx"]

#: Names of the graph's input and output.
INPUT_NAME, OUTPUT_NAME = "X", "proba"
#: Version of the metadata layout written into the file.
_FORMAT_VERSION = "1"
_METADATA_KEYS = (
    "sktime_eeg_format",
    "sktime_eeg_version",
    "estimator",
    "classes",
    "ch_names",
    "sfreq",
    "n_channels",
    "n_times",
    "units",
    "filter",
)


class _Standardized(nn.Module):
    """``softmax(module((x - mean) / scale))``: the estimator's ``predict_proba`` as one module.

    ``x`` is float64 ``(n, C, T)``; standardization runs in float64 and the network in float32,
    exactly as :meth:`BaseEEGClassifier.predict_proba` treats float64 input.
    """

    def __init__(self, module: nn.Module, mean: np.ndarray, scale: np.ndarray) -> None:
        super().__init__()
        self.module = module
        self.register_buffer("mean", torch.from_numpy(np.asarray(mean, np.float64)[:, None]))
        self.register_buffer("scale", torch.from_numpy(np.asarray(scale, np.float64)[:, None]))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        z = ((x - self.mean) / self.scale).to(torch.float32)
        return torch.softmax(self.module(z), dim=1)


def _classes_json(classes: np.ndarray) -> str:
    """``classes_`` as JSON, refusing labels that would not come back identical."""
    values = [c.item() if isinstance(c, np.generic) else c for c in np.asarray(classes).tolist()]
    problem = None
    for value in values:
        if isinstance(value, float) and not math.isfinite(value):
            problem = value
            break
        if not isinstance(value, (str, bool, numbers.Integral, float)) or value is None:
            problem = value
            break
    if problem is None:
        text = json.dumps(values, allow_nan=False)
        back = json.loads(text)
        if back == values and [type(v) for v in back] == [type(v) for v in values]:
            return text
        pairs = zip(values, back, strict=True)
        problem = next(v for v, b in pairs if v != b or type(v) is not type(b))
    raise ValueError(
        f"export_onnx: the class label {problem!r} (type {type(problem).__name__}) cannot be "
        "stored in the ONNX metadata as JSON and read back unchanged; only str, int, float "
        "(finite) and bool labels can. Refit with such labels, e.g. y = y.astype(str)."
    )


def _deployable(estimator: Any) -> Any:
    """The fitted estimator whose network is exported (1D stems folded into the 2D form)."""
    from sklearn.utils.validation import check_is_fitted

    from .._base import BaseEEGClassifier
    from ..estimators import ConformerEEGClassifier, Conv1DEEGClassifier

    if not isinstance(estimator, BaseEEGClassifier):
        raise TypeError(
            "export_onnx exports the network classifiers of sktime_eeg (Conv1DEEGClassifier, "
            f"Conv2DEEGClassifier, ConformerEEGClassifier), got {type(estimator).__name__}. "
            "For a Pipeline, export its final classifier and apply the earlier steps before "
            "calling the model."
        )
    check_is_fitted(estimator)
    if isinstance(estimator, Conv1DEEGClassifier) or (
        isinstance(estimator, ConformerEEGClassifier) and estimator.stem == "1d"
    ):
        return estimator.fold()  # same function, one convolution less
    return estimator


def _resolve(name: str, fitted: Any, given: Any) -> Any:
    """The fitted value of ``name``, or the one given for an estimator fitted on arrays."""
    if given is None:
        return fitted
    if fitted is not None and given != fitted:
        raise ValueError(
            f"export_onnx: {name}={given!r} contradicts the estimator, which was fitted on "
            f"Epochs with {name}={fitted!r}; leave {name}=None."
        )
    return given


def export_onnx(
    estimator: Any,
    path: str | Path,
    *,
    ch_names: list[str] | None = None,
    sfreq: float | None = None,
    units: str | None = None,
    filter: StreamingFilter | None = None,
    opset: int = 17,
) -> Path:
    """Write a fitted classifier, standardization and softmax included, as an ONNX file.

    Parameters
    ----------
    estimator : Conv1DEEGClassifier, Conv2DEEGClassifier or ConformerEEGClassifier
        Fitted. A model with the 1D stem is exported as its folded 2D twin (:meth:`fold`),
        which computes the same probabilities with one convolution less.
    path : str or Path
        File to write (conventionally ``*.onnx``).
    ch_names : list of str or None, default=None
        Channel names, in the order of axis 1, for an estimator fitted on arrays (one fitted on
        ``mne.Epochs`` knows them; then leave None). Needed to decode a named stream.
    sfreq : float or None, default=None
        Sampling frequency in Hz, likewise for an estimator fitted on arrays.
    units : str or None, default=None
        Units of the values the model expects (e.g. ``"uV"``), stored for the deployed side.
        An estimator fitted on Epochs read them in microvolts (the package's convention,
        see :ref:`units`), so its units are ``"uV"``.
    filter : StreamingFilter or None, default=None
        The causal filter the training data went through (e.g.
        ``StreamingFilter.from_bandpass(8, 30, sfreq, method="iir")``), designed at the
        model's sampling frequency. Its design is stored in the file as
        :attr:`ONNXModel.filter`; :func:`run_stream` applies it to the stream, and
        :class:`OnlineDecoder` when given ``filter=model.filter``, so the model runs behind
        the filter it was trained behind. (The graph itself takes already filtered windows.)
    opset : int, default=17
        ONNX opset of the graph.

    Returns
    -------
    Path
        ``path``.

    Notes
    -----
    Graph: input ``"X"`` float64 ``(batch, n_channels, n_times)`` with a dynamic batch axis;
    output ``"proba"`` float32 ``(batch, n_classes)`` in the order of ``classes_``. The file's
    ``metadata_props`` hold ``classes`` (JSON list), ``ch_names`` (JSON list or null),
    ``sfreq`` (JSON number or null), ``n_channels``, ``n_times``, ``units`` (JSON string or
    null), ``filter`` (JSON of :meth:`StreamingFilter.to_dict` or null), ``estimator`` (class
    name) and ``sktime_eeg_version``. The TorchScript exporter of :func:`torch.onnx.export`
    (``dynamo=False``) is used, so ``onnxscript`` is not needed.

    Examples
    --------
    >>> from sktime_eeg.deploy import export_onnx, load_onnx  # doctest: +SKIP
    >>> export_onnx(clf, "model.onnx")  # doctest: +SKIP
    >>> load_onnx("model.onnx").predict_proba(X)  # doctest: +SKIP
    """
    onnx = import_optional("onnx", "ONNX export")
    from .. import __version__

    check_positive_int(opset, "opset", "export_onnx")
    est = _deployable(estimator)
    classes = _classes_json(est.classes_)
    names = _resolve("ch_names", est.ch_names_, None if ch_names is None else list(ch_names))
    if names is not None and (
        len(names) != est.n_channels_ or not all(isinstance(n, str) for n in names)
    ):
        raise ValueError(
            f"export_onnx: ch_names must be {est.n_channels_} channel names (one per channel "
            f"the model was fitted on), got {names!r}."
        )
    if sfreq is not None and (
        isinstance(sfreq, bool) or not isinstance(sfreq, numbers.Real) or not sfreq > 0
    ):
        raise ValueError(f"export_onnx: sfreq must be a positive number of Hz, got {sfreq!r}.")
    rate = _resolve("sfreq", est.sfreq_, None if sfreq is None else float(sfreq))
    fitted_units = EPOCHS_UNITS if est.sfreq_ is not None else None
    unit = _resolve("units", fitted_units, units)
    if filter is not None and not isinstance(filter, StreamingFilter):
        raise TypeError(
            "export_onnx: filter must be a sktime_eeg.preprocessing.StreamingFilter or None, "
            f"got {type(filter).__name__}."
        )
    if filter is not None:
        _check_filter_rate(filter, rate, "export_onnx")
    filter_json = json.dumps(None if filter is None else filter.to_dict(), allow_nan=False)

    module = copy.deepcopy(est.net_.module_).to(device="cpu", dtype=torch.float32).eval()
    wrapper = _Standardized(module, est.mean_, est.scale_).eval()
    example = torch.zeros((2, est.n_channels_, est.n_times_), dtype=torch.float64)
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        # The TorchScript exporter's deprecation notice and tracer notes on shape checks.
        warnings.simplefilter("ignore")
        # Autograd stays on while tracing: in no_grad mode torch takes fused inference paths
        # (e.g. the transformer's fast path) that have no ONNX form.
        torch.onnx.export(
            wrapper,
            (example,),
            buffer,
            dynamo=False,
            input_names=[INPUT_NAME],
            output_names=[OUTPUT_NAME],
            dynamic_axes={INPUT_NAME: {0: "batch"}, OUTPUT_NAME: {0: "batch"}},
            opset_version=opset,
            do_constant_folding=True,
        )
    model = onnx.load_from_string(buffer.getvalue())
    metadata = {
        "sktime_eeg_format": _FORMAT_VERSION,
        "sktime_eeg_version": __version__,
        "estimator": type(est).__name__,
        "classes": classes,
        "ch_names": json.dumps(names),
        "sfreq": json.dumps(rate),
        "n_channels": str(est.n_channels_),
        "n_times": str(est.n_times_),
        "units": json.dumps(unit),
        "filter": filter_json,
        # Per-channel standard deviation of the training data, for the scale guard.
        "amplitude": json.dumps(np.asarray(est.input_record_.amplitude, dtype=float).tolist()),
    }
    del model.metadata_props[:]
    for key, value in metadata.items():
        entry = model.metadata_props.add()
        entry.key, entry.value = key, value
    model.doc_string = (
        f"{type(estimator).__name__} exported by sktime_eeg {__version__}: float64 EEG "
        f"(batch, {est.n_channels_}, {est.n_times_}) -> class probabilities."
    )
    onnx.checker.check_model(model)
    path = Path(path)
    onnx.save(model, str(path))
    return path


class ONNXModel:
    """An exported classifier run by onnxruntime, with ``predict_proba`` / ``predict``.

    Create it with :func:`load_onnx`. Input is checked as the estimators check it: shape
    ``(n_trials, n_channels, n_times)`` with the fitted channel count and window length,
    finite values, numeric (cast to float64), and for ``mne.Epochs`` the channel names and
    sampling frequency.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels, in the order of the probability columns.
    ch_names : list of str or None
        Channel names the model expects (None when exported without them).
    sfreq : float or None
        Sampling frequency in Hz (None when exported without it).
    n_channels, n_times : int
        Shape of one window.
    units : str or None
        Units of the values the model expects, as stored at export.
    filter : StreamingFilter or None
        The causal filter stored at export (a fresh, stateless one), or None. The graph does
        not apply it: :func:`run_stream` does, and :class:`OnlineDecoder` /
        :func:`sliding_window_predict` when given ``filter=model.filter``.
    metadata : dict of str to str
        The raw ``metadata_props`` of the file.
    path : Path
        The file.
    """

    def __init__(self, path: str | Path, *, n_threads: int | None = None) -> None:
        ort = import_optional("onnxruntime", "Running an ONNX model")
        check_positive_int(n_threads, "n_threads", "load_onnx", allow_none=True)
        self.path = Path(path)
        if not self.path.is_file():
            raise FileNotFoundError(
                f"load_onnx: no file at {str(self.path)!r}; give the path of a model written "
                "by sktime_eeg.deploy.export_onnx."
            )
        options = ort.SessionOptions()
        if n_threads is not None:
            options.intra_op_num_threads = n_threads
            options.inter_op_num_threads = 1
        self._session = ort.InferenceSession(
            str(self.path), sess_options=options, providers=["CPUExecutionProvider"]
        )
        meta = dict(self._session.get_modelmeta().custom_metadata_map)
        missing = [key for key in _METADATA_KEYS if key not in meta]
        if missing:
            raise ValueError(
                f"load_onnx: {str(self.path)!r} lacks the sktime_eeg metadata {missing}; it was "
                "not written by sktime_eeg.deploy.export_onnx. Export the fitted estimator "
                "with export_onnx(estimator, path)."
            )
        if meta["sktime_eeg_format"] != _FORMAT_VERSION:
            raise ValueError(
                f"load_onnx: {str(self.path)!r} is in sktime_eeg model format "
                f"{meta['sktime_eeg_format']!r} (written by sktime_eeg "
                f"{meta['sktime_eeg_version']}); this sktime_eeg reads format "
                f"{_FORMAT_VERSION!r}. Load it with the sktime_eeg version that wrote it, or "
                "export the model again with this one."
            )
        self.metadata = meta
        self.classes_ = np.asarray(json.loads(meta["classes"]))
        self.ch_names = json.loads(meta["ch_names"])
        sfreq = json.loads(meta["sfreq"])
        self.sfreq = None if sfreq is None else float(sfreq)
        self.n_channels = int(meta["n_channels"])
        self.n_times = int(meta["n_times"])
        self.units = json.loads(meta["units"])
        spec = json.loads(meta["filter"])
        self.filter = None if spec is None else StreamingFilter.from_dict(spec)
        amplitude = json.loads(meta.get("amplitude", "null"))
        # The estimators' input contract: channels, sfreq, window length and scale guard.
        self._record = InputRecord(
            n_channels=self.n_channels,
            n_times=self.n_times,
            ch_names=None if self.ch_names is None else tuple(self.ch_names),
            sfreq=self.sfreq,
            tmin=None,
            amplitude=np.full(self.n_channels, np.nan)
            if amplitude is None
            else np.asarray(amplitude, dtype=np.float64),
        )

    def __repr__(self) -> str:
        return (
            f"ONNXModel({str(self.path)!r}, estimator={self.metadata['estimator']}, "
            f"n_channels={self.n_channels}, n_times={self.n_times}, sfreq={self.sfreq}, "
            f"classes={self.classes_.tolist()})"
        )

    def _check_X(self, X: Any) -> np.ndarray:
        """X read and checked as the estimators do (Epochs in microvolts), as float64."""
        eeg = read_eeg(X, dtype="float64")
        self._record.check(eeg, "ONNXModel", n_times=True)
        return eeg.data

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities.

        Parameters
        ----------
        X : array-like of shape (n_trials, n_channels, n_times) or mne.Epochs
            EEG windows with the channels, units and window length of the fitted model.

        Returns
        -------
        ndarray of shape (n_trials, n_classes), float32
            Softmax outputs in the order of ``classes_``.
        """
        data = self._check_X(X)
        return self._session.run([OUTPUT_NAME], {INPUT_NAME: data})[0]

    def predict(self, X: Any) -> np.ndarray:
        """Predicted class labels.

        Parameters
        ----------
        X : array-like of shape (n_trials, n_channels, n_times) or mne.Epochs
            EEG windows, as for :meth:`predict_proba`.

        Returns
        -------
        ndarray of shape (n_trials,)
            Labels from ``classes_``.
        """
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]


def load_onnx(path: str | Path, *, n_threads: int | None = None) -> ONNXModel:
    """Load a model written by :func:`export_onnx` into onnxruntime (CPU).

    Parameters
    ----------
    path : str or Path
        The ``.onnx`` file.
    n_threads : int or None, default=None
        Threads onnxruntime may use per call (``intra_op_num_threads``); None lets
        onnxruntime choose (all cores). For single-window, low-latency decoding 1 or 2 is
        usually fastest and leaves the other cores to acquisition.

    Returns
    -------
    ONNXModel
        With ``predict_proba``, ``predict``, ``classes_``, ``ch_names``, ``sfreq``,
        ``n_channels``, ``n_times`` and ``units``.
    """
    return ONNXModel(path, n_threads=n_threads)
