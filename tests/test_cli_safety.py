"""The speechmusic command protects the user's files and time (issue 16 rows 7, 8, 13-16), run in-process."""

import io
import os
import shutil
import stat
import subprocess
import sys
from collections import namedtuple
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sklearn_speechmusic
import sklearn_speechmusic._pretrained
from sklearn_speechmusic import _cli, _cli_messages, _cli_parser
from sklearn_speechmusic._cli import EXIT_DATA_ERROR, EXIT_OK, EXIT_PARTIAL, main

AUDIO_DIR = Path(__file__).parent / "data" / "audio"
SPEECH = sorted(AUDIO_DIR.glob("Speech/*.ogg"))
MUSIC = sorted(AUDIO_DIR.glob("Music/*.ogg"))
FAST = ("--epochs", "2", "--hidden-layer-sizes", "4", "--random-state", "0")
Result = namedtuple("Result", "code out err")


@pytest.fixture
def run(monkeypatch, capsys):
    """Run the command line in this process; returns (exit code, stdout, stderr)."""
    # main() sets it with setdefault; here it is undone after the test.
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "3")

    def run(*args):
        code = main([str(arg) for arg in args])
        out, err = capsys.readouterr()
        return Result(code, out, err)

    return run


def one_error(result, fragment, code=EXIT_DATA_ERROR):
    assert result.code == code, result
    errors = [line for line in result.err.splitlines() if "error:" in line]
    assert len(errors) == 1 and fragment in errors[0], result.err
    assert "Traceback" not in result.err and "object at 0x" not in result.err


def write_table(path, labels=("Speech", "Music"), rows=20, encoding="utf-8"):
    rng = np.random.RandomState(0)
    lines = [
        f"clip_{i}.wav,{labels[i % len(labels)]},{rng.normal(4 * (i % 2)):.4f},{rng.normal(-4 * (i % 2)):.4f}"
        for i in range(rows)
    ]
    path.write_text("Filename,Label,f1,f2\n" + "\n".join(lines) + "\n", encoding=encoding)
    return path


@pytest.fixture
def table(tmp_path):
    return write_table(tmp_path / "t.csv")


@pytest.fixture
def no_training(monkeypatch):
    """Fail the test if a command gets as far as building a model."""

    def forbidden(**params):
        raise AssertionError("the command started training before checking its outputs")

    monkeypatch.setattr(sklearn_speechmusic._pretrained, "make_default_pipeline", forbidden)


@pytest.fixture(scope="module")
def model_file(tmp_path_factory):
    folder = tmp_path_factory.mktemp("model")
    write_table(folder / "t.csv")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TF_CPP_MIN_LOG_LEVEL", "3")
        assert main(["train", str(folder / "t.csv"), "-o", str(folder / "m.skm"), *FAST]) == EXIT_OK
    return folder / "m.skm"


# ---------------------------------------------------------------- row 8: outputs that are inputs
@pytest.mark.parametrize("spelling", ["same", "dotted", "symlink", "hardlink"])
def test_train_refuses_to_overwrite_its_table(run, table, no_training, spelling):
    before = table.read_bytes()
    output = {
        "same": table,
        "dotted": table.parent / "." / "sub" / ".." / table.name,
        "symlink": table.parent / "link.csv",
        "hardlink": table.parent / "hard.csv",
    }[spelling]
    if spelling == "dotted":
        (table.parent / "sub").mkdir()
    if spelling == "symlink":
        output.symlink_to(table)
    if spelling == "hardlink":
        os.link(table, output)
    one_error(run("train", table, "-o", output), "is also an input")
    assert table.read_bytes() == before


def test_predict_refuses_to_overwrite_its_model(run, model_file, tmp_path):
    table = write_table(tmp_path / "t.csv")
    before = model_file.read_bytes()
    one_error(run("predict", model_file, table, "-o", model_file), "is also an input")
    one_error(run("predict", model_file, table, "-o", table), "is also an input")
    assert model_file.read_bytes() == before


def test_predict_refuses_to_overwrite_an_audio_input(run, tmp_path):
    clip = tmp_path / "clip.ogg"
    shutil.copy(SPEECH[0], clip)
    one_error(run("predict", "pretrained", clip, "-o", clip), "is also an input")
    assert clip.read_bytes() == SPEECH[0].read_bytes()


def test_extract_refuses_to_overwrite_its_manifest(run, tmp_path):
    manifest = tmp_path / "manifest.csv"
    manifest.write_text(f"path,label\n{SPEECH[0]},Speech\n")
    one_error(run("extract", manifest, "-o", manifest), "is also an input")


