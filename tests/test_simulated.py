"""Tests of the simulated motor-imagery dataset (``sktime_eeg.datasets.make_motor_imagery``)."""

from __future__ import annotations

import warnings

import mne
import numpy as np
import pytest
from pyriemann.estimation import Covariances
from pyriemann.spatialfilters import CSP
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from threadpoolctl import threadpool_limits

from sktime_eeg.datasets import MONTAGES, make_motor_imagery, subject_parameters


def _log_band_power(X, sfreq, band, tmin=1.0):
    """Mean log power (n_trials, n_channels) in ``band`` from ``tmin`` s to the end."""
    start = int(tmin * sfreq)
    psd, _ = mne.time_frequency.psd_array_welch(
        X[..., start:], sfreq, fmin=band[0], fmax=band[1], n_fft=int(sfreq), verbose="error"
    )
    return np.log(psd.mean(axis=-1))


def _band_limited(x, sfreq, band):
    """``x`` (..., n_times) with every frequency outside ``band`` removed (FFT mask)."""
    freqs = np.fft.rfftfreq(x.shape[-1], 1 / sfreq)
    mask = (freqs >= band[0]) & (freqs <= band[1])
    return np.fft.irfft(np.fft.rfft(x, axis=-1) * mask, n=x.shape[-1], axis=-1)


def _csp_lda_accuracy(X, y, sfreq=250.0):
    """5-fold CSP+LDA accuracy on the 8-30 Hz band (per-trial covariances computed once)."""
    X = mne.filter.filter_data(X, sfreq, 8.0, 30.0, method="iir", verbose="error")
    covs = Covariances("oas").fit_transform(X)
    clf = make_pipeline(CSP(nfilter=4, log=True), LinearDiscriminantAnalysis())
    return cross_val_score(clf, covs, y, cv=StratifiedKFold(5, shuffle=True, random_state=0)).mean()


@pytest.mark.parametrize(
    ("montage", "n_channels"),
    [("bci_iv_2b", 3), ("bci_iv_2a", 22), ("physionet_64", 64), (["Fp1", "C3", "Oz"], 3)],
)
def test_shapes_units_and_labels(montage, n_channels):
    X, y = make_motor_imagery(30, montage=montage, sfreq=100.0, duration=2.0, random_state=0)
    assert X.shape == (30, n_channels, 200)
    assert X.dtype == np.float64
    # volts, realistic EEG amplitudes: tens of microvolts per channel
    rms = X.std(axis=(0, 2))
    assert np.all((rms > 10e-6) & (rms < 40e-6)), rms
    assert y.dtype.kind == "U"
    assert sorted(np.unique(y, return_counts=True)[1]) == [15, 15]


def test_classes_balanced_in_given_order_and_shuffled():
    _, y = make_motor_imagery(
        7, classes=("feet", "tongue", "left_hand"), montage="bci_iv_2b", random_state=1
    )
    values, counts = np.unique(y, return_counts=True)
    assert dict(zip(values, counts, strict=True)) == {"feet": 3, "tongue": 2, "left_hand": 2}
    _, y = make_motor_imagery(200, montage="bci_iv_2b", random_state=1)
    assert (y[:100] == "left_hand").mean() not in (0.0, 1.0)  # not sorted by class


def test_deterministic_for_an_int_seed():
    X1, y1 = make_motor_imagery(20, montage="bci_iv_2b", random_state=3)
    X2, y2 = make_motor_imagery(20, montage="bci_iv_2b", random_state=3)
    X3, _ = make_motor_imagery(20, montage="bci_iv_2b", random_state=4)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    assert not np.allclose(X1, X3)
    X4, _ = make_motor_imagery(20, montage="bci_iv_2b", random_state=np.random.default_rng(3))
    np.testing.assert_array_equal(X1, X4)
    X5, _ = make_motor_imagery(20, montage="bci_iv_2b", random_state=np.random.RandomState(0))
    assert X5.shape == X1.shape


