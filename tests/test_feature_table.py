"""Reading MasterData.csv-style feature tables."""

import io

import numpy as np
import pandas as pd
import pytest

from sklearn_speechmusic import MissingValuesWarning, SpeechMusicClassifier, load_feature_table

MASTER_DATA = """Filename,Label,zcr_mean,centroid_mean,mfcc_1_mean
speech_001.wav,Speech,0.11,1450.5,-210.0
music_001.wav,Music,0.05,2400.0,-150.25
speech_002.wav,Speech,0.13,1380.0,-220.5
music_002.wav,Music,0.04,2550.5,-140.0
"""


def write(tmp_path, text, name="MasterData.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_loads_the_demo_format(tmp_path):
    X, y = load_feature_table(write(tmp_path, MASTER_DATA))
    assert X.columns.tolist() == ["zcr_mean", "centroid_mean", "mfcc_1_mean"]
    assert X.index.name == "Filename"
    assert X.index.tolist() == ["speech_001.wav", "music_001.wav", "speech_002.wav", "music_002.wav"]
    assert (X.dtypes == "float64").all()
    assert y.tolist() == ["Speech", "Music", "Speech", "Music"]
    assert X.loc["music_001.wav", "centroid_mean"] == 2400.0
    assert y.index.equals(X.index)


def test_reads_buffers_and_custom_columns():
    text = "clip;kind;a\nx;Speech;1\ny;Music;2\n".replace(";", ",")
    X, y = load_feature_table(io.StringIO(text), label_column="kind", id_column="clip")
    assert X.columns.tolist() == ["a"] and y.tolist() == ["Speech", "Music"]


def test_table_without_id_column(tmp_path):
    X, y = load_feature_table(write(tmp_path, "Label,a,b\nSpeech,1,2\nMusic,3,4\n"), id_column=None)
    assert X.shape == (2, 2) and y.tolist() == ["Speech", "Music"]


def test_rows_with_missing_values_are_reported_and_dropped(tmp_path):
    text = MASTER_DATA + "broken.wav,Music,,2000.0,-100\nunlabelled.wav,,0.1,1000,-5\n"
    with pytest.warns(MissingValuesWarning, match=r"Dropped 2 of 6 rows .*broken\.wav, unlabelled\.wav"):
        X, y = load_feature_table(write(tmp_path, text))
    assert len(X) == len(y) == 4
    assert "broken.wav" not in X.index
    assert not X.isna().any().any()


def test_loaded_table_trains_the_classifier(tmp_path):
    rng = np.random.RandomState(0)
    rows = [
        f"clip_{i}.wav,{label},{rng.normal(center):.4f},{rng.normal(center):.4f}"
        for i, (label, center) in enumerate([("Speech", 0.0), ("Music", 4.0)] * 30)
    ]
    path = write(tmp_path, "Filename,Label,f1,f2\n" + "\n".join(rows) + "\n")
    X, y = load_feature_table(path)
    clf = SpeechMusicClassifier(hidden_layer_sizes=(8,), epochs=20, learning_rate=0.05, random_state=0).fit(
        X, y
    )
    assert clf.feature_names_in_.tolist() == ["f1", "f2"]
    assert clf.score(X, y) > 0.9


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_feature_table(tmp_path / "MasterData.csv")


def test_empty_file(tmp_path):
    with pytest.raises(ValueError, match="is empty; expected a header row"):
        load_feature_table(write(tmp_path, ""))


def test_header_without_rows(tmp_path):
    with pytest.raises(ValueError, match="no data rows"):
        load_feature_table(write(tmp_path, "Filename,Label,a\n"))


def test_missing_label_column(tmp_path):
    with pytest.raises(ValueError, match=r"no column 'Label'; its columns are \['Filename', 'Class', 'a'\]"):
        load_feature_table(write(tmp_path, "Filename,Class,a\nx,Speech,1\n"))


def test_missing_id_column_suggests_id_column_none(tmp_path):
    with pytest.raises(ValueError, match="id_column=None"):
        load_feature_table(write(tmp_path, "Label,a\nSpeech,1\n"))


def test_non_numeric_feature_column(tmp_path):
    text = "Filename,Label,a,genre\nx,Speech,1,pop\ny,Music,2,rock\n"
    with pytest.raises(ValueError, match=r"non-numeric feature columns: 'genre' \(e.g. 'pop' in row 'x'\)"):
        load_feature_table(write(tmp_path, text))


def test_no_feature_columns(tmp_path):
    with pytest.raises(ValueError, match="no feature columns"):
        load_feature_table(write(tmp_path, "Filename,Label\nx,Speech\n"))


def test_all_rows_incomplete(tmp_path):
    with pytest.raises(ValueError, match="Every row .* has a missing value"):
        load_feature_table(write(tmp_path, "Filename,Label,a\nx,Speech,\ny,Music,\n"))


def test_returns_pandas_objects(tmp_path):
    X, y = load_feature_table(write(tmp_path, MASTER_DATA))
    assert isinstance(X, pd.DataFrame) and isinstance(y, pd.Series)
