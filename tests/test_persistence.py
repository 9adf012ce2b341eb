"""The pickle-free model format: round trips, refusals, atomic writes."""

import hashlib
import io
import json
import pickle
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_speechmusic import (
    AudioFeatureExtractor,
    ModelFormatError,
    SpeechMusicClassifier,
    load_model,
    save_model,
)

AUDIO = sorted(str(path) for path in (Path(__file__).parent / "data" / "audio").glob("*/*.ogg"))
AUDIO_LABELS = [Path(path).parent.name for path in AUDIO]


@pytest.fixture(scope="module")
def table_model():
    from conftest import FAST_PARAMS, make_speech_music_blobs

    X, y = make_speech_music_blobs()
    return make_pipeline(StandardScaler(), SpeechMusicClassifier(**FAST_PARAMS)).fit(X, y), X


@pytest.fixture(scope="module")
def audio_model():
    model = make_pipeline(
        AudioFeatureExtractor(),
        StandardScaler(),
        SpeechMusicClassifier(hidden_layer_sizes=(8,), random_state=0),
    )
    return model.fit(AUDIO, AUDIO_LABELS)


def test_classifier_round_trip_keeps_everything(table_model, tmp_path):
    model, X = table_model
    classifier = model[-1]
    restored = load_model(save_model(classifier, tmp_path / "clf.skm"))
    assert isinstance(restored, SpeechMusicClassifier)
    assert restored.get_params() == classifier.get_params()
    X_scaled = model[0].transform(X)
    np.testing.assert_array_equal(restored.predict_proba(X_scaled), classifier.predict_proba(X_scaled))
    assert restored.classes_.tolist() == classifier.classes_.tolist()
    assert restored.classes_.dtype == classifier.classes_.dtype
    assert restored.history_ == classifier.history_
    assert restored.n_features_in_ == classifier.n_features_in_


