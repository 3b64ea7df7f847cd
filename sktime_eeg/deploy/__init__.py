"""From a trained model to a live BCI: ONNX export, online decoding, LSL streaming.

- :func:`export_onnx` writes a fitted classifier (standardization and softmax included, with
  its classes, channels, sampling frequency, window length and units in the file's metadata);
  :func:`load_onnx` runs it with onnxruntime as an :class:`ONNXModel`.
- :class:`OnlineDecoder` decodes a continuous stream chunk by chunk with a sliding window and
  a causal :class:`~sktime_eeg.preprocessing.StreamingFilter`; :func:`sliding_window_predict`
  is the same decoding in one offline pass.
- :func:`run_stream` decodes a live Lab Streaming Layer stream (mne-lsl) and prints or
  re-publishes the decisions; ``sktime-eeg stream`` is its command line.

The ONNX and LSL parts need the optional dependencies: ``pip install "sktime-eeg[deploy]"``.
They are imported only when used, so ``import sktime_eeg.deploy`` works without them.
"""

from ._lsl import StreamReport, run_stream
from ._online import Decision, OnlineDecoder, decisions_to_frame, sliding_window_predict
from ._onnx import ONNXModel, export_onnx, load_onnx

__all__ = [
    "Decision",
    "ONNXModel",
    "OnlineDecoder",
    "StreamReport",
    "decisions_to_frame",
    "export_onnx",
    "load_onnx",
    "run_stream",
    "sliding_window_predict",
]
