"""AudioFeatureExtractor, the feature tables built with it, and bad audio."""

import io
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import soundfile
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_speechmusic import (
    AudioFeatureExtractor,
    InvalidAudioError,
    SkippedAudioWarning,
    SpeechMusicClassifier,
    extract_feature_table,
    extract_feature_table_from_folder,
    load_feature_table,
)

AUDIO_DIR = Path(__file__).parent / "data" / "audio"
MANIFEST = pd.read_csv(AUDIO_DIR / "manifest.csv")
PATHS = [str(AUDIO_DIR / path) for path in MANIFEST["path"]]
LABELS = MANIFEST["label"].to_numpy()
N_FEATURES = 18 + 3 * 13 + 8 + 1  # spectral, MFCC statistics, voice/music features, level_dbfs


@pytest.fixture(scope="module")
def bundled_features():
    return AudioFeatureExtractor().transform(PATHS)


def tone(rate, seconds=1.0, frequency=440.0, channels=1):
    t = np.arange(int(rate * seconds)) / rate
    mono = 0.5 * np.sin(2 * np.pi * frequency * t)
    return np.repeat(mono[:, None], channels, axis=1) if channels > 1 else mono


def test_pipeline_goes_from_paths_to_labels():
    train = np.r_[0:5, 6:11]
    test = [5, 11]
    pipeline = make_pipeline(
        AudioFeatureExtractor(),
        StandardScaler(),
        SpeechMusicClassifier(hidden_layer_sizes=(16,), epochs=40, learning_rate=0.01, random_state=0),
    )
    pipeline.fit([PATHS[i] for i in train], LABELS[train])
    assert pipeline.score([PATHS[i] for i in train], LABELS[train]) == 1.0
    predictions = pipeline.predict([PATHS[i] for i in test])
    assert set(predictions) <= {"Speech", "Music"} and len(predictions) == 2


def test_pipeline_in_cross_val_score():
    pipeline = make_pipeline(
        AudioFeatureExtractor(),
        StandardScaler(),
        SpeechMusicClassifier(hidden_layer_sizes=(16,), epochs=40, learning_rate=0.01, random_state=0),
    )
    scores = cross_val_score(pipeline, PATHS, LABELS, cv=StratifiedKFold(3, shuffle=True, random_state=0))
    assert scores.shape == (3,)
    assert scores.mean() >= 0.75


def test_output_shape_names_and_descriptions(bundled_features):
    extractor = AudioFeatureExtractor()
    names = extractor.get_feature_names_out().tolist()
    assert bundled_features.shape == (12, N_FEATURES) == (12, len(names))
    assert len(set(names)) == len(names)
    assert {"modulation_4hz_ratio", "low_energy_share", "spectral_flux_mean", "spectral_flux_var"} <= set(
        names
    )
    assert {"spectral_centroid_mean", "spectral_rolloff_mean", "spectral_flatness_mean", "zcr_mean"} <= set(
        names
    )
    assert {"rms_db_std", "mfcc_0_mean", "mfcc_12_std", "mfcc_12_delta_std"} <= set(names)
    descriptions = extractor.describe_features()
    assert list(descriptions) == names
    assert all(text and "\n" not in text for text in descriptions.values())
    assert np.isfinite(bundled_features).all()


def test_features_separate_the_bundled_speech_from_music(bundled_features):
    frame = pd.DataFrame(bundled_features, columns=AudioFeatureExtractor().get_feature_names_out())
    speech, music = frame[LABELS == "Speech"], frame[LABELS == "Music"]
    # Syllables modulate speech at ~4 Hz and leave low-energy gaps between words.
    assert speech["modulation_4hz_ratio"].mean() > music["modulation_4hz_ratio"].mean()
    assert speech["low_energy_share"].mean() > music["low_energy_share"].mean()
    assert speech["rms_db_std"].mean() > music["rms_db_std"].mean()


def test_physical_meaning_on_synthetic_signals():
    extractor = AudioFeatureExtractor().set_output(transform="pandas")
    noise = np.random.RandomState(0).normal(size=22050)
    frame = extractor.transform([(tone(22050), 22050), (noise, 22050)])
    sine, white = frame.iloc[0], frame.iloc[1]
    assert sine["spectral_centroid_mean"] == pytest.approx(440, rel=0.05)
    assert sine["spectral_flatness_mean"] < 0.01 < 0.5 < white["spectral_flatness_mean"]
    assert sine["zcr_mean"] == pytest.approx(2 * 440 / 22050, rel=0.05)
    assert white["spectral_centroid_mean"] == pytest.approx(22050 / 4, rel=0.1)


