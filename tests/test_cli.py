"""The speechmusic console script, run for real in subprocesses."""

import io
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import soundfile

import sklearn_speechmusic

AUDIO_DIR = Path(__file__).parent / "data" / "audio"
SCRIPT = Path(sys.executable).parent / "speechmusic"


def speechmusic(*args, cwd=None, timeout=600):
    command = [str(SCRIPT)] if SCRIPT.exists() else [sys.executable, "-m", "sklearn_speechmusic"]
    env = {**os.environ, "MPLBACKEND": "Agg"}
    return subprocess.run(
        [*command, *map(str, args)], capture_output=True, text=True, cwd=cwd, env=env, timeout=timeout
    )


def assert_one_line_error(result, exit_code, fragment):
    assert result.returncode == exit_code, result.stderr
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if "error:" in line]
    assert len(errors) == 1 and fragment in errors[0], result.stderr


def test_console_script_is_installed():
    assert SCRIPT.exists(), "pip install -e . should install the speechmusic console script"


@pytest.mark.parametrize("runner", ["script", "module"])
def test_version(runner):
    command = [str(SCRIPT)] if runner == "script" else [sys.executable, "-m", "sklearn_speechmusic"]
    result = subprocess.run([*command, "--version"], capture_output=True, text=True)
    assert result.returncode == 0
    assert result.stdout.strip() == f"speechmusic {sklearn_speechmusic.__version__}"


@pytest.mark.parametrize("command", [[], ["demo"], ["extract"], ["train"], ["predict"], ["evaluate"]])
def test_help_everywhere(command):
    result = speechmusic(*command, "--help")
    assert result.returncode == 0 and "usage: speechmusic" in result.stdout


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["bogus"],
        ["train"],
        ["train", "x.csv", "-o", "m.skm", "--epochs", "many"],
        ["train", "x.csv", "-o", "m", "--hidden-layer-sizes", "64,a"],
        ["train", "x.csv", "-o", "m", "--hidden-layer-sizes", "64,,3"],
    ],
)
def test_usage_errors_exit_2(args):
    result = speechmusic(*args)
    assert result.returncode == 2
    assert "usage:" in result.stderr and "Traceback" not in result.stderr


def test_demo_writes_model_and_figures(tmp_path):
    result = speechmusic("demo", "--output-dir", tmp_path / "out")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert "Accuracy:" in result.stdout and "held-out sources" in result.stdout
    names = sorted(path.name for path in (tmp_path / "out").iterdir())
    assert names == [
        "Confusion_Matrix.png",
        "Train_Validation_Accuracy_598.png",
        "Train_Validation_Loss_598.png",
        "model.skm",
    ]
    assert sklearn_speechmusic.load_model(tmp_path / "out" / "model.skm").predict(
        sklearn_speechmusic.load_demo().data.iloc[:3]
    ).shape == (3,)


@pytest.fixture(scope="module")
def workflow(tmp_path_factory):
    """extract -> train on the bundled clips, shared by the tests below."""
    folder = tmp_path_factory.mktemp("workflow")
    extracted = speechmusic("extract", AUDIO_DIR, "-o", folder / "features.csv")
    trained = speechmusic(
        "train",
        folder / "features.csv",
        "-o",
        folder / "model.skm",
        "--epochs",
        "30",
        "--hidden-layer-sizes",
        "16",
        "--random-state",
        "0",
        "--plots",
        folder / "plots",
    )
    return folder, extracted, trained


def test_extract_and_train(workflow):
    folder, extracted, trained = workflow
    assert extracted.returncode == 0, extracted.stderr
    assert "Extracting audio features" in extracted.stderr  # the progress bar
    table = pd.read_csv(folder / "features.csv")
    assert len(table) == 12 and table.columns[:2].tolist() == ["Filename", "Label"]
    assert trained.returncode == 0, trained.stderr
    assert trained.stderr == ""  # no TensorFlow start-up lines (issue 14)
    assert (folder / "model.skm").is_file()
    assert sorted(path.name for path in (folder / "plots").iterdir()) == [
        "Train_Validation_Accuracy_12.png",
        "Train_Validation_Loss_12.png",
    ]


