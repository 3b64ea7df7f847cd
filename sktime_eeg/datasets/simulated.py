"""Simulated motor-imagery EEG with a known ground truth.

The generative model (documented in :func:`make_motor_imagery` and in the user guide):

1. **Head and electrodes.** Electrode directions come from MNE's standard 10-05 template;
   they are projected on a sphere fitted to the template (radius 9.9 cm).
2. **Sources.** Five radial current dipoles in sensorimotor cortex, each placed beneath a
   reference electrode: the left-hand area beneath C4, the right-hand area beneath C3, the
   feet area beneath Cz (deeper, on the mesial surface) and the two tongue areas beneath
   FCC5h / FCC6h (lateral and inferior to the hand areas).
3. **Mixing.** Each source reaches the electrodes through the potential of a current dipole
   in an infinite homogeneous conductor, ``q . (r_e - r_s) / |r_e - r_s|^3``. The sources
   sit deeper than the real cortex (4.5-5.5 cm) so the topographies are as broad as the
   skull's blurring makes them; each pattern is 1 at its reference electrode.
4. **Rhythm.** Each source carries a narrow-band Gaussian process in the chosen band (mu or
   beta) whose peak frequency, amplitude and event-related (de)synchronisation vary from
   trial to trial. During imagery the power of the rhythm over the cortical area of the
   imagined body part drops (ERD), weaker over the ipsilateral hand area, and rises in the
   hand areas during feet or tongue imagery (focal ERD / surround ERS).
5. **Background.** Spatially correlated 1/f^1.5 noise, with the spatial correlation of
   many independent radial dipoles spread over the cortex, plus 1 uV of white sensor noise.
6. **Artifacts.** Optional eye blinks, largest at the frontal pole and decaying with the
   distance from it.
7. **Subjects.** With ``subject=k``, subject k differs from the template head as people do:
   a signal-to-noise factor, a shifted rhythm band, displaced and tilted sources and a
   rotated electrode cap, all drawn from the subject number alone (see
   :func:`subject_parameters`).
"""

from __future__ import annotations

import math
import numbers
import warnings
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import numpy as np
from sklearn.utils import Bunch

from .._validation import check_positive_int, check_real
from ._montage import _sphere, is_frontal, resolve_channels, standard_montage

__all__ = ["make_motor_imagery", "subject_parameters", "MI_CLASSES", "BANDS", "SOURCES"]

#: Class names accepted by :func:`make_motor_imagery`.
MI_CLASSES: tuple[str, ...] = ("left_hand", "right_hand", "feet", "tongue")

#: Named frequency bands (Hz) of the sensorimotor rhythm.
BANDS: dict[str, tuple[float, float]] = {"mu": (8.0, 13.0), "beta": (15.0, 25.0)}

#: Simulated cortical sources: name -> (10-05 electrode above it, depth below the scalp in m,
#: resting amplitude of its rhythm relative to the hand areas').
SOURCES: dict[str, tuple[str, float, float]] = {
    "left_hand_area": ("C4", 0.045, 1.0),  # right hemisphere
    "right_hand_area": ("C3", 0.045, 1.0),  # left hemisphere
    "feet_area": ("Cz", 0.055, 0.8),  # mesial surface, deeper
    "tongue_area_left": ("FCC5h", 0.045, 0.6),  # left hemisphere, lateral-inferior
    "tongue_area_right": ("FCC6h", 0.045, 0.6),  # right hemisphere, lateral-inferior
}

# Mean relative change of the rhythm's power (-0.7: 70 % lower) during each imagery task.
_POWER_CHANGES: dict[str, dict[str, float]] = {
    "left_hand": {"left_hand_area": -0.7, "right_hand_area": -0.2},
    "right_hand": {"right_hand_area": -0.7, "left_hand_area": -0.2},
    "feet": {"feet_area": -0.7, "left_hand_area": 0.25, "right_hand_area": 0.25},
    "tongue": {
        "tongue_area_left": -0.7,
        "tongue_area_right": -0.7,
        "left_hand_area": 0.25,
        "right_hand_area": 0.25,
    },
}

# The sources of each class's main (planted) ERD.
_CLASS_SOURCES: dict[str, tuple[str, ...]] = {
    "left_hand": ("left_hand_area",),
    "right_hand": ("right_hand_area",),
    "feet": ("feet_area",),
    "tongue": ("tongue_area_left", "tongue_area_right"),
}