def test_return_epochs_matches_arrays():
    classes = ("right_hand", "left_hand", "feet")
    X, y = make_motor_imagery(12, classes=classes, random_state=0)
    epochs, y_ep = make_motor_imagery(12, classes=classes, return_epochs=True, random_state=0)
    assert isinstance(epochs, mne.EpochsArray)
    np.testing.assert_array_equal(epochs.get_data(), X)
    np.testing.assert_array_equal(y_ep, y)
    assert epochs.ch_names == list(MONTAGES["bci_iv_2a"])
    assert epochs.info["sfreq"] == 250.0 and epochs.tmin == 0.0
    assert epochs.event_id == {"right_hand": 1, "left_hand": 2, "feet": 3}
    np.testing.assert_array_equal(epochs.metadata["label"].to_numpy(), y)
    codes = np.array([epochs.event_id[label] for label in y])
    np.testing.assert_array_equal(epochs.events[:, 2], codes)
    # standard 10-05 positions are set, in the frame of the ground truth's source positions
    pos = epochs.get_montage().get_positions()["ch_pos"]
    assert list(pos) == epochs.ch_names
    _, _, truth = make_motor_imagery(4, return_truth=True, random_state=0)
    for source, electrode in truth.reference_electrodes.items():
        if electrode in pos:
            distance = np.linalg.norm(truth.source_positions[truth.source_names.index(source)]
                                      - pos[electrode])  # fmt: skip
            assert 0.03 < distance < 0.07, (source, distance)


def test_truth_bunch():
    X, y, truth = make_motor_imagery(
        40, classes=("left_hand", "right_hand", "feet", "tongue"), montage="bci_iv_2a",
        return_truth=True, random_state=0,
    )  # fmt: skip
    n_sources = len(truth.source_names)
    assert truth.source_names == [
        "left_hand_area", "right_hand_area", "feet_area", "tongue_area_left", "tongue_area_right"
    ]  # fmt: skip
    assert truth.band == (8.0, 13.0) and truth.sfreq == 250.0
    assert truth.ch_names == list(MONTAGES["bci_iv_2a"])
    assert truth.patterns.shape == (n_sources, 22)
    assert truth.source_positions.shape == truth.source_orientations.shape == (n_sources, 3)
    assert truth.class_sources == {
        "left_hand": ("left_hand_area",),
        "right_hand": ("right_hand_area",),
        "feet": ("feet_area",),
        "tongue": ("tongue_area_left", "tongue_area_right"),
    }
    # each pattern is 1 at the electrode above its source, and largest there
    for k, name in enumerate(truth.source_names[:3]):  # the tongue areas are under FCC5h/6h
        ref = truth.ch_names.index(truth.reference_electrodes[name])
        assert truth.patterns[k, ref] == pytest.approx(1.0)
        assert np.argmax(truth.patterns[k]) == ref
    assert truth.reference_electrodes["tongue_area_left"] == "FCC5h"
    # left-hand area lies in the right hemisphere (MNE head coordinates: +x is right)
    assert truth.source_positions[0, 0] > 0.03 and truth.source_positions[1, 0] < -0.03
    assert truth.erd_onsets.shape == (40,)
    assert truth.peak_frequencies.shape == truth.amplitudes.shape == (40, n_sources)
    assert np.all((truth.peak_frequencies >= 8) & (truth.peak_frequencies <= 13))
    assert truth.source_signals.shape == (40, n_sources, 1000)
    # the power drops on the planted sources only
    changes = truth.trial_power_changes
    assert np.all(changes[y == "left_hand", 0] <= 0) and np.all(changes[y == "feet", 0] >= 0)
    assert np.all(changes[y == "feet", 2] <= 0) and np.all(changes[y == "left_hand", 2] == 0)
    # the truth does not expose cached arrays: changing it leaves the next call unchanged
    truth.patterns[:] = 0
    _, _, truth2 = make_motor_imagery(4, return_truth=True, random_state=0)
    assert truth2.patterns[0, truth.ch_names.index("C4")] == pytest.approx(1.0)


