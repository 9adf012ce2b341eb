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

This module runs the commands. Their arguments are defined in ``_cli_parser``,
what they read in ``_cli_inputs``, the checks and writes of the user's files in
``_cli_files``, and what reaches standard error in ``_cli_messages``.
"""

from __future__ import annotations

import argparse
import os
import sys
import warnings
from pathlib import Path

from ._cli_explain import explain
from ._cli_files import check_files, check_plot_formats, output_dir, save_model_file, write_csv, write_text
from ._cli_inputs import (
    ID_COLUMN,
    LABEL_COLUMN,
    audio_rows,
    check_known_labels,
    has_extractor,
    load_model_argument,
    load_table,
    matching_columns,
    model_files,
    model_input,
    read_manifest,
    table_rows,
    without_extractor,
)
from ._cli_messages import CommandError, describe_error, one_line, silence_tensorflow_import
from ._cli_parser import CLASSIFIER_OPTIONS, build_parser

EXIT_OK = 0
EXIT_DATA_ERROR = 1
EXIT_USAGE_ERROR = 2
EXIT_PARTIAL = 3
EXIT_INTERRUPTED = 130
EXIT_BROKEN_PIPE = 141


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
    args, unknown = build_parser().parse_known_args(argv)
    if unknown:
        args.command_parser.error(f"unrecognized arguments: {' '.join(unknown)}")
    debug = getattr(args, "debug", False)
    prefix = f"speechmusic {args.command}"
    if not debug:
        # A command-line program, not a library: TensorFlow's start-up logging is
        # not the user's business unless they ask for it with --debug.
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        silence_tensorflow_import()
    with warnings.catch_warnings():
        warnings.showwarning = lambda message, *_, **__: print(
            f"{prefix}: warning: {one_line(message)}", file=sys.stderr
        )
        try:
            return _COMMANDS[args.command](args)
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
            print(f"{prefix}: error: {describe_error(error)}", file=sys.stderr)
            return EXIT_DATA_ERROR


# ---------------------------------------------------------------- commands
def _demo(args: argparse.Namespace) -> int:
    from sklearn.model_selection import GroupShuffleSplit

    from ._datasets import load_demo
    from ._history_display import plot_training_history
    from ._pretrained import make_default_pipeline

    check_files(output_dirs=[args.output_dir])
    output = output_dir(args.output_dir)
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
    # The network's validation hold-out takes whole recordings too, so the
    # validation curves show how it does on recordings it did not train on.
    model = make_default_pipeline(random_state=args.random_state)[1:]
    model.fit(X_train, y_train, classifier__groups=demo.groups.iloc[train])
    _report(model, X_test, y_test)
    written = [save_model_file(model, output / "model.skm")]
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
    if not source.exists():
        raise CommandError(
            f"{source} does not exist; give a folder laid out as <root>/<label>/<file> or a CSV."
        )
    check_files(inputs=[] if source.is_dir() else [source], outputs=[args.output])
    params = {"n_jobs": args.n_jobs, "progress": not args.no_progress, "on_error": "skip"}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", SkippedAudioWarning)
        if source.is_dir():
            table = extract_feature_table_from_folder(source, **params)
        else:
            paths, labels = read_manifest(source)
            table = extract_feature_table(paths, labels, **params)
    skipped = [
        entry for w in caught if isinstance(w.message, SkippedAudioWarning) for entry in w.message.skipped
    ]
    for other in (w for w in caught if not isinstance(w.message, SkippedAudioWarning)):
        warnings.showwarning(other.message, other.category, other.filename, other.lineno)
    readable = table.drop(columns=[c for c in (ID_COLUMN, LABEL_COLUMN) if c in table]).notna().all(axis=1)
    if not readable.any():
        listed = "; ".join(_failure(name, reason).rstrip(".") for _, name, reason in skipped[:5])
        raise CommandError(f"none of the {len(table)} audio files could be read: {listed}")
    if skipped:
        # The library leaves NaN rows; the table written here leaves those files out.
        print(
            f"speechmusic extract: left out {len(skipped)} of {len(table)} files that could not be read:",
            file=sys.stderr,
        )
        for _, name, reason in skipped:
            print(f"  {_failure(name, reason)}", file=sys.stderr)
    table = table.loc[readable]
    write_csv(table, args.output)
    print(f"Wrote features of {len(table)} clips ({int((~readable).sum())} skipped) to {args.output}")
    return EXIT_OK


def _train(args: argparse.Namespace) -> int:
    from ._history_display import plot_training_history
    from ._pretrained import make_default_pipeline

    check_files(inputs=[args.features], outputs=[args.output], output_dirs=[args.plots])
    X, y = load_table(args)
    params = {name: getattr(args, name) for name in CLASSIFIER_OPTIONS if hasattr(args, name)}
    # The library's pipeline without its audio step: named steps "scale" and "classifier".
    model = make_default_pipeline(**params)[1:].fit(X, y)
    history = model[-1].history_
    last = ", ".join(f"{key} {values[-1]:.4f}" for key, values in history.items())
    print(f"Trained on {len(X)} rows, {X.shape[1]} features, {len(history['loss'])} epochs: {last}")
    print(f"Wrote {save_model_file(model, args.output)}")
    if args.plots is not None:
        for path in plot_training_history(model, output_dir(args.plots), n_samples=len(X)):
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
    check_files(
        inputs=[*model_files(args.model), *(inputs if table_input else [])],
        outputs=[args.output],
        against=[] if table_input else inputs,  # unreadable audio files are reported, not fatal
    )
    model = load_model_argument(args.model)
    if table_input:
        names, X, failed, estimator = table_rows(inputs[0], model, args.encoding)
    elif not has_extractor(model):
        raise CommandError(
            "this model was trained on a feature table, so it predicts from one: list the audio "
            "files in a CSV with a 'path' column, run `speechmusic extract LIST.csv -o features.csv`, "
            "then `speechmusic predict MODEL features.csv` ('pretrained' takes audio files directly)."
        )
    else:
        names, X, failed, estimator = audio_rows(inputs, model)
    if not names:
        listed = "; ".join(_failure(name, reason).rstrip(".") for name, reason in failed)
        raise CommandError(f"none of the {len(failed)} inputs could be read: {listed}")
    result = pd.DataFrame({ID_COLUMN: names, "Prediction": estimator.predict(X)})
    if args.proba:
        probabilities = estimator.predict_proba(X)
        for column, label in enumerate(estimator.classes_):
            result[f"P({label})"] = probabilities[:, column]
    if args.output is None:
        result.to_csv(sys.stdout, index=False, float_format="%.6f")
    else:
        write_csv(result, args.output, float_format="%.6f")
        print(f"Wrote {len(result)} predictions to {args.output}")
    if failed:
        total = len(failed) + len(names)
        print(f"speechmusic predict: could not predict {len(failed)} of {total} inputs:", file=sys.stderr)
        for name, reason in failed:
            print(f"  {_failure(name, reason)}", file=sys.stderr)
        return EXIT_PARTIAL
    return EXIT_OK


def _failure(name: str, reason: str) -> str:
    """One input's failure on one line, naming the input once."""
    reason = one_line(reason)
    return reason if name in reason else f"{name}: {reason}"


