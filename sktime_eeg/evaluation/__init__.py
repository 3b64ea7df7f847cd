"""Evaluation: compare estimators under the BCI protocols, with timings and plots.

The engine: :func:`compare` cross-validates several estimators on shared folds into one tidy
table (accuracy, balanced accuracy, Cohen's kappa, fit time, prediction latency, model size),
in parallel through joblib (and so on Dask). With ``out=`` its rows go to a results file
through :class:`ResultsStore`, the one reader and writer of result files: every row carries
fingerprints of the data, folds, scoring, hyperparameters and package version, an interrupted
run resumes only from rows with its own fingerprints (a file of another run is refused), and a
row cut short by a crash is dropped. :func:`read_results` reads such a file back. The splitters
:class:`WithinSessionSplit`, :class:`CrossSessionSplit` and :class:`CrossSubjectSplit`
implement the usual BCI protocols as scikit-learn CV objects.

The catalogue (:mod:`sktime_eeg.evaluation.catalogue`): :func:`load_comparison_data`,
:func:`make_models` and :func:`run_comparison`, the named data sets, models and protocols of
the ``sktime-eeg compare`` command.
"""

from ._compare import DEFAULT_SCORING, compare
from ._fingerprint import canonical_params, fingerprint_data, fingerprint_folds
from ._report import fit_time_ratios, format_summary, plot_fit_times, plot_scores, summarize
from ._splitters import CrossSessionSplit, CrossSubjectSplit, WithinSessionSplit
from ._stats import STATS_COLUMNS, format_comparisons, paired_comparison
from ._stats_plots import plot_forest, plot_paired
from ._store import (
    FINGERPRINT_COLUMNS,
    FileInUseError,
    ResultsStore,
    ResumeError,
    check_writable,
    read_results,
)
from .catalogue import (
    DATASETS,
    DEFAULT_MODELS,
    MODELS,
    PROTOCOLS,
    load_comparison_data,
    make_models,
    run_comparison,
)

__all__ = [
    "DATASETS",
    "DEFAULT_MODELS",
    "DEFAULT_SCORING",
    "FINGERPRINT_COLUMNS",
    "MODELS",
    "PROTOCOLS",
    "CrossSessionSplit",
    "CrossSubjectSplit",
    "FileInUseError",
    "ResultsStore",
    "ResumeError",
    "WithinSessionSplit",
    "canonical_params",
    "check_writable",
    "compare",
    "fingerprint_data",
    "fingerprint_folds",
    "fit_time_ratios",
    "format_summary",
    "load_comparison_data",
    "make_models",
    "plot_fit_times",
    "plot_scores",
    "read_results",
    "run_comparison",
    "summarize",
    "STATS_COLUMNS",
    "format_comparisons",
    "paired_comparison",
    "plot_forest",
    "plot_paired",
]

# Pseudo-online evaluation (deploy): decode held-out continuous runs as a live BCI would.
from ._pseudo_online import (  # noqa: E402
    PseudoOnlineResult,
    plot_pseudo_online,
    pseudo_online,
    wolpaw_itr,
)

__all__ += ["PseudoOnlineResult", "plot_pseudo_online", "pseudo_online", "wolpaw_itr"]

# -- few-trial calibration of a new user (issue 13) -------------------------------------------
from ._calibration import (  # noqa: E402
    CalibrationStrategy,
    CannotCalibrate,
    FineTuned,
    Pooled,
    PooledAligned,
    Recentred,
    Scratch,
    calibration_curve,
    calibration_statistics,
    default_strategies,
    plot_calibration_curve,
    trials_to_reach,
)

__all__ += [
    "CalibrationStrategy",
    "CannotCalibrate",
    "FineTuned",
    "Pooled",
    "PooledAligned",
    "Recentred",
    "Scratch",
    "calibration_curve",
    "calibration_statistics",
    "default_strategies",
    "plot_calibration_curve",
    "trials_to_reach",
]