def test_one_path_for_two_outputs_is_refused(run, tmp_path):
    out = tmp_path / "out.csv"
    one_error(run("segment", SPEECH[0], "-o", out, "--audacity", out), "two different outputs")


# ---------------------------------------------------------------- row 14: outputs checked first
@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["-o", "missing_dir/m.skm"], "folder missing_dir does not exist"),
        (["-o", "."], "is a folder"),
        (["-o", "m.skm", "--plots", "t.csv/plots"], "is a file"),
    ],
)
def test_train_checks_outputs_before_any_work(run, table, no_training, monkeypatch, args, fragment):
    monkeypatch.chdir(table.parent)
    one_error(run("train", table.name, *args), fragment)


def test_other_commands_check_outputs_first(run, table, tmp_path):
    one_error(run("predict", "pretrained", SPEECH[0], "-o", tmp_path / "no" / "p.csv"), "does not exist")
    one_error(run("segment", SPEECH[0], "--plot", tmp_path / "no" / "t.png"), "does not exist")
    one_error(run("extract", AUDIO_DIR, "-o", tmp_path / "no" / "f.csv"), "does not exist")


# ---------------------------------------------------------------- row 13: permissions
@pytest.fixture
def umask():
    previous = os.umask(0o022)
    yield os.umask
    os.umask(previous)


def mode(path):
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize("mask", [0o022, 0o077, 0o002])
def test_written_files_follow_the_umask(run, table, tmp_path, umask, mask):
    umask(mask)
    assert run("train", table, "-o", tmp_path / "m.skm", *FAST).code == EXIT_OK
    assert run("predict", tmp_path / "m.skm", table, "-o", tmp_path / "p.csv").code == EXIT_OK
    assert mode(tmp_path / "m.skm") == mode(tmp_path / "p.csv") == 0o666 & ~mask


def test_a_replaced_file_keeps_its_permissions(run, table, tmp_path, umask):
    umask(0o077)
    for name in ("m.skm", "p.csv"):
        (tmp_path / name).write_text("old")
        (tmp_path / name).chmod(0o644)
    assert run("train", table, "-o", tmp_path / "m.skm", *FAST).code == EXIT_OK
    assert run("predict", tmp_path / "m.skm", table, "-o", tmp_path / "p.csv").code == EXIT_OK
    assert mode(tmp_path / "m.skm") == mode(tmp_path / "p.csv") == 0o644


def test_permission_denied_is_reported_as_such(run, table, tmp_path, no_training, monkeypatch):
    # Root may write anywhere, so the refusal the OS would give is simulated.
    locked = tmp_path / "locked"
    locked.mkdir()
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda path, mode: Path(path) != locked and real_access(path, mode))
    one_error(run("train", table, "-o", locked / "m.skm"), "permission denied: cannot write")
    monkeypatch.setattr(os, "access", lambda path, mode: Path(path) != table and real_access(path, mode))
    one_error(run("train", table, "-o", tmp_path / "m.skm"), "permission denied: cannot read")


def test_os_errors_are_described_by_path():
    error = PermissionError(13, "Permission denied", "/data/m.skm")
    assert _cli_messages.describe_error(error) == "permission denied: /data/m.skm"
    assert _cli_messages.describe_error(ValueError("bad <_io.BytesIO object at 0x7f3a>")) == "bad the file"


@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() != 0 or shutil.which("setpriv") is None,
    reason="needs root and setpriv to run the command as another user",
)
def test_another_user_gets_permission_denied(model_file, tmp_path):
    private = tmp_path / "private.skm"
    shutil.copy(model_file, private)
    private.chmod(0o600)
    table = write_table(tmp_path / "t.csv")
    tmp_path.chmod(0o755)
    as_nobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
    # A virtual environment under a private directory (pip's or CI's temp dirs) may be
    # unreadable for another user; then there is nothing to test here.
    probe = [sys.executable, "-c", "import numpy, pandas, sklearn_speechmusic"]
    if subprocess.run([*as_nobody, *probe], capture_output=True, timeout=120).returncode != 0:
        pytest.skip("the nobody user cannot import this Python installation's packages")
    command = [sys.executable, "-m", "sklearn_speechmusic", "predict", str(private), str(table)]
    result = subprocess.run([*as_nobody, *command], capture_output=True, text=True, timeout=120)
    assert result.returncode == EXIT_DATA_ERROR, result.stderr
    # Not "not a model file ... or truncated": the file is never opened.
    assert "permission denied: " in result.stderr and str(private) in result.stderr