def test_features_do_not_depend_on_recording_level():
    waveform, rate = soundfile.read(PATHS[0], dtype="float64")
    loud, quiet = AudioFeatureExtractor().transform([(waveform, rate), (waveform * 0.01, rate)])
    level = list(_names()).index("level_dbfs")  # the one feature that measures the level: -40 dB here
    assert quiet[level] == pytest.approx(loud[level] - 40, abs=1e-6)
    others = np.arange(len(loud)) != level
    np.testing.assert_allclose(quiet[others], loud[others], rtol=1e-3, atol=1e-4)


def test_matches_librosa_reference_features():
    librosa = pytest.importorskip("librosa")
    waveform, rate = soundfile.read(PATHS[0], dtype="float32")
    waveform = waveform / np.sqrt(np.mean(waveform.astype(np.float64) ** 2))
    features = pd.Series(AudioFeatureExtractor().transform([(waveform, rate)])[0], index=_names())
    spectral = {"n_fft": 1024, "hop_length": 512, "center": False}
    mfcc = librosa.feature.mfcc(y=waveform, sr=rate, n_mfcc=13, n_mels=40, **spectral)
    np.testing.assert_allclose(features[[f"mfcc_{k}_mean" for k in range(13)]], mfcc.mean(axis=1), atol=1e-3)
    np.testing.assert_allclose(features[[f"mfcc_{k}_std" for k in range(13)]], mfcc.std(axis=1), atol=1e-3)
    reference = {
        "spectral_centroid_mean": librosa.feature.spectral_centroid(y=waveform, sr=rate, **spectral),
        "spectral_rolloff_mean": librosa.feature.spectral_rolloff(y=waveform, sr=rate, **spectral),
        "spectral_flatness_mean": librosa.feature.spectral_flatness(y=waveform, **spectral),
        "zcr_mean": librosa.feature.zero_crossing_rate(
            waveform, frame_length=1024, hop_length=512, center=False
        ),
    }
    for name, values in reference.items():
        assert features[name] == pytest.approx(values.mean(), rel=1e-3), name


def _names():
    return AudioFeatureExtractor().get_feature_names_out()


@pytest.mark.parametrize(
    "as_input",
    [
        lambda paths: paths,
        lambda paths: [Path(p) for p in paths],
        lambda paths: np.array(paths, dtype=object),
        lambda paths: np.array(paths)[:, None],
        lambda paths: pd.Series(paths),
        lambda paths: pd.DataFrame({"path": paths}),
        lambda paths: [(soundfile.read(p, dtype="float32")[0], 22050) for p in paths],
    ],
    ids=["list", "pathlib", "array", "column-array", "series", "dataframe", "waveforms"],
)
def test_input_forms_give_identical_rows(bundled_features, as_input):
    rows = AudioFeatureExtractor().transform(as_input(PATHS[:3]))
    np.testing.assert_array_equal(rows, bundled_features[:3])


def test_set_output_pandas_keeps_the_index():
    clips = pd.Series(PATHS[:2], index=["first", "second"])
    frame = AudioFeatureExtractor().set_output(transform="pandas").fit_transform(clips)
    assert frame.index.tolist() == ["first", "second"]
    assert frame.columns.tolist() == _names().tolist()


def test_fit_is_stateless_and_optional(bundled_features):
    extractor = AudioFeatureExtractor()
    np.testing.assert_array_equal(extractor.transform(PATHS), bundled_features)
    assert extractor.fit(PATHS, LABELS) is extractor and extractor.n_features_in_ == 1
    np.testing.assert_array_equal(extractor.fit_transform(PATHS), bundled_features)


def test_bit_identical_across_runs_and_n_jobs(bundled_features):
    doubled = PATHS * 3  # more than one joblib task
    sequential = AudioFeatureExtractor(n_jobs=1).transform(doubled)
    parallel = AudioFeatureExtractor(n_jobs=2).transform(doubled)
    assert np.array_equal(sequential, parallel)
    assert np.array_equal(sequential[:12], bundled_features)
    assert np.array_equal(sequential[12:24], bundled_features)