def test_snr_is_the_in_band_amplitude_ratio_at_the_source_electrode():
    snr = 2.0
    X, _, truth = make_motor_imagery(
        60, montage="bci_iv_2b", snr=snr, return_truth=True, random_state=0
    )
    noise = X - np.matmul(truth.patterns.T, truth.source_signals)
    c3 = truth.ch_names.index("C3")
    noise_rms = _band_limited(noise[:, c3], truth.sfreq, truth.band).std()
    source = truth.source_names.index("right_hand_area")
    assert np.median(truth.amplitudes[:, source]) == pytest.approx(snr * noise_rms, rel=0.1)
    # the resting rhythm (before the ERD onset) has about that amplitude
    rest = truth.source_signals[:, source, : int(0.25 * truth.sfreq)]
    assert np.sqrt(np.mean(rest**2)) == pytest.approx(snr * noise_rms, rel=0.25)


def test_lateralized_erd_at_c3_c4():
    X, y = make_motor_imagery(200, montage="bci_iv_2b", random_state=0)
    power = _log_band_power(X, 250.0, (8.0, 13.0))
    c3, c4 = MONTAGES["bci_iv_2b"].index("C3"), MONTAGES["bci_iv_2b"].index("C4")
    left, right = y == "left_hand", y == "right_hand"
    # left-hand imagery: less mu power over the right hemisphere (C4), and vice versa
    assert power[left, c4].mean() - power[right, c4].mean() < -0.2
    assert power[right, c3].mean() - power[left, c3].mean() < -0.2


def test_beta_band_plants_the_erd_in_beta_not_mu():
    X, y = make_motor_imagery(200, montage="bci_iv_2b", band="beta", random_state=0)
    left, right = y == "left_hand", y == "right_hand"
    c4 = MONTAGES["bci_iv_2b"].index("C4")
    beta = _log_band_power(X, 250.0, (15.0, 25.0))
    mu = _log_band_power(X, 250.0, (8.0, 13.0))
    assert beta[left, c4].mean() - beta[right, c4].mean() < -0.2
    assert abs(mu[left, c4].mean() - mu[right, c4].mean()) < 0.05


def test_feet_imagery_lowers_mu_at_cz_and_raises_it_at_c3_c4():
    X, y = make_motor_imagery(
        200, classes=("feet", "left_hand"), montage="bci_iv_2b", snr=2.0, random_state=0
    )
    power = _log_band_power(X, 250.0, (8.0, 13.0))
    feet, hand = y == "feet", y == "left_hand"
    diff = power[feet].mean(axis=0) - power[hand].mean(axis=0)  # C3, Cz, C4
    assert diff[1] < -0.1  # focal ERD at Cz
    assert diff[2] > 0.1  # surround ERS over the (left-)hand area, C4


def test_csp_lda_accuracy_is_realistic_and_rises_with_snr():
    # one BLAS thread: small matrices, and threads oversubscribe a busy machine (10x slower)
    with threadpool_limits(1):
        accuracies = [
            _csp_lda_accuracy(*make_motor_imagery(200, snr=snr, random_state=0))
            for snr in (0.25, 1.0, 4.0)
        ]
    assert accuracies[0] < accuracies[1] < accuracies[2], accuracies
    assert accuracies[0] < 0.7
    assert 0.7 <= accuracies[1] <= 0.92  # default snr: realistic, not trivially separable
    assert accuracies[2] < 1.0


def test_blinks_on_frontal_channels():
    kwargs = dict(n_trials=20, montage=["Fp1", "Fz", "Cz", "Oz"], random_state=0)
    X0, _ = make_motor_imagery(**kwargs)
    X1, _, truth = make_motor_imagery(**kwargs, blinks=True, return_truth=True)
    blink = X1 - X0  # same seed: the blinks are the only difference
    assert truth.blink_times.size > 0
    np.testing.assert_array_equal(np.unique(truth.blink_trials), np.flatnonzero(
        np.abs(blink).max(axis=(1, 2)) > 0))  # fmt: skip
    peak = np.abs(blink).max(axis=(0, 2))  # Fp1 > Fz > Cz > Oz
    assert np.all(np.diff(peak) < 0) and peak[0] > 50e-6
    np.testing.assert_allclose(peak / peak[0], truth.blink_pattern / truth.blink_pattern[0])


def test_blinks_need_frontal_channels():
    X0, _ = make_motor_imagery(10, montage="bci_iv_2b", random_state=0)
    with pytest.warns(UserWarning, match="no frontal channel"):
        X1, _ = make_motor_imagery(10, montage="bci_iv_2b", blinks=True, random_state=0)
    np.testing.assert_array_equal(X0, X1)


