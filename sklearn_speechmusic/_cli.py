"""The ``speechmusic`` command line: demo, extract, train, predict, segment, evaluate.

The command line is wiring only: models come from :func:`make_default_pipeline`
with the library's own defaults (only options given on the command line are
passed on), so a model trained here has the same step names (``scale``,
``classifier``) as one built in Python.

Before any work, every command checks that its inputs are readable, that no
output is one of its inputs, and that every output location is writable.
Files are written atomically, with the permissions the user's umask gives (a
replaced file keeps its permissions).

Exit codes:

* 0 -- success;
* 1 -- data or file error, nothing written (a one-line message says what to fix);
* 2 -- usage error (argparse);
* 3 -- ``predict``: some inputs could not be read; rows for the others were
  written and the failures listed on standard error;
* 130 -- interrupted;
* 141 -- the program reading standard output closed it (as ``head`` does).

``--debug`` shows tracebacks and TensorFlow's start-up logging, which is
otherwise silenced.
"""

from __future__ import annotations

import argparse
import importlib.abc
import importlib.util
import os
import re
import sys
import tempfile
import warnings
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

EXIT_OK = 0
EXIT_DATA_ERROR = 1
EXIT_USAGE_ERROR = 2
EXIT_PARTIAL = 3
EXIT_INTERRUPTED = 130
EXIT_BROKEN_PIPE = 141
#: Given instead of a model file, names the model shipped with the package.
PRETRAINED_MODEL_NAME = "pretrained"
_MODEL_HELP = "model file (.skm), or 'pretrained' for the model shipped with the package"
_EXIT_CODES = """exit codes:
  0    success
  1    data or file error; nothing was written
  2    usage error
  3    predict: some inputs could not be read; the others were written
  130  interrupted
  141  the program reading standard output closed it"""
_ID_COLUMN, _LABEL_COLUMN = "Filename", "Label"
_OBJECT_REPR = re.compile(r"<[^<>]*\bobject at 0x[0-9a-fA-F]+>")


class CommandError(Exception):
    """A problem with the user's data or files, reported in one line."""


def main(argv: list[str] | None = None) -> int:
    """Run the ``speechmusic`` command line.

    Parameters
    ----------
    argv : list of str, default=None
        Arguments without the program name; ``sys.argv[1:]`` when None.

    Returns
    -------
    exit_code : int
        0 on success, 1 on data errors, 2 on usage errors (argparse exits
        directly), 3 when ``predict`` could read only some of its inputs, 130
        when interrupted.

    Examples
    --------
    >>> from sklearn_speechmusic._cli import main
    >>> main(["--version"])  # doctest: +SKIP
    speechmusic 0.1.0
    """
    args = _parser().parse_args(argv)
    debug = getattr(args, "debug", False)
    prefix = f"speechmusic {args.command}"
    if not debug:
        # A command-line program, not a library: TensorFlow's start-up logging is
        # not the user's business unless they ask for it with --debug.
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        _silence_tensorflow_import()
    with warnings.catch_warnings():
        warnings.showwarning = lambda message, *_, **__: print(
            f"{prefix}: warning: {_one_line(message)}", file=sys.stderr
        )
        try:
            return args.run(args)
        except KeyboardInterrupt:
            print("speechmusic: interrupted", file=sys.stderr)
            return EXIT_INTERRUPTED
        except BrokenPipeError:
            # The reader of standard output (head, less) went away: stop quietly.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return EXIT_BROKEN_PIPE
        except Exception as error:
            if debug:
                raise
            print(f"{prefix}: error: {_describe_error(error)}", file=sys.stderr)
            return EXIT_DATA_ERROR