@pytest.mark.parametrize(
    ("bad_input", "message"),
    [
        ("one.wav", "got a single one"),
        ([], "Found 0 clips"),
        ([1.5], "Row 0 is 1.5 of type float"),
        (pd.DataFrame({"a": ["x.wav"], "b": ["y.wav"]}), "single column of audio paths"),
    ],
)
def test_bad_input_containers(bad_input, message):
    with pytest.raises(ValueError, match=message):
        AudioFeatureExtractor().transform(bad_input)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"hop_length": 2048}, "hop_length=2048 is larger than frame_length=1024"),
        ({"n_mfcc": 50}, "n_mfcc=50 cannot exceed n_mels=40"),
        ({"on_error": "ignore"}, "'on_error' parameter"),
        ({"sample_rate": 100}, "'sample_rate' parameter"),
    ],
)
def test_invalid_parameters(params, message):
    with pytest.raises(ValueError, match=message):
        AudioFeatureExtractor(**params).transform(PATHS[:1])


def _write_bad_clip(kind, folder):
    path = folder / f"{kind}.wav"
    if kind == "missing":
        return path, FileNotFoundError, "no such audio file"
    if kind == "empty":
        path.write_bytes(b"")
        return path, InvalidAudioError, "the file is empty"
    if kind == "text":
        path.write_text("this is not audio\n" * 20)
        return path, InvalidAudioError, "cannot be decoded as audio"
    if kind == "truncated":
        buffer = io.BytesIO()
        soundfile.write(buffer, tone(22050), 22050, format="WAV")
        path.write_bytes(buffer.getvalue()[:30])
        return path, InvalidAudioError, "cannot be decoded as audio"
    if kind == "zero_length":
        soundfile.write(path, np.zeros((0, 1)), 22050)
        return path, InvalidAudioError, "contains no audio samples"
    if kind == "ten_ms":
        soundfile.write(path, tone(22050, seconds=0.01), 22050)
        return path, InvalidAudioError, r"220 samples \(10.0 ms\) of audio are shorter than one analysis"
    raise AssertionError(kind)


BAD_KINDS = ["missing", "empty", "text", "truncated", "zero_length", "ten_ms"]


@pytest.mark.parametrize("kind", BAD_KINDS)
def test_bad_audio_raises_an_error_naming_the_file(kind, tmp_path):
    path, error, message = _write_bad_clip(kind, tmp_path)
    with pytest.raises(error, match=message) as raised:
        AudioFeatureExtractor().transform([PATHS[0], path])
    assert str(path) in str(raised.value)


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_bad_audio_is_skipped_and_reported(tmp_path, n_jobs, bundled_features):
    bad = [_write_bad_clip(kind, tmp_path)[0] for kind in BAD_KINDS]
    clips = [PATHS[0], *bad, PATHS[1]]
    extractor = AudioFeatureExtractor(on_error="skip", n_jobs=n_jobs)
    with pytest.warns(SkippedAudioWarning, match=r"Skipped 6 of 8 clips .*'skipped' attribute") as caught:
        features = extractor.transform(clips)
    assert features.shape == (8, N_FEATURES)
    np.testing.assert_array_equal(features[[0, 7]], bundled_features[:2])
    assert np.isnan(features[1:7]).all()
    skipped = caught[0].message.skipped
    assert [row for row, _, _ in skipped] == list(range(1, 7))
    assert [clip for _, clip, _ in skipped] == [str(path) for path in bad]
    # transform leaves the estimator unchanged; fit_transform records the skipped clips.
    assert not hasattr(extractor, "skipped_")
    with pytest.warns(SkippedAudioWarning):
        extractor.fit_transform(clips)
    assert extractor.skipped_ == skipped


def test_nothing_skipped_means_no_warning():
    extractor = AudioFeatureExtractor(on_error="skip")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        extractor.fit_transform(PATHS[:2])
    assert extractor.skipped_ == []


@pytest.mark.parametrize(
    ("rate", "channels", "subtype", "extension", "centroid_tolerance"),
    [
        (8000, 1, "PCM_16", "wav", 0.05),
        (96000, 1, "PCM_24", "wav", 0.05),
        (44100, 6, "FLOAT", "wav", 0.05),
        (48000, 2, "PCM_16", "flac", 0.05),
        (16000, 1, "VORBIS", "ogg", 0.05),
        (22050, 1, "PCM_16", "aiff", 0.05),
        # 8-bit quantisation noise is broadband and pulls the centroid up.
        (11025, 1, "PCM_U8", "wav", 0.3),
    ],
)
def test_any_rate_channel_count_and_sample_format(
    tmp_path, rate, channels, subtype, extension, centroid_tolerance
):
    path = tmp_path / f"tone.{extension}"
    soundfile.write(path, tone(rate, channels=channels), rate, subtype=subtype)
    row = pd.Series(AudioFeatureExtractor().transform([path])[0], index=_names())
    assert np.isfinite(row).all()
    assert row["spectral_centroid_mean"] == pytest.approx(440, rel=centroid_tolerance)


