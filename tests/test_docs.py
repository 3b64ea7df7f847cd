"""The Sphinx site builds without a single warning (API reference, user guide, gallery pages)."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_docs_build_without_warnings(tmp_path):
    pytest.importorskip("sphinx", reason="the docs extra is not installed (pip install -e .[docs])")
    pytest.importorskip("sphinx_gallery", reason="the docs extra is not installed")
    source = tmp_path / "docs"
    shutil.copytree(
        ROOT / "docs", source, ignore=shutil.ignore_patterns("_build", "generated", "auto_examples")
    )
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "sphinx",
            "-W",
            "--keep-going",
            "-q",
            "-b",
            "html",
            str(source),
            str(tmp_path / "html"),
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        # Document this checkout's package, whatever `pip install -e` pointed at.
        env={
            **os.environ,
            "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
        },
    )
    assert result.returncode == 0, result.stderr[-5000:]
    assert (tmp_path / "html" / "generated" / "sktime_eeg.Conv2DEEGClassifier.html").exists()
    assert (tmp_path / "html" / "auto_examples" / "index.html").exists()