# ---------------------------------------------------------------- commands
def _demo(args: argparse.Namespace) -> int:
    from sklearn.model_selection import GroupShuffleSplit

    from ._datasets import load_demo
    from ._history_display import plot_training_history
    from ._pretrained import make_default_pipeline

    _check_files(output_dirs=[args.output_dir])
    output = _output_dir(args.output_dir)
    demo = load_demo()
    # Whole game levels and music tracks are held out: a random split would put
    # clips of one recording on both sides and flatter the score.
    splitter = GroupShuffleSplit(n_splits=1, test_size=0.25, random_state=args.random_state)
    train, test = next(splitter.split(demo.data, demo.target, groups=demo.groups))
    X_train, X_test = demo.data.iloc[train], demo.data.iloc[test]
    y_train, y_test = demo.target.iloc[train], demo.target.iloc[test]
    counts = demo.target.value_counts().to_dict()
    held_out = demo.groups.iloc[test].nunique()
    print(
        f"Demo data: {len(demo.data)} real clips {counts}; training on {len(train)}, "
        f"testing on {len(test)} clips from {held_out} held-out sources."
    )
    model = make_default_pipeline(random_state=args.random_state)[1:].fit(X_train, y_train)
    _report(model, X_test, y_test)
    written = [_save_model(model, output / "model.skm")]
    written += plot_training_history(model, output, n_samples=len(demo.data))
    written.append(_confusion_matrix_png(model, X_test, y_test, output / "Confusion_Matrix.png"))
    print("\nWrote:", *(f"  {path}" for path in written), sep="\n")
    return EXIT_OK


def _extract(args: argparse.Namespace) -> int:
    from ._feature_extractor import extract_feature_table, extract_feature_table_from_folder

    source = Path(args.source)
    if not source.exists():
        raise CommandError(
            f"{source} does not exist; give a folder laid out as <root>/<label>/<file> or a CSV."
        )
    _check_files(inputs=[] if source.is_dir() else [source], outputs=[args.output])
    params = {"n_jobs": args.n_jobs, "progress": not args.no_progress, "on_error": "skip"}
    if source.is_dir():
        table = extract_feature_table_from_folder(source, **params)
    else:
        paths, labels = _read_manifest(source)
        table = extract_feature_table(paths, labels, **params)
    readable = table.drop(columns=[c for c in (_ID_COLUMN, _LABEL_COLUMN) if c in table]).notna().all(axis=1)
    if not readable.any():
        raise CommandError(f"none of the {len(table)} audio files could be read; see the warnings above.")
    table = table.loc[readable]
    _write_csv(table, args.output)
    print(f"Wrote features of {len(table)} clips ({int((~readable).sum())} skipped) to {args.output}")
    return EXIT_OK


def _train(args: argparse.Namespace) -> int:
    from ._history_display import plot_training_history
    from ._pretrained import make_default_pipeline

    _check_files(inputs=[args.features], outputs=[args.output], output_dirs=[args.plots])
    X, y = _load_table(args)
    params = {name: getattr(args, name) for name in _CLASSIFIER_OPTIONS if hasattr(args, name)}
    # The library's pipeline without its audio step: named steps "scale" and "classifier".
    model = make_default_pipeline(**params)[1:].fit(X, y)
    history = model[-1].history_
    last = ", ".join(f"{key} {values[-1]:.4f}" for key, values in history.items())
    print(f"Trained on {len(X)} rows, {X.shape[1]} features, {len(history['loss'])} epochs: {last}")
    print(f"Wrote {_save_model(model, args.output)}")
    if args.plots is not None:
        for path in plot_training_history(model, _output_dir(args.plots), n_samples=len(X)):
            print(f"Wrote {path}")
    return EXIT_OK


