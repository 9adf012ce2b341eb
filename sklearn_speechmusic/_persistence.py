"""A pickle-free model file format: JSON for settings and statistics, NumPy arrays for weights.

A model file (``.skm`` by convention) is a ZIP archive holding

* ``format.json`` — format name and version, the package version that wrote it,
  and the SHA-256 of every other member;
* ``estimator.json`` — the steps (``AudioFeatureExtractor``, ``StandardScaler``,
  ``SpeechMusicClassifier`` or ``SeedEnsembleClassifier``), each with its
  constructor parameters and fitted statistics as plain JSON;
* ``weights.npz`` — the networks' kernels and biases (float32, as trained), read
  with ``allow_pickle=False``.

Loading executes nothing from the file and imports no TensorFlow: JSON is parsed
(with size and depth limits), arrays are read as plain numbers, parameters are
validated by the estimators, and the parts are checked against each other
(classes against the network's outputs, feature counts against its inputs and the
scaler's statistics). Before anything is unpacked, the ZIP directory's sizes are
checked against :data:`MAX_UNPACKED_BYTES`, and members are hashed while they
stream in, never unpacking more than they claim. A failed check stops with
:class:`ModelFormatError`. The checksums detect corruption and tampering by
anything that does not also rewrite ``format.json``; they are not a signature.

Writes are atomic (written beside the target, renamed over it when complete) and
honour the user's umask, like any other file a program writes.

Files of format version 1 (sklearn-speechmusic 0.1, network in Keras' own
``.keras`` format) are still read: only the weight arrays are taken from them.

Each step type has one serializer, registered in ``_step_serializers.SERIALIZERS``.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import secrets
import zipfile
from pathlib import Path

import numpy as np

from ._step_serializers import check_widths_chain, describe_steps, rebuild_step

FORMAT_NAME = "sklearn-speechmusic-model"
FORMAT_VERSION = 2
#: Format versions this release reads.
READABLE_FORMAT_VERSIONS = (1, 2)
#: Largest total unpacked size of a model file's members (the shipped model needs ~1 MB).
MAX_UNPACKED_BYTES = 256 * 2**20
#: Largest unpacked size of one JSON member.
MAX_JSON_BYTES = 16 * 2**20
#: Deepest nesting of JSON arrays and objects accepted (the format itself needs 5).
MAX_JSON_DEPTH = 32
_FORMAT_MEMBER = "format.json"
_ESTIMATOR_MEMBER = "estimator.json"
_WEIGHTS_MEMBER = "weights.npz"
_KERAS_MEMBER_V1 = "network.keras"
_CHUNK_BYTES = 2**20


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
    estimator : SpeechMusicClassifier, SeedEnsembleClassifier or Pipeline
        A fitted :class:`SpeechMusicClassifier` or :class:`SeedEnsembleClassifier`,
        or a fitted Pipeline of ``AudioFeatureExtractor`` and/or
        ``StandardScaler`` steps ending in one (as :func:`load_pretrained`'s).
    path : str or path-like
        Destination, conventionally ending in ``.skm``. Replaced atomically: an
        interrupted save leaves any previous file there untouched.

    Returns
    -------
    path : pathlib.Path
        The written file.

    Raises
    ------
    ValueError
        Before anything is written, when a step cannot be stored in this
        format, or when a step takes another number of features than the
        step before it gives (a file :func:`load_model` would refuse).

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

    steps, arrays = describe_steps(estimator)
    weights = io.BytesIO()
    np.savez(weights, **arrays)  # type: ignore[arg-type]  # numpy's stubs type **kwds as allow_pickle
    members = {
        _ESTIMATOR_MEMBER: json.dumps({"steps": steps}, indent=2).encode("utf-8"),
        _WEIGHTS_MEMBER: weights.getvalue(),
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
    return write_atomically(Path(path), archive.getvalue())


def load_model(path):
    """Load a model saved by :func:`save_model`, executing nothing from the file.

    Parameters
    ----------
    path : str or path-like
        A file written by :func:`save_model`.

    Returns
    -------
    estimator : SpeechMusicClassifier, SeedEnsembleClassifier or Pipeline
        The fitted estimator, predicting exactly as the saved one.

    Raises
    ------
    FileNotFoundError
        If the file does not exist.
    PermissionError
        If the file cannot be read.
    ModelFormatError
        If the file is not a model, is truncated or altered (checksum
        mismatch), exceeds the size limits, holds parts that do not fit
        together, or was written in an unsupported format version.

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
    name, header, steps, arrays = _read_verified(path)
    built = []
    for index, step in enumerate(steps):
        prefix = f"{index}/"
        step_arrays = {key[len(prefix) :]: value for key, value in arrays.items() if key.startswith(prefix)}
        try:
            built.append((str(step.get("name")), rebuild_step(step, step_arrays)))
        except ValueError as error:
            raise ModelFormatError(f"{name}: {error}.") from None
    try:
        check_widths_chain(built)
    except ValueError as error:
        raise ModelFormatError(f"{name}: {error}.") from None
    if header.get("kind") == "classifier":
        if len(built) != 1:
            # Only a lone classifier is saved so: returning one step would drop the others.
            raise ModelFormatError(
                f"{name}: format.json calls it a classifier, but it holds {len(built)} steps; "
                "the file was altered. Re-save the model with save_model."
            )
        return built[-1][1]
    from sklearn.pipeline import Pipeline

    return Pipeline(built)


