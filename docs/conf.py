"""Sphinx configuration: API reference from numpydoc docstrings, gallery from examples/."""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "docs"))  # _gallery_style
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
# Every documented object is validated (a finding fails the -W build), except:
numpydoc_validation_checks = {
    "all",
    # ES01: extended summaries are written where one line is not enough, not on
    # every method (scikit-learn's own docstrings do the same).
    "ES01",
    # SA01: "See Also" sections link related objects where there are some; most
    # methods have none worth naming.
    "SA01",
    # EX01: every public class, function and Display method has Examples;
    # properties (coefs_, model_) and warning classes have none to show.
    "EX01",
    # RT02: return values are named (``display : TrainingHistoryDisplay``), as in
    # scikit-learn; RT02 wants the type alone.
    "RT02",
    # SS05: a heuristic that takes any first word ending in "s" for a verb in
    # the third person; it flags noun-phrase summaries ("Names of the output
    # columns.", "Features of audio files as a table ...").
    "SS05",
    # SA03: wants See Also descriptions capitalised, which would misspell
    # "scikit-learn" at the start of one.
    "SA03",
}
# Inherited scikit-learn methods (get_params, set_output...) are validated by
# scikit-learn, not here.
numpydoc_validation_exclude = {
    r"\.get_params$",
    r"\.set_params$",
    r"\.set_output$",
    r"\.get_metadata_routing$",
}

sphinx_gallery_conf = {
    "examples_dirs": str(ROOT / "examples"),
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "download_all_examples": False,
    "remove_config_comments": True,
    "within_subsection_order": "FileNameSortKey",
    # Each example starts from a clean matplotlib state in the package's figure
    # style, so the gallery's figures look like the ones the package writes.
    "reset_modules": ("matplotlib", "_gallery_style.reset_style"),
    # Crisp figures on high-density screens.
    "image_srcset": ["2x"],
}

html_theme = "pydata_sphinx_theme"
html_title = "sklearn-speechmusic"
html_static_path = ["_static"]
html_css_files = ["custom.css"]
html_theme_options = {
    "navigation_with_keys": False,
    "show_prev_next": False,
    # Room for method names in the page's table of contents.
    "secondary_sidebar_items": ["page-toc"],
    "show_toc_level": 2,
}
# Pages without subpages get no left sidebar (it would show an empty "Section
# Navigation"); docs/check_build.py fails the build on an empty one.
html_sidebars = {
    "index": [],
    "install": [],
    "user_guide": [],
    "architecture": [],
    "bad_input": [],
    "auto_examples/plot_quickstart": [],
}
# "fit()" rather than "SpeechMusicClassifier.fit()" in a page's table of contents.
toc_object_entries_show_parents = "hide"


def _skip_metadata_request_setters(app, what, name, obj, skip, options):
    # scikit-learn's generated set_*_request methods point into its own docs'
    # glossary; they are documented there, not here.
    if name.startswith("set_") and name.endswith("_request"):
        return True
    return skip


def setup(app):
    app.connect("autodoc-skip-member", _skip_metadata_request_setters)