def _predict(args: argparse.Namespace) -> int:
    import pandas as pd

    inputs = [Path(item) for item in args.inputs]
    tables = [path for path in inputs if path.suffix.lower() == ".csv"]
    if tables and len(inputs) > 1:
        raise CommandError(
            f"give either one feature table or audio files; got {len(inputs)} inputs including "
            f"{', '.join(map(str, tables[:3]))}."
        )
    table_input = bool(tables)
    _check_files(
        inputs=[*_model_files(args.model), *(inputs if table_input else [])],
        outputs=[args.output],
        against=[] if table_input else inputs,  # unreadable audio files are reported, not fatal
    )
    model = _load(args.model)
    if table_input:
        names, X, failed, estimator = _table_rows(inputs[0], model, args.encoding)
    elif not _has_extractor(model):
        raise CommandError(
            "this model was trained on a feature table; give a feature CSV, or train on audio "
            "(speechmusic extract, then train) to predict from audio files."
        )
    else:
        names, X, failed, estimator = _audio_rows(inputs, model)
    if not names:
        listed = "; ".join(f"{name}: {reason}" for name, reason in failed)
        raise CommandError(f"none of the {len(failed)} inputs could be read: {listed}")
    result = pd.DataFrame({_ID_COLUMN: names, "Prediction": estimator.predict(X)})
    if args.proba:
        probabilities = estimator.predict_proba(X)
        for column, label in enumerate(estimator.classes_):
            result[f"P({label})"] = probabilities[:, column]
    if args.output is None:
        result.to_csv(sys.stdout, index=False, float_format="%.6f")
    else:
        _write_csv(result, args.output, float_format="%.6f")
        print(f"Wrote {len(result)} predictions to {args.output}")
    if failed:
        total = len(failed) + len(names)
        print(f"speechmusic predict: could not predict {len(failed)} of {total} inputs:", file=sys.stderr)
        for name, reason in failed:
            reason = _one_line(reason)
            print(f"  {reason}" if name in reason else f"  {name}: {reason}", file=sys.stderr)
        return EXIT_PARTIAL
    return EXIT_OK


def _segment(args: argparse.Namespace) -> int:
    from ._segmenter import SpeechMusicSegmenter

    audio = Path(args.audio)
    if not audio.exists():
        raise CommandError(f"no such audio file: {audio}")
    outputs = [args.output, args.audacity, args.plot]
    _check_files(inputs=[audio, *_model_files(args.model)], outputs=outputs)
    model = None  # the segmenter's own NumPy copy of the packaged model: no TensorFlow
    if _model_files(args.model):
        model = _load(args.model)
        if not _has_extractor(model):
            raise CommandError(
                "this model was trained on a feature table; segmenting needs a model that takes audio "
                "(the default 'pretrained', or one trained with an AudioFeatureExtractor first)."
            )
    segmenter = SpeechMusicSegmenter(
        model,
        window=args.window,
        hop=args.hop,
        smoothing=args.smoothing,
        min_duration=args.min_duration,
        progress=not args.no_progress,
    )
    windows = segmenter.window_probabilities(audio)
    segments = segmenter.segments_from_windows(windows)
    written = []
    if args.audacity is not None:
        labels = "".join(f"{s.start:.3f}\t{s.end:.3f}\t{s.label}\n" for s in segments.itertuples())
        written.append(_write_text(args.audacity, labels))
    if args.plot is not None:
        written.append(_timeline_png(segments, windows, audio.name, args.plot))
    if args.output is None:
        segments.to_csv(sys.stdout, index=False)
    else:
        written.insert(0, _write_csv(segments, args.output))
    if written:
        print(
            f"{len(segments)} segments in {windows.attrs['duration']:.1f} s of audio. Wrote:", file=sys.stderr
        )
        print(*(f"  {path}" for path in written), sep="\n", file=sys.stderr)
    return EXIT_OK


def _evaluate(args: argparse.Namespace) -> int:
    _check_files(inputs=[*_model_files(args.model), args.features])
    full_model = _load(args.model)
    model = _without_extractor(full_model)
    X, y = _load_table(args)
    X = _model_input(model, X[_matching_columns(args.features, X.columns, full_model)])
    known = {str(label) for label in model.classes_}
    unknown = sorted(set(y) - known)
    if unknown:
        folded = {label.strip().casefold(): label for label in known}
        near = [
            f"{u!r} -> {folded[u.strip().casefold()]!r}" for u in unknown if u.strip().casefold() in folded
        ]
        hint = (
            f" Some differ only in case or spaces ({', '.join(near)}): fix them in the table." if near else ""
        )
        raise CommandError(
            f"{args.features} has labels the model does not know: {', '.join(map(repr, unknown))} "
            f"({int(y.isin(unknown).sum())} of {len(y)} rows); the model's classes are "
            f"{', '.join(map(repr, sorted(known)))}.{hint}"
        )
    _report(model, X, y)
    return EXIT_OK