# ---------------------------------------------------------------- row 15: partial predict
def test_predict_writes_the_good_rows_and_lists_the_bad(run, tmp_path):
    broken = tmp_path / "broken.wav"
    broken.write_text("not audio")
    missing = tmp_path / "missing.ogg"
    out = tmp_path / "p.csv"
    result = run("predict", "pretrained", SPEECH[0], broken, missing, MUSIC[0], "--proba", "-o", out)
    assert result.code == EXIT_PARTIAL == 3, result.err
    predictions = pd.read_csv(out)
    assert predictions["Filename"].tolist() == [str(SPEECH[0]), str(MUSIC[0])]
    assert predictions["Prediction"].tolist() == ["Speech", "Music"]
    assert "could not predict 2 of 4 inputs" in result.err
    assert str(broken) in result.err and str(missing) in result.err
    assert str(SPEECH[0]) not in result.err


def test_predict_with_nothing_readable_writes_nothing(run, tmp_path):
    broken = tmp_path / "broken.wav"
    broken.write_text("not audio")
    one_error(run("predict", "pretrained", broken, "-o", tmp_path / "p.csv"), "none of the 1 inputs")
    assert not (tmp_path / "p.csv").exists()


def test_predict_on_a_table_with_incomplete_rows(run, model_file, tmp_path):
    table = write_table(tmp_path / "t.csv", rows=4)
    table.write_text(table.read_text() + "broken.wav,Music,,1.0\n")
    result = run("predict", model_file, table)
    assert result.code == EXIT_PARTIAL
    assert len(pd.read_csv(io.StringIO(result.out))) == 4
    assert "broken.wav: missing feature values" in result.err


def test_exit_codes_are_documented(run):
    for command in ([], ["predict"]):
        with pytest.raises(SystemExit):
            run(*command, "--help")
    help_text = _cli_parser.build_parser().format_help()
    assert "exit codes:" in help_text and "3    predict: some inputs" in help_text
    assert "3 --" in _cli.__doc__


# ---------------------------------------------------------------- row 16 and row 7: labels
def test_evaluate_names_the_labels_the_model_does_not_know(run, model_file, tmp_path):
    table = write_table(tmp_path / "lower.csv", labels=("speech", "music"))
    result = run("evaluate", model_file, table)
    one_error(result, "labels the model does not know: 'music', 'speech' (20 of 20 rows)")
    assert "'speech' -> 'Speech'" in result.err
    assert "Accuracy" not in result.out


def test_train_prints_the_label_variants_warning(run, tmp_path):
    table = write_table(
        tmp_path / "t.csv", labels=("Speech", "Music", " Speech", "MUSIC", "speech "), rows=30
    )
    result = run("train", table, "-o", tmp_path / "m.skm", *FAST)
    assert result.code == EXIT_OK
    warning = [line for line in result.err.splitlines() if "warning:" in line]
    assert len(warning) == 1 and warning[0].startswith("speechmusic train: warning: Labels")
    assert "' Speech' (6 rows)" in warning[0] and "--normalize-labels" in warning[0]
    assert len(sklearn_speechmusic.load_model(tmp_path / "m.skm").classes_) == 5

    result = run("train", table, "-o", tmp_path / "m.skm", "--normalize-labels", *FAST)
    assert result.code == EXIT_OK and result.err == ""
    assert sklearn_speechmusic.load_model(tmp_path / "m.skm").classes_.tolist() == ["Music", "Speech"]


def test_train_reads_other_encodings_on_request(run, tmp_path):
    table = write_table(tmp_path / "t.csv", labels=("Speech", "Musik-ä"), encoding="latin-1")
    one_error(run("train", table, "-o", tmp_path / "m.skm", *FAST), f"{table}' is not text in UTF-8")
    result = run("train", table, "-o", tmp_path / "m.skm", "--encoding", "latin-1", *FAST)
    assert result.code == EXIT_OK, result.err


def test_malformed_table_names_the_line(run, tmp_path):
    table = write_table(tmp_path / "t.csv", rows=4)
    table.write_text(table.read_text() + "x.wav,Music,1,2,3\n")
    one_error(run("train", table, "-o", tmp_path / "m.skm"), "line 6 has 5 fields")


def test_predict_takes_one_table_at_a_time(run, model_file, tmp_path):
    table = write_table(tmp_path / "t.csv")
    one_error(run("predict", model_file, table, table), "either one feature table or audio files")