def test_predict_and_evaluate_on_a_table(workflow):
    folder, _, _ = workflow
    result = speechmusic(
        "predict", folder / "model.skm", folder / "features.csv", "--proba", "-o", folder / "p.csv"
    )
    assert result.returncode == 0, result.stderr
    predictions = pd.read_csv(folder / "p.csv")
    assert predictions.columns.tolist() == ["Filename", "Prediction", "P(Music)", "P(Speech)"]
    assert len(predictions) == 12 and set(predictions["Prediction"]) <= {"Music", "Speech"}
    evaluated = speechmusic("evaluate", folder / "model.skm", folder / "features.csv")
    assert evaluated.returncode == 0, evaluated.stderr
    assert "Accuracy:" in evaluated.stdout and "Confusion matrix" in evaluated.stdout


def test_evaluate_averages_over_the_classes_present(workflow):
    folder, _, _ = workflow
    table = pd.read_csv(folder / "features.csv")
    features = sklearn_speechmusic.AudioFeatureExtractor().get_feature_names_out().tolist()
    table[["Filename", "Label", *features]].to_csv(folder / "two.csv", index=False)
    # The pretrained model knows four classes; this table holds two of them.
    result = speechmusic("evaluate", "pretrained", folder / "two.csv")
    assert result.returncode == 0, result.stderr
    predicted = sklearn_speechmusic.load_pretrained()[1:].predict(table[features].to_numpy())
    expected = set(table["Label"]) | set(predicted)
    report = result.stdout.split("Confusion matrix")[0]
    rows = {
        line.split()[0]
        for line in report.splitlines()
        if line.split()[:1] in (["Music"], ["Noise"], ["Silence"], ["Speech"])
    }
    assert rows == expected, report  # no zero rows for classes neither in the table nor predicted


def test_a_table_model_given_audio_says_how_to_extract_first(workflow):
    folder, _, _ = workflow
    result = speechmusic("predict", folder / "model.skm", next(AUDIO_DIR.glob("Speech/*.ogg")))
    assert_one_line_error(result, 1, "speechmusic extract LIST.csv -o features.csv")


def test_an_audio_file_where_a_table_belongs_is_named_as_audio(tmp_path):
    clip = next(AUDIO_DIR.glob("Speech/*.ogg"))
    result = speechmusic("train", clip, "-o", tmp_path / "m.skm")
    assert_one_line_error(result, 1, "is an OGG audio file, not a CSV table")
    assert not (tmp_path / "m.skm").exists()


def test_segment_checks_every_output_before_writing_any(tmp_path):
    clip = next(AUDIO_DIR.glob("Speech/*.ogg"))
    result = speechmusic(
        "segment",
        clip,
        "--no-progress",
        "-o",
        tmp_path / "s.csv",
        "--audacity",
        tmp_path / "a.txt",
        "--plot",
        tmp_path / "timeline.txt",
    )
    assert_one_line_error(result, 1, ".txt is not a figure format")
    assert list(tmp_path.iterdir()) == []  # exit 1: nothing was written


@pytest.mark.parametrize(
    "args",
    [
        ["segment", ""],
        ["segment", "a.wav", "-o", ""],
        ["predict", "pretrained", "a.wav", ""],
        ["predict", "", "a.wav"],
        ["extract", "", "-o", "t.csv"],
        ["train", "t.csv", "-o", ""],
        ["evaluate", "pretrained", ""],
        ["explain", "pretrained", "t.csv", "--plot", ""],
        ["demo", "--output-dir", ""],
    ],
)
def test_an_empty_path_is_refused_not_taken_for_the_current_folder(args, capsys):
    # Path("") is ".", so an unset shell variable used to read or write the current folder.
    from sklearn_speechmusic._cli_parser import build_parser

    with pytest.raises(SystemExit) as exit_info:
        build_parser().parse_args(args)
    assert exit_info.value.code == 2
    assert "empty path (is a shell variable unset?)" in capsys.readouterr().err


def test_an_argument_a_command_does_not_take_shows_that_commands_usage():
    result = speechmusic("segment", "a.wav", "b.flac")
    assert result.returncode == 2
    assert "usage: speechmusic segment" in result.stderr and "unrecognized arguments: b.flac" in result.stderr


def test_a_folder_given_as_audio_is_named_a_folder(tmp_path):
    (tmp_path / "clips").mkdir()
    result = speechmusic("segment", tmp_path / "clips", "--no-progress")
    assert_one_line_error(result, 1, "is a folder, not an audio file")