# ---------------------------------------------------------------- models and tables
def _load(path: str):
    from ._persistence import ModelFormatError, load_model

    if not _model_files(path):
        from ._pretrained import load_pretrained

        return load_pretrained()
    try:
        return load_model(path)
    except (ModelFormatError, ValueError, KeyError) as error:
        message = _one_line(error)
        raise CommandError(message if path in message else f"{path}: {message}") from error


def _model_files(model: str) -> list[Path]:
    """The model's file, or nothing for the packaged model."""
    return [] if model == PRETRAINED_MODEL_NAME and not os.path.exists(model) else [Path(model)]


def _has_extractor(model) -> bool:
    from ._feature_extractor import AudioFeatureExtractor

    return hasattr(model, "steps") and isinstance(model.steps[0][1], AudioFeatureExtractor)


def _without_extractor(model):
    """The part of a model that takes feature rows (drops a leading extractor)."""
    return model[1:] if _has_extractor(model) else model


def _load_table(args: argparse.Namespace):
    from ._feature_table import load_feature_table

    return load_feature_table(args.features, normalize_labels=args.normalize_labels, encoding=args.encoding)


def _matching_columns(path, columns, model) -> list[str]:
    """The model's feature columns, found by name in a table."""
    if _has_extractor(model):
        expected = [str(name) for name in model.steps[0][1].get_feature_names_out()]
    elif hasattr(model, "feature_names_in_"):
        expected = [str(name) for name in model.feature_names_in_]
    else:
        expected = [str(c) for c in columns if c not in (_ID_COLUMN, _LABEL_COLUMN)]
        if len(expected) != getattr(model, "n_features_in_", len(expected)):
            raise CommandError(
                f"{path} has {len(expected)} feature columns; the model takes {model.n_features_in_}."
            )
    missing = [name for name in expected if name not in set(columns)]
    if missing:
        shown = ", ".join(map(repr, missing[:10])) + (
            f" and {len(missing) - 10} more" if len(missing) > 10 else ""
        )
        raise CommandError(
            f"{path} lacks {len(missing)} of the {len(expected)} feature columns the model needs: {shown}. "
            "Extract the table with the model's settings (speechmusic extract)."
        )
    return expected


def _model_input(estimator, frame):
    """A table as the estimator was fitted: with column names only if it has them."""
    return frame if hasattr(estimator, "feature_names_in_") else frame.to_numpy()


def _table_rows(path: Path, model, encoding):
    from ._feature_table import describe_source, parse_table, read_text

    source = describe_source(path)
    table = parse_table(
        read_text(path, encoding=encoding, source=source), source, text_columns=[_ID_COLUMN, _LABEL_COLUMN]
    )
    estimator = _without_extractor(model)
    columns = _matching_columns(path, table.columns, model)
    names = (
        table[_ID_COLUMN].astype(str) if _ID_COLUMN in table else table.index.map(lambda i: f"row {i + 1}")
    )
    complete = table[columns].notna().all(axis=1)
    failed = [(name, "missing feature values") for name in names[~complete]]
    return list(names[complete]), _model_input(estimator, table.loc[complete, columns]), failed, estimator


