"""``python -m sktime_eeg.cli`` runs the ``sktime-eeg`` command (as ``python -m sktime_eeg``)."""

from . import main

raise SystemExit(main())
