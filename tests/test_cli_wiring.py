"""The speechmusic command is wiring only (issue 15) and explains itself (issue 19), run in-process."""

import argparse
import io
import os

import numpy as np
import pandas as pd
import pytest
import soundfile

import sklearn_speechmusic
import sklearn_speechmusic._classifier
import sklearn_speechmusic._pretrained
from sklearn_speechmusic import _cli_messages, _cli_parser, example_audio
from sklearn_speechmusic._cli import EXIT_DATA_ERROR, EXIT_OK, main

FAST = ("--epochs", "2", "--hidden-layer-sizes", "4", "--random-state", "0")
AUDIO = example_audio("speech")


@pytest.fixture
def run(monkeypatch, capsys):
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "3")

    def run(*args):
        code = main([str(arg) for arg in args])
        out, err = capsys.readouterr()
        return code, out, err

    return run


@pytest.fixture
def table(tmp_path):
    rng = np.random.RandomState(0)
    frame = pd.DataFrame(
        {
            "Filename": [f"clip_{i}.wav" for i in range(20)],
            "Label": ["Speech", "Music"] * 10,
            "f1": rng.normal(size=20) + np.tile([0, 4], 10),
            "f2": rng.normal(size=20),
        }
    )
    frame.to_csv(tmp_path / "t.csv", index=False)
    return tmp_path / "t.csv"


def subcommands():
    parser = _cli_parser.build_parser()
    (choices,) = [
        action.choices for action in parser._actions if isinstance(action, argparse._SubParsersAction)
    ]
    return {"speechmusic": parser, **choices}


# ---------------------------------------------------------------- issue 15: the library's defaults
def test_train_options_restate_no_default():
    train = subcommands()["train"]
    options = [action for action in train._actions if getattr(action, "classifier_parameter", None)]
    assert sorted(action.classifier_parameter for action in options) == sorted(_cli_parser.CLASSIFIER_OPTIONS)
    assert all(action.default is argparse.SUPPRESS for action in options)


def test_train_help_shows_the_classifier_defaults():
    text = " ".join(subcommands()["train"].format_help().split())
    defaults = sklearn_speechmusic.SpeechMusicClassifier().get_params()
    assert f"(default: {','.join(map(str, defaults['hidden_layer_sizes']))})" in text
    for name in ("epochs", "batch_size", "learning_rate", "validation_split", "patience", "activation"):
        option = f"--{name.replace('_', '-')}"
        assert f"(default: {defaults[name]})" in text.split(option, 2)[2].split(" --", 1)[0], name


def test_help_defaults_are_read_from_the_classifier(monkeypatch):
    import inspect

    cls = sklearn_speechmusic.SpeechMusicClassifier
    changed = {"epochs": 77, "hidden_layer_sizes": (7, 7)}
    signature = inspect.signature(cls)
    parameters = [p.replace(default=changed.get(p.name, p.default)) for p in signature.parameters.values()]
    monkeypatch.setattr(cls, "__signature__", signature.replace(parameters=parameters), raising=False)
    _cli_parser.classifier_defaults.cache_clear()
    try:
        text = " ".join(subcommands()["train"].format_help().split())
    finally:
        _cli_parser.classifier_defaults.cache_clear()
    assert "(default: 77)" in text and "(default: 7,7)" in text


def test_only_options_given_reach_the_pipeline(run, table, monkeypatch):
    received = []

    def spy(**params):
        received.append(params)
        raise KeyboardInterrupt  # stop before training

    monkeypatch.setattr(sklearn_speechmusic._pretrained, "make_default_pipeline", spy)
    run("train", table, "-o", table.parent / "m.skm")
    run("train", table, "-o", table.parent / "m.skm", "--learning-rate", "0.01", "--no-early-stopping")
    run("train", table, "-o", table.parent / "m.skm", "--hidden-layer-sizes", "8,4", "--early-stopping")
    assert received == [
        {},
        {"learning_rate": 0.01, "early_stopping": False},
        {"hidden_layer_sizes": (8, 4), "early_stopping": True},
    ]


def test_cli_and_python_models_are_interchangeable(run, table, tmp_path):
    assert run("train", table, "-o", tmp_path / "cli.skm", *FAST)[0] == EXIT_OK
    from_cli = sklearn_speechmusic.load_model(tmp_path / "cli.skm")
    X, y = sklearn_speechmusic.load_feature_table(table)
    in_python = sklearn_speechmusic.make_default_pipeline(epochs=2, hidden_layer_sizes=(4,), random_state=0)[
        1:
    ]
    sklearn_speechmusic.save_model(in_python.fit(X, y), tmp_path / "python.skm")
    from_python = sklearn_speechmusic.load_model(tmp_path / "python.skm")

    assert (
        [name for name, _ in from_cli.steps]
        == [name for name, _ in from_python.steps]
        == ["scale", "classifier"]
    )
    assert from_cli.get_params()["classifier__epochs"] == from_python.get_params()["classifier__epochs"] == 2
    # Every parameter not given on the command line is the classifier's own default.
    expected = sklearn_speechmusic.SpeechMusicClassifier(epochs=2, hidden_layer_sizes=(4,), random_state=0)
    params = from_cli.named_steps["classifier"].get_params()
    params["hidden_layer_sizes"] = tuple(params["hidden_layer_sizes"])
    assert params == expected.get_params()
    assert from_cli.set_params(classifier__epochs=3).get_params()["classifier__epochs"] == 3
    assert from_cli.predict(X).shape == from_python.predict(X).shape == (20,)
    # The Python model works with the command line too.
    code, out, _ = run("predict", tmp_path / "python.skm", table)
    assert code == EXIT_OK and len(pd.read_csv(io.StringIO(out))) == 20


