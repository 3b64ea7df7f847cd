"""Channel sets and standard electrode positions shared by the simulator and the loaders."""

from __future__ import annotations

import re
import warnings
from functools import lru_cache

import numpy as np

__all__ = ["MONTAGES", "resolve_channels", "standard_montage", "standard_positions"]

#: Named channel sets of :func:`~sktime_eeg.datasets.make_motor_imagery`.
# fmt: off
MONTAGES: dict[str, tuple[str, ...]] = {
    # BCI Competition IV 2b (MOABB ``BNCI2014_004``): three bipolar derivations around C3/Cz/C4.
    "bci_iv_2b": ("C3", "Cz", "C4"),
    # BCI Competition IV 2a (MOABB ``BNCI2014_001``), EEG channels in MOABB's order and spelling.
    "bci_iv_2a": (
        "Fz", "FC3", "FC1", "FCz", "FC2", "FC4", "C5", "C3", "C1", "Cz", "C2",
        "C4", "C6", "CP3", "CP1", "CPz", "CP2", "CP4", "P1", "Pz", "P2", "POz",
    ),
    # PhysioNet eegmmidb, in file order, names as after ``mne.datasets.eegbci.standardize``.
    "physionet_64": (
        "FC5", "FC3", "FC1", "FCz", "FC2", "FC4", "FC6", "C5", "C3", "C1", "Cz", "C2",
        "C4", "C6", "CP5", "CP3", "CP1", "CPz", "CP2", "CP4", "CP6", "Fp1", "Fpz", "Fp2",
        "AF7", "AF3", "AFz", "AF4", "AF8", "F7", "F5", "F3", "F1", "Fz", "F2", "F4",
        "F6", "F8", "FT7", "FT8", "T7", "T8", "T9", "T10", "TP7", "TP8", "P7", "P5",
        "P3", "P1", "Pz", "P2", "P4", "P6", "P8", "PO7", "PO3", "POz", "PO4", "PO8",
        "O1", "Oz", "O2", "Iz",
    ),
}
# fmt: on

_FRONTAL = re.compile(r"^(Fp|AFp|AF|AFF|F)(\d+h?|z)$", re.IGNORECASE)


@lru_cache(maxsize=1)
def standard_montage():
    """MNE's template 10-05 montage (343 positions in head coordinates, metres).

    ``standard_1005`` was renamed ``colin27_1005`` in MNE 1.13 (same positions); the new
    name is used when available so no deprecation warning is raised. The returned object is
    cached: copy it before modifying it.
    """
    import mne

    if "colin27_1005" in mne.channels.get_builtin_montages():
        return mne.channels.make_standard_montage("colin27_1005")
    with warnings.catch_warnings():  # pragma: no cover - MNE < 1.13
        warnings.simplefilter("ignore", FutureWarning)
        return mne.channels.make_standard_montage("standard_1005")


@lru_cache(maxsize=1)
def _sphere() -> tuple[np.ndarray, float, dict[str, np.ndarray]]:
    """Sphere fitted (least squares) to the 10-05 positions, and the positions on it.

    Everything is in MNE's head coordinate frame (origin between the preauricular points,
    +x right, +y towards the nasion, +z up), the frame of ``epochs.get_montage()``.
    """
    import mne

    montage = standard_montage().copy()
    montage.apply_trans(mne.channels.compute_native_head_t(montage))
    ch_pos = montage.get_positions()["ch_pos"]
    names = list(ch_pos)
    pos = np.array([ch_pos[name] for name in names])
    # |p - c|^2 = R^2  <=>  2 p.c + (R^2 - |c|^2) = |p|^2, linear in (c, R^2 - |c|^2)
    design = np.column_stack([2 * pos, np.ones(len(pos))])
    sol = np.linalg.lstsq(design, (pos**2).sum(axis=1), rcond=None)[0]
    center = sol[:3]
    radius = float(np.sqrt(sol[3] + center @ center))
    unit = (pos - center) / np.linalg.norm(pos - center, axis=1, keepdims=True)
    on_sphere = {name: center + radius * u for name, u in zip(names, unit, strict=True)}
    return center, radius, on_sphere


def standard_positions(ch_names) -> np.ndarray:
    """Positions (n_channels, 3) in metres of 10-05 channels, projected on the fitted sphere."""
    on_sphere = _sphere()[2]
    return np.array([on_sphere[name] for name in ch_names])


def is_frontal(ch_name: str) -> bool:
    """Whether a 10-05 name is a frontal-pole / anterior-frontal / frontal site (Fp, AF, F)."""
    return _FRONTAL.match(ch_name) is not None


def resolve_channels(montage) -> tuple[str | None, list[str]]:
    """Turn the ``montage`` argument into (montage name or None, list of channel names)."""
    if isinstance(montage, str):
        if montage not in MONTAGES:
            raise ValueError(
                f"Unknown montage {montage!r}. Valid montages: "
                f"{', '.join(repr(m) for m in MONTAGES)}, or a list of standard 10-05 channel "
                "names such as ['C3', 'Cz', 'C4']."
            )
        return montage, list(MONTAGES[montage])
    try:
        ch_names = list(montage)
    except TypeError:
        raise TypeError(
            f"montage must be one of {', '.join(repr(m) for m in MONTAGES)} or a list of "
            f"standard 10-05 channel names, got {type(montage).__name__}."
        ) from None
    if not ch_names:
        raise ValueError("montage is an empty list; give at least one channel name, e.g. ['Cz'].")
    bad_types = [name for name in ch_names if not isinstance(name, str)]
    if bad_types:
        raise TypeError(f"Channel names must be strings, got {bad_types[:3]!r}.")
    duplicates = sorted({name for name in ch_names if ch_names.count(name) > 1})
    if duplicates:
        raise ValueError(f"montage lists channel(s) more than once: {duplicates}.")
    known = _sphere()[2]
    lower = {name.lower(): name for name in known}
    unknown = [name for name in ch_names if name not in known]
    if unknown:
        hints = [
            f"{name!r} -> {lower[name.lower()]!r}" for name in unknown if name.lower() in lower
        ]
        raise ValueError(
            f"Unknown channel name(s) {unknown} in montage: use standard 10-05 names "
            "(case-sensitive, e.g. 'C3', 'Cz', 'FCC5h', 'Fp1'; the full list is "
            "mne.channels.make_standard_montage('standard_1005').ch_names)"
            + (f". Did you mean: {', '.join(hints)}?" if hints else ".")
        )
    return None, ch_names