def test_pipeline_round_trip_in_a_fresh_process(audio_model, table_model, tmp_path):
    model, X = table_model
    save_model(model, tmp_path / "table.skm")
    save_model(audio_model, tmp_path / "audio.skm")
    np.save(tmp_path / "table.npy", model.predict_proba(X))
    np.save(tmp_path / "audio.npy", audio_model.predict_proba(AUDIO))
    np.save(tmp_path / "X.npy", X.to_numpy())  # exact floats (CSV parsing is inexact on pandas < 3)
    script = textwrap.dedent(
        f"""
        import pickle, numpy as np, pandas as pd
        pickle.loads = pickle.load = None  # nothing may be unpickled
        from sklearn_speechmusic import load_model
        folder = {str(tmp_path)!r}
        table = load_model(folder + "/table.skm")
        assert list(table.feature_names_in_) == {X.columns.tolist()!r}
        X = pd.DataFrame(np.load(folder + "/X.npy"), columns={X.columns.tolist()!r})
        assert np.array_equal(table.predict_proba(X), np.load(folder + "/table.npy"))
        audio = load_model(folder + "/audio.skm")
        assert np.array_equal(audio.predict_proba({AUDIO!r}), np.load(folder + "/audio.npy"))
        print("identical")
        """
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "identical" in result.stdout


def _member_json(path, member):
    with zipfile.ZipFile(path) as archive:
        return json.loads(archive.read(member))


def _rewrite(path, out, **replace):
    """Copy a model archive, replacing members (bytes) by name."""
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(out, "w") as target:
        for name in source.namelist():
            target.writestr(name, replace.get(name.replace(".", "_"), source.read(name)))
    return out


def test_tampered_network_is_detected(table_model, tmp_path):
    path = save_model(table_model[0], tmp_path / "m.skm")
    with zipfile.ZipFile(path) as archive:
        network = bytearray(archive.read("weights.npz"))
    network[len(network) // 2] ^= 0xFF
    tampered = _rewrite(path, tmp_path / "tampered.skm", weights_npz=bytes(network))
    with pytest.raises(ModelFormatError, match="corrupt or was altered: the checksum of weights.npz"):
        load_model(tampered)


def test_tampered_parameters_are_detected(table_model, tmp_path):
    path = save_model(table_model[0], tmp_path / "m.skm")
    steps = _member_json(path, "estimator.json")
    steps["steps"][-1]["params"]["epochs"] = 1000
    tampered = _rewrite(path, tmp_path / "t.skm", estimator_json=json.dumps(steps).encode())
    with pytest.raises(ModelFormatError, match="checksum of estimator.json"):
        load_model(tampered)


def test_truncated_file(table_model, tmp_path):
    data = save_model(table_model[0], tmp_path / "m.skm").read_bytes()
    truncated = tmp_path / "truncated.skm"
    truncated.write_bytes(data[: len(data) // 2])
    with pytest.raises(ModelFormatError, match="not a sklearn-speechmusic model file, or it is truncated"):
        load_model(truncated)


def test_wrong_format_version(table_model, tmp_path):
    path = save_model(table_model[0], tmp_path / "m.skm")
    header = _member_json(path, "format.json")
    header["format_version"] = 99
    newer = _rewrite(path, tmp_path / "newer.skm", format_json=json.dumps(header).encode())
    with pytest.raises(
        ModelFormatError, match=r"format version 99; this sklearn-speechmusic reads versions \[1, 2\]"
    ):
        load_model(newer)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"just some text", "not a sklearn-speechmusic model file"),
        (pickle.dumps({"evil": True}), "not a sklearn-speechmusic model file"),
    ],
)
def test_non_model_files(tmp_path, content, message):
    path = tmp_path / "model.skm"
    path.write_bytes(content)
    with pytest.raises(ModelFormatError, match=message):
        load_model(path)


def test_other_zip_files(tmp_path):
    path = tmp_path / "other.skm"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("format.json", json.dumps({"format": "something-else"}))
    with pytest.raises(ModelFormatError, match="format 'something-else'"):
        load_model(path)
    with pytest.raises(FileNotFoundError, match="No model file"):
        load_model(tmp_path / "missing.skm")


def test_code_in_the_network_is_never_executed(table_model, tmp_path):
    """A format-1 file's Keras network with a Lambda layer (code): only weight arrays are read."""
    import keras

    marker = tmp_path / "executed"
    inputs = keras.Input(shape=(4,))
    # Built with eval so that the path is a literal in the lambda's code, not a closure.
    touch_then_identity = eval(f"lambda x: (__import__('pathlib').Path({str(marker)!r}).touch(), x)[1]")
    outputs = keras.layers.Lambda(touch_then_identity)(inputs)
    malicious = tmp_path / "network.keras"
    keras.Model(inputs, outputs).save(malicious)
    marker.unlink(missing_ok=True)
    v1 = Path(__file__).parent / "data" / "model_format_v1.skm"
    network = malicious.read_bytes()
    header = _member_json(v1, "format.json")
    header["sha256"]["network.keras"] = hashlib.sha256(network).hexdigest()
    forged = _rewrite(
        v1, tmp_path / "forged.skm", network_keras=network, format_json=json.dumps(header).encode()
    )
    with pytest.raises(ModelFormatError, match="weights cannot be read|fitted state"):
        load_model(forged)
    assert not marker.exists()


def test_pickled_arrays_are_refused(table_model, tmp_path):
    path = save_model(table_model[0], tmp_path / "m.skm")
    buffer = io.BytesIO()
    np.savez(buffer, **{"1/coef_0": np.array([object()], dtype=object)})
    weights = buffer.getvalue()
    header = _member_json(path, "format.json")
    header["sha256"]["weights.npz"] = hashlib.sha256(weights).hexdigest()
    forged = _rewrite(path, tmp_path / "f.skm", weights_npz=weights, format_json=json.dumps(header).encode())
    with pytest.raises(ModelFormatError, match="cannot be read as plain arrays"):
        load_model(forged)


def test_format_1_files_still_load_without_tensorflow(tmp_path):
    """Files written by sklearn-speechmusic 0.1 (Keras archive inside) predict as they did."""
    data = Path(__file__).parent / "data"
    script = textwrap.dedent(
        f"""
        import json, sys, numpy as np
        from sklearn_speechmusic import load_model
        expected = json.load(open({str(data / "model_format_v1_expected.json")!r}))
        model = load_model({str(data / "model_format_v1.skm")!r})
        proba = model.predict_proba(np.array(expected["X"]))
        # Saved from Keras' float32 outputs (unit roundoff 6e-8); now computed in float64.
        assert np.allclose(proba, expected["proba"], rtol=0, atol=1e-6), proba
        assert "tensorflow" not in sys.modules
        print("ok")
        """
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert result.stdout.strip() == "ok", result.stderr[-3000:]


def test_zip_bomb_is_refused_fast_in_bounded_memory(tmp_path):
    """A 2 GiB format.json packed into ~2 MB is refused from the ZIP directory alone."""
    import time

    path = tmp_path / "bomb.skm"
    block = b" " * 2**24
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        with archive.open("format.json", "w", force_zip64=True) as member:
            for _ in range(128):
                member.write(block)
    assert path.stat().st_size < 4 * 2**20
    started = time.perf_counter()
    with pytest.raises(ModelFormatError, match="would unpack to 2048 MiB"):
        load_model(path)
    assert time.perf_counter() - started < 5  # generous bound; measured well under 0.1 s


def test_deeply_nested_json_is_a_format_error(table_model, tmp_path):
    path = save_model(table_model[0], tmp_path / "m.skm")
    for depth in (200_000, 100):
        nested = ('{"steps": ' + "[" * depth + "]" * depth + "}").encode()
        header = _member_json(path, "format.json")
        header["sha256"]["estimator.json"] = hashlib.sha256(nested).hexdigest()
        forged = _rewrite(
            path, tmp_path / "deep.skm", estimator_json=nested, format_json=json.dumps(header).encode()
        )
        with pytest.raises(ModelFormatError, match="nested"):
            load_model(forged)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda steps: steps[-1]["state"].update(classes=["a", "b", "c"]), "2 outputs for 3 classes"),
        (lambda steps: steps[-1]["state"].update(n_features_in=7), "takes 4 inputs where 7 are given"),
        (lambda steps: steps[0]["state"].update(mean_=[0.0, 1.0]), "mean_ has 2 values for 4 features"),
        (lambda steps: steps[0]["state"].update(n_features_in_=5), "has 4 values for 5 features"),
    ],
)
def test_parts_that_do_not_fit_together_are_refused(table_model, tmp_path, edit, message):
    """Valid checksums, inconsistent content: e.g. JSON says 3 classes, the network has 2 outputs."""
    path = save_model(table_model[0], tmp_path / "m.skm")
    document = _member_json(path, "estimator.json")
    edit(document["steps"])
    estimator_json = json.dumps(document).encode()
    header = _member_json(path, "format.json")
    header["sha256"]["estimator.json"] = hashlib.sha256(estimator_json).hexdigest()
    forged = _rewrite(
        path, tmp_path / "f.skm", estimator_json=estimator_json, format_json=json.dumps(header).encode()
    )
    with pytest.raises(ModelFormatError, match=message):
        load_model(forged)


