"""A pickle-free model file format: JSON for settings and statistics, Keras' native format for weights.

A model file (``.skm`` by convention) is a ZIP archive holding

* ``format.json`` — format name and version, the package version that wrote it,
  and the SHA-256 of every other member;
* ``estimator.json`` — the steps (``AudioFeatureExtractor``, ``StandardScaler``,
  ``SpeechMusicClassifier``), each with its constructor parameters and fitted
  statistics as plain JSON;
* ``network.keras`` — the Keras network in Keras' own format, loaded with
  ``safe_mode=True`` (no Python code, no lambdas).

Loading never unpickles or evaluates anything from the file: JSON is parsed,
parameters are validated by the estimators, and a checksum mismatch, truncation,
unknown format version or unknown step stops with :class:`ModelFormatError`.
The checksums detect corruption and tampering by anything that does not also
rewrite ``format.json``; they are not a signature. Writes are atomic: the file
is written beside the target and renamed over it only when complete.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

FORMAT_NAME = "sklearn-speechmusic-model"
FORMAT_VERSION = 1
_FORMAT_MEMBER = "format.json"
_ESTIMATOR_MEMBER = "estimator.json"
_NETWORK_MEMBER = "network.keras"


class ModelFormatError(ValueError):
    """A model file is not a valid, intact sklearn-speechmusic model.

    Examples
    --------
    >>> import os, tempfile
    >>> from sklearn_speechmusic import ModelFormatError, load_model
    >>> path = os.path.join(tempfile.mkdtemp(), "notes.skm")
    >>> _ = open(path, "w").write("not a model")
    >>> try:
    ...     load_model(path)
    ... except ModelFormatError as error:
    ...     print("not a sklearn-speechmusic model file" in str(error))
    True
    """


def save_model(estimator, path) -> Path:
    """Save a fitted classifier or audio pipeline in the pickle-free format.

    Parameters
    ----------
    estimator : SpeechMusicClassifier or Pipeline
        A fitted :class:`SpeechMusicClassifier`, or a fitted Pipeline of
        ``AudioFeatureExtractor`` and/or ``StandardScaler`` steps ending in one.
    path : str or path-like
        Destination, conventionally ending in ``.skm``. Replaced atomically: an
        interrupted save leaves any previous file there untouched.

    Returns
    -------
    path : pathlib.Path
        The written file.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> from sklearn_speechmusic import SpeechMusicClassifier, load_model, save_model
    >>> X = np.array([[0.0, 1.0], [1.0, 0.0]] * 10)
    >>> clf = SpeechMusicClassifier(epochs=2, random_state=0).fit(X, ["a", "b"] * 10)
    >>> path = save_model(clf, os.path.join(tempfile.mkdtemp(), "model.skm"))
    >>> np.array_equal(load_model(path).predict_proba(X), clf.predict_proba(X))
    True
    """
    from . import __version__

    steps = _describe_steps(estimator)
    classifier = _steps_of(estimator)[-1][1]
    with tempfile.TemporaryDirectory() as scratch:
        network_path = Path(scratch) / _NETWORK_MEMBER
        classifier.model_.save(network_path)
        members = {
            _ESTIMATOR_MEMBER: json.dumps({"steps": steps}, indent=2).encode("utf-8"),
            _NETWORK_MEMBER: network_path.read_bytes(),
        }
    header = {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "written_by": f"sklearn-speechmusic {__version__}",
        "kind": "pipeline" if hasattr(estimator, "steps") else "classifier",
        "sha256": {name: hashlib.sha256(data).hexdigest() for name, data in members.items()},
    }
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zipped:
        zipped.writestr(_FORMAT_MEMBER, json.dumps(header, indent=2))
        for name, data in members.items():
            zipped.writestr(name, data)
    return _write_atomically(Path(path), archive.getvalue())


def load_model(path):
    """Load a model saved by :func:`save_model`, executing nothing from the file.

    Parameters
    ----------
    path : str or path-like
        A file written by :func:`save_model`.

    Returns
    -------
    estimator : SpeechMusicClassifier or Pipeline
        The fitted estimator, predicting exactly as the saved one.

    Raises
    ------
    FileNotFoundError
        If the file does not exist.
    ModelFormatError
        If the file is not a model, is truncated or altered (checksum
        mismatch), or was written in an unsupported format version.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> from sklearn_speechmusic import SpeechMusicClassifier, load_model, save_model
    >>> X = np.array([[0.0, 1.0], [1.0, 0.0]] * 10)
    >>> clf = SpeechMusicClassifier(epochs=2, random_state=0).fit(X, ["a", "b"] * 10)
    >>> restored = load_model(save_model(clf, os.path.join(tempfile.mkdtemp(), "m.skm")))
    >>> restored.classes_.tolist()
    ['a', 'b']
    """
    name, header, steps, network_data = _read_verified(path)
    network = _load_network(network_data, name)
    built = [(step.get("name"), _rebuild_step(step, network, name)) for step in steps]
    if header.get("kind") == "classifier":
        return built[-1][1]
    from sklearn.pipeline import Pipeline

    return Pipeline(built)


class NumpyAudioModel:
    """A saved audio pipeline's predictions in NumPy alone: no TensorFlow import.

    What :class:`SpeechMusicSegmenter` uses for the packaged model, so that a
    long recording is segmented in a few hundred megabytes less memory than
    TensorFlow's runtime takes. Read with :func:`read_numpy_audio_model`.

    Attributes
    ----------
    extractor : AudioFeatureExtractor
        The pipeline's first step.
    classes_ : ndarray
        Class labels, in the order of :meth:`predict_proba`'s columns.
    """

    def __init__(self, extractor, mean, scale, weights, activation, classes):
        self.extractor = extractor
        self.mean = mean
        self.scale = scale
        self.weights = weights
        self.activation = activation
        self.classes_ = classes

    def predict_proba(self, features: np.ndarray) -> np.ndarray:
        """Class probabilities of feature rows (the extractor's output)."""
        from ._network import dense_forward

        X = ((np.asarray(features, dtype=np.float64) - self.mean) / self.scale).astype(np.float32)
        probabilities = dense_forward(self.weights, self.activation, X).astype(np.float64)
        return probabilities / probabilities.sum(axis=1, keepdims=True)


def read_numpy_audio_model(path) -> NumpyAudioModel:
    """Read a saved extractor → scaler → classifier pipeline for NumPy-only inference.

    The same checks as :func:`load_model` (format, version, checksums), then the
    network's weights are read from Keras' weight file with h5py instead of
    building the Keras model.

    Parameters
    ----------
    path : str or path-like
        A file written by :func:`save_model` from such a pipeline.

    Returns
    -------
    model : NumpyAudioModel
        Its predictions equal the loaded pipeline's to float32 rounding.

    Raises
    ------
    ModelFormatError
        If the file is not such a pipeline, or is damaged.

    Examples
    --------
    >>> from importlib import resources
    >>> from sklearn_speechmusic._persistence import read_numpy_audio_model
    >>> packaged = resources.files("sklearn_speechmusic") / "data" / "pretrained.skm"
    >>> with resources.as_file(packaged) as path:
    ...     model = read_numpy_audio_model(path)
    >>> model.classes_.tolist()
    ['Music', 'Speech']
    """
    import h5py

    from ._feature_extractor import AudioFeatureExtractor

    name, _, steps, network_data = _read_verified(path)
    kinds = [step.get("kind") for step in steps]
    if kinds != ["AudioFeatureExtractor", "StandardScaler", "SpeechMusicClassifier"]:
        raise ModelFormatError(
            f"{name}: expected a pipeline AudioFeatureExtractor → StandardScaler → SpeechMusicClassifier, "
            f"got steps {kinds}."
        )
    extractor = _rebuild_step(steps[0], None, name)
    scaler_state, classifier = steps[1].get("state") or {}, steps[2]
    state = classifier.get("state") or {}
    try:
        mean = np.asarray(scaler_state["mean_"], dtype=np.float64)
        scale = np.asarray(scaler_state["scale_"], dtype=np.float64)
        classes = np.asarray(state["classes"], dtype=np.dtype(state["classes_dtype"]))
        activation = str(classifier["params"]["activation"])
        with zipfile.ZipFile(io.BytesIO(network_data)) as network:
            weights_file = io.BytesIO(network.read("model.weights.h5"))
        with h5py.File(weights_file, "r") as stored:
            # Keras files the layers' variables under "dense", "dense_1", ... in
            # the model's layer order, whatever the layers are called.
            dense = [key for key in stored["layers"] if key == "dense" or key.startswith("dense_")]
            dense.sort(key=lambda key: 0 if key == "dense" else int(key.rsplit("_", 1)[1]))
            weights = [
                np.asarray(stored[f"layers/{layer}/vars/{index}"], dtype=np.float32)
                for layer in dense
                for index in ("0", "1")
            ]
    except (KeyError, TypeError, ValueError, OSError, zipfile.BadZipFile) as error:
        raise ModelFormatError(
            f"{name}: the pipeline's statistics or weights cannot be read ({error})."
        ) from None
    shapes_chain = all(
        kernel.shape[0] == previous
        for kernel, previous in zip(weights[2::2], [w.shape[1] for w in weights[0:-2:2]], strict=True)
    )
    if (
        not weights
        or weights[0].shape[0] != mean.size
        or weights[-1].shape[0] != classes.size
        or not shapes_chain
    ):
        raise ModelFormatError(f"{name}: the network's layer shapes do not fit its scaler and classes.")
    assert isinstance(extractor, AudioFeatureExtractor)
    return NumpyAudioModel(extractor, mean, scale, weights, activation, classes)


def _read_verified(path) -> tuple[str, dict, list, bytes]:
    """The file's name, header, steps and the network's bytes, after every check."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"No model file at {os.fspath(path)!r}.")
    name = path.name
    try:
        with zipfile.ZipFile(path) as zipped:
            header = _read_json(zipped, _FORMAT_MEMBER, name)
            _check_header(header, name)
            members = {member: zipped.read(member) for member in (_ESTIMATOR_MEMBER, _NETWORK_MEMBER)}
    except (zipfile.BadZipFile, EOFError, KeyError, OSError) as error:
        raise ModelFormatError(
            f"{name} is not a sklearn-speechmusic model file, or it is truncated ({error}); "
            "re-save it with save_model or `speechmusic train`."
        ) from None
    for member, data in members.items():
        if hashlib.sha256(data).hexdigest() != header["sha256"].get(member):
            raise ModelFormatError(
                f"{name} is corrupt or was altered: the checksum of {member} does not match. "
                "Use an intact copy of the model."
            )
    steps = _json_loads(members[_ESTIMATOR_MEMBER], _ESTIMATOR_MEMBER, name).get("steps")
    if not isinstance(steps, list) or not steps:
        raise ModelFormatError(f"{name}: {_ESTIMATOR_MEMBER} lists no steps.")
    return name, header, steps, members[_NETWORK_MEMBER]


# ------------------------------------------------------------------ writing
def _steps_of(estimator) -> list[tuple[str, Any]]:
    from ._classifier import SpeechMusicClassifier

    steps = list(estimator.steps) if hasattr(estimator, "steps") else [("speechmusicclassifier", estimator)]
    if not isinstance(steps[-1][1], SpeechMusicClassifier):
        raise ValueError(
            f"save_model stores a SpeechMusicClassifier or a Pipeline ending in one; got "
            f"{type(steps[-1][1]).__name__} last. Use joblib.dump for other estimators."
        )
    return steps


def _describe_steps(estimator) -> list[dict[str, Any]]:
    from sklearn.preprocessing import StandardScaler
    from sklearn.utils.validation import check_is_fitted

    from ._classifier import SpeechMusicClassifier
    from ._feature_extractor import AudioFeatureExtractor

    described = []
    for name, step in _steps_of(estimator):
        if isinstance(step, AudioFeatureExtractor):
            state: dict[str, Any] = {}
        elif isinstance(step, StandardScaler):
            check_is_fitted(step)
            state = {
                key: _to_json(getattr(step, key, None))
                for key in (
                    "mean_",
                    "var_",
                    "scale_",
                    "n_samples_seen_",
                    "n_features_in_",
                    "feature_names_in_",
                )
                if hasattr(step, key)
            }
        elif isinstance(step, SpeechMusicClassifier):
            state = step._fitted_state()
        else:
            raise ValueError(
                f"Step {name!r} ({type(step).__name__}) cannot be stored in the safe format, which "
                "holds AudioFeatureExtractor, StandardScaler and SpeechMusicClassifier steps. "
                "Use joblib.dump for other pipelines."
            )
        described.append(
            {"name": name, "kind": type(step).__name__, "params": _params_as_json(name, step), "state": state}
        )
    return described


def _params_as_json(name: str, step) -> dict[str, Any]:
    params = {}
    for key, value in step.get_params(deep=False).items():
        if isinstance(value, os.PathLike):
            value = os.fspath(value)
        elif isinstance(value, tuple):
            value = list(value)
        if not _is_plain(value):
            raise ValueError(
                f"{name}: parameter {key}={value!r} is a Python object and cannot be stored in the "
                f"safe format. Set it to a plain value first, e.g. {name}.set_params({key}=None), "
                "or use joblib.dump."
            )
        params[key] = _to_json(value)
    return params


def _is_plain(value) -> bool:
    """True for JSON scalars and lists of them: values the safe format can hold."""
    if isinstance(value, list):
        return all(_is_plain(item) for item in value)
    return value is None or isinstance(value, (bool, int, float, str, np.generic))


def _to_json(value):
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    return value


def _write_atomically(path: Path, data: bytes) -> Path:
    directory = path.parent if str(path.parent) else Path(".")
    if not directory.is_dir():
        raise FileNotFoundError(f"Folder {os.fspath(directory)!r} does not exist; create it first.")
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=f".{path.name}.", suffix=".partial")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        # Ctrl-C or a full disk: drop the partial file, keep whatever was at `path`.
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


# ------------------------------------------------------------------ reading
def _check_header(header: dict, name: str) -> None:
    if header.get("format") != FORMAT_NAME:
        raise ModelFormatError(
            f"{name} is not a sklearn-speechmusic model file (format {header.get('format')!r})."
        )
    version = header.get("format_version")
    if version != FORMAT_VERSION:
        raise ModelFormatError(
            f"{name} uses model format version {version!r}; this sklearn-speechmusic reads version "
            f"{FORMAT_VERSION}. Install the version that wrote it ({header.get('written_by', 'unknown')}) "
            "or re-train the model."
        )
    if not isinstance(header.get("sha256"), dict):
        raise ModelFormatError(f"{name}: format.json has no checksums.")


def _read_json(zipped: zipfile.ZipFile, member: str, name: str) -> dict:
    return _json_loads(zipped.read(member), member, name)


def _json_loads(data: bytes, member: str, name: str) -> dict:
    try:
        value = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ModelFormatError(f"{name}: {member} is not valid JSON ({error}).") from None
    if not isinstance(value, dict):
        raise ModelFormatError(f"{name}: {member} is not a JSON object.")
    return value


def _load_network(data: bytes, name: str):
    import keras

    with tempfile.TemporaryDirectory() as scratch:
        network_path = Path(scratch) / _NETWORK_MEMBER
        network_path.write_bytes(data)
        try:
            return keras.saving.load_model(network_path, safe_mode=True, compile=True)
        except Exception as error:  # Keras raises many types for malformed files
            raise ModelFormatError(f"{name}: the Keras network cannot be loaded safely ({error}).") from None


def _rebuild_step(step: dict, network, name: str):
    from sklearn.preprocessing import StandardScaler

    from ._feature_extractor import AudioFeatureExtractor

    kinds: dict[str, Any] = {"AudioFeatureExtractor": AudioFeatureExtractor, "StandardScaler": StandardScaler}
    kind = step.get("kind")
    if kind == "SpeechMusicClassifier":
        # Imports Keras (and TensorFlow): only when a classifier is rebuilt.
        from ._classifier import SpeechMusicClassifier

        kinds[kind] = SpeechMusicClassifier
    if kind not in kinds:
        expected = sorted([*kinds, "SpeechMusicClassifier"])
        raise ModelFormatError(f"{name}: unknown step kind {kind!r}; expected one of {expected}.")
    params = dict(step.get("params") or {})
    if kind == "SpeechMusicClassifier" and isinstance(params.get("hidden_layer_sizes"), list):
        params["hidden_layer_sizes"] = tuple(params["hidden_layer_sizes"])
    try:
        estimator = kinds[kind](**params)
        estimator._validate_params()
    except (TypeError, ValueError) as error:
        raise ModelFormatError(f"{name}: invalid parameters for {kind} ({error}).") from None
    state = step.get("state") or {}
    try:
        if kind == "SpeechMusicClassifier":
            estimator._restore_fitted_state(state, network)
        elif kind == "StandardScaler":
            for key, value in state.items():
                if key == "feature_names_in_":
                    value = np.asarray(value, dtype=object)
                elif isinstance(value, list):
                    value = np.asarray(value, dtype=np.float64)
                setattr(estimator, key, value)
    except (KeyError, TypeError, ValueError) as error:
        raise ModelFormatError(f"{name}: fitted state of {kind} is incomplete ({error}).") from None
    return estimator
