"""Sphinx configuration: API reference from numpydoc docstrings, gallery from examples/."""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import sklearn_speechmusic  # noqa: E402

project = "sklearn-speechmusic"
author = "sklearn-speechmusic developers"
copyright = "2026, sklearn-speechmusic developers"
release = version = sklearn_speechmusic.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "numpydoc",
    "myst_parser",
    "sphinx_gallery.gen_gallery",
]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = ["_build", "auto_examples/*.ipynb", "auto_examples/*.py", "auto_examples/*.zip"]
myst_heading_anchors = 3

autosummary_generate = True
templates_path = ["_templates"]
autodoc_default_options = {"members": True, "inherited-members": False}
numpydoc_show_class_members = False
numpydoc_validation_checks: set[str] = set()

sphinx_gallery_conf = {
    "examples_dirs": str(ROOT / "examples"),
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "download_all_examples": False,
    "remove_config_comments": True,
    "within_subsection_order": "FileNameSortKey",
    # Each example starts from a clean matplotlib state and its own figures only.
    "reset_modules": ("matplotlib",),
}

html_theme = "pydata_sphinx_theme"
html_title = "sklearn-speechmusic"
html_static_path: list[str] = []
html_theme_options = {"navigation_with_keys": False, "show_prev_next": False}


def _skip_metadata_request_setters(app, what, name, obj, skip, options):
    # scikit-learn's generated set_*_request methods point into its own docs'
    # glossary; they are documented there, not here.
    if name.startswith("set_") and name.endswith("_request"):
        return True
    return skip


def setup(app):
    app.connect("autodoc-skip-member", _skip_metadata_request_setters)
