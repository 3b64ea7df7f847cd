"""``python -m sktime_eeg`` runs the ``sktime-eeg`` command."""

from .cli import main

raise SystemExit(main())