_NOISE_RMS = 20e-6  # broadband background RMS per channel, volts
_NOISE_EXPONENT = 1.5  # background power spectral density ~ 1 / f ** exponent
_NOISE_FLAT_BELOW = 1.0  # Hz, the spectrum is flat below this frequency
_SENSOR_NOISE_RMS = 1e-6  # white amplifier noise, volts
_BACKGROUND_DEPTH = 0.05  # m, depth of the background dipoles
_N_BACKGROUND = 400  # number of background dipoles spread over the cortex
_PEAK_SD = 1 / 6  # sd of the rhythm's spectral peak, as a fraction of the band width
_AMPLITUDE_SD = 0.15  # sd of the log of the per-trial rhythm amplitude factor
_ERD_STRENGTH_SD = 0.3  # sd of the per-trial factor on the class's power changes
_ONSET = 0.5  # s after the cue, mean ERD onset (at most duration / 4)
_ONSET_SD = 0.15  # s
_RISE = 0.1  # s, time constant of the logistic ERD onset
_BLINK_RATE = 0.2  # blinks per second
_BLINK_AMPLITUDE = (80e-6, 200e-6)  # V at the frontal pole
_BLINK_DURATION = (0.2, 0.4)  # s
_BLINK_PLATEAU = 0.035  # m, blink field is flat within this distance of Fpz ...
_BLINK_DECAY = 0.04  # m, ... and decays exponentially beyond it

# Between-subject variability (``subject=k``): drawn from the subject number only.
_SUBJECT_ENTROPY = 0x5EED_5B1  # fixed, so subject k is the same person on every machine
_SUBJECT_SNR_SD = 0.5  # sd of the log of the subject's snr factor (95 %: x0.37 to x2.7)
_SUBJECT_BAND_SD = 0.2  # sd of the band shift, in band widths (1 Hz for mu) ...
_SUBJECT_BAND_MAX = 0.4  # ... clipped to +-0.4 band widths
_SUBJECT_SOURCE_SD = 0.01  # m, sd of each source's displacement along the scalp
_SUBJECT_DEPTH_SD = 0.005  # m, sd of each source's depth change
_SUBJECT_TILT_SD = 20.0  # degrees, sd of each source orientation's tilt from radial
_SUBJECT_CAP_SD = 4.0  # degrees, sd of the cap's rotation about each axis (4 deg ~ 7 mm) ...
_SUBJECT_CAP_MAX = 8.0  # ... clipped to +-8 degrees (~14 mm)


def _dipole_potentials(src_pos, src_ori, elec_pos):
    """Potential (up to a constant) at ``elec_pos`` (n_e, 3) of dipoles (n_s, 3) -> (n_s, n_e)."""
    diff = elec_pos[np.newaxis] - src_pos[:, np.newaxis]
    dist = np.linalg.norm(diff, axis=-1)
    return np.einsum("sk,sek->se", src_ori, diff) / dist**3


def _source_geometry() -> tuple[np.ndarray, np.ndarray]:
    """Positions (m) and radial orientations of the sources of :data:`SOURCES`."""
    center, radius, on_sphere = _sphere()
    directions = np.array([on_sphere[ref] - center for ref, _, _ in SOURCES.values()]) / radius
    depths = np.array([depth for _, depth, _ in SOURCES.values()])
    positions = center + directions * (radius - depths)[:, np.newaxis]
    return positions, directions


def _fibonacci_directions(n: int, min_z: float) -> np.ndarray:
    """About ``n`` evenly spread unit vectors with z >= ``min_z``."""
    z = 1 - (np.arange(n) + 0.5) * (1 - min_z) / n
    phi = np.arange(n) * np.pi * (3 - np.sqrt(5))
    r = np.sqrt(1 - z**2)
    return np.column_stack([r * np.cos(phi), r * np.sin(phi), z])


def _rotation(angles_deg: np.ndarray) -> np.ndarray:
    """Rotation matrix of successive rotations about x, y and z by ``angles_deg``."""
    ax, ay, az = np.deg2rad(angles_deg)
    rx = np.array([[1, 0, 0], [0, np.cos(ax), -np.sin(ax)], [0, np.sin(ax), np.cos(ax)]])
    ry = np.array([[np.cos(ay), 0, np.sin(ay)], [0, 1, 0], [-np.sin(ay), 0, np.cos(ay)]])
    rz = np.array([[np.cos(az), -np.sin(az), 0], [np.sin(az), np.cos(az), 0], [0, 0, 1]])
    return rz @ ry @ rx


