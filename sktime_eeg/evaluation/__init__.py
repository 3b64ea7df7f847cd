"""Evaluation: compare estimators under the BCI protocols, with timings and plots.

:func:`compare` cross-validates several estimators on shared folds into one tidy table
(accuracy, balanced accuracy, Cohen's kappa, fit time, prediction latency, model size), in
parallel through joblib (and so on Dask), resuming from its CSV after an interruption. The
splitters :class:`WithinSessionSplit`, :class:`CrossSessionSplit` and
:class:`CrossSubjectSplit` implement the usual BCI protocols as scikit-learn CV objects.
:func:`load_comparison_data`, :func:`make_models` and :func:`run_comparison` are the layers
under the ``sktime-eeg compare`` command.
"""

from ._compare import DEFAULT_SCORING, compare
from ._data import DATASETS, load_comparison_data
from ._models import DEFAULT_MODELS, MODELS, make_models
from ._protocols import PROTOCOLS, run_comparison
from ._report import fit_time_ratios, format_summary, plot_fit_times, plot_scores, summarize
from ._splitters import CrossSessionSplit, CrossSubjectSplit, WithinSessionSplit
from ._stats import STATS_COLUMNS, format_comparisons, paired_comparison
from ._stats_plots import plot_forest, plot_paired

__all__ = [
    "DATASETS",
    "DEFAULT_MODELS",
    "DEFAULT_SCORING",
    "MODELS",
    "PROTOCOLS",
    "CrossSessionSplit",
    "CrossSubjectSplit",
    "WithinSessionSplit",
    "compare",
    "fit_time_ratios",
    "format_summary",
    "load_comparison_data",
    "make_models",
    "plot_fit_times",
    "plot_scores",
    "run_comparison",
    "summarize",
    "STATS_COLUMNS",
    "format_comparisons",
    "paired_comparison",
    "plot_forest",
    "plot_paired",
]
