"""Package-level promises: fast import, documented public API."""

import inspect
import subprocess
import sys
from pathlib import Path

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


def test_private_names_of_other_libraries_are_imported_only_in_compat():
    # So that a release of scikit-learn, scikeras or Keras that moves one is mended in one module.
    import ast

    package = Path(sklearn_speechmusic.__file__).parent
    offenders = []
    for path in sorted(package.glob("*.py")):
        if path.name == "_compat.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                top = node.module.split(".")[0]
                if top not in {"sklearn", "keras", "scikeras", "tensorflow"}:
                    continue
                private_module = any(part.startswith("_") for part in node.module.split("."))
                private_names = [alias.name for alias in node.names if alias.name.startswith("_")]
                if private_module or private_names:
                    offenders.append(f"{path.name}:{node.lineno} from {node.module} import {private_names}")
    assert not offenders, offenders
