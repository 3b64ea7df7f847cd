"""Sphinx configuration for the sktime_eeg documentation."""

import os
from datetime import date

import sktime_eeg

project = "sktime_eeg"
author = "sktime_eeg developers"
copyright = f"{date.today().year}, {author}"
version = release = sktime_eeg.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

autosummary_generate = True
autodoc_default_options = {"inherited-members": False}
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False

# Examples are rendered; they are executed only when asked (they train networks and read
# ../shared/data): SKTIME_EEG_DOCS_RUN_EXAMPLES=1 python -m sphinx -b html docs docs/_build/html
sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "plot_gallery": os.environ.get("SKTIME_EEG_DOCS_RUN_EXAMPLES", "0") == "1",
    "download_all_examples": False,
    "remove_config_comments": True,
}

templates_path = []
exclude_patterns = [
    "benchmarks_training.rst",  # included by benchmarks.rst
    "benchmarks_comparison.rst",
    "_build",
    "auto_examples/*.ipynb",
    "auto_examples/*.py",
    "**.codeobj.json",
]
html_theme = "pydata_sphinx_theme"
html_title = "sktime_eeg"
html_theme_options = {"navigation_with_keys": False}
