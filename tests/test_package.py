"""Package-level promises: fast import, documented public API."""

import inspect
import subprocess
import sys

import pytest

import sklearn_speechmusic


def test_import_does_not_load_heavy_dependencies():
    heavy = ("tensorflow", "keras", "scikeras", "sklearn", "pandas", "matplotlib")
    code = f"import sys, sklearn_speechmusic; print(sorted(m for m in {heavy!r} if m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_lazy_attributes_resolve_and_unknown_ones_raise():
    assert "SpeechMusicClassifier" in dir(sklearn_speechmusic)
    assert sklearn_speechmusic.SpeechMusicClassifier.__name__ == "SpeechMusicClassifier"
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        sklearn_speechmusic.Nope  # noqa: B018


def _public_callables():
    for name in sklearn_speechmusic.__all__:
        obj = getattr(sklearn_speechmusic, name)
        if callable(obj):
            yield name, obj
            if inspect.isclass(obj):
                for attr, member in vars(obj).items():
                    if not attr.startswith("_") and callable(member):
                        yield f"{name}.{attr}", member


@pytest.mark.parametrize(
    ("name", "obj"), list(_public_callables()), ids=lambda v: v if isinstance(v, str) else ""
)
def test_public_names_have_numpydoc_with_examples(name, obj):
    doc = inspect.getdoc(obj) or ""
    assert doc, f"{name} has no docstring"
    if not (inspect.isclass(obj) and issubclass(obj, Warning)):
        assert "Examples\n--------" in doc, f"{name} has no Examples section"


def test_user_guide_documents_every_audio_feature():
    from pathlib import Path

    from sklearn_speechmusic._audio_features import FEATURE_DESCRIPTIONS

    guide = (Path(__file__).parents[1] / "docs" / "user_guide.md").read_text()
    for name, description in FEATURE_DESCRIPTIONS.items():
        assert f"| `{name}` | {description} |" in guide, name