def test_predict_from_audio_with_an_audio_model(tmp_path):
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    paths = sorted(str(path) for path in AUDIO_DIR.glob("*/*.ogg"))
    labels = [Path(path).parent.name for path in paths]
    model = make_pipeline(
        sklearn_speechmusic.AudioFeatureExtractor(),
        StandardScaler(),
        sklearn_speechmusic.SpeechMusicClassifier(hidden_layer_sizes=(8,), epochs=5, random_state=0),
    ).fit(paths, labels)
    sklearn_speechmusic.save_model(model, tmp_path / "audio.skm")
    result = speechmusic("predict", tmp_path / "audio.skm", *paths[:3])
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert lines[0] == "Filename,Prediction" and len(lines) == 4


def test_predict_with_the_pretrained_model(tmp_path):
    paths = sorted(str(path) for path in AUDIO_DIR.glob("*/*.ogg"))
    result = speechmusic("predict", "pretrained", *paths, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    predictions = pd.read_csv(io.StringIO(result.stdout))
    assert predictions["Prediction"].tolist() == [Path(path).parent.name for path in paths]
    # A file called "pretrained" in the working folder is a model path, as given.
    (tmp_path / "pretrained").write_text("not a model")
    assert_one_line_error(speechmusic("predict", "pretrained", paths[0], cwd=tmp_path), 1, "pretrained")


def test_extract_skips_bad_files_and_fails_only_when_nothing_is_readable(tmp_path):
    folder = tmp_path / "clips" / "Speech"
    folder.mkdir(parents=True)
    (folder / "broken.wav").write_text("not audio")
    only_bad = speechmusic("extract", tmp_path / "clips", "-o", tmp_path / "f.csv", "--no-progress")
    assert_one_line_error(only_bad, 1, "none of the 1 audio files could be read")
    assert not (tmp_path / "f.csv").exists()

    soundfile.write(folder / "ok.wav", soundfile.read(next(AUDIO_DIR.glob("Speech/*.ogg")))[0], 22050)
    mixed = speechmusic("extract", tmp_path / "clips", "-o", tmp_path / "f.csv", "--no-progress")
    assert mixed.returncode == 0, mixed.stderr
    assert "left out 1 of 2 files that could not be read" in mixed.stderr and "broken.wav" in mixed.stderr
    assert "NaN" not in mixed.stderr  # the library's wording; the command drops those rows
    assert len(pd.read_csv(tmp_path / "f.csv")) == 1


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["predict", "missing.skm", "a.wav"], "missing.skm does not exist"),
        (["evaluate", "missing.skm", "f.csv"], "missing.skm does not exist"),
        (["train", "missing.csv", "-o", "m.skm"], "does not exist"),
        (["extract", "no-such-folder", "-o", "f.csv"], "does not exist"),
    ],
)
def test_data_errors_exit_1_with_one_line(tmp_path, args, fragment):
    assert_one_line_error(speechmusic(*args, cwd=tmp_path), 1, fragment)


def test_debug_shows_the_traceback(tmp_path):
    result = speechmusic("--debug", "train", "missing.csv", "-o", "m.skm", cwd=tmp_path)
    assert result.returncode == 1 and "Traceback" in result.stderr


def test_killed_train_leaves_the_previous_model(workflow, tmp_path):
    import shutil
    import time

    folder, _, _ = workflow
    model = tmp_path / "model.skm"
    shutil.copy(folder / "model.skm", model)
    before = model.read_bytes()
    for delay in (3.0, 6.0):
        process = subprocess.Popen(
            [str(SCRIPT), "train", str(folder / "features.csv"), "-o", str(model), "--epochs", "5"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(delay)
        process.kill()
        process.wait()
        content = model.read_bytes()
        assert content == before or sklearn_speechmusic.load_model(model) is not None


def test_a_successful_train_prints_nothing_on_stderr(tmp_path):
    rows = "".join(f"c{i}.wav,{('Speech', 'Music')[i % 2]},{i % 2 + i / 100},{i / 50}\n" for i in range(20))
    (tmp_path / "t.csv").write_text("Filename,Label,a,b\n" + rows)
    result = speechmusic(
        "train", "t.csv", "-o", "m.skm", "--epochs", "2", "--hidden-layer-sizes", "4", cwd=tmp_path
    )
    assert result.returncode == 0 and result.stderr == ""
    assert "Trained on 20 rows" in result.stdout


def test_a_closed_pipe_ends_quietly(workflow):
    folder, _, _ = workflow
    command = [str(SCRIPT), "predict", str(folder / "model.skm"), str(folder / "features.csv")]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    process.stdout.close()  # as `| head -0` would
    stderr = process.stderr.read().decode()
    assert process.wait(timeout=120) == 141 and stderr == ""