# ---------------------------------------------------------------- issue 19: a CLI that explains itself
@pytest.mark.parametrize(
    "command", ["speechmusic", "demo", "extract", "train", "predict", "segment", "evaluate"]
)
def test_every_option_has_help_showing_its_default(command):
    parser = subcommands()[command]
    formatter = parser._get_formatter()
    for action in parser._actions:
        if not action.option_strings or action.dest in ("help", "version"):
            continue
        assert action.help, action.option_strings
        text = formatter._get_help_string(action)
        assert action.required or "(default: " in text, (command, action.option_strings, text)


def test_smoothing_is_described():
    text = " ".join(subcommands()["segment"].format_help().split())
    assert (
        "'viterbi' finds the most likely label sequence" in text and "'median'" in text and "'none'" in text
    )


@pytest.fixture(scope="module")
def demo_table(tmp_path_factory):
    frame = sklearn_speechmusic.load_demo().frame.iloc[::40]
    path = tmp_path_factory.mktemp("demo") / "demo.csv"
    frame.to_csv(path, index=False)
    return path


def test_pretrained_predict_on_a_table_matches_columns_by_name(run, demo_table, tmp_path):
    code, out, err = run("predict", "pretrained", demo_table, "--proba")
    assert code == EXIT_OK and err == ""  # no "X has feature names, but StandardScaler ..." warning
    frame = pd.read_csv(demo_table)
    shuffled = frame[[*frame.columns[:2], *np.random.RandomState(0).permutation(frame.columns[2:])]]
    shuffled.to_csv(tmp_path / "shuffled.csv", index=False)
    code, shuffled_out, err = run("predict", "pretrained", tmp_path / "shuffled.csv", "--proba")
    assert code == EXIT_OK and err == "" and shuffled_out == out
    code, _, err = run("evaluate", "pretrained", tmp_path / "shuffled.csv")
    assert code == EXIT_OK and err == ""


def test_table_missing_columns_the_model_needs(run, demo_table, tmp_path):
    frame = pd.read_csv(demo_table).drop(columns=["rms_db_mean", "spectral_flux_mean"])
    frame.to_csv(tmp_path / "partial.csv", index=False)
    code, _, err = run("predict", "pretrained", tmp_path / "partial.csv")
    assert code == EXIT_DATA_ERROR
    assert "lacks 2 of the 66 feature columns the model needs: 'rms_db_mean', 'spectral_flux_mean'" in err
    assert str(tmp_path / "partial.csv") in err


def test_corrupt_model_error_names_the_file(run, table, tmp_path):
    model = tmp_path / "broken.skm"
    model.write_bytes(b"PK\x03\x04 not really a zip")
    code, _, err = run("predict", model, table)
    assert code == EXIT_DATA_ERROR and str(model) in err and "object at 0x" not in err


# ---------------------------------------------------------------- issue 14: quiet
def test_stderr_silenced_drops_only_what_is_written_inside(capfd):
    os.write(2, b"before ")
    with _cli_messages.stderr_silenced():
        os.write(2, b"absl noise")
    os.write(2, b"after")
    assert capfd.readouterr().err == "before after"


@pytest.mark.parametrize(
    ("option", "value", "named"),
    [
        ("--hop", "0", "--hop must be"),
        ("--hop", "5", "--hop 5.0 s is longer than --window 3.0 s"),
        ("--window", "0.05", "--window must be"),
        ("--min-duration", "-1", "--min-duration must be"),
        ("--min-silence", "-2", "--min-silence must be"),
        ("--silence-db", "3", "--silence-db must be"),
    ],
)
def test_segment_options_out_of_range_are_usage_errors(run, option, value, named):
    # They used to exit 1, the code for a data problem, under the segmenter's parameter names.
    with pytest.raises(SystemExit) as exit_info:
        run("segment", AUDIO, option, value)
    assert exit_info.value.code == 2


def test_segment_without_a_fixed_silence_threshold(run, tmp_path):
    # A recording made 30 dB lower: the fixed -60 dB threshold cuts its quiet
    # passages into Silence; --silence-db none leaves silence to the noise floor,
    # which does not depend on the level.
    waveform, rate = soundfile.read(example_audio("programme"), dtype="float32")
    quiet = tmp_path / "quiet.wav"
    soundfile.write(quiet, waveform * 10 ** (-30 / 20), rate, subtype="FLOAT")
    code, quiet_fixed, _ = run("segment", quiet, "--no-progress")
    assert code == EXIT_OK and quiet_fixed.count("Silence") > 1
    code, loud_out, _ = run("segment", example_audio("programme"), "--no-progress", "--silence-db", "none")
    assert code == EXIT_OK
    code, quiet_out, _ = run("segment", quiet, "--no-progress", "--silence-db", "none")
    assert code == EXIT_OK
    labels = [line.split(",")[2] for line in loud_out.splitlines()[1:]]
    assert [line.split(",")[2] for line in quiet_out.splitlines()[1:]] == labels
