"""Spectral band importance: how much a fitted classifier's score drops when a band is removed."""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import mne
import numpy as np
import pandas as pd
from sklearn.metrics import check_scoring
from sklearn.pipeline import Pipeline
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from .._validation import (
    check_eeg_data,
    check_eeg_labels,
    check_positive_int,
    check_real,
    is_epochs,
    resolve_sfreq,
)

__all__ = ["DEFAULT_BANDS", "band_importance"]

#: Default frequency bands in Hz, ``name -> (fmin, fmax)`` (read-only; copy it with
#: ``dict(DEFAULT_BANDS)`` to edit). Together they tile 0 Hz to the Nyquist frequency:
#: ``delta`` starts at 0 Hz (it holds the slow drifts and the trial offsets too) and
#: ``gamma`` ends at the Nyquist frequency of the data.
DEFAULT_BANDS: Mapping[str, tuple[float, float]] = MappingProxyType(
    {
        "delta": (0.0, 4.0),
        "theta": (4.0, 8.0),
        "mu/alpha": (8.0, 13.0),
        "low beta": (13.0, 20.0),
        "high beta": (20.0, 30.0),
        "gamma": (30.0, math.inf),
    }
)

_METHODS = ("bandstop", "permute")


class _CachedResponses:
    """Stand-in for a fitted classifier on a fixed data set, for scikit-learn scorers.

    Its ``predict`` / ``predict_proba`` / ``decision_function`` take row indices of that
    data set instead of EEG: the estimator's outputs on the whole set are computed once, on
    first use, and bootstrap resamples index into them. Other attributes (``classes_``,
    tags) are the estimator's.
    """

    _RESPONSES = ("predict", "predict_proba", "predict_log_proba", "decision_function")

    def __init__(self, estimator: Any, X: Any) -> None:
        self._estimator = estimator
        self._X = X
        self._outputs: dict[str, np.ndarray] = {}

    def __sklearn_tags__(self):
        return self._estimator.__sklearn_tags__()

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        if name not in self._RESPONSES:
            return getattr(self._estimator, name)
        response = getattr(self._estimator, name)  # AttributeError when it has none

        def cached(rows: np.ndarray) -> np.ndarray:
            if name not in self._outputs:
                self._outputs[name] = np.asarray(response(self._X))
            return self._outputs[name][rows]

        cached.__name__ = name  # scikit-learn dispatches on the method's name
        return cached


def _fitted_sfreq(estimator: Any) -> float | None:
    """The sampling frequency of the input a fitted estimator (or pipeline) saw in fit.

    For a pipeline that is the rate its first step saw, not its last step's: a step in
    between (e.g. a ``Resampler``) may have changed it. None when that step recorded none.
    """
    if isinstance(estimator, Pipeline):
        steps = [step for _, step in estimator.steps if step not in (None, "passthrough")]
        if not steps:
            return None
        estimator = steps[0]
    sfreq = getattr(estimator, "sfreq_", None)
    if sfreq is None:
        sfreq = getattr(getattr(estimator, "input_record_", None), "sfreq", None)
    return sfreq


def _resolve_bands(
    bands: Mapping[str, tuple[float, float]] | None, nyquist: float
) -> list[tuple[str, float, float]]:
    """Validate bands, clip them to the Nyquist frequency, drop those above it."""
    if bands is None:
        bands = DEFAULT_BANDS
    if not isinstance(bands, Mapping) or len(bands) == 0:
        raise ValueError(
            "bands must be a non-empty dict name -> (fmin, fmax) in Hz, e.g. "
            "{'mu': (8, 13), 'beta': (13, 30)}; or None for DEFAULT_BANDS."
        )
    resolved = []
    for name, edges in bands.items():
        try:
            fmin, fmax = (float(edge) for edge in edges)
        except (TypeError, ValueError):
            raise ValueError(
                f"Band {name!r} must be a pair (fmin, fmax) of frequencies in Hz, got {edges!r}."
            ) from None
        if not (0 <= fmin < fmax) or math.isnan(fmax):
            raise ValueError(
                f"Band {name!r} = ({fmin}, {fmax}) Hz must satisfy 0 <= fmin < fmax; use "
                "fmin=0 for 'everything below fmax' and math.inf for 'up to Nyquist'."
            )
        if fmin >= nyquist:
            warnings.warn(
                f"Band {name!r} ({fmin}-{fmax} Hz) lies above the Nyquist frequency "
                f"({nyquist} Hz) of the data and is left out.",
                UserWarning,
                stacklevel=3,
            )
            continue
        resolved.append((str(name), fmin, min(fmax, nyquist)))
    if not resolved:
        raise ValueError(
            f"No band lies below the Nyquist frequency ({nyquist} Hz) of the data; pass bands "
            f"below {nyquist} Hz, or check sfreq (the data's sampling frequency)."
        )
    for name, fmin, fmax in resolved:
        if fmin == 0 and fmax >= nyquist:
            raise ValueError(
                f"Band {name!r} covers the whole spectrum (0 Hz to Nyquist, {nyquist} Hz); "
                "there is nothing left to compare it with."
            )
    return resolved