@lru_cache(maxsize=64)
def _subject_geometry(subject: int) -> dict[str, Any]:
    """The subject's draws: snr factor, band shift, source displacement and tilt, cap rotation."""
    rng = np.random.default_rng([_SUBJECT_ENTROPY, subject])
    center, radius, _ = _sphere()
    positions, directions = _source_geometry()
    n_sources = len(SOURCES)
    # Displacement along the scalp: the tangential part of an isotropic Gaussian step.
    step = rng.normal(0.0, _SUBJECT_SOURCE_SD, (n_sources, 3))
    step -= np.sum(step * directions, axis=1, keepdims=True) * directions
    depth = rng.normal(0.0, _SUBJECT_DEPTH_SD, n_sources)
    moved = positions + step
    unit = (moved - center) / np.linalg.norm(moved - center, axis=1, keepdims=True)
    old_depth = radius - np.linalg.norm(positions - center, axis=1)
    new_depth = np.clip(old_depth + depth, 0.02, 0.07)
    new_positions = center + unit * (radius - new_depth)[:, np.newaxis]
    # Orientation: radial at the new place, tilted by ~N(0, 20 deg) in a random direction.
    tilt = np.deg2rad(rng.normal(0.0, _SUBJECT_TILT_SD, n_sources))
    side = rng.normal(size=(n_sources, 3))
    side -= np.sum(side * unit, axis=1, keepdims=True) * unit
    side /= np.linalg.norm(side, axis=1, keepdims=True)
    orientations = np.cos(tilt)[:, np.newaxis] * unit + np.sin(tilt)[:, np.newaxis] * side
    out = {
        "snr_factor": float(np.exp(rng.normal(0.0, _SUBJECT_SNR_SD))),
        "band_shift": float(
            np.clip(rng.normal(0.0, _SUBJECT_BAND_SD), -_SUBJECT_BAND_MAX, _SUBJECT_BAND_MAX)
        ),
        "source_positions": new_positions,
        "source_orientations": orientations,
        "cap_rotation": np.clip(
            rng.normal(0.0, _SUBJECT_CAP_SD, 3), -_SUBJECT_CAP_MAX, _SUBJECT_CAP_MAX
        ),
    }
    for value in out.values():
        if isinstance(value, np.ndarray):
            value.setflags(write=False)
    return out


def subject_parameters(subject: int) -> dict[str, Any]:
    """How simulated subject ``subject`` differs from the template head.

    Drawn from the subject number alone (the same on every call and machine), independent of
    ``random_state``, which draws the trials: ``make_motor_imagery(subject=3,
    random_state=s)`` for several ``s`` gives several sessions of one person.

    Parameters
    ----------
    subject : int
        Subject number, >= 1.

    Returns
    -------
    dict
        - ``snr_factor``: the subject's ``snr`` is ``snr * snr_factor`` (log-normal, sd 0.5
          of the log: 95 % of subjects between x0.37 and x2.7);
        - ``band_shift``: the rhythm band is shifted by ``band_shift`` band widths
          (Gaussian, sd 0.2, clipped to +-0.4: about 1 Hz sd for mu);
        - ``source_positions``, ``source_orientations`` (n_sources, 3): each source moved
          along the scalp (sd 1 cm per axis), its depth changed (sd 0.5 cm, kept within 2-7
          cm) and its orientation tilted from radial (sd 20 degrees);
        - ``cap_rotation`` (3,): the electrode cap is rotated about the head's x, y and z
          axes by these angles in degrees (sd 4, about 7 mm at the vertex; clipped to +-8),
          so every
          electrode sits elsewhere on the head than its nominal 10-05 position.

    Examples
    --------
    >>> from sktime_eeg.datasets import subject_parameters
    >>> sorted(subject_parameters(1))
    ['band_shift', 'cap_rotation', 'snr_factor', 'source_orientations', 'source_positions']
    """
    check_positive_int(subject, "subject", "subject_parameters")
    geometry = _subject_geometry(int(subject))
    return {k: v.copy() if isinstance(v, np.ndarray) else v for k, v in geometry.items()}


@lru_cache(maxsize=64)
def _forward(ch_names: tuple[str, ...], subject: int | None = None) -> dict[str, np.ndarray]:
    """Mixing patterns, background spatial mixing and blink pattern for a channel set.

    With ``subject``, the sources are the subject's (displaced, tilted) and the electrodes sit
    where the subject's rotated cap puts them; the Fpz blink origin stays with the head.
    """
    center, radius, on_sphere = _sphere()
    if subject is None:
        place = on_sphere.__getitem__
        src_pos, src_ori = _source_geometry()
    else:
        geometry = _subject_geometry(subject)
        turn = _rotation(geometry["cap_rotation"])

        def place(name):
            return center + turn @ (on_sphere[name] - center)

        src_pos = geometry["source_positions"].copy()
        src_ori = geometry["source_orientations"].copy()
    elec = np.array([place(name) for name in ch_names])
    refs = np.array([place(ref) for ref, _, _ in SOURCES.values()])
    at_ref = np.einsum("ss->s", _dipole_potentials(src_pos, src_ori, refs))
    patterns = _dipole_potentials(src_pos, src_ori, elec) / at_ref[:, np.newaxis]

    # Background: radial dipoles spread over the upper head; their summed field gives the
    # spatial covariance, turned into a correlation (unit variance per channel).
    bg_ori = _fibonacci_directions(_N_BACKGROUND, min_z=-0.3)
    bg_pos = center + bg_ori * (radius - _BACKGROUND_DEPTH)
    field = _dipole_potentials(bg_pos, bg_ori, elec)
    cov = field.T @ field
    std = np.sqrt(np.diag(cov))
    corr = cov / np.outer(std, std)
    eigval, eigvec = np.linalg.eigh(corr)
    noise_mixing = (eigvec * np.sqrt(np.clip(eigval, 0, None))) @ eigvec.T

    dist = np.linalg.norm(elec - on_sphere["Fpz"], axis=1)
    blink = np.exp(-np.clip(dist - _BLINK_PLATEAU, 0, None) / _BLINK_DECAY)
    has_frontal = any(is_frontal(name) for name in ch_names)
    out = {
        "patterns": patterns,
        "noise_mixing": noise_mixing,
        "blink_pattern": blink if has_frontal else None,
        "source_positions": src_pos,
        "source_orientations": src_ori,
    }
    for value in out.values():
        if value is not None:
            value.setflags(write=False)
    return out