def test_inputs_not_modified():
    classes = ["left_hand", "right_hand"]
    montage = ["C3", "Cz", "C4"]
    make_motor_imagery(4, classes=classes, montage=montage, random_state=0)
    assert classes == ["left_hand", "right_hand"] and montage == ["C3", "Cz", "C4"]


def _positive_int(name, value):
    return rf"^make_motor_imagery: {name} must be a positive integer, got {value}\.$"


def _real(name, interval, value):
    return rf"^make_motor_imagery: {name} must be a real number in {interval}, got {value}\.$"


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"classes": ("left_hand", "jaw")}, ValueError, "Valid classes: left_hand, right_hand"),
        ({"classes": "left_hand"}, TypeError, "sequence of class names"),
        ({"classes": ("feet", "feet")}, ValueError, "duplicates"),
        ({"classes": ()}, ValueError, "empty"),
        ({"montage": "bci_iv_2c"}, ValueError, "Valid montages: 'bci_iv_2b', 'bci_iv_2a'"),
        ({"montage": ["C3", "cz"]}, ValueError, "Did you mean: 'cz' -> 'Cz'"),
        ({"montage": ["C3", "XYZ"]}, ValueError, r"Unknown channel name\(s\) \['XYZ'\]"),
        ({"montage": ["C3", "C3"]}, ValueError, "more than once"),
        ({"montage": []}, ValueError, "empty"),
        ({"n_trials": 1}, ValueError, "smaller than the number of classes"),
        ({"n_trials": 10.0}, ValueError, _positive_int("n_trials", "10.0")),
        ({"n_trials": 0}, ValueError, _positive_int("n_trials", "0")),
        ({"n_trials": True}, ValueError, _positive_int("n_trials", "True")),
        ({"band": "alpha"}, ValueError, "Valid bands: 'mu' .8-13 Hz., 'beta'"),
        ({"band": (13, 8)}, ValueError, "0 < low < high"),
        ({"band": "beta", "sfreq": 40.0}, ValueError, "use sfreq > 50 Hz"),
        ({"sfreq": 0}, ValueError, _real("sfreq", r"\(0, inf\)", "0")),
        ({"sfreq": "250"}, ValueError, _real("sfreq", r"\(0, inf\)", "'250'")),
        ({"sfreq": np.inf}, ValueError, _real("sfreq", r"\(0, inf\)", "inf")),
        ({"duration": -1.0}, ValueError, _real("duration", r"\(0, inf\)", "-1.0")),
        ({"duration": np.nan}, ValueError, _real("duration", r"\(0, inf\)", "nan")),
        ({"duration": 0.001}, ValueError, r"duration=0\.001 s \(0 samples at 250 Hz\) is too"),
        ({"snr": -1.0}, ValueError, _real("snr", r"\[0, inf\)", "-1.0")),
        ({"snr": np.inf}, ValueError, _real("snr", r"\[0, inf\)", "inf")),
        ({"snr": True}, ValueError, _real("snr", r"\[0, inf\)", "True")),
        ({"random_state": "seed"}, TypeError, "random_state must be"),
    ],
)
def test_errors(kwargs, error, match):
    kwargs = {"n_trials": 10, **kwargs}
    with pytest.raises(error, match=match):
        make_motor_imagery(**kwargs)


def test_zero_snr_is_pure_noise():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        X, _, truth = make_motor_imagery(4, snr=0.0, return_truth=True, random_state=0)
    assert np.all(truth.source_signals == 0)
    assert 15e-6 < X.std() < 25e-6


