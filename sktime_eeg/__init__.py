"""sktime_eeg: 1D and 2D spatiotemporal CNNs for EEG as scikit-learn estimators.

Built from Dixen, Heinrich & Burelli (2026), *Spatiotemporal Convolutions on EEG signal*
(arXiv:2605.03874).
"""

from .estimators import ConformerEEGClassifier, Conv1DEEGClassifier, Conv2DEEGClassifier

__version__ = "0.1.0.dev0"

__all__ = [
    "ConformerEEGClassifier",
    "Conv1DEEGClassifier",
    "Conv2DEEGClassifier",
    "__version__",
]