def _audio_rows(inputs: list[Path], model):
    import numpy as np
    import pandas as pd
    from sklearn.base import clone

    from ._feature_extractor import SkippedAudioWarning

    extractor = clone(model.steps[0][1]).set_params(on_error="skip", progress=False)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", SkippedAudioWarning)
        features = extractor.transform([str(path) for path in inputs])
    reasons = {}
    for warning in caught:
        if issubclass(warning.category, SkippedAudioWarning):  # listed below, per file
            reasons.update({row: reason for row, _, reason in getattr(warning.message, "skipped", ())})
        else:
            warnings.showwarning(warning.message, warning.category, warning.filename, warning.lineno)
    for row in np.flatnonzero(np.isnan(features).any(axis=1)):
        reasons.setdefault(int(row), "could not be read")
    good = [row for row in range(len(inputs)) if row not in reasons]
    estimator = model[1:]
    frame = pd.DataFrame(features[good], columns=extractor.get_feature_names_out())
    failed = [(str(inputs[row]), str(reasons[row])) for row in sorted(reasons)]
    return [str(inputs[row]) for row in good], _model_input(estimator, frame), failed, estimator


def _read_manifest(path: Path) -> tuple[list[Path], list[str] | None]:
    from ._feature_table import describe_source, parse_table, read_text

    columns = ("path", _ID_COLUMN, "filename", "file", "label", _LABEL_COLUMN)
    source = describe_source(path)
    manifest = parse_table(read_text(path, source=source), source, text_columns=columns)
    column = next((c for c in columns[:4] if c in manifest), None)
    if column is None:
        raise CommandError(
            f"{path} has no 'path' (or 'Filename') column; columns are {list(manifest.columns)}."
        )
    label_column = next((c for c in ("label", _LABEL_COLUMN) if c in manifest), None)
    paths = [path.parent / str(item) for item in manifest[column]]
    labels = manifest[label_column].astype(str).tolist() if label_column else None
    return paths, labels


# ---------------------------------------------------------------- reports and figures
def _report(model, X, y) -> None:
    from sklearn.metrics import accuracy_score, classification_report, confusion_matrix

    predicted = model.predict(X)
    labels = list(model.classes_)
    print(f"\nAccuracy: {accuracy_score(y, predicted):.4f} on {len(y)} clips\n")
    print(classification_report(y, predicted, labels=labels, digits=4, zero_division=0))
    matrix = confusion_matrix(y, predicted, labels=labels)
    width = max(len(str(label)) for label in labels) + 2
    print("Confusion matrix (rows: true, columns: predicted)")
    print(" " * width + "".join(f"{label:>{width}}" for label in labels))
    for label, row in zip(labels, matrix, strict=True):
        print(f"{label:>{width}}" + "".join(f"{count:>{width}}" for count in row))


def _confusion_matrix_png(model, X, y, path: Path) -> Path:
    from matplotlib.figure import Figure
    from sklearn.metrics import ConfusionMatrixDisplay

    figure = Figure(figsize=(5, 4.5))
    ConfusionMatrixDisplay.from_estimator(model, X, y, ax=figure.add_subplot(), colorbar=False)
    figure.tight_layout()
    figure.savefig(path, dpi=150)
    return path


def _timeline_png(segments, windows, title: str, path) -> Path:
    from matplotlib.figure import Figure

    from ._segmentation_display import SegmentationDisplay

    figure = Figure(figsize=(10, 3))
    SegmentationDisplay.from_segments(
        segments, times=windows["center"], level_db=windows["level_db"], ax=figure.add_subplot(), title=title
    )
    figure.tight_layout()
    figure.savefig(path, dpi=150)
    return Path(path)


