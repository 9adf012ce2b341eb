"""The ``speechmusic`` command line: demo, extract, train, predict, segment, evaluate.

Exit codes: 0 success, 1 data error (a one-line message says what to fix),
2 usage error (argparse), 130 interrupted. ``--debug`` shows tracebacks.
"""

from __future__ import annotations

import argparse
import os
import sys
import warnings
from pathlib import Path

EXIT_OK = 0
EXIT_DATA_ERROR = 1
EXIT_INTERRUPTED = 130
#: Given instead of a model file, names the model shipped with the package.
PRETRAINED_MODEL_NAME = "pretrained"
_MODEL_HELP = "model file (.skm), or 'pretrained' for the model shipped with the package"


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
        directly), 130 when interrupted.

    Examples
    --------
    >>> from sklearn_speechmusic._cli import main
    >>> main(["--version"])  # doctest: +SKIP
    speechmusic 0.1.0
    """
    args = _parser().parse_args(argv)
    # A command-line program, not a library: quiet TensorFlow's start-up logging.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    try:
        return args.run(args)
    except KeyboardInterrupt:
        print("speechmusic: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as error:
        if args.debug:
            raise
        message = " ".join(str(error).split()) or type(error).__name__
        print(f"speechmusic {args.command}: error: {message}", file=sys.stderr)
        return EXIT_DATA_ERROR


# ---------------------------------------------------------------- commands
def _demo(args: argparse.Namespace) -> int:
    from sklearn.model_selection import GroupShuffleSplit
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from ._classifier import SpeechMusicClassifier
    from ._datasets import load_demo
    from ._history_display import plot_training_history
    from ._persistence import save_model

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
    model = make_pipeline(StandardScaler(), SpeechMusicClassifier(random_state=args.random_state))
    model.fit(X_train, y_train)
    _report(model, X_test, y_test)
    written = [save_model(model, output / "model.skm")]
    written += plot_training_history(model, output, n_samples=len(demo.data))
    written.append(_confusion_matrix_png(model, X_test, y_test, output / "Confusion_Matrix.png"))
    print("\nWrote:", *(f"  {path}" for path in written), sep="\n")
    return EXIT_OK


def _extract(args: argparse.Namespace) -> int:
    from ._feature_extractor import (
        SkippedAudioWarning,
        extract_feature_table,
        extract_feature_table_from_folder,
    )

    source = Path(args.source)
    params = {"n_jobs": args.n_jobs, "progress": not args.no_progress, "on_error": "skip"}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", SkippedAudioWarning)
        if source.is_dir():
            table = extract_feature_table_from_folder(source, **params)
        elif source.is_file():
            paths, labels = _read_manifest(source)
            table = extract_feature_table(paths, labels, **params)
        else:
            raise CommandError(
                f"{source} does not exist; give a folder laid out as <root>/<label>/<file> or a CSV."
            )
    for warning in caught:
        if issubclass(warning.category, SkippedAudioWarning):
            print(f"warning: {warning.message}", file=sys.stderr)
    readable = table.drop(columns=[c for c in ("Filename", "Label") if c in table]).notna().all(axis=1)
    if not readable.any():
        raise CommandError(f"none of the {len(table)} audio files could be read; see the warnings above.")
    table = table.loc[readable]
    _write_csv(table, args.output)
    print(f"Wrote features of {len(table)} clips ({int((~readable).sum())} skipped) to {args.output}")
    return EXIT_OK


def _train(args: argparse.Namespace) -> int:
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from ._classifier import SpeechMusicClassifier
    from ._feature_table import load_feature_table
    from ._history_display import plot_training_history
    from ._persistence import save_model

    X, y = load_feature_table(args.features)
    classifier = SpeechMusicClassifier(
        hidden_layer_sizes=args.hidden_layer_sizes,
        learning_rate=args.learning_rate,
        epochs=args.epochs,
        batch_size=args.batch_size,
        validation_split=args.validation_split,
        early_stopping=args.early_stopping,
        random_state=args.random_state,
    )
    model = make_pipeline(StandardScaler(), classifier).fit(X, y)
    history = classifier.history_
    last = ", ".join(f"{key} {values[-1]:.4f}" for key, values in history.items())
    print(f"Trained on {len(X)} rows, {X.shape[1]} features, {len(history['loss'])} epochs: {last}")
    save_model(model, args.output)
    print(f"Wrote {args.output}")
    if args.plots is not None:
        for path in plot_training_history(model, _output_dir(args.plots), n_samples=len(X)):
            print(f"Wrote {path}")
    return EXIT_OK


def _predict(args: argparse.Namespace) -> int:
    import pandas as pd

    model = _load(args.model)
    inputs = [Path(item) for item in args.inputs]
    if len(inputs) == 1 and inputs[0].suffix.lower() == ".csv":
        names, X = _feature_rows(inputs[0], model)
        estimator = _without_extractor(model)
    else:
        if not _has_extractor(model):
            raise CommandError(
                "this model was trained on a feature table; give a feature CSV, or train on audio "
                "(speechmusic extract, then train) to predict from audio files."
            )
        missing = [str(path) for path in inputs if not path.is_file()]
        if missing:
            raise CommandError(f"no such audio file: {', '.join(missing)}")
        names, X, estimator = [str(path) for path in inputs], [str(path) for path in inputs], model
    result = pd.DataFrame({"Filename": names, "Prediction": estimator.predict(X)})
    if args.proba:
        probabilities = estimator.predict_proba(X)
        for column, label in enumerate(estimator.classes_):
            result[f"P({label})"] = probabilities[:, column]
    if args.output is None:
        result.to_csv(sys.stdout, index=False, float_format="%.6f")
    else:
        _write_csv(result, args.output, float_format="%.6f")
        print(f"Wrote {len(result)} predictions to {args.output}")
    return EXIT_OK


def _segment(args: argparse.Namespace) -> int:
    from ._segmenter import SpeechMusicSegmenter

    audio = Path(args.audio)
    if not audio.is_file():
        raise CommandError(f"no such audio file: {audio}")
    model = None  # the segmenter's own NumPy copy of the packaged model: no TensorFlow
    if not (args.model == PRETRAINED_MODEL_NAME and not os.path.exists(args.model)):
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


def _evaluate(args: argparse.Namespace) -> int:
    from ._feature_table import load_feature_table

    model = _load(args.model)
    X, y = load_feature_table(args.features)
    _report(_without_extractor(model), X, y)
    return EXIT_OK


# ---------------------------------------------------------------- helpers
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


def _load(path: str):
    from ._persistence import load_model

    if path == PRETRAINED_MODEL_NAME and not os.path.exists(path):
        from ._pretrained import load_pretrained

        return load_pretrained()
    return load_model(path)


def _has_extractor(model) -> bool:
    from ._feature_extractor import AudioFeatureExtractor

    return hasattr(model, "steps") and isinstance(model.steps[0][1], AudioFeatureExtractor)


def _without_extractor(model):
    """The part of a model that takes feature rows (drops a leading extractor)."""
    return model[1:] if _has_extractor(model) else model


def _feature_rows(path: Path, model):
    import pandas as pd

    if not path.is_file():
        raise CommandError(f"{path} does not exist.")
    table = pd.read_csv(path)
    if _has_extractor(model):
        expected = list(model.steps[0][1].get_feature_names_out())
    else:
        expected = list(getattr(model, "feature_names_in_", []))
    if not expected:
        expected = [c for c in table.columns if c not in ("Filename", "Label")]
    missing = [column for column in expected if column not in table.columns]
    if missing:
        raise CommandError(
            f"{path} lacks {len(missing)} feature columns the model needs, e.g. {missing[:3]}; "
            "extract it with the same settings (speechmusic extract)."
        )
    names = (
        table["Filename"].astype(str).tolist() if "Filename" in table else [str(i) for i in range(len(table))]
    )
    return names, table[expected]


def _read_manifest(path: Path) -> tuple[list[Path], list[str] | None]:
    import pandas as pd

    manifest = pd.read_csv(path)
    column = next((c for c in ("path", "Filename", "filename", "file") if c in manifest), None)
    if column is None:
        raise CommandError(
            f"{path} has no 'path' (or 'Filename') column; columns are {list(manifest.columns)}."
        )
    label_column = next((c for c in ("label", "Label") if c in manifest), None)
    paths = [path.parent / str(item) for item in manifest[column]]
    labels = manifest[label_column].astype(str).tolist() if label_column else None
    return paths, labels


def _output_dir(folder) -> Path:
    output = Path(folder)
    output.mkdir(parents=True, exist_ok=True)
    return output


def _write_csv(table, path, **kwargs) -> Path:
    return _write_text(path, table.to_csv(index=False, **kwargs))


def _write_text(path, text: str) -> Path:
    from ._persistence import _write_atomically

    return _write_atomically(Path(path), text.encode("utf-8"))


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


def _parser() -> argparse.ArgumentParser:
    from . import __version__

    # --debug works before or after the command; SUPPRESS keeps a subcommand's
    # default from overwriting a --debug given before it.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help="show tracebacks")

    parser = argparse.ArgumentParser(
        prog="speechmusic",
        description="Tell speech from music: extract features, train the demo network, predict.",
    )
    parser.add_argument("--debug", action="store_true", help="show full tracebacks on errors")
    parser.add_argument("--version", action="version", version=f"speechmusic {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo = commands.add_parser(
        "demo", parents=[common], help="train and evaluate on the bundled real recordings (offline)"
    )
    demo.add_argument(
        "--output-dir", default="speechmusic-demo", help="where to write (default: %(default)s)"
    )
    demo.add_argument("--random-state", type=int, default=0, help="seed (default: %(default)s)")
    demo.set_defaults(run=_demo)

    extract = commands.add_parser(
        "extract", parents=[common], help="audio files -> demo-format feature table"
    )
    extract.add_argument(
        "source", help="folder laid out as <root>/<label>/<file>, or a CSV with a 'path' column"
    )
    extract.add_argument("-o", "--output", required=True, help="feature table to write (CSV)")
    extract.add_argument("--n-jobs", type=int, default=None, help="parallel workers (-1: all cores)")
    extract.add_argument("--no-progress", action="store_true", help="no progress bar")
    extract.set_defaults(run=_extract)

    train = commands.add_parser("train", parents=[common], help="train on a feature table, save the model")
    train.add_argument("features", help="feature table (CSV in the demo's format)")
    train.add_argument("-o", "--output", required=True, help="model file to write (.skm)")
    train.add_argument("--epochs", type=int, default=20)
    train.add_argument("--batch-size", type=int, default=32)
    train.add_argument(
        "--hidden-layer-sizes",
        type=_layer_sizes,
        default=(64, 512, 128, 128, 64),
        help="e.g. 64,512,128,128,64",
    )
    train.add_argument("--learning-rate", type=float, default=0.001)
    train.add_argument("--validation-split", type=float, default=0.2)
    train.add_argument("--early-stopping", action="store_true")
    train.add_argument("--random-state", type=int, default=None)
    train.add_argument(
        "--plots", metavar="DIR", default=None, help="also write the training-history PNGs here"
    )
    train.set_defaults(run=_train)

    predict = commands.add_parser("predict", parents=[common], help="labels for audio files or a feature CSV")
    predict.add_argument("model", help=_MODEL_HELP)
    predict.add_argument("inputs", nargs="+", help="audio files, or one feature table (CSV)")
    predict.add_argument("--proba", action="store_true", help="add one probability column per class")
    predict.add_argument("-o", "--output", default=None, help="CSV to write (default: standard output)")
    predict.set_defaults(run=_predict)

    segment = commands.add_parser(
        "segment", parents=[common], help="speech/music timeline of a long recording"
    )
    segment.add_argument("audio", help="audio file (any length; read in blocks)")
    segment.add_argument("--model", default=PRETRAINED_MODEL_NAME, help=_MODEL_HELP + " (default)")
    segment.add_argument("-o", "--output", default=None, help="CSV of segments (default: standard output)")
    segment.add_argument("--audacity", metavar="TXT", default=None, help="also write Audacity labels")
    segment.add_argument("--plot", metavar="PNG", default=None, help="also draw the timeline")
    segment.add_argument(
        "--window", type=float, default=3.0, help="seconds per window (default: %(default)s)"
    )
    segment.add_argument(
        "--hop", type=float, default=0.5, help="seconds between windows (default: %(default)s)"
    )
    segment.add_argument(
        "--smoothing", choices=["viterbi", "median", "none"], default="viterbi", help="(default: %(default)s)"
    )
    segment.add_argument(
        "--min-duration", type=float, default=1.0, help="shortest segment in seconds (default: %(default)s)"
    )
    segment.add_argument("--no-progress", action="store_true", help="no progress bar")
    segment.set_defaults(run=_segment)

    evaluate = commands.add_parser(
        "evaluate", parents=[common], help="accuracy and confusion matrix on a table"
    )
    evaluate.add_argument("model", help=_MODEL_HELP)
    evaluate.add_argument("features", help="labelled feature table (CSV in the demo's format)")
    evaluate.set_defaults(run=_evaluate)
    return parser


def console_script() -> None:
    """Entry point of the ``speechmusic`` console script."""
    sys.exit(main())
