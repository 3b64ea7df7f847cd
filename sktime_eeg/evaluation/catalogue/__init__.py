"""The catalogue of the comparison: named data sets, models and protocols.

What ``sktime-eeg compare`` offers by name, built on the evaluation engine
(:func:`~sktime_eeg.evaluation.compare`, the splitters and the results store) and kept apart
from it: :func:`load_comparison_data` loads a data set of :data:`DATASETS` as arrays with the
subject and session of every trial, :func:`make_models` builds models of :data:`MODELS`, and
:func:`run_comparison` applies one of the :data:`PROTOCOLS` to a loaded data set. Every name is
also importable from :mod:`sktime_eeg.evaluation`.
"""

from ._datasets import DATASETS, load_comparison_data
from ._models import DEFAULT_MODELS, MODELS, make_models
from ._protocols import PROTOCOLS, check_protocol, run_comparison

__all__ = [
    "DATASETS",
    "DEFAULT_MODELS",
    "MODELS",
    "PROTOCOLS",
    "check_protocol",
    "load_comparison_data",
    "make_models",
    "run_comparison",
]
