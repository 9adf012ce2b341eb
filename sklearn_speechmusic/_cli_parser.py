"""The ``speechmusic`` command line's arguments: subcommands, options and their help.

The parser only parses; :mod:`._cli` runs the command named by
``args.command``. The ``train`` options are the classifier's own parameters and
state no defaults: an option left out is not passed on, and ``--help`` reads
each default from :class:`SpeechMusicClassifier`'s signature.
"""

from __future__ import annotations

import argparse
from functools import lru_cache

from ._cli_explain import add_explain_parser
from ._cli_files import path_argument
from ._cli_inputs import PRETRAINED_MODEL_NAME
from ._cli_messages import silence_tensorflow_import

_MODEL_HELP = "model file (.skm), or 'pretrained' for the model shipped with the package"
_EXIT_CODES = """exit codes:
  0    success
  1    data or file error; nothing was written
  2    usage error
  3    predict: some inputs could not be read; the others were written
  130  interrupted
  141  the program reading standard output closed it"""


@lru_cache(maxsize=1)
def classifier_defaults() -> dict:
    """SpeechMusicClassifier's own defaults; read only when help is shown."""
    import inspect

    silence_tensorflow_import()
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
        if name is not None and name in classifier_defaults():
            value = classifier_defaults()[name]
            return f"{text} (default: {_format_default(value)})".replace("%", "%%")
        if action.default is argparse.SUPPRESS:
            return text
        return f"{text} (default: %(default)s)"


def _decibels_or_none(text: str) -> float | None:
    if text.strip().lower() == "none":
        return None
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a level in dB such as -60, or 'none'; got {text!r}"
        ) from None


def _layer_sizes(text: str) -> tuple[int, ...]:
    try:
        sizes = tuple(int(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated integers like 64,512,128; got {text!r}"
        ) from None
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError(f"expected positive layer sizes like 64,512,128; got {text!r}")
    return sizes


# SpeechMusicClassifier parameters the train command exposes: --x-y sets x_y.
CLASSIFIER_OPTIONS: dict[str, dict] = {
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


def build_parser() -> argparse.ArgumentParser:
    """The ``speechmusic`` parser; ``args.command`` names the subcommand to run."""
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
        description="Tell speech from music: extract features, train the demo network, predict, "
        "segment, and explain what a model listens to.",
        **formatting,
    )
    parser.add_argument(
        "--debug", action="store_true", help="show full tracebacks on errors, and TensorFlow's logging"
    )
    parser.add_argument("--version", action="version", version=f"speechmusic {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name, help):
        sub = commands.add_parser(name, parents=[common], help=help, description=help, **formatting)
        # So that an argument the command does not take is reported with the command's usage.
        sub.set_defaults(command_parser=sub)
        return sub

    demo = command("demo", "train and evaluate on the bundled real recordings (offline)")
    demo.add_argument(
        "--output-dir",
        type=path_argument,
        default="speechmusic-demo",
        help="folder to write the model and figures to",
    )
    demo.add_argument("--random-state", type=int, default=0, help="seed of the split and the network")

    extract = command("extract", "audio files -> demo-format feature table")
    extract.add_argument(
        "source",
        type=path_argument,
        help="folder laid out as <root>/<label>/<file>, or a CSV with a 'path' column",
    )
    extract.add_argument(
        "-o", "--output", type=path_argument, required=True, help="feature table to write (CSV)"
    )
    extract.add_argument(
        "--n-jobs", type=int, default=None, help="parallel workers, -1 for all cores (default: 1)"
    )
    extract.add_argument("--no-progress", action="store_true", help="no progress bar")

    train = command("train", "train the scaler and network on a feature table, save the model")
    train.add_argument("features", type=path_argument, help="feature table (CSV in the demo's format)")
    train.add_argument("-o", "--output", type=path_argument, required=True, help="model file to write (.skm)")
    for name, settings in CLASSIFIER_OPTIONS.items():
        # Only options given on the command line reach the classifier: its own
        # defaults apply otherwise, and --help reads them from its signature.
        action = train.add_argument(f"--{name.replace('_', '-')}", default=argparse.SUPPRESS, **settings)
        action.classifier_parameter = name  # type: ignore[attr-defined]
    _add_table_options(train)
    train.add_argument(
        "--plots",
        type=path_argument,
        metavar="DIR",
        default=None,
        help="also write the training-history PNGs here (default: none)",
    )

    predict = command("predict", "labels for audio files or a feature CSV")
    predict.add_argument("model", type=path_argument, help=_MODEL_HELP)
    predict.add_argument(
        "inputs", type=path_argument, nargs="+", help="audio files, or one feature table (CSV)"
    )
    predict.add_argument("--proba", action="store_true", help="add one probability column per class")
    predict.add_argument(
        "-o", "--output", type=path_argument, default=None, help="CSV to write (default: standard output)"
    )
    _add_table_options(predict, labels=False)

    segment = command("segment", "speech/music timeline of a long recording")
    segment.add_argument("audio", type=path_argument, help="audio file (any length; read in blocks)")
    segment.add_argument("--model", type=path_argument, default=PRETRAINED_MODEL_NAME, help=_MODEL_HELP)
    segment.add_argument(
        "-o", "--output", type=path_argument, default=None, help="CSV of segments (default: standard output)"
    )
    segment.add_argument(
        "--audacity",
        type=path_argument,
        metavar="TXT",
        default=None,
        help="also write Audacity labels (default: none)",
    )
    segment.add_argument(
        "--plot",
        type=path_argument,
        metavar="PNG",
        default=None,
        help="also draw the timeline (default: none)",
    )
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
    segment.add_argument(
        "--min-duration", type=float, default=1.0, help="shortest segment in seconds (silence excepted)"
    )
    segment.add_argument(
        "--min-silence", type=float, default=0.5, help="shortest stretch of silence in seconds"
    )
    segment.add_argument(
        "--silence-db",
        type=_decibels_or_none,
        default=-60.0,
        metavar="DB",
        help="audio below this level (dB re full scale) is silence whatever the recording's noise "
        "floor; 'none' to rely on the floor alone (for recordings made at a low level)",
    )
    segment.add_argument("--no-progress", action="store_true", help="no progress bar")

    evaluate = command("evaluate", "accuracy and confusion matrix on a labelled feature table")
    evaluate.add_argument("model", type=path_argument, help=_MODEL_HELP)
    evaluate.add_argument(
        "features", type=path_argument, help="labelled feature table (CSV in the demo's format)"
    )
    _add_table_options(evaluate)

    add_explain_parser(command)
    _add_table_options(commands.choices["explain"])
    return parser