def _read_verified(path) -> tuple[str, dict, list, dict[str, np.ndarray]]:
    """The file's name, header, steps and weight arrays (keyed ``<step index>/<name>``), after every check."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"No model file at {os.fspath(path)!r}.")
    name = path.name
    try:
        with zipfile.ZipFile(path) as zipped:
            _check_sizes(zipped, name)
            header = _json_loads(_read_member(zipped, _FORMAT_MEMBER, name), _FORMAT_MEMBER, name)
            _check_header(header, name)
            wanted = (
                _ESTIMATOR_MEMBER,
                _WEIGHTS_MEMBER if header["format_version"] >= 2 else _KERAS_MEMBER_V1,
            )
            members = {
                member: _read_member(zipped, member, name, header["sha256"].get(member)) for member in wanted
            }
    except PermissionError:
        raise
    except (zipfile.BadZipFile, EOFError, KeyError, OSError, NotImplementedError) as error:
        raise ModelFormatError(
            f"{name} is not a sklearn-speechmusic model file, or it is truncated ({error}); "
            "re-save it with save_model or `speechmusic train`."
        ) from None
    steps = _json_loads(members[_ESTIMATOR_MEMBER], _ESTIMATOR_MEMBER, name).get("steps")
    if not isinstance(steps, list) or not steps or not all(isinstance(step, dict) for step in steps):
        raise ModelFormatError(f"{name}: {_ESTIMATOR_MEMBER} lists no steps.")
    if header["format_version"] >= 2:
        arrays = _read_arrays(members[_WEIGHTS_MEMBER], name)
    else:
        arrays = _arrays_from_keras_v1(members[_KERAS_MEMBER_V1], steps, name)
    return name, header, steps, arrays


# Paths naming a file descriptor the process already holds.
_STANDARD_STREAM = re.compile(r"/dev/(?:stdout|stderr|fd/\d+)|/proc/self/fd/\d+")


def write_atomically(path: Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically, with the permissions any new file gets.

    The bytes go to a new file beside ``path`` (created with mode 0666 less the
    umask, as ``open`` would) and are renamed over it only when complete, so an
    interrupted write leaves the previous file untouched. A symbolic link and
    what is not a regular file (a device such as ``/dev/null``, a pipe) are
    written through directly, never renamed over; a standard stream
    (``/dev/stdout``, ``/dev/fd/N``) is appended to, so ``>>`` keeps what its
    file held.

    Parameters
    ----------
    path : pathlib.Path
        Destination.
    data : bytes
        The whole content.

    Returns
    -------
    path : pathlib.Path
        The written file.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from sklearn_speechmusic._persistence import write_atomically
    >>> target = Path(tempfile.mkdtemp()) / "notes.txt"
    >>> write_atomically(target, b"hello").read_bytes()
    b'hello'
    """
    if path.is_dir():
        raise IsADirectoryError(f"{os.fspath(path)!r} is a folder; give a file path.")
    if path.is_symlink() or (path.exists() and not path.is_file()):
        # A link (/dev/stdout, a shell's >(...), a user's link), a device or a pipe:
        # renaming over it would replace the link or the device itself, so the
        # bytes go through it directly. A standard stream was opened by the shell
        # (> or >>) and is appended to: truncating it would erase what >> kept.
        mode = "ab" if _STANDARD_STREAM.fullmatch(os.path.abspath(path)) else "wb"
        with open(path, mode) as stream:
            stream.write(data)
        return path
    directory = path.parent if str(path.parent) else Path(".")
    if not directory.is_dir():
        raise FileNotFoundError(f"Folder {os.fspath(directory)!r} does not exist; create it first.")
    temporary = directory / f".{path.name}.{secrets.token_hex(6)}.partial"
    handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        # Ctrl-C or a full disk: drop the partial file, keep whatever was at `path`.
        temporary.unlink(missing_ok=True)
        raise
    return path