@pytest.mark.parametrize(
    ("duration", "sfreq", "band", "before"),
    [
        (0.02, 250.0, "mu", "NaN"),  # 5 samples: the rhythm's spectrum underflows, 0 / 0
        (0.15, 250.0, "mu", "no rhythm"),  # FFT frequencies 6.6 and 13.2 Hz miss 8-13 Hz
        (0.04, 250.0, "mu", "no rhythm"),
        (0.08, 64.0, "beta", "no rhythm"),  # 5 samples: 12.8 and 25.6 Hz miss 15-25 Hz
    ],
)
def test_too_short_duration_names_the_minimum(duration, sfreq, band, before):
    """Before: NaN values or a rhythm of amplitude 0, without an error."""
    low, high = {"mu": (8, 13), "beta": (15, 25)}[band]
    n_times = round(duration * sfreq)
    n_min = int(np.ceil(sfreq / (high - low)))
    with pytest.raises(
        ValueError,
        match=rf"^make_motor_imagery: duration={duration:g} s \({n_times} samples at "
        rf"{sfreq:g} Hz\) is too short for the {low}-{high} Hz band\. Trials shorter than "
        rf"1 / \(band width\) = {1 / (high - low):g} s resolve frequencies farther apart than "
        r"the band is wide, so the rhythm can fall between them \(no signal, or NaN values\)\. "
        rf"Use duration >= {n_min / sfreq:.6g} s \(at least {n_min} samples at {sfreq:g} Hz\), "
        r"or a wider band\.$",
    ):
        make_motor_imagery(4, montage="bci_iv_2b", sfreq=sfreq, duration=duration, band=band)


@pytest.mark.parametrize("band", ["mu", "beta", (10.0, 15.0), (20.0, 21.0)])
@pytest.mark.parametrize("sfreq", [62.0, 64.0, 100.0, 250.0])
def test_minimum_duration_is_exact_and_gives_a_finite_rhythm(band, sfreq):
    """ceil(sfreq / band width) samples work (finite data, a rhythm in the band); one less
    is an error."""
    low, high = {"mu": (8.0, 13.0), "beta": (15.0, 25.0)}.get(band, band)
    if high >= sfreq / 2:
        pytest.skip("band above Nyquist")
    n_min = int(np.ceil(sfreq / (high - low)))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no division warnings either
        X, _, truth = make_motor_imagery(
            4, montage="bci_iv_2b", sfreq=sfreq, duration=n_min / sfreq, band=band,
            return_truth=True, random_state=0,
        )  # fmt: skip
    assert X.shape[-1] == n_min
    assert np.isfinite(X).all() and np.isfinite(truth.source_signals).all()
    assert (truth.amplitudes > 0).all() and (np.abs(truth.source_signals).max(axis=-1) > 0).all()
    freqs = np.fft.rfftfreq(n_min, 1 / sfreq)
    assert ((freqs >= low) & (freqs <= high)).any()
    with pytest.raises(ValueError, match=rf"Use duration >= {n_min / sfreq:.6g} s"):
        make_motor_imagery(
            4, montage="bci_iv_2b", sfreq=sfreq, duration=(n_min - 1) / sfreq, band=band
        )


# -- subjects ----------------------------------------------------------------------------------
def test_subject_none_is_the_template_head():
    kwargs = dict(n_trials=10, montage="bci_iv_2b", random_state=0)
    X0, y0, truth0 = make_motor_imagery(**kwargs, return_truth=True)
    X1, y1, truth1 = make_motor_imagery(**kwargs, subject=None, return_truth=True)
    np.testing.assert_array_equal(X0, X1)
    np.testing.assert_array_equal(y0, y1)
    assert truth0.subject is None and truth0.subject_parameters is None


def test_same_subject_is_reproducible_and_sessions_share_the_subject():
    kwargs = dict(n_trials=10, montage="bci_iv_2a", subject=3, return_truth=True)
    X1, y1, t1 = make_motor_imagery(**kwargs, random_state=0)
    X2, y2, t2 = make_motor_imagery(**kwargs, random_state=0)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    # another session (random_state) of the same subject: other trials, the same person
    X3, _, t3 = make_motor_imagery(**kwargs, random_state=1)
    assert not np.allclose(X1, X3)
    np.testing.assert_array_equal(t1.patterns, t3.patterns)
    assert t1.band == t3.band and t1.snr == t3.snr
    assert t1.subject == 3
    params = subject_parameters(3)
    assert params.keys() == t1.subject_parameters.keys()
    np.testing.assert_array_equal(params["source_positions"], t1.source_positions)
    params["source_positions"][:] = 0  # a copy: the cache is untouched
    assert np.all(subject_parameters(3)["source_positions"] != 0)