def test_digital_silence_gives_finite_features(tmp_path):
    path = tmp_path / "silence.wav"
    soundfile.write(path, np.zeros(22050), 22050, subtype="PCM_16")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        features = AudioFeatureExtractor().transform([path, (np.zeros((4410, 2)), 44100)])
    assert np.isfinite(features).all()


def test_in_memory_waveforms_are_validated():
    with pytest.raises(InvalidAudioError, match="sample rate must be a positive int"):
        AudioFeatureExtractor().transform([(np.zeros(1000), 0)])
    with pytest.raises(InvalidAudioError, match="1-D or 2-D array"):
        AudioFeatureExtractor().transform([(np.zeros((2, 2, 2)), 8000)])
    with pytest.raises(InvalidAudioError, match="NaN or infinite"):
        AudioFeatureExtractor().transform([(np.full(8000, np.nan), 8000)])


def test_integer_waveforms_and_channel_orientation():
    rate = 16000
    as_int16 = (tone(rate) * 32767).astype(np.int16)
    mono = as_int16 / 32768.0  # the same samples, scaled as soundfile decodes PCM_16
    reference, from_int, channels_first = AudioFeatureExtractor().transform(
        [(mono, rate), (as_int16, rate), (np.vstack([mono, mono]), rate)]
    )
    np.testing.assert_allclose(from_int, reference, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(channels_first, reference, rtol=1e-5, atol=1e-6)


def test_progress_bar(capsys):
    AudioFeatureExtractor(progress=True).transform(PATHS)
    err = capsys.readouterr().err
    assert "Extracting audio features" in err and "12/12" in err


def test_feature_table_round_trips_through_load_feature_table(tmp_path):
    table = extract_feature_table(PATHS, LABELS)
    assert table.columns[:2].tolist() == ["Filename", "Label"]
    assert table.columns[2:].tolist() == _names().tolist()
    table.to_csv(tmp_path / "MasterData.csv", index=False)
    X, y = load_feature_table(tmp_path / "MasterData.csv")
    pd.testing.assert_frame_equal(X, table.set_index("Filename").drop(columns="Label"), check_names=False)
    assert y.tolist() == LABELS.tolist()
    assert X.index.tolist() == PATHS


def test_feature_table_without_labels_and_label_count_mismatch():
    assert extract_feature_table(PATHS[:2]).columns[:2].tolist() == ["Filename", "rms_db_mean"]
    with pytest.raises(ValueError, match="Got 2 paths but 1 labels"):
        extract_feature_table(PATHS[:2], ["Speech"])


def test_feature_table_from_folder(tmp_path):
    table = extract_feature_table_from_folder(AUDIO_DIR, n_jobs=2)
    assert len(table) == 12
    assert sorted(table["Filename"]) == sorted(MANIFEST["path"])
    assert (table["Label"] == table["Filename"].str.split("/").str[0]).all()
    expected = extract_feature_table(PATHS, LABELS).set_index(MANIFEST["path"])
    got = table.set_index("Filename").loc[MANIFEST["path"]]
    np.testing.assert_array_equal(got[_names()].to_numpy(), expected[_names()].to_numpy())

    with pytest.raises(FileNotFoundError, match="does not exist"):
        extract_feature_table_from_folder(tmp_path / "nope")
    (tmp_path / "Speech").mkdir()
    (tmp_path / "Speech" / "notes.txt").write_text("not audio")
    with pytest.raises(ValueError, match="No audio files found"):
        extract_feature_table_from_folder(tmp_path)


@pytest.mark.parametrize("shape", [(258, 513), (7, 513), (3, 129), (1, 17), (4, 16)])
def test_two_level_rolloff_search_equals_the_full_cumulative_sum(shape):
    from sklearn_speechmusic._spectral import rolloff_bins

    magnitude = np.random.RandomState(0).rand(*shape).astype(np.float32) ** 4
    magnitude[0] = 0  # a silent frame
    cumulative = np.cumsum(magnitude, axis=1)
    expected = (cumulative < np.float32(0.85) * cumulative[:, -1:]).sum(axis=1)
    expected = np.where(cumulative[:, -1] > 0, np.minimum(expected, shape[1] - 1), 0)
    np.testing.assert_array_equal(rolloff_bins(magnitude, 0.85), expected)