# ---------------------------------------------------------------- the user's files
def _check_files(*, inputs=(), outputs=(), output_dirs=(), against=()) -> None:
    """Refuse, before any work, unreadable inputs and outputs that overwrite inputs or cannot be written."""
    inputs = [Path(path) for path in inputs if path is not None]
    for path in inputs:
        if not path.exists():
            raise CommandError(f"{path} does not exist.")
        if path.is_file() and not os.access(path, os.R_OK):
            raise CommandError(f"permission denied: cannot read {path}.")
    protected = [*inputs, *(Path(path) for path in against)]
    seen: dict[Path, Path] = {}
    for path in (Path(p) for p in outputs if p is not None):
        resolved = path.resolve()
        if resolved in seen:
            raise CommandError(f"{seen[resolved]} is given as two different outputs; give each its own path.")
        seen[resolved] = path
        for other in protected:
            if resolved == other.resolve() or (
                other.exists() and path.exists() and os.path.samefile(path, other)
            ):
                raise CommandError(
                    f"the output {path} is also an input ({other}); refusing to overwrite it. "
                    "Choose another output path."
                )
        if path.is_dir():
            raise CommandError(f"output {path} is a folder; give a file path.")
        folder = path.parent
        if not folder.is_dir():
            raise CommandError(f"cannot write {path}: folder {folder} does not exist; create it first.")
        if not os.access(folder, os.W_OK | os.X_OK):
            raise CommandError(f"permission denied: cannot write {path} in folder {folder}.")
        if path.exists() and not os.access(path, os.W_OK):
            raise CommandError(f"permission denied: cannot overwrite {path}.")
    for folder in (Path(p) for p in output_dirs if p is not None):
        existing = next(parent for parent in (folder, *folder.absolute().parents) if parent.exists())
        if not existing.is_dir():
            raise CommandError(f"cannot create folder {folder}: {existing} is a file.")
        if not os.access(existing, os.W_OK | os.X_OK):
            raise CommandError(f"permission denied: cannot write in folder {existing}.")


def _output_dir(folder) -> Path:
    output = Path(folder)
    output.mkdir(parents=True, exist_ok=True)
    return output


def _file_mode(path: Path) -> int:
    """The permissions a written file gets: an existing file's own, else what the umask allows."""
    try:
        return path.stat().st_mode & 0o7777
    except FileNotFoundError:
        umask = os.umask(0o022)
        os.umask(umask)
        return 0o666 & ~umask


def _save_model(model, path) -> Path:
    from ._persistence import save_model

    path = Path(path)
    mode = _file_mode(path)
    save_model(model, path)
    os.chmod(path, mode)  # save_model's temporary file is private (0600)
    return path


def _write_csv(table, path, **kwargs) -> Path:
    return _write_text(path, table.to_csv(index=False, **kwargs))


def _write_text(path, text: str) -> Path:
    """Write atomically: an interrupted write leaves any previous file untouched."""
    path = Path(path)
    mode = _file_mode(path)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".partial")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(text.encode("utf-8"))
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


# ---------------------------------------------------------------- messages and logging
def _one_line(message) -> str:
    return " ".join(str(message).split())


def _describe_error(error: BaseException) -> str:
    if isinstance(error, PermissionError) and error.filename is not None:
        return f"permission denied: {error.filename}"
    if isinstance(error, OSError) and error.filename is not None and error.strerror:
        return f"{error.strerror.lower()}: {error.filename}"
    message = _OBJECT_REPR.sub("the file", _one_line(error))
    return message or type(error).__name__


@contextmanager
def _stderr_silenced():
    """Point file descriptor 2 at /dev/null, where C++ libraries write their logs."""
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


class _QuietLoader(importlib.abc.Loader):
    def __init__(self, loader):
        self._loader = loader

    def create_module(self, spec):
        return self._loader.create_module(spec)

    def exec_module(self, module):
        with _stderr_silenced():
            self._loader.exec_module(module)

    def __getattr__(self, name):
        return getattr(self._loader, name)


class _QuietTensorFlowImport(importlib.abc.MetaPathFinder):
    """Silence standard error while TensorFlow's runtime starts (absl, oneDNN and CUDA lines).

    TensorFlow 2.21 prints them even with ``TF_CPP_MIN_LOG_LEVEL=3``. Only the
    first import is affected, and only in the command-line program.
    """

    def find_spec(self, fullname, path, target=None):
        if fullname != "tensorflow":
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(fullname)
        if spec is not None and spec.loader is not None:
            spec.loader = _QuietLoader(spec.loader)
        return spec