def test_two_subjects_differ_in_snr_band_geometry_and_noise():
    kwargs = dict(n_trials=20, montage="bci_iv_2a", snr=1.0, return_truth=True, random_state=0)
    X0, _, t0 = make_motor_imagery(**kwargs)
    X1, y1, t1 = make_motor_imagery(**kwargs, subject=1)
    X2, y2, t2 = make_motor_imagery(**kwargs, subject=2)
    p1, p2 = subject_parameters(1), subject_parameters(2)
    # snr: scaled by the subject's factor
    assert t1.snr == pytest.approx(p1["snr_factor"]) and t2.snr == pytest.approx(p2["snr_factor"])
    assert t1.snr != t2.snr
    # band: shifted by band_shift band widths (mu: 5 Hz wide), peaks inside the subject's band
    for truth, params in ((t1, p1), (t2, p2)):
        shift = params["band_shift"] * 5.0
        assert truth.band == pytest.approx((8.0 + shift, 13.0 + shift))
        assert np.all((truth.peak_frequencies >= truth.band[0])
                      & (truth.peak_frequencies <= truth.band[1]))  # fmt: skip
    # geometry: sources moved by millimetres to centimetres, patterns changed but similar
    for truth in (t1, t2):
        moved = np.linalg.norm(truth.source_positions - t0.source_positions, axis=1)
        assert np.all(moved < 0.05) and moved.max() > 0.002
        corr = [np.corrcoef(a, b)[0, 1] for a, b in zip(truth.patterns, t0.patterns, strict=True)]
        assert min(corr) > 0.3 and max(corr) < 0.9999
        # still normalised to 1 at the (cap-rotated) reference electrode
        for k, name in enumerate(truth.source_names[:3]):
            ref = truth.ch_names.index(truth.reference_electrodes[name])
            assert truth.patterns[k, ref] == pytest.approx(1.0)
    assert not np.allclose(t1.patterns, t2.patterns)
    # noise: two subjects with the same random_state do not share noise or label order
    assert abs(np.corrcoef(X1.ravel(), X2.ravel())[0, 1]) < 0.05
    assert not np.array_equal(y1, y2)


def test_subject_snr_is_the_in_band_ratio_at_the_source_electrode():
    X, _, truth = make_motor_imagery(
        60, montage="bci_iv_2b", subject=4, return_truth=True, random_state=0
    )
    noise = X - np.matmul(truth.patterns.T, truth.source_signals)
    c3 = truth.ch_names.index("C3")
    noise_rms = _band_limited(noise[:, c3], truth.sfreq, truth.band).std()
    source = truth.source_names.index("right_hand_area")
    assert np.median(truth.amplitudes[:, source]) == pytest.approx(truth.snr * noise_rms, rel=0.1)


def test_subject_population_matches_the_documented_spread():
    params = [subject_parameters(k) for k in range(1, 301)]
    log_snr = np.log([p["snr_factor"] for p in params])
    assert abs(log_snr.mean()) < 0.1 and 0.4 < log_snr.std() < 0.6
    shifts = np.array([p["band_shift"] for p in params])
    assert np.all(np.abs(shifts) <= 0.4) and 0.15 < shifts.std() < 0.25
    rotation = np.array([p["cap_rotation"] for p in params])
    assert np.all(np.abs(rotation) <= 8.0) and 3.0 < rotation.std() < 4.5


def test_shifted_band_stays_below_nyquist():
    # beta (15-25 Hz) at 52 Hz: Nyquist 26 Hz leaves 1 Hz; every subject's band fits under it
    for subject in range(1, 30):
        _, _, truth = make_motor_imagery(
            4, montage="bci_iv_2b", band="beta", sfreq=52.0, subject=subject,
            return_truth=True, random_state=0,
        )  # fmt: skip
        assert 0 < truth.band[0] and truth.band[1] < 26.0


@pytest.mark.parametrize("subject", [0, -1, 1.5, True, "1"])
def test_subject_must_be_a_positive_integer(subject):
    with pytest.raises(ValueError, match=r"subject must be None or a positive integer"):
        make_motor_imagery(4, montage="bci_iv_2b", subject=subject)