def test_saved_files_follow_the_umask(table_model, tmp_path):
    import os

    previous = os.umask(0o022)
    try:
        path = save_model(table_model[0], tmp_path / "m.skm")
        assert path.stat().st_mode & 0o777 == 0o644
        os.umask(0o077)
        save_model(table_model[0], path)
        assert path.stat().st_mode & 0o777 == 0o600
    finally:
        os.umask(previous)


@pytest.mark.skipif(__import__("os").geteuid() == 0, reason="root reads any file")
def test_unreadable_file_is_permission_denied(table_model, tmp_path):
    path = save_model(table_model[0], tmp_path / "m.skm")
    path.chmod(0)
    with pytest.raises(PermissionError):
        load_model(path)


def test_unsupported_estimators_and_parameters(tmp_path, table_model):
    from conftest import make_speech_music_blobs

    X, y = make_speech_music_blobs()
    with pytest.raises(ValueError, match="Use joblib.dump"):
        save_model(make_pipeline(StandardScaler(), LogisticRegression()).fit(X, y), tmp_path / "m.skm")
    import keras

    clf = SpeechMusicClassifier(epochs=1, callbacks=[keras.callbacks.History()]).fit(X, y)
    with pytest.raises(ValueError, match=r"callbacks=.* Python object .*set_params\(callbacks=None\)"):
        save_model(clf, tmp_path / "m.skm")
    assert not (tmp_path / "m.skm").exists()