def _check_random_state(random_state) -> np.random.Generator:
    if random_state is None or isinstance(random_state, numbers.Integral):
        return np.random.default_rng(random_state)
    if isinstance(random_state, np.random.Generator):
        return random_state
    if isinstance(random_state, np.random.RandomState):
        return np.random.default_rng(random_state.randint(np.iinfo(np.int32).max))
    raise TypeError(
        "random_state must be None, an int, a numpy.random.Generator or a "
        f"numpy.random.RandomState, got {type(random_state).__name__}."
    )


def _check_classes(classes) -> tuple[str, ...]:
    if isinstance(classes, str):
        raise TypeError(
            f"classes must be a sequence of class names, got the string {classes!r}; "
            f"write classes=({classes!r}, ...) with names from {MI_CLASSES}."
        )
    try:
        classes = tuple(classes)
    except TypeError:
        raise TypeError(
            f"classes must be a sequence of class names from {MI_CLASSES}, got "
            f"{type(classes).__name__}."
        ) from None
    unknown = [c for c in classes if c not in MI_CLASSES]
    if unknown:
        raise ValueError(f"Unknown class(es) {unknown}. Valid classes: {', '.join(MI_CLASSES)}.")
    if not classes:
        raise ValueError(f"classes is empty; give at least one of {MI_CLASSES}.")
    if len(set(classes)) != len(classes):
        raise ValueError(f"classes contains duplicates: {classes}; list each class once.")
    return classes


def _check_band(band, sfreq: float) -> tuple[float, float]:
    if isinstance(band, str):
        if band not in BANDS:
            raise ValueError(
                f"Unknown band {band!r}. Valid bands: "
                + ", ".join(f"{name!r} ({lo:g}-{hi:g} Hz)" for name, (lo, hi) in BANDS.items())
                + ", or a (low, high) tuple in Hz."
            )
        low, high = BANDS[band]
    else:
        try:
            low, high = (float(f) for f in band)
        except (TypeError, ValueError):
            raise ValueError(
                f"band must be 'mu', 'beta' or a (low, high) tuple in Hz, got {band!r}."
            ) from None
        if not (np.isfinite(low) and np.isfinite(high) and 0 < low < high):
            raise ValueError(f"band must satisfy 0 < low < high, got {band!r}.")
    if high >= sfreq / 2:
        raise ValueError(
            f"band ({low:g}, {high:g}) Hz reaches the Nyquist frequency of sfreq={sfreq:g} Hz; "
            f"use sfreq > {2 * high:g} Hz or a lower band."
        )
    return low, high


def _check_duration(duration: float, n_times: int, sfreq: float, low: float, high: float) -> None:
    """Raise unless the trials resolve the band: an FFT frequency must fall inside it.

    The rhythm and the calibration of ``snr`` live on the FFT frequencies of the trial,
    ``sfreq / n_times`` apart. When that spacing exceeds the band's width, the band can fall
    between two of them: the rhythm is then silently missing (amplitude 0) or NaN (a 0 / 0
    normalisation). A spacing up to the band's width always leaves one inside, hence the
    minimum of ``ceil(sfreq / width)`` samples, about ``1 / width`` seconds.
    """
    width = high - low
    min_samples = math.ceil(sfreq / width * (1 - 1e-12))
    if n_times >= min_samples:
        return
    raise ValueError(
        f"make_motor_imagery: duration={duration:g} s ({n_times} samples at {sfreq:g} Hz) is "
        f"too short for the {low:g}-{high:g} Hz band. Trials shorter than 1 / (band width) "
        f"= {1 / width:g} s resolve frequencies farther apart than the band is wide, so the "
        "rhythm can fall between them (no signal, or NaN values). Use duration >= "
        f"{min_samples / sfreq:.6g} s (at least {min_samples} samples at {sfreq:g} Hz), "
        "or a wider band."
    )