def _segment(args: argparse.Namespace) -> int:
    from ._segmenter import SpeechMusicSegmenter

    settings = {
        "window": args.window,
        "hop": args.hop,
        "smoothing": args.smoothing,
        "min_duration": args.min_duration,
        "min_silence": args.min_silence,
        "silence_db": args.silence_db,
        "progress": not args.no_progress,
    }
    try:
        SpeechMusicSegmenter(**settings)._check_params()
    except ValueError as error:
        # A value out of range is a usage error (exit 2), named as the option it came from.
        message = describe_error(error)
        for name in settings:
            message = message.replace(
                f"The {name!r} parameter of SpeechMusicSegmenter", f"--{name.replace('_', '-')}"
            )
            message = message.replace(f"{name}=", f"--{name.replace('_', '-')} ")
        args.command_parser.error(message)
    audio = Path(args.audio)
    if not audio.exists():
        raise CommandError(f"no such audio file: {audio}")
    outputs = [args.output, args.audacity, args.plot]
    check_files(inputs=[audio, *model_files(args.model)], outputs=outputs)
    check_plot_formats(args.plot)
    model = None  # the segmenter's own NumPy copy of the packaged model: no TensorFlow
    if model_files(args.model):
        model = load_model_argument(args.model)
        if not has_extractor(model):
            raise CommandError(
                "this model was trained on a feature table; segmenting needs a model that takes audio "
                "(the default 'pretrained', or one trained with an AudioFeatureExtractor first)."
            )
    segmenter = SpeechMusicSegmenter(model, **settings)
    windows = segmenter.window_probabilities(audio)
    segments = segmenter.segments_from_windows(windows, audio=audio)
    written = []
    if args.audacity is not None:
        labels = "".join(f"{s.start:.3f}\t{s.end:.3f}\t{s.label}\n" for s in segments.itertuples())
        written.append(write_text(args.audacity, labels))
    if args.plot is not None:
        written.append(_timeline_png(segments, windows, audio.name, args.plot))
    if args.output is None:
        segments.to_csv(sys.stdout, index=False)
    else:
        written.insert(0, write_csv(segments, args.output))
    if written:
        print(
            f"{len(segments)} segments in {windows.attrs['duration']:.1f} s of audio. Wrote:", file=sys.stderr
        )
        print(*(f"  {path}" for path in written), sep="\n", file=sys.stderr)
    return EXIT_OK