def _band_component(
    data: np.ndarray,
    sfreq: float,
    fmin: float,
    fmax: float,
    transition_bandwidth: float,
    filter_kwargs: Mapping[str, Any],
) -> np.ndarray:
    """The part of ``data`` in ``[fmin, fmax]`` (zero-phase MNE filter along the last axis).

    The transition bands are centred on ``fmin`` and ``fmax`` (the -6 dB points of MNE's
    windowed FIR design), so adjacent bands cross over at their shared edge.
    """
    nyquist = sfreq / 2.0
    has_low = fmin > 0
    has_high = fmax + transition_bandwidth / 2.0 < nyquist
    # A band-pass needs room for both transitions inside the band.
    limit = (fmax - fmin) / 2.0 if has_low and has_high else math.inf
    kwargs: dict[str, Any] = {}
    l_freq = h_freq = None
    if has_low:
        l_trans = min(transition_bandwidth, 2.0 * fmin, limit)
        l_freq = fmin + l_trans / 2.0
        kwargs["l_trans_bandwidth"] = l_trans
    if has_high:
        h_trans = min(transition_bandwidth, limit)
        h_freq = fmax - h_trans / 2.0
        kwargs["h_trans_bandwidth"] = h_trans
    kwargs.update({"verbose": False, **filter_kwargs})
    return mne.filter.filter_data(data, sfreq, l_freq, h_freq, copy=True, **kwargs)


