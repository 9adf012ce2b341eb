"""What happens with bad input: one row per case, checked by ``test_bad_input.py``.

The documentation page ``docs/bad_input.md`` is generated from this table
(``python tests/bad_input_cases.py > docs/bad_input.md``), and a test fails when the
page and the table differ, so the page cannot drift from what the code does.
"""

from __future__ import annotations

import hashlib
import json
import warnings
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

HERE = Path(__file__).parent
CLIP = str(HERE / "data" / "audio" / "Speech" / "airplane_cs_let-v-vrak1.ogg")
RATE = 22050


@dataclass(frozen=True)
class Case:
    area: str
    given: str
    outcome: str
    run: Callable[[Path], object]
    raises: str | None = None  # exception class name
    warns: str | None = None  # warning class name
    match: str = ""


def _blobs(n=20, width=4):
    rng = np.random.RandomState(0)
    X = np.vstack([rng.normal(0, 1, (n, width)), rng.normal(3, 1, (n, width))])
    return X, np.array(["Speech"] * n + ["Music"] * n)


def _clf(**params):
    from sklearn_speechmusic import SpeechMusicClassifier

    return SpeechMusicClassifier(**{"hidden_layer_sizes": (8,), "epochs": 2, "random_state": 0, **params})


def _fit(X=None, y=None, **fit_params):
    X0, y0 = _blobs()
    return lambda tmp: _clf().fit(X0 if X is None else X, y0 if y is None else y, **fit_params)


def _fitted():
    X, y = _blobs()
    return _clf().fit(X, y)


def _extract(clip, **params):
    def run(tmp):
        from sklearn_speechmusic import AudioFeatureExtractor

        return AudioFeatureExtractor(**params).fit_transform([clip])

    return run


def _table(text: str | bytes, **params):
    def run(tmp):
        from sklearn_speechmusic import load_feature_table

        path = tmp / "table.csv"
        path.write_bytes(text if isinstance(text, bytes) else text.encode())
        return load_feature_table(path, **params)

    return run


_GOOD_TABLE = "Filename,Label,zcr,flux\na.wav,Speech,0.1,1\nb.wav,Music,0.2,2\n"


def _saved_model(tmp: Path) -> Path:
    from sklearn_speechmusic import save_model

    return save_model(_fitted(), tmp / "model.skm")


def _saved_pipeline(tmp: Path) -> Path:
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from sklearn_speechmusic import save_model

    return save_model(make_pipeline(StandardScaler(), _clf()).fit(*_blobs()), tmp / "model.skm")


def _load_altered(tmp, change: Callable[[dict], None], *, rewrite_checksums: bool, pipeline=False):
    """Save a model, let ``change`` edit its members' bytes, write it back and load it."""
    from sklearn_speechmusic import load_model

    path = _saved_pipeline(tmp) if pipeline else _saved_model(tmp)
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    before = dict(members)
    change(members)
    if rewrite_checksums:  # as a forger would
        header = json.loads(members["format.json"])
        for name in set(members) - {"format.json"}:
            if members[name] != before[name]:
                header["sha256"][name] = hashlib.sha256(members[name]).hexdigest()
        members["format.json"] = json.dumps(header).encode()
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return load_model(path)


def _forged(edit: Callable[[dict], None], member="estimator.json", pipeline=False):
    """A saved model (a scaler and classifier pipeline if ``pipeline``) whose ``member`` JSON is
    edited and whose checksum is rewritten."""

    def change(members):
        document = json.loads(members[member])
        edit(document)
        members[member] = json.dumps(document).encode()

    return lambda tmp: _load_altered(
        tmp, change, rewrite_checksums=member != "format.json", pipeline=pipeline
    )


def _load_bytes(data: bytes):
    def run(tmp):
        from sklearn_speechmusic import load_model

        path = tmp / "model.skm"
        path.write_bytes(data)
        return load_model(path)

    return run


def _zip_bomb(tmp):
    from sklearn_speechmusic import load_model

    path = tmp / "bomb.skm"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        with archive.open("format.json", "w", force_zip64=True) as member:
            for _ in range(32):
                member.write(b" " * 2**24)
    return load_model(path)