# ------------------------------------------------------------------ reading
def _check_sizes(zipped: zipfile.ZipFile, name: str) -> None:
    """Refuse archives whose directory announces too much data, before unpacking anything."""
    total = sum(info.file_size for info in zipped.infolist())
    if total > MAX_UNPACKED_BYTES:
        raise ModelFormatError(
            f"{name} would unpack to {total / 2**20:.0f} MiB, more than the "
            f"{MAX_UNPACKED_BYTES // 2**20} MiB a model file may hold; it was not written by save_model."
        )
    for info in zipped.infolist():
        if info.filename.endswith(".json") and info.file_size > MAX_JSON_BYTES:
            raise ModelFormatError(
                f"{name}: {info.filename} would unpack to {info.file_size / 2**20:.0f} MiB, more than "
                f"the {MAX_JSON_BYTES // 2**20} MiB allowed for JSON."
            )


def _read_member(
    zipped: zipfile.ZipFile, member: str, name: str, expected_sha256: str | None = None
) -> bytes:
    """A member's bytes, read in chunks, never more than its directory entry announced."""
    info = zipped.getinfo(member)
    digest = hashlib.sha256()
    chunks, size = [], 0
    with zipped.open(info) as stream:
        while chunk := stream.read(_CHUNK_BYTES):
            size += len(chunk)
            if size > info.file_size:
                raise ModelFormatError(f"{name}: {member} unpacks to more than its directory entry says.")
            digest.update(chunk)
            chunks.append(chunk)
    if expected_sha256 is not None or member != _FORMAT_MEMBER:
        if digest.hexdigest() != expected_sha256:
            raise ModelFormatError(
                f"{name} is corrupt or was altered: the checksum of {member} does not match. "
                "Use an intact copy of the model."
            )
    return b"".join(chunks)


def _check_header(header: dict, name: str) -> None:
    if header.get("format") != FORMAT_NAME:
        raise ModelFormatError(
            f"{name} is not a sklearn-speechmusic model file (format {header.get('format')!r})."
        )
    version = header.get("format_version")
    if version not in READABLE_FORMAT_VERSIONS or isinstance(version, bool):
        raise ModelFormatError(
            f"{name} uses model format version {version!r}; this sklearn-speechmusic reads versions "
            f"{list(READABLE_FORMAT_VERSIONS)}. Install the version that wrote it "
            f"({header.get('written_by', 'unknown')}) or re-train the model."
        )
    if not isinstance(header.get("sha256"), dict):
        raise ModelFormatError(f"{name}: format.json has no checksums.")


def _json_loads(data: bytes, member: str, name: str) -> dict:
    try:
        value = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ModelFormatError(f"{name}: {member} is not valid JSON ({error}).") from None
    except RecursionError:
        raise ModelFormatError(f"{name}: {member} is nested too deeply to be a model's JSON.") from None
    if not isinstance(value, dict):
        raise ModelFormatError(f"{name}: {member} is not a JSON object.")
    if _depth(value) > MAX_JSON_DEPTH:
        raise ModelFormatError(f"{name}: {member} is nested deeper than {MAX_JSON_DEPTH} levels.")
    return value


def _depth(value, limit: int = MAX_JSON_DEPTH + 1) -> int:
    """Nesting depth of parsed JSON, counted up to ``limit``."""
    level, current = 0, [value]
    while current and level < limit:
        level += 1
        current = [
            child
            for item in current
            for child in (item.values() if isinstance(item, dict) else item if isinstance(item, list) else ())
            if isinstance(child, (dict, list))
        ]
    return level + (1 if current else 0)


def _read_arrays(data: bytes, name: str) -> dict[str, np.ndarray]:
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as stored:
            arrays = {key: stored[key] for key in stored.files}
    except (ValueError, OSError, zipfile.BadZipFile, EOFError) as error:
        raise ModelFormatError(
            f"{name}: {_WEIGHTS_MEMBER} cannot be read as plain arrays ({error})."
        ) from None
    for key, array in arrays.items():
        if array.dtype.kind != "f" or not np.isfinite(array).all():
            raise ModelFormatError(f"{name}: weight array {key!r} is not finite floating-point numbers.")
    return arrays


def _arrays_from_keras_v1(network: bytes, steps: list, name: str) -> dict[str, np.ndarray]:
    """The classifier's weight arrays from a format-1 file's Keras archive (no Keras needed)."""
    from ._compat import read_keras_dense_weights

    try:
        weights = read_keras_dense_weights(network)
    except Exception as error:  # h5py and zipfile raise many types for damaged data
        raise ModelFormatError(f"{name}: the network's weights cannot be read ({error}).") from None
    index = len(steps) - 1
    arrays = {f"{index}/coef_{layer}": kernel for layer, kernel in enumerate(weights[0::2])}
    arrays.update({f"{index}/intercept_{layer}": bias for layer, bias in enumerate(weights[1::2])})
    return arrays