def _evaluate(args: argparse.Namespace) -> int:
    check_files(inputs=[*model_files(args.model), args.features])
    full_model = load_model_argument(args.model)
    model = without_extractor(full_model)
    X, y = load_table(args)
    X = model_input(model, X[matching_columns(args.features, X.columns, full_model)])
    check_known_labels(model, y, args.features)
    _report(model, X, y)
    return EXIT_OK


# ---------------------------------------------------------------- reports and figures
def _report(model, X, y) -> None:
    from sklearn.metrics import accuracy_score, classification_report, confusion_matrix

    predicted = model.predict(X)
    # Classes neither in the table nor predicted would add zero rows to the macro average.
    present = {*y, *predicted}
    labels = [label for label in model.classes_ if label in present]
    print(f"\nAccuracy: {accuracy_score(y, predicted):.4f} on {len(y)} clips\n")
    print(classification_report(y, predicted, labels=labels, digits=4, zero_division=0))
    matrix = confusion_matrix(y, predicted, labels=labels)
    width = max(len(str(label)) for label in labels) + 2
    print("Confusion matrix (rows: true, columns: predicted)")
    print(" " * width + "".join(f"{label:>{width}}" for label in labels))
    for label, row in zip(labels, matrix, strict=True):
        print(f"{label:>{width}}" + "".join(f"{count:>{width}}" for count in row))


def _confusion_matrix_png(model, X, y, path: Path) -> Path:
    from sklearn.metrics import ConfusionMatrixDisplay

    from . import _plot_style

    with _plot_style.style():
        figure = _plot_style.figure(width=4.5, height=4.2)
        display = ConfusionMatrixDisplay.from_estimator(model, X, y, ax=figure.add_subplot(), colorbar=False)
        display.ax_.set_title(f"Held-out clips ({len(y)})", loc="left")
        _plot_style.save(figure, path)
    return path


def _timeline_png(segments, windows, title: str, path) -> Path:
    from . import _plot_style
    from ._segmentation_display import SegmentationDisplay, level_curve

    with _plot_style.style():
        figure = _plot_style.figure(width=10, height=3)
        # The short frames' level; the legend (every label present) sits right of the axes.
        times, level_db = level_curve(windows)
        SegmentationDisplay.from_segments(
            segments, times=times, level_db=level_db, ax=figure.add_subplot(), title=title
        )
        _plot_style.save(figure, path)
    return Path(path)


_COMMANDS = {
    "demo": _demo,
    "extract": _extract,
    "train": _train,
    "predict": _predict,
    "segment": _segment,
    "evaluate": _evaluate,
    "explain": explain,
}


def console_script() -> None:
    """Entry point of the ``speechmusic`` console script."""
    sys.exit(main())