def _silence_tensorflow_import() -> None:
    if "tensorflow" not in sys.modules and not any(
        isinstance(finder, _QuietTensorFlowImport) for finder in sys.meta_path
    ):
        sys.meta_path.insert(0, _QuietTensorFlowImport())


# ---------------------------------------------------------------- arguments
@lru_cache(maxsize=1)
def _classifier_defaults() -> dict:
    """SpeechMusicClassifier's own defaults; read only when help is shown."""
    import inspect

    _silence_tensorflow_import()
    from ._classifier import SpeechMusicClassifier

    return {name: p.default for name, p in inspect.signature(SpeechMusicClassifier).parameters.items()}


def _format_default(value) -> str:
    if isinstance(value, tuple):
        return ",".join(map(str, value))
    return str(value)


class _HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Shows every option's default, the classifier's read from its signature."""

    def _get_help_string(self, action):
        text = action.help or ""
        if (
            not action.option_strings
            or action.required
            or "default" in text
            or action.dest in ("help", "version")
        ):
            return text
        name = getattr(action, "classifier_parameter", None)
        if name is not None and name in _classifier_defaults():
            value = _classifier_defaults()[name]
            return f"{text} (default: {_format_default(value)})".replace("%", "%%")
        if action.default is argparse.SUPPRESS:
            return text
        return f"{text} (default: %(default)s)"


def _layer_sizes(text: str) -> tuple[int, ...]:
    try:
        sizes = tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated integers like 64,512,128; got {text!r}"
        ) from None
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError(f"expected positive layer sizes like 64,512,128; got {text!r}")
    return sizes


# SpeechMusicClassifier parameters the train command exposes: --x-y sets x_y.
_CLASSIFIER_OPTIONS: dict[str, dict] = {
    "hidden_layer_sizes": {
        "type": _layer_sizes,
        "metavar": "SIZES",
        "help": "units per hidden layer, e.g. 64,512,128",
    },
    "activation": {"metavar": "NAME", "help": "activation of the hidden layers"},
    "learning_rate": {"type": float, "metavar": "RATE", "help": "Adam learning rate"},
    "epochs": {"type": int, "metavar": "N", "help": "passes over the training rows"},
    "batch_size": {"type": int, "metavar": "N", "help": "rows per gradient step"},
    "validation_split": {
        "type": float,
        "metavar": "SHARE",
        "help": "share of rows held out (stratified) to report validation loss and accuracy",
    },
    "early_stopping": {
        "action": argparse.BooleanOptionalAction,
        "help": "stop when the validation loss stops improving",
    },
    "patience": {"type": int, "metavar": "N", "help": "epochs without improvement before early stopping"},
    "random_state": {
        "type": int,
        "metavar": "SEED",
        "help": "seed of the weights, the hold-out split and the shuffling",
    },
}


def _add_table_options(parser: argparse.ArgumentParser, *, labels: bool = True) -> None:
    parser.add_argument(
        "--encoding",
        default=None,
        help="text encoding of the table, e.g. latin-1 or utf-16 (default: UTF-8, with or without BOM)",
    )
    if labels:
        parser.add_argument(
            "--normalize-labels",
            action="store_true",
            help="strip spaces around labels and merge labels that differ only in case into their "
            "most frequent spelling",
        )


def _parser() -> argparse.ArgumentParser:
    from . import __version__

    # --debug works before or after the command; SUPPRESS keeps a subcommand's
    # default from overwriting a --debug given before it.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--debug", action="store_true", default=argparse.SUPPRESS, help="show tracebacks (default: off)"
    )
    formatting: dict = {"formatter_class": _HelpFormatter, "epilog": _EXIT_CODES}

    parser = argparse.ArgumentParser(
        prog="speechmusic",
        description="Tell speech from music: extract features, train the demo network, predict.",
        **formatting,
    )
    parser.add_argument(
        "--debug", action="store_true", help="show full tracebacks on errors, and TensorFlow's logging"
    )
    parser.add_argument("--version", action="version", version=f"speechmusic {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name, help):
        return commands.add_parser(name, parents=[common], help=help, description=help, **formatting)

    demo = command("demo", "train and evaluate on the bundled real recordings (offline)")
    demo.add_argument(
        "--output-dir", default="speechmusic-demo", help="folder to write the model and figures to"
    )
    demo.add_argument("--random-state", type=int, default=0, help="seed of the split and the network")
    demo.set_defaults(run=_demo)

    extract = command("extract", "audio files -> demo-format feature table")
    extract.add_argument(
        "source", help="folder laid out as <root>/<label>/<file>, or a CSV with a 'path' column"
    )
    extract.add_argument("-o", "--output", required=True, help="feature table to write (CSV)")
    extract.add_argument(
        "--n-jobs", type=int, default=None, help="parallel workers, -1 for all cores (default: 1)"
    )
    extract.add_argument("--no-progress", action="store_true", help="no progress bar")
    extract.set_defaults(run=_extract)

    train = command("train", "train the scaler and network on a feature table, save the model")
    train.add_argument("features", help="feature table (CSV in the demo's format)")
    train.add_argument("-o", "--output", required=True, help="model file to write (.skm)")
    for name, settings in _CLASSIFIER_OPTIONS.items():
        # Only options given on the command line reach the classifier: its own
        # defaults apply otherwise, and --help reads them from its signature.
        action = train.add_argument(f"--{name.replace('_', '-')}", default=argparse.SUPPRESS, **settings)
        action.classifier_parameter = name  # type: ignore[attr-defined]
    _add_table_options(train)
    train.add_argument(
        "--plots",
        metavar="DIR",
        default=None,
        help="also write the training-history PNGs here (default: none)",
    )
    train.set_defaults(run=_train)

    predict = command("predict", "labels for audio files or a feature CSV")
    predict.add_argument("model", help=_MODEL_HELP)
    predict.add_argument("inputs", nargs="+", help="audio files, or one feature table (CSV)")
    predict.add_argument("--proba", action="store_true", help="add one probability column per class")
    predict.add_argument("-o", "--output", default=None, help="CSV to write (default: standard output)")
    _add_table_options(predict, labels=False)
    predict.set_defaults(run=_predict)

    segment = command("segment", "speech/music timeline of a long recording")
    segment.add_argument("audio", help="audio file (any length; read in blocks)")
    segment.add_argument("--model", default=PRETRAINED_MODEL_NAME, help=_MODEL_HELP)
    segment.add_argument("-o", "--output", default=None, help="CSV of segments (default: standard output)")
    segment.add_argument(
        "--audacity", metavar="TXT", default=None, help="also write Audacity labels (default: none)"
    )
    segment.add_argument("--plot", metavar="PNG", default=None, help="also draw the timeline (default: none)")
    segment.add_argument("--window", type=float, default=3.0, help="seconds per window")
    segment.add_argument("--hop", type=float, default=0.5, help="seconds between windows")
    segment.add_argument(
        "--smoothing",
        choices=["viterbi", "median", "none"],
        default="viterbi",
        help="how window probabilities become segments: 'viterbi' finds the most likely label "
        "sequence when each change of label has a cost; 'median' takes a running median of each "
        "class's probability over one window length; 'none' keeps each window's own label",
    )
    segment.add_argument("--min-duration", type=float, default=1.0, help="shortest segment in seconds")
    segment.add_argument("--no-progress", action="store_true", help="no progress bar")
    segment.set_defaults(run=_segment)

    evaluate = command("evaluate", "accuracy and confusion matrix on a labelled feature table")
    evaluate.add_argument("model", help=_MODEL_HELP)
    evaluate.add_argument("features", help="labelled feature table (CSV in the demo's format)")
    _add_table_options(evaluate)
    evaluate.set_defaults(run=_evaluate)
    return parser


def console_script() -> None:
    """Entry point of the ``speechmusic`` console script."""
    sys.exit(main())