def test_interrupted_save_keeps_the_previous_file(table_model, tmp_path, monkeypatch):
    import os

    path = save_model(table_model[0], tmp_path / "m.skm")
    before = path.read_bytes()

    def interrupted_fsync(fd):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", interrupted_fsync)
    with pytest.raises(KeyboardInterrupt):
        save_model(table_model[0], path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["m.skm"]  # no partial file left


def test_killed_save_keeps_the_previous_file(table_model, tmp_path):
    """SIGKILL a process that saves in a loop, at different moments: the file always loads."""
    import time

    path = save_model(table_model[0], tmp_path / "m.skm")
    script = textwrap.dedent(
        f"""
        import sys
        from sklearn_speechmusic import load_model, save_model
        model = load_model({str(path)!r})
        print("ready", flush=True)
        while True:
            save_model(model, {str(path)!r})
        """
    )
    for delay in (0.05, 0.13, 0.29, 0.41):
        process = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
        assert process.stdout.readline().strip() == "ready"
        time.sleep(delay)
        process.kill()
        process.wait()
        assert isinstance(load_model(path), type(table_model[0]))


def test_a_pipeline_whose_widths_do_not_chain_is_not_saved(table_model, tmp_path):
    """save_model refuses what load_model would refuse, before writing anything."""
    fitted = table_model[0]
    width = fitted.steps[0][1].n_features_in_
    pipeline = Pipeline([("scaler", StandardScaler().fit(np.ones((3, width + 1)))), *fitted.steps])
    path = tmp_path / "m.skm"
    refused = (
        f"cannot save this pipeline: step 'standardscaler' takes {width} features "
        f"but the step before it gives {width + 1}.*Refit it end to end"
    )
    with pytest.raises(ValueError, match=refused):
        save_model(pipeline, path)
    assert not path.exists()
    path.write_bytes(b"previous")
    with pytest.raises(ValueError, match="cannot save this pipeline"):
        save_model(pipeline, path)
    assert path.read_bytes() == b"previous"
    # An extractor whose features the scaler was not fitted on: no talk of other versions.
    with_extractor = Pipeline([("audiofeatureextractor", AudioFeatureExtractor()), *fitted.steps])
    with pytest.raises(ValueError, match="cannot save this pipeline") as raised:
        save_model(with_extractor, path)
    assert "another version" not in str(raised.value)


def test_a_model_fitted_on_another_feature_set_is_refused_with_advice(table_model, tmp_path, monkeypatch):
    """A pipeline saved by a version whose extractor computed other features says so on load."""
    import sklearn_speechmusic._step_serializers as serializers

    fitted = table_model[0]
    width = fitted.steps[0][1].n_features_in_
    pipeline = Pipeline([("audiofeatureextractor", AudioFeatureExtractor()), *fitted.steps])
    # Written as another version's extractor would have left it: this version refuses to save it.
    monkeypatch.setattr(serializers, "check_widths_chain", lambda steps, **options: None)
    path = save_model(pipeline, tmp_path / "old.skm")
    monkeypatch.undo()
    computes = len(AudioFeatureExtractor().get_feature_names_out())
    with pytest.raises(
        ModelFormatError, match=f"probably fitted on the {width} features of another version"
    ) as raised:
        load_model(path)
    assert f"this version computes {computes}" in str(raised.value)
    assert "refit the pipeline" in str(raised.value)


@pytest.mark.skipif(not hasattr(__import__("os"), "mkfifo"), reason="no named pipes on this platform")
def test_saving_into_a_pipe_writes_through_it_and_leaves_the_pipe(table_model, tmp_path):
    # Renaming a finished file over the path would have replaced the pipe (or a
    # device such as /dev/null) with a regular file, and left its reader waiting.
    import os
    import stat
    import threading

    model, X = table_model
    pipe = tmp_path / "model.pipe"
    os.mkfifo(pipe)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(pipe.read_bytes()))
    reader.start()
    save_model(model, pipe)
    reader.join(timeout=60)
    assert stat.S_ISFIFO(os.lstat(pipe).st_mode)
    assert received, "the reader got nothing"
    (tmp_path / "copy.skm").write_bytes(received[0])
    assert (load_model(tmp_path / "copy.skm").predict(X[:3]) == model.predict(X[:3])).all()


@pytest.mark.skipif(not __import__("os").path.exists("/dev/stdout"), reason="no /dev/stdout here")
def test_writing_to_dev_stdout_appends_to_what_the_shell_opened(tmp_path):
    # `... -o /dev/stdout >> log` used to truncate log: /dev/stdout was opened with "w".
    import subprocess
    import sys

    log = tmp_path / "log.txt"
    log.write_bytes(b"kept\n")
    script = "from pathlib import Path; from sklearn_speechmusic._persistence import write_atomically; "
    script += "write_atomically(Path('/dev/stdout'), b'added\\n')"
    with open(log, "ab") as appended:
        subprocess.run([sys.executable, "-c", script], stdout=appended, check=True)
    assert log.read_bytes() == b"kept\nadded\n"