def _flip_a_weights_byte(members):
    weights = bytearray(members["weights.npz"])
    weights[len(weights) // 2] ^= 0xFF
    members["weights.npz"] = bytes(weights)


def _tampered(tmp):
    return _load_altered(tmp, _flip_a_weights_byte, rewrite_checksums=False)


def _nest_deeply(members):
    members["estimator.json"] = b'{"steps": ' + b"[" * 200_000 + b"]" * 200_000 + b"}"


def _deep_json(tmp):
    return _load_altered(tmp, _nest_deeply, rewrite_checksums=True)


def _predict(X):
    return lambda tmp: _fitted().predict(X)


def _segment(audio, **params):
    def run(tmp):
        from sklearn_speechmusic import SpeechMusicSegmenter

        return SpeechMusicSegmenter(**params).segment(audio)

    return run


def _finite_features(result) -> bool:
    return bool(np.isfinite(np.asarray(result, dtype=float)).all())


def _wav_claiming_rate(tmp: Path, rate: int) -> str:
    """A real WAV whose header's sample rate (and byte rate) is rewritten to ``rate``."""
    import soundfile

    path = tmp / "rate.wav"
    soundfile.write(path, np.sin(np.arange(RATE) * 0.05) * 0.1, RATE, subtype="PCM_16")
    data = bytearray(path.read_bytes())
    data[24:28] = rate.to_bytes(4, "little")
    data[28:32] = (2 * rate).to_bytes(4, "little")
    path.write_bytes(bytes(data))
    return str(path)


def _huge_doubles(tmp: Path):
    import soundfile

    path = tmp / "huge.wav"
    soundfile.write(path, np.sin(np.arange(2 * RATE) * 0.05) * 1e300, RATE, subtype="DOUBLE")
    assert _finite_features(_extract(str(path))(tmp))


def _generator_of_clips(tmp: Path):
    from sklearn_speechmusic import AudioFeatureExtractor

    assert AudioFeatureExtractor().fit_transform(clip for clip in [CLIP, CLIP]).shape == (2, 66)


def _subnormal_silence(tmp: Path):
    waveform = np.zeros(10 * RATE, dtype=np.float32)
    waveform[1000] = 1e-42  # a subnormal float32: its unit-RMS gain is beyond float32
    labels = _segment((waveform, RATE))(tmp)["label"].tolist()
    assert labels == ["Silence"], labels


def _save_through_link(tmp: Path):
    from sklearn_speechmusic import load_model, save_model

    target, link = tmp / "real.skm", tmp / "link.skm"
    target.write_bytes(b"old")
    link.symlink_to(target)
    save_model(_fitted(), link)
    assert link.is_symlink() and load_model(target).classes_.tolist() == ["Music", "Speech"]


CASES: list[Case] = [
    # ------------------------------------------------------------ classifier
    Case(
        "classifier",
        "`fit` on X with NaN",
        "ValueError: Input X contains NaN",
        _fit(X=np.full((40, 4), np.nan)),
        "ValueError",
        match="contains NaN",
    ),
    Case(
        "classifier",
        "`fit` on X with infinity",
        "ValueError: Input X contains infinity",
        _fit(X=np.full((40, 4), np.inf)),
        "ValueError",
        match="infinity",
    ),
    Case(
        "classifier",
        "`fit` on unscaled features around 1e30",
        "TrainingDivergedError naming StandardScaler and learning_rate; no NaN model",
        _fit(X=_blobs()[0] * 1e30),
        "TrainingDivergedError",
        match="StandardScaler",
    ),
    Case(
        "classifier",
        "`fit` on features beyond float32's range (1e300)",
        "ValueError: values beyond float32's range; scale first",
        _fit(X=_blobs()[0] * 1e300),
        "ValueError",
        match="beyond float32's range",
    ),
    Case(
        "classifier",
        "`fit` with a single class in y",
        "ValueError: needs samples of at least 2 classes",
        _fit(y=np.array(["Speech"] * 40)),
        "ValueError",
        match="at least 2 classes",
    ),
    Case(
        "classifier",
        "`fit` with continuous y",
        "ValueError: Unknown label type 'continuous'",
        _fit(y=np.linspace(0, 1, 40)),
        "ValueError",
        match="Unknown label type",
    ),
    Case(
        "classifier",
        "`fit` with a sparse matrix",
        "TypeError: sparse data is not supported; use X.toarray()",
        lambda tmp: _clf().fit(__import__("scipy.sparse").sparse.csr_matrix(_blobs()[0]), _blobs()[1]),
        "TypeError",
        match="[Ss]parse",
    ),
    Case(
        "classifier",
        "negative `sample_weight`",
        "ValueError: sample_weight must be non-negative",
        _fit(sample_weight=np.r_[-1.0, np.ones(39)]),
        "ValueError",
        match="non-negative",
    ),
    Case(
        "classifier",
        "`sample_weight` all zero",
        "ValueError: sample weights must contain at least one non-zero number",
        _fit(sample_weight=np.zeros(40)),
        "ValueError",
        match="non-zero",
    ),
    Case(
        "classifier",
        "`groups` of the wrong length",
        "ValueError: groups must have one entry per row",
        _fit(groups=np.arange(10)),
        "ValueError",
        match="one entry per row",
    ),
    Case(
        "classifier",
        "`groups` with a single group",
        "ValueError: a hold-out by group needs at least 2",
        _fit(groups=np.zeros(40)),
        "ValueError",
        match="single group",
    ),
    Case(
        "classifier",
        "`predict` before `fit`",
        "NotFittedError",
        lambda tmp: _clf().predict(_blobs()[0]),
        "NotFittedError",
    ),
    Case(
        "classifier",
        "`predict` with the wrong number of features",
        "ValueError: X has 3 features, but … is expecting 4",
        _predict(np.zeros((2, 3))),
        "ValueError",
        match="expecting 4 features",
    ),
    Case(
        "classifier",
        "`epochs=0`",
        "InvalidParameterError naming the parameter and its range",
        lambda tmp: _clf(epochs=0).fit(*_blobs()),
        "InvalidParameterError",
        match="'epochs' parameter",
    ),
    Case(
        "classifier",
        "`hidden_layer_sizes=(64, 0)`",
        "ValueError: must be positive ints, with an example",
        lambda tmp: _clf(hidden_layer_sizes=(64, 0)).fit(*_blobs()),
        "ValueError",
        match="hidden_layer_sizes",
    ),
    Case(
        "classifier",
        "`validation_split` that leaves no training rows",
        "ValueError: would hold out all rows",
        lambda tmp: _clf(validation_split=0.99).fit(*_blobs(n=1)),
        "ValueError",
        match="would hold out all",
    ),
    Case(
        "classifier",
        "`checkpoint_path` without a Keras suffix",
        "ValueError: must end with '.weights.h5' or '.keras'",
        lambda tmp: _clf(checkpoint_path=str(tmp / "best.h5")).fit(*_blobs()),
        "ValueError",
        match="weights.h5",
    ),
    Case(
        "classifier",
        "`partial_fit` with a label unseen in the first call",
        "ValueError: labels not seen in the first call; pass classes=",
        lambda tmp: _fitted().partial_fit(_blobs()[0], np.array(["Noise"] * 40)),
        "ValueError",
        match="not seen in the first call",
    ),
    # ----------------------------------------------------------------- audio
    Case(
        "audio",
        "a file that does not exist",
        "FileNotFoundError naming the file",
        _extract(str(Path("/nonexistent/clip.wav"))),
        "FileNotFoundError",
        match="clip.wav",
    ),
    Case(
        "audio",
        "a text file named `.wav`",
        "InvalidAudioError naming the file",
        lambda tmp: (tmp.joinpath("notes.wav").write_text("hello"), _extract(str(tmp / "notes.wav"))(tmp))[1],
        "InvalidAudioError",
        match="notes.wav",
    ),
    Case(
        "audio",
        "an empty 2-D waveform `np.zeros((0, 2))`",
        "InvalidAudioError: contains no audio samples (shape (0, 2))",
        _extract((np.zeros((0, 2)), RATE)),
        "InvalidAudioError",
        match="no audio samples",
    ),
    Case(
        "audio",
        "a waveform with NaN samples",
        "InvalidAudioError: non-finite samples",
        _extract((np.r_[np.zeros(RATE), np.nan], RATE)),
        "InvalidAudioError",
        match="(?i)nan|finite",
    ),
    Case(
        "audio",
        "a waveform with infinite samples",
        "InvalidAudioError: non-finite samples",
        _extract((np.r_[np.zeros(RATE), np.inf], RATE)),
        "InvalidAudioError",
        match="(?i)inf|finite",
    ),
    Case(
        "audio",
        "float amplitude 1e19 (overflowed float32 sums before)",
        "finite features, the same as at any other level",
        lambda tmp: (
            _finite_features(_extract((np.sin(np.arange(RATE * 2) * 0.05) * 1e19, RATE))(tmp)) or 1 / 0
        ),
    ),
    Case(
        "audio",
        "a bad file among good ones with `on_error='skip'`",
        "SkippedAudioWarning naming the file; its row is NaN, the others are kept",
        lambda tmp: (
            __import__("sklearn_speechmusic")
            .AudioFeatureExtractor(on_error="skip")
            .fit_transform([CLIP, "/nonexistent/x.wav"])
        ),
        warns="SkippedAudioWarning",
    ),
    Case(
        "audio",
        "a `(waveform, rate)` pair with rate 0",
        "InvalidAudioError naming the rate",
        _extract((np.zeros(RATE), 0)),
        "InvalidAudioError",
        match="(?i)rate",
    ),
    Case(
        "audio",
        "the segmenter on an empty waveform",
        "InvalidAudioError",
        _segment((np.zeros((0, 2)), RATE)),
        "InvalidAudioError",
    ),
    Case(
        "audio",
        "a folder given as an audio file",
        "IsADirectoryError: it is a folder; pass the audio files in it",
        lambda tmp: _extract(str(tmp))(tmp),
        "IsADirectoryError",
        match="is a folder",
    ),
    Case(
        "audio",
        "a WAV whose header says 1 Hz (88 KB claiming 12 hours; took 2 minutes and 1.5 GB before)",
        "InvalidAudioError: the rate is below 1000 Hz, so the header is probably wrong",
        lambda tmp: _extract(_wav_claiming_rate(tmp, 1))(tmp),
        "InvalidAudioError",
        match="1 Hz, below the 1000 Hz",
    ),
    Case(
        "audio",
        "a float64 WAV with finite samples of 1e300 (read as infinite before)",
        "finite features, the same as at any other level",
        _huge_doubles,
    ),
    Case(
        "audio",
        'a generator of clips to `fit_transform` ("Found 0 clips" before)',
        "one row per clip: the generator is read once",
        _generator_of_clips,
    ),
    Case(
        "audio",
        "the segmenter on silence holding one sample of 1e-42 (NaN features before)",
        "one Silence segment",
        _subnormal_silence,
    ),
    Case(
        "audio",
        "the segmenter with `hop` longer than `window`",
        "ValueError: the audio between windows would never be classified",
        _segment((np.zeros(10 * RATE), RATE), window=1.0, hop=5.0),
        "ValueError",
        match="never be classified",
    ),
    Case(
        "audio",
        "a list of files to `segment`",
        "TypeError: one recording at a time",
        _segment([CLIP]),
        "TypeError",
        match="one recording",
    ),
    Case(
        "audio",
        "a `(waveform,)` tuple without its sample rate to `segment`",
        "TypeError: a (waveform, sample_rate) pair is needed",
        _segment((np.zeros(RATE),)),
        "TypeError",
        match=r"\(waveform, sample_rate\) pair; got a tuple of 1 item",
    ),
    # ---------------------------------------------------------- feature tables
    Case(
        "table",
        "a data row with one field more than the header",
        "ValueError naming the line",
        _table(_GOOD_TABLE + "c.wav,Music,0.3,3,9\n"),
        "ValueError",
        match="line 4",
    ),
    Case(
        "table",
        "duplicate column names",
        "ValueError naming the columns",
        _table("Filename,Label,zcr,zcr\na.wav,Speech,1,2\nb.wav,Music,3,4\n"),
        "ValueError",
        match="zcr",
    ),
    Case(
        "table",
        "a UTF-16 file",
        "ValueError naming the file and the encodings tried; encoding= reads it",
        _table(_GOOD_TABLE.encode("utf-16")),
        "ValueError",
        match="(?i)utf-16",
    ),
    Case(
        "table",
        "labels `Speech`, ` speech`, `SPEECH`",
        "InconsistentLabelsWarning naming the spellings; normalize_labels=True merges them",
        _table("Filename,Label,zcr\na,Speech,1\nb, speech,2\nc,SPEECH,3\nd,Music,4\n"),
        warns="InconsistentLabelsWarning",
    ),
    Case(
        "table",
        "a label `NA`",
        "kept as a label, with an InconsistentLabelsWarning (only empty cells are missing)",
        _table("Filename,Label,zcr\na,Speech,1\nb,NA,2\n"),
        warns="InconsistentLabelsWarning",
    ),
    Case(
        "table",
        "an empty label cell",
        "the row is dropped with a MissingValuesWarning naming it",
        _table("Filename,Label,zcr\na,Speech,1\nb,,2\nc,Music,3\n"),
        warns="MissingValuesWarning",
    ),
    Case(
        "table",
        "a text value in a feature column",
        "ValueError naming the column and rows",
        _table("Filename,Label,zcr\na,Speech,1\nb,Music,loud\n"),
        "ValueError",
        match="zcr",
    ),
    Case(
        "table",
        "an audio file given as a feature table",
        "ValueError: it is an OGG audio file, not a CSV table",
        lambda tmp: __import__("sklearn_speechmusic").load_feature_table(CLIP),
        "ValueError",
        match="OGG audio file",
    ),
    Case(
        "table",
        "no `Label` column",
        "ValueError naming the columns found",
        _table("Filename,Class,zcr\na,Speech,1\n"),
        "ValueError",
        match="Label",
    ),
    # -------------------------------------------------------------- model files
    Case(
        "model file",
        "a model file that does not exist",
        "FileNotFoundError naming the path",
        lambda tmp: __import__("sklearn_speechmusic").load_model(tmp / "missing.skm"),
        "FileNotFoundError",
        match="missing.skm",
    ),
    Case(
        "model file",
        "a text file as a model",
        "ModelFormatError: not a sklearn-speechmusic model file",
        _load_bytes(b"just text"),
        "ModelFormatError",
        match="not a sklearn-speechmusic model",
    ),
    Case(
        "model file",
        "a pickle as a model",
        "ModelFormatError; nothing is unpickled",
        _load_bytes(__import__("pickle").dumps({"evil": True})),
        "ModelFormatError",
        match="not a sklearn-speechmusic model",
    ),
    Case(
        "model file",
        "a zip bomb (512 MiB of JSON packed into 0.5 MB)",
        "ModelFormatError from the ZIP directory alone, in milliseconds",
        _zip_bomb,
        "ModelFormatError",
        match="would unpack to",
    ),
    Case(
        "model file",
        "an altered weights member",
        "ModelFormatError: checksum does not match",
        _tampered,
        "ModelFormatError",
        match="checksum of weights.npz",
    ),
    Case(
        "model file",
        "a newer format version",
        "ModelFormatError naming the versions read and the writer",
        _forged(lambda h: h.update(format_version=99), member="format.json"),
        "ModelFormatError",
        match="format version 99",
    ),
    Case(
        "model file",
        "JSON that says 3 classes for a 2-output network",
        "ModelFormatError: 2 outputs for 3 classes",
        _forged(lambda d: d["steps"][-1]["state"].update(classes=["a", "b", "c"])),
        "ModelFormatError",
        match="2 outputs for 3 classes",
    ),
    Case(
        "model file",
        "a step's `params` that are not a JSON object",
        "ModelFormatError naming the step",
        _forged(lambda d: d["steps"][-1].update(params=[1])),
        "ModelFormatError",
        match="must be a JSON object",
    ),
    Case(
        "model file",
        "`format.json` edited to call a pipeline a classifier (loaded its last step alone before)",
        "ModelFormatError: the file was altered",
        _forged(lambda h: h.update(kind="classifier"), member="format.json", pipeline=True),
        "ModelFormatError",
        match="holds 2 steps",
    ),
    Case(
        "model file",
        "a scaler whose scales are 0 (failed only at predict time before)",
        "ModelFormatError naming `scale_`",
        _forged(lambda d: d["steps"][0]["state"].update(scale_=[0.0] * 4), pipeline=True),
        "ModelFormatError",
        match="scale_",
    ),
    Case(
        "model file",
        "`save_model` to a symbolic link (replaced the link itself before)",
        "the file the link names is rewritten; the link stays",
        _save_through_link,
    ),
    Case(
        "model file",
        "JSON nested 200,000 deep",
        "ModelFormatError: nested too deeply",
        _deep_json,
        "ModelFormatError",
        match="nested",
    ),
]


def render_page() -> str:
    """The docs page, as Markdown."""
    lines = [
        "# What happens with bad input",
        "",
        "Every row below is executed by the test suite (`tests/test_bad_input.py`), and this",
        "page is generated from the same table (`python tests/bad_input_cases.py > docs/bad_input.md`),",
        "so it says what the code does. Errors say what is wrong and how to fix it; nothing good",
        "is lost (a failed `partial_fit` keeps the last good network, a refused save keeps the",
        "previous file, a batch with bad clips keeps the good rows).",
        "",
        "| area | input | what you get |",
        "|---|---|---|",
    ]
    lines += [f"| {case.area} | {case.given} | {case.outcome} |" for case in CASES]
    return "\n".join(lines) + "\n"


def run_case(case: Case, tmp: Path):
    """Run one case; returns the caught warnings' class names."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        case.run(tmp)
    return [warning.category.__name__ for warning in caught]


if __name__ == "__main__":
    import sys

    sys.stdout.write(render_page())