def band_importance(
    estimator: Any,
    X: Any,
    y: Any,
    bands: Mapping[str, tuple[float, float]] | None = None,
    sfreq: float | None = None,
    method: str = "bandstop",
    n_repeats: int = 10,
    scoring: Any = None,
    random_state: Any = None,
    transition_bandwidth: float = 2.0,
    filter_kwargs: Mapping[str, Any] | None = None,
) -> pd.DataFrame:
    """Importance of each frequency band for a fitted classifier: the score drop without it.

    Each band's part of the signal, ``X_band``, is extracted with a zero-phase MNE filter
    (:func:`mne.filter.filter_data`); the rest is ``X - X_band``. The classifier is scored
    on the intact data and on data where the band is taken away:

    - ``method="bandstop"``: the band is removed, the classifier sees ``X - X_band``.
      Deterministic; ``n_repeats`` bootstrap resamples of the trials measure the spread.
    - ``method="permute"``: the band is shuffled across trials, the classifier sees
      ``X - X_band + X_band[perm]``. Every trial keeps a realistic spectrum (no hole at the
      band), but that band's content no longer belongs to the trial's label, as in
      permutation feature importance. Stochastic; averaged over ``n_repeats`` permutations.

    Works for any fitted scikit-learn classifier that accepts ``X`` (sktime_eeg networks,
    pyRiemann pipelines, ...), since it only needs predictions.

    Parameters
    ----------
    estimator : fitted classifier
        A fitted scikit-learn classifier (or pipeline) with ``predict`` (and
        ``predict_proba`` / ``decision_function`` when ``scoring`` needs them) that accepts
        ``X``. Checked first with :func:`sklearn.utils.validation.check_is_fitted`.
    X : array-like of shape (n_trials, n_channels, n_times), or mne.Epochs
        Evaluation EEG, preferably trials not used in fit. Epochs are passed to the
        estimator as Epochs (with the same info), arrays as float64 arrays. Float64 input
        is filtered and passed on in float64 (not rounded to float32); other dtypes are
        converted to float64.
    y : array-like of shape (n_trials,)
        True labels.
    bands : dict of str -> (float, float), default=None
        ``name -> (fmin, fmax)`` in Hz; None uses :data:`DEFAULT_BANDS` (delta, theta,
        mu/alpha, low beta, high beta, gamma). ``fmin=0`` means "below fmax" (a low-pass);
        an ``fmax`` at or above Nyquist (e.g. ``math.inf``) means "above fmin" (a high-pass).
        Bands above the Nyquist frequency are left out with a warning.
    sfreq : float, default=None
        Sampling frequency of ``X`` in Hz. Read from the Epochs' info, or, for an array,
        from ``estimator.sfreq_`` when the estimator was fitted on Epochs (for a pipeline,
        the rate its first step was fitted on, which a resampling step does not change);
        required otherwise.
    method : {"bandstop", "permute"}, default="bandstop"
        How the band is taken away (see above).
    n_repeats : int, default=10
        Permutations per band (``"permute"``), or bootstrap resamples for the spread
        (``"bandstop"``).
    scoring : str, callable or None, default=None
        A scikit-learn scorer name (e.g. ``"balanced_accuracy"``, ``"roc_auc"``) or a
        callable ``scorer(estimator, X, y)``; None is accuracy.
    random_state : int, RandomState instance or None, default=None
        Seeds the permutations or bootstrap resamples.
    transition_bandwidth : float, default=2.0
        Width in Hz of the filters' transition bands, centred on the band edges (narrower
        for bands under ``2 * transition_bandwidth`` wide or starting under
        ``transition_bandwidth / 2``; a band ending within ``transition_bandwidth / 2`` of
        Nyquist extends to it). Narrow transitions separate
        adjacent bands well but need long filters: MNE's default FIR design uses
        ``3.3 / transition_bandwidth`` seconds (1.65 s at 2 Hz), and warns when that is
        longer than the trials; widen it for short windows (e.g. 4.0 for 1 s trials).
    filter_kwargs : dict, default=None
        Extra arguments for :func:`mne.filter.filter_data`, overriding the above (e.g.
        ``{"method": "iir"}`` or ``{"fir_window": "blackman"}``).

    Returns
    -------
    pandas.DataFrame
        One row per band, in the order given, with columns ``band``, ``fmin``, ``fmax``
        (Hz, clipped to Nyquist), ``importance`` (baseline score minus the score without
        the band; mean over permutations for ``"permute"``), ``spread`` (standard deviation
        of that drop over the ``n_repeats`` permutations or bootstrap resamples) and
        ``score`` (the score without the band). ``df.attrs`` holds ``baseline_score``,
        ``method``, ``n_repeats`` and ``sfreq``.

    Raises
    ------
    sklearn.exceptions.NotFittedError
        If ``estimator`` is not fitted (checked before anything else).
    TypeError
        If ``estimator`` is not a scikit-learn estimator (has no ``fit`` method).
    ValueError
        For an array without a known sampling frequency, a malformed band, an unknown
        method, ``n_repeats`` not a positive integer, or ``transition_bandwidth`` not a
        positive finite number.

    See Also
    --------
    sklearn.inspection.permutation_importance : the same idea over features.

    Notes
    -----
    The filters are those of :func:`mne.filter.filter_data` (FIR, zero phase, ``firwin``
    design), with pass bands ``fmin + transition_bandwidth / 2`` to
    ``fmax - transition_bandwidth / 2``, so that the half-amplitude points sit on the band
    edges and adjacent bands cross over there. ``X_band`` is band-pass filtered (low-pass
    for ``fmin=0``, high-pass up to Nyquist), and ``X - X_band`` is its complement: the two
    parts add up to ``X`` exactly and ``"bandstop"`` and ``"permute"`` take away the same
    component.

    Examples
    --------
    >>> from sktime_eeg.explain import band_importance
    >>> df = band_importance(clf, X_test, y_test, sfreq=250.0)  # doctest: +SKIP
    >>> df.sort_values("importance", ascending=False).iloc[0]["band"]  # doctest: +SKIP
    'mu/alpha'
    """
    check_is_fitted(
        estimator,
        msg="band_importance needs a fitted classifier, but this %(name)s instance is not "
        "fitted yet: call its fit(X_train, y_train) first, then explain it on held-out trials.",
    )
    if method not in _METHODS:
        raise ValueError(f"method must be one of {list(_METHODS)}, got {method!r}.")
    check_positive_int(n_repeats, "n_repeats", "band_importance")
    eeg = check_eeg_data(X, keep_float64=True)  # float64 stays exact through the filters
    n_trials = eeg.data.shape[0]
    y = check_eeg_labels(y, n_trials, caller="band_importance")
    sfreq = resolve_sfreq("band_importance", sfreq, eeg.sfreq, _fitted_sfreq(estimator))
    resolved = _resolve_bands(bands, sfreq / 2.0)
    check_real(
        transition_bandwidth,
        "transition_bandwidth",
        "band_importance",
        low=0.0,
        low_inclusive=False,
    )
    transition_bandwidth = float(transition_bandwidth)
    filter_kwargs = dict(filter_kwargs or {})
    # Built-in scorers only need the estimator's outputs: compute them once per perturbed
    # data set and score bootstrap resamples from them. Custom callables get the real thing.
    cache_responses = scoring is None or isinstance(scoring, str)
    scorer = check_scoring(estimator, scoring="accuracy" if scoring is None else scoring)
    rng = check_random_state(random_state)

    # A copy: the estimator is handed this array (or Epochs around it), never the user's.
    data = np.array(eeg.data, dtype=np.float64)
    if is_epochs(X):
        info, events, tmin, event_id = X.info, X.events, X.tmin, X.event_id

        def wrap(arr: np.ndarray, idx: np.ndarray | None = None) -> Any:
            ev = events
            if idx is not None:  # a bootstrap repeats trials: give them distinct samples
                ev = events[idx].copy()
                ev[:, 0] = np.arange(idx.size)
            return mne.EpochsArray(
                arr, info, events=ev, tmin=tmin, event_id=event_id, baseline=None, verbose=False
            )
    else:

        def wrap(arr: np.ndarray, idx: np.ndarray | None = None) -> Any:
            return arr

    def scores(arr: np.ndarray, resamples: list[np.ndarray]) -> tuple[float, np.ndarray]:
        """Score on all trials of ``arr`` and on each bootstrap resample of them."""
        if cache_responses:  # predict once, score the resamples from the stored outputs
            cached = _CachedResponses(estimator, wrap(arr))
            full = float(scorer(cached, np.arange(n_trials), y))
            return full, np.array([scorer(cached, idx, y[idx]) for idx in resamples])
        full = float(scorer(estimator, wrap(arr), y))
        return full, np.array([scorer(estimator, wrap(arr[idx], idx), y[idx]) for idx in resamples])

    boot = (
        [rng.randint(0, n_trials, n_trials) for _ in range(n_repeats)]
        if method == "bandstop"
        else []
    )
    baseline, boot_baseline = scores(data, boot)

    rows = []
    for name, fmin, fmax in resolved:
        band_part = _band_component(data, sfreq, fmin, fmax, transition_bandwidth, filter_kwargs)
        rest = data - band_part
        if method == "bandstop":
            band_score, boot_scores = scores(rest, boot)
            drops = boot_baseline - boot_scores
            importance = baseline - band_score
        else:
            permuted = np.array(
                [
                    scores(rest + band_part[rng.permutation(n_trials)], [])[0]
                    for _ in range(n_repeats)
                ]
            )
            drops = baseline - permuted
            band_score = float(permuted.mean())
            importance = float(drops.mean())
        rows.append(
            {
                "band": name,
                "fmin": fmin,
                "fmax": fmax,
                "importance": float(importance),
                "spread": float(drops.std(ddof=1)) if n_repeats > 1 else 0.0,
                "score": float(band_score),
            }
        )
    frame = pd.DataFrame(rows, columns=["band", "fmin", "fmax", "importance", "spread", "score"])
    frame.attrs.update(
        {"baseline_score": baseline, "method": method, "n_repeats": n_repeats, "sfreq": sfreq}
    )
    return frame
