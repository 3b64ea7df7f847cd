"""Motor-imagery EEG datasets.

- :func:`make_motor_imagery`: simulated motor imagery with a known ground truth (no
  download; the package's built-in dataset).
- :func:`load_physionet_mi`: PhysioNet EEG Motor Movement/Imagery through
  :mod:`mne.datasets.eegbci`.
- :func:`load_bnci`: BCI Competition IV 2a / 2b through MOABB (optional dependency).

All return EEG in volts, as MNE does.
"""

from ._montage import MONTAGES
from .bnci import BNCI_DATASETS, load_bnci
from .physionet import PHYSIONET_EVENT_ID, PHYSIONET_TASKS, load_physionet_mi
from .simulated import BANDS, MI_CLASSES, SOURCES, make_motor_imagery, subject_parameters

__all__ = [
    "BANDS",
    "BNCI_DATASETS",
    "MI_CLASSES",
    "MONTAGES",
    "PHYSIONET_EVENT_ID",
    "PHYSIONET_TASKS",
    "SOURCES",
    "load_bnci",
    "load_physionet_mi",
    "make_motor_imagery",
    "subject_parameters",
]