def _shaped_noise(rng, shape, spectrum, n_times) -> np.ndarray:
    """Gaussian noise with power spectrum ``spectrum`` (..., n_freqs), unit expected variance.

    Built in the frequency domain: complex Gaussian coefficients times sqrt(spectrum), then
    an inverse real FFT. The DC and Nyquist bins are left out, so the expected variance of
    every sample is ``4 * sum(spectrum) / n_times**2``, divided out here.
    """
    n_freqs = n_times // 2 + 1
    coef = rng.standard_normal((*shape, n_freqs)) + 1j * rng.standard_normal((*shape, n_freqs))
    spectrum = np.array(spectrum, dtype=float)
    spectrum[..., 0] = 0.0
    if n_times % 2 == 0:
        spectrum[..., -1] = 0.0
    scale = np.sqrt(spectrum) / (2 * np.sqrt(spectrum.sum(axis=-1, keepdims=True)) / n_times)
    return np.fft.irfft(coef * scale, n=n_times, axis=-1)


def make_motor_imagery(
    n_trials: int = 200,
    *,
    classes: Sequence[str] = ("left_hand", "right_hand"),
    montage: str | Sequence[str] = "bci_iv_2a",
    sfreq: float = 250.0,
    duration: float = 4.0,
    band: str | tuple[float, float] = "mu",
    snr: float = 1.0,
    blinks: bool = False,
    return_epochs: bool = False,
    return_truth: bool = False,
    subject: int | None = None,
    random_state: int | np.random.Generator | np.random.RandomState | None = None,
) -> tuple[Any, ...]:
    """Simulate motor-imagery EEG with lateralised event-related desynchronisation.

    A physiologically grounded counterpart of scikit-learn's ``make_*`` functions: cortical
    sources of a sensorimotor rhythm are projected to standard 10-05 electrodes, their
    power drops (ERD) over the cortical area of the imagined body part, and the ground
    truth (band, sources, mixing patterns, per-trial parameters) can be returned to check
    what a model or an explanation method found.

    Model: five radial dipoles in sensorimotor cortex (``truth.source_names``): the
    left-hand area beneath C4, the right-hand area beneath C3, the feet area beneath Cz and
    two tongue areas beneath FCC5h/FCC6h. Each is mixed into the electrodes by the potential
    of a current dipole in a homogeneous conductor (positions from MNE's 10-05 template on a
    fitted sphere; the dipoles sit 4.5-5.5 cm deep so the topographies are as smooth as
    skull blurring makes them). Every source carries a narrow-band rhythm in ``band`` (the
    feet and tongue areas' at 0.8 and 0.6 of the hand areas' amplitude, see
    :data:`SOURCES`); during imagery its power changes by, on average: -70 % over the area
    of the imagined body part (contralateral hand area, feet area, both tongue areas), -20 %
    over the ipsilateral hand area for hand imagery, and +25 % over both hand areas for feet
    or tongue imagery (surround ERS). The change sets in with a logistic ramp (time constant
    0.1 s) at a per-trial onset ~ N(0.5 s, 0.15 s) after the start of the epoch (the cue).
    Per trial and source the peak frequency, the amplitude (log-normal, sd 0.15) and the
    strength of the power change (factor ~ N(1, 0.3)) vary. Background: 1/f^1.5 noise of 20
    uV RMS per channel, spatially correlated as the field of 400 radial dipoles spread over
    the cortex, plus 1 uV of white sensor noise; potentials are reference-free.

    Parameters
    ----------
    n_trials : int, default=200
        Number of trials, split as evenly as possible between the classes (counts differ by
        at most one) and shuffled.
    classes : sequence of str, default=("left_hand", "right_hand")
        Imagery tasks to simulate, any of ``"left_hand"``, ``"right_hand"``, ``"feet"``,
        ``"tongue"``. The order sets the event codes of ``return_epochs`` (1, 2, ...).
    montage : str or sequence of str, default="bci_iv_2a"
        ``"bci_iv_2b"`` (C3, Cz, C4), ``"bci_iv_2a"`` (the 22 EEG channels of BCI
        Competition IV 2a, MOABB's names and order), ``"physionet_64"`` (the 64 channels
        of PhysioNet eegmmidb as named by ``mne.datasets.eegbci.standardize``) or a list
        of standard 10-05 channel names (case-sensitive, e.g. ``["C3", "Cz", "C4"]``).
    sfreq : float, default=250.0
        Sampling frequency in Hz; must exceed twice the upper edge of ``band``.
    duration : float, default=4.0
        Length of each trial in seconds, starting at the cue;
        ``n_times = round(duration * sfreq)``. At least ``1 / (high - low)`` of the band
        (0.2 s for ``"mu"``, 0.1 s for ``"beta"``; precisely ``n_times >= ceil(sfreq /
        (high - low))``), so that the trial's FFT frequencies, ``sfreq / n_times`` apart,
        resolve the band; shorter trials raise an error instead of a rhythm that is
        missing or NaN. Near that minimum the band holds only one or two frequencies.
    band : {"mu", "beta"} or tuple of (float, float), default="mu"
        Band of the sensorimotor rhythm that carries the ERD: ``"mu"`` is 8-13 Hz,
        ``"beta"`` 15-25 Hz, or a ``(low, high)`` tuple in Hz. Each source's peak frequency
        is drawn near the band centre (an "individual" peak per source, +/-15 % of the band
        width) and jittered per trial (sd 5 % of the band width); the spectral peak is a
        Gaussian with a standard deviation of 1/6 of the band width.
    snr : float, default=1.0
        Amplitude ratio, within ``band`` and before the ERD, of a hand area's rhythm to
        the background noise at the electrode above it (C3 for the right-hand area, C4 for
        the left); the other sources scale with it. ``snr=1`` gives a mu rhythm of ~5 uV
        RMS at C3/C4 and CSP+LDA accuracies (8-30 Hz, 200 trials, 5-fold) of ~0.8 for left
        vs right hand on ``"bci_iv_2a"`` (~0.7 at ``snr=0.5``, ~0.85 at ``snr=2``; the
        trial-to-trial variability keeps it below ~0.9 at any snr); ``snr=0`` gives pure
        noise.
    blinks : bool, default=False
        Add eye blinks (on average one every 5 s; 80-200 uV, 0.2-0.4 s raised-cosine
        pulses) that are largest within 3.5 cm of Fpz and decay exponentially (4 cm) with
        the distance from it. Only montages with frontal channels (Fp, AF or F sites) get
        them; otherwise a warning says so and nothing is added.
    return_epochs : bool, default=False
        Return an :class:`mne.EpochsArray` instead of ``X``: standard 10-05 montage set,
        ``event_id`` mapping class names to codes 1, 2, ..., ``tmin=0``, and
        ``epochs.metadata`` with a ``"label"`` column.
    return_truth : bool, default=False
        Also return the ground truth as a :class:`sklearn.utils.Bunch` (see Returns).
    subject : int or None, default=None
        None simulates the template head (the behaviour described above). An int >= 1
        simulates that subject, who differs from the template as real subjects do (see
        :func:`subject_parameters`): ``snr`` is multiplied by the subject's factor
        (log-normal, 95 % within x0.37-x2.7), the rhythm band is shifted (sd 0.2 band
        widths, about 1 Hz for mu), every source is displaced (sd 1 cm along the scalp, 0.5
        cm in depth) and tilted (sd 20 degrees), and the electrode cap is rotated (sd 4
        degrees per axis, about 7 mm, at most 8), so the mixing patterns differ. The subject's
        parameters depend on ``subject`` only; ``random_state`` draws the trials (mixed with
        the subject number, so two subjects never share noise): several ``random_state``
        values give several sessions of one subject. ``return_epochs`` keeps the nominal
        10-05 positions, as a real cap's montage does. ``truth.snr``, ``truth.band``,
        ``truth.source_positions``/``source_orientations`` and ``truth.patterns`` are the
        subject's.
    random_state : int, numpy.random.Generator, numpy.random.RandomState or None
        Seed for reproducible output (an int gives the same data on every call).

    Returns
    -------
    X : ndarray of shape (n_trials, n_channels, n_times), float64
        The EEG in volts (tens of microvolts). Replaced by ``epochs`` when
        ``return_epochs=True``.
    y : ndarray of shape (n_trials,), str
        Class name of each trial.
    truth : sklearn.utils.Bunch
        Only when ``return_truth=True``. Fields:

        - ``classes`` (tuple), ``band`` ((low, high) Hz), ``sfreq``, ``ch_names`` (list),
          ``montage`` (name or None), ``times`` (n_times,) s, ``snr``;
        - ``source_names`` (list of n_sources), ``reference_electrodes`` (source -> 10-05
          name), ``source_positions`` (n_sources, 3) m and ``source_orientations``
          (n_sources, 3) in MNE head coordinates;
        - ``patterns`` (n_sources, n_channels): the mixing, ``X = patterns.T @ sources +
          noise``, each row 1 at the source's reference electrode;
        - ``class_sources`` (class -> tuple of the sources of its main, contralateral ERD);
          ``power_changes`` (class -> {source: mean relative power change});
        - per trial: ``erd_onsets`` (n_trials,) s, ``peak_frequencies`` (n_trials,
          n_sources) Hz, ``amplitudes`` (n_trials, n_sources) resting RMS in V,
          ``trial_power_changes`` (n_trials, n_sources) relative power change,
          ``source_signals`` (n_trials, n_sources, n_times) V;
        - ``noise_rms`` (V, broadband background per channel), ``noise_exponent``;
        - ``blink_trials``, ``blink_times`` (n_blinks,) trial index and onset in s,
          ``blink_amplitudes`` (n_blinks,) V, ``blink_pattern`` (n_channels,) or None;
        - ``subject`` (int or None) and ``subject_parameters`` (the dict of
          :func:`subject_parameters`, or None).

    Raises
    ------
    ValueError
        For unknown classes, montages, channel names or bands, ``n_trials`` not a positive
        integer or smaller than the number of classes, a band above Nyquist, ``sfreq`` or
        ``duration`` not a positive finite number, a ``duration`` too short to resolve the
        band (the message gives the minimum), or ``snr`` not a non-negative finite number.
    TypeError
        For ``classes`` that is not a sequence of names, a ``montage`` of the wrong type,
        or an unsupported ``random_state``.

    Examples
    --------
    >>> from sktime_eeg.datasets import make_motor_imagery
    >>> X, y = make_motor_imagery(40, montage="bci_iv_2b", random_state=0)
    >>> X.shape, y[:3].tolist()
    ((40, 3, 1000), ['left_hand', 'right_hand', 'left_hand'])
    """
    owner = "make_motor_imagery"
    classes = _check_classes(classes)
    check_positive_int(n_trials, "n_trials", owner)
    if n_trials < len(classes):
        raise ValueError(
            f"n_trials={n_trials} is smaller than the number of classes ({len(classes)}); "
            "every class needs at least one trial."
        )
    montage_name, ch_names = resolve_channels(montage)
    check_real(sfreq, "sfreq", owner, low=0.0, low_inclusive=False)
    check_real(duration, "duration", owner, low=0.0, low_inclusive=False)
    check_real(snr, "snr", owner, low=0.0)
    check_positive_int(subject, "subject", owner, allow_none=True)
    sfreq, duration, snr = float(sfreq), float(duration), float(snr)
    low, high = _check_band(band, sfreq)
    n_times = int(round(duration * sfreq))
    _check_duration(duration, n_times, sfreq, low, high)
    rng = _check_random_state(random_state)
    if subject is not None:
        subject = int(subject)
        geometry = _subject_geometry(subject)
        snr *= geometry["snr_factor"]
        shift = geometry["band_shift"] * (high - low)
        # Keep the shifted band inside (0, Nyquist): shift less where it would leave it.
        shift = float(np.clip(shift, -0.9 * low, 0.99 * sfreq / 2 - high))
        low, high = low + shift, high + shift
        # Trials of other subjects draw other noise: mix the subject into the stream.
        rng = np.random.default_rng([int(rng.integers(2**63)), subject])
    fwd = _forward(tuple(ch_names), subject)
    source_names = list(SOURCES)
    n_sources, n_channels = len(source_names), len(ch_names)

    # Labels: balanced, shuffled.
    counts = np.full(len(classes), n_trials // len(classes))
    counts[: n_trials % len(classes)] += 1
    class_idx = rng.permutation(np.repeat(np.arange(len(classes)), counts))
    y = np.asarray(classes)[class_idx]

    # Per-trial parameters.
    width, center = high - low, (low + high) / 2
    individual_peak = center + rng.uniform(-0.15, 0.15, n_sources) * width
    peaks = individual_peak + rng.normal(0.0, 0.05 * width, (n_trials, n_sources))
    peaks = np.clip(peaks, low + 0.2 * width, high - 0.2 * width)
    amplitude_factor = np.exp(rng.normal(0.0, _AMPLITUDE_SD, (n_trials, n_sources)))
    strength = np.clip(rng.normal(1.0, _ERD_STRENGTH_SD, n_trials), 0.0, None)
    onset_mean = min(_ONSET, duration / 4)
    onsets = np.clip(
        rng.normal(onset_mean, _ONSET_SD * onset_mean / _ONSET, n_trials), 0.0, duration / 2
    )
    change_table = np.array(
        [[_POWER_CHANGES[c].get(s, 0.0) for s in source_names] for c in classes]
    )
    trial_changes = np.clip(change_table[class_idx] * strength[:, np.newaxis], -0.95, None)

    # Background in-band fraction: sets the rhythm amplitude for the requested snr.
    freqs = np.fft.rfftfreq(n_times, 1 / sfreq)
    bg_spectrum = np.maximum(freqs, _NOISE_FLAT_BELOW) ** -_NOISE_EXPONENT
    interior = np.ones(len(freqs), bool)
    interior[0] = False
    if n_times % 2 == 0:
        interior[-1] = False
    in_band = interior & (freqs >= low) & (freqs <= high)
    noise_in_band_rms = _NOISE_RMS * np.sqrt(
        bg_spectrum[in_band].sum() / bg_spectrum[interior].sum()
    )
    relative = np.array([amplitude for _, _, amplitude in SOURCES.values()])
    amplitudes = snr * noise_in_band_rms * relative * amplitude_factor

    # Source rhythms: narrow-band Gaussian processes with an ERD envelope.
    peak_sd = width * _PEAK_SD
    rhythm_spectrum = np.exp(-0.5 * ((freqs - peaks[..., np.newaxis]) / peak_sd) ** 2)
    rhythm = _shaped_noise(rng, (n_trials, n_sources), rhythm_spectrum, n_times)
    times = np.arange(n_times) / sfreq
    ramp = 1.0 / (1.0 + np.exp(-(times - onsets[:, np.newaxis]) / _RISE))
    envelope = np.sqrt(1.0 + trial_changes[:, :, np.newaxis] * ramp[:, np.newaxis, :])
    sources = rhythm * envelope * amplitudes[:, :, np.newaxis]

    # Background: spatially correlated 1/f noise plus white sensor noise.
    X = np.empty((n_trials, n_channels, n_times))
    chunk = max(1, 2**22 // max(1, n_channels * n_times))
    for start in range(0, n_trials, chunk):
        stop = min(start + chunk, n_trials)
        background = _shaped_noise(rng, (stop - start, n_channels), bg_spectrum, n_times)
        X[start:stop] = np.matmul(fwd["noise_mixing"], background)
    X *= _NOISE_RMS
    X += _SENSOR_NOISE_RMS * rng.standard_normal(X.shape)
    X += np.matmul(fwd["patterns"].T, sources)

    blink_trials = np.zeros(0, int)
    blink_times = blink_amplitudes = np.zeros(0)
    if blinks:
        if fwd["blink_pattern"] is None:
            warnings.warn(
                f"blinks=True but the montage has no frontal channel (Fp, AF or F sites): "
                f"{ch_names}; no blinks were added.",
                UserWarning,
                stacklevel=2,
            )
        else:
            n_blinks = rng.poisson(_BLINK_RATE * duration, n_trials)
            blink_trials = np.repeat(np.arange(n_trials), n_blinks)
            blink_times = rng.uniform(0.0, duration, blink_trials.size)
            blink_amplitudes = rng.uniform(*_BLINK_AMPLITUDE, blink_trials.size)
            widths = rng.uniform(*_BLINK_DURATION, blink_trials.size)
            for trial, t0, amp, w in zip(
                blink_trials, blink_times, blink_amplitudes, widths, strict=True
            ):
                window = (times >= t0) & (times < t0 + w)
                pulse = amp * 0.5 * (1 - np.cos(2 * np.pi * (times[window] - t0) / w))
                X[trial][:, window] += np.outer(fwd["blink_pattern"], pulse)

    first: Any = X
    if return_epochs:
        first = _to_epochs(X, y, classes, ch_names, sfreq)
    if not return_truth:
        return first, y
    truth = Bunch(
        classes=classes,
        band=(low, high),
        sfreq=sfreq,
        ch_names=list(ch_names),
        montage=montage_name,
        times=times,
        snr=float(snr),
        source_names=source_names,
        reference_electrodes={name: ref for name, (ref, _, _) in SOURCES.items()},
        source_positions=fwd["source_positions"].copy(),
        source_orientations=fwd["source_orientations"].copy(),
        patterns=fwd["patterns"].copy(),
        class_sources={c: _CLASS_SOURCES[c] for c in classes},
        power_changes={c: dict(_POWER_CHANGES[c]) for c in classes},
        erd_onsets=onsets,
        peak_frequencies=peaks,
        amplitudes=amplitudes,
        trial_power_changes=trial_changes,
        source_signals=sources,
        noise_rms=_NOISE_RMS,
        noise_exponent=_NOISE_EXPONENT,
        blink_trials=blink_trials,
        blink_times=blink_times,
        blink_amplitudes=blink_amplitudes,
        blink_pattern=None
        if fwd["blink_pattern"] is None or not blinks
        else fwd["blink_pattern"].copy(),
        subject=subject,
        subject_parameters=None if subject is None else subject_parameters(subject),
    )
    return first, y, truth


def _to_epochs(X, y, classes, ch_names, sfreq):
    import mne
    import pandas as pd

    info = mne.create_info(list(ch_names), sfreq, ch_types="eeg")
    info.set_montage(standard_montage())
    event_id = {c: i + 1 for i, c in enumerate(classes)}
    codes = np.array([event_id[label] for label in y])
    n_times = X.shape[-1]
    events = np.column_stack([np.arange(len(y)) * n_times, np.zeros(len(y), int), codes])
    return mne.EpochsArray(
        X,
        info,
        events=events,
        tmin=0.0,
        event_id=event_id,
        metadata=pd.DataFrame({"label": y}),
        verbose="error",
    )
