"""Reading MasterData.csv-style feature tables."""

import gzip
import io
import warnings

import numpy as np
import pandas as pd
import pytest

from sklearn_speechmusic import MissingValuesWarning, load_feature_table
from sklearn_speechmusic._feature_table import FEATURE_MISSING_MARKERS, InconsistentLabelsWarning

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
    from sklearn_speechmusic import SpeechMusicClassifier

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


def load_quietly(source, **kwargs):
    """Load and fail on any warning."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return load_feature_table(source, **kwargs)


# ---------------------------------------------------------------- issue 16 row 6: field counts
def test_row_with_one_field_too_many_names_its_line(tmp_path):
    text = MASTER_DATA + "music_003.wav,Music,0.05,2400.0,-150.25,7\n"
    with pytest.raises(ValueError, match=r"header's 5 columns \(line 6 has 6 fields\)") as caught:
        load_feature_table(write(tmp_path, text))
    assert "MasterData.csv" in str(caught.value)


def test_every_row_with_one_field_too_many_is_not_shifted(tmp_path):
    # pandas alone makes the first field the index and moves the features into Label.
    text = "Filename,Label,a\nx.wav,Speech,1,2\ny.wav,Music,3,4\n"
    with pytest.raises(ValueError, match=r"2 data row\(s\) .*line 2 has 4 fields, line 3 has 4 fields"):
        load_feature_table(write(tmp_path, text))


def test_row_with_too_few_fields_names_its_line(tmp_path):
    text = MASTER_DATA + "\nmusic_003.wav,Music,0.05\n"
    with pytest.raises(ValueError, match=r"header's 5 columns \(line 7 has 3 fields\)"):
        load_feature_table(write(tmp_path, text))


def test_a_quoted_comma_is_one_field(tmp_path):
    text = 'Filename,Label,a\n"x, take 2.wav",Speech,1\ny.wav,Music,2\n'
    X, _ = load_quietly(write(tmp_path, text))
    assert X.index.tolist() == ["x, take 2.wav", "y.wav"]


def test_many_bad_lines_are_elided(tmp_path):
    text = "Filename,Label,a\n" + "".join(f"x{i},Speech,1,2\n" for i in range(15))
    with pytest.raises(ValueError, match=r"15 data row.*line 11 has 4 fields and 5 more"):
        load_feature_table(write(tmp_path, text))


# ---------------------------------------------------------------- row 17: trailing commas
@pytest.mark.parametrize(
    "text",
    [
        "Filename,Label,a,\nx,Speech,1,\ny,Music,2,\n",  # trailing comma on every line
        "Filename,Label,a\nx,Speech,1,\ny,Music,2,\n",  # on every data row only
        "Filename,Label,a,,\nx,Speech,1,,\ny,Music,2\n",  # spreadsheet: empty unnamed columns
    ],
)
def test_trailing_commas_are_ignored(tmp_path, text):
    X, y = load_quietly(write(tmp_path, text))
    assert X.columns.tolist() == ["a"] and X["a"].tolist() == [1.0, 2.0]
    assert y.tolist() == ["Speech", "Music"]


def test_a_value_under_an_unnamed_trailing_column_is_an_error(tmp_path):
    with pytest.raises(ValueError, match="line 3 has 4 fields"):
        load_feature_table(write(tmp_path, "Filename,Label,a,\nx,Speech,1,\ny,Music,2,9\n"))


# ---------------------------------------------------------------- row 17: column names
def test_duplicate_column_names_are_an_error(tmp_path):
    text = "Filename,Label,zcr,centroid,zcr\nx,Speech,1,2,3\n"
    with pytest.raises(ValueError, match=r"duplicate column names: 'zcr' \(columns 3, 5\)"):
        load_feature_table(write(tmp_path, text))


def test_unnamed_column_such_as_a_saved_index_is_an_error(tmp_path):
    text = ",Filename,Label,a\n0,x,Speech,1\n1,y,Music,2\n"
    with pytest.raises(ValueError, match=r"column without a name \(column 1 .*index=False"):
        load_feature_table(write(tmp_path, text))


# ---------------------------------------------------------------- row 9: encodings
@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"])
def test_utf8_with_or_without_bom(tmp_path, bom):
    path = tmp_path / "t.csv"
    path.write_bytes(bom + "Filename,Label,a\nmüsic.wav,Music,1\n".encode())
    X, y = load_quietly(path)
    assert X.index.tolist() == ["müsic.wav"] and X.index.name == "Filename" and y.tolist() == ["Music"]


@pytest.mark.parametrize(
    ("encoding", "fragment"),
    [
        ("utf-16", "UTF-16 byte-order mark"),
        ("utf-16-le", "NUL characters"),
        ("latin-1", "byte 0xfc at offset 18"),
    ],
)
def test_other_encodings_name_the_file_and_what_was_tried(tmp_path, encoding, fragment):
    path = tmp_path / "table.csv"
    path.write_bytes("Filename,Label,a\nmüsic.wav,Music,1\n".encode(encoding))
    with pytest.raises(ValueError, match=fragment) as caught:
        load_feature_table(path)
    message = str(caught.value)
    assert repr(str(path)) in message and "UTF-8" in message and "encoding=" in message
    X, _ = load_quietly(path, encoding=encoding)
    assert X.index.tolist() == ["müsic.wav"]


def test_unknown_encoding(tmp_path):
    with pytest.raises(ValueError, match="Unknown encoding 'klingon'"):
        load_feature_table(write(tmp_path, MASTER_DATA), encoding="klingon")


def test_binary_and_named_buffers(tmp_path):
    X, _ = load_quietly(io.BytesIO(b"\xef\xbb\xbf" + MASTER_DATA.encode()))
    assert len(X) == 4
    with pytest.raises(ValueError, match=r"<BytesIO> is not text") as caught:
        load_feature_table(io.BytesIO("Label,a\nmüsic,1\n".encode("latin-1")), id_column=None)
    assert "object at 0x" not in str(caught.value)
    path = write(tmp_path, "Filename,Label,a,a\nx,Speech,1,2\n")
    with open(path) as file, pytest.raises(ValueError, match="MasterData.csv' has duplicate"):
        load_feature_table(file)


def test_compressed_tables(tmp_path):
    path = tmp_path / "t.csv.gz"
    path.write_bytes(gzip.compress(MASTER_DATA.encode()))
    assert load_quietly(path)[0].shape == (4, 3)
    (tmp_path / "bad.csv.gz").write_bytes(b"not gzip")
    with pytest.raises(ValueError, match="bad.csv.gz' could not be decompressed"):
        load_feature_table(tmp_path / "bad.csv.gz")


def test_a_folder_is_not_a_table(tmp_path):
    with pytest.raises(ValueError, match="is a folder"):
        load_feature_table(tmp_path)


# ---------------------------------------------------------------- row 7: label spellings
VARIANTS = (
    "Filename,Label,a\n"
    "1.wav,Speech,1\n2.wav, Speech,2\n3.wav,speech ,3\n4.wav,Speech,4\n"
    "5.wav,MUSIC,5\n6.wav,Music,6\n7.wav,Music,7\n"
)


def test_label_variants_warn_naming_them(tmp_path):
    with pytest.warns(InconsistentLabelsWarning) as record:
        _, y = load_feature_table(write(tmp_path, VARIANTS))
    assert len(record) == 1
    message = str(record[0].message)
    for fragment in ["'Speech' (2 rows)", "' Speech' (1 row)", "'speech ' (1 row)", "'MUSIC' (1 row)"]:
        assert fragment in message
    assert "normalize_labels=True" in message
    # Backwards compatible: the labels are kept as written.
    assert y.nunique() == 5


def test_normalize_labels_merges_variants_into_the_most_frequent_spelling(tmp_path):
    _, y = load_quietly(write(tmp_path, VARIANTS), normalize_labels=True)
    assert y.tolist() == ["Speech"] * 4 + ["Music"] * 3
    # Ties go to the spelling seen first; whitespace alone is stripped.
    _, y = load_quietly(
        io.StringIO("Label,a\nmusic,1\nMusic,2\n Speech ,3\n"), id_column=None, normalize_labels=True
    )
    assert y.tolist() == ["music", "music", "Speech"]


def test_consistent_labels_do_not_warn(tmp_path):
    load_quietly(write(tmp_path, MASTER_DATA))


# ---------------------------------------------------------------- row 17: missing labels
@pytest.mark.parametrize("marker", ["NA", "None", "null", "nan", "N/A"])
def test_missing_markers_are_labels_not_missing_values(tmp_path, marker):
    text = MASTER_DATA + f"odd.wav,{marker},0.1,1000,-5\n"
    with pytest.warns(
        InconsistentLabelsWarning, match=f"look like missing-value markers: '{marker}' \\(1 row\\)"
    ):
        X, y = load_feature_table(write(tmp_path, text))
    assert len(X) == 5 and y["odd.wav"] == marker


@pytest.mark.parametrize("cell", ["", "   "])
def test_only_empty_label_cells_are_missing(tmp_path, cell):
    text = MASTER_DATA + f"unlabelled.wav,{cell},0.1,1000,-5\n"
    with pytest.warns(MissingValuesWarning, match="Dropped 1 of 5 rows .*unlabelled.wav"):
        X, _ = load_feature_table(write(tmp_path, text))
    assert len(X) == 4


@pytest.mark.parametrize("marker", ["", "NA", "NaN", "null", "None", "N/A"])
def test_feature_cells_with_standard_markers_are_missing(tmp_path, marker):
    assert marker in FEATURE_MISSING_MARKERS
    text = MASTER_DATA + f"broken.wav,Music,{marker},1000,-5\n"
    with pytest.warns(MissingValuesWarning, match="broken.wav"):
        X, _ = load_feature_table(write(tmp_path, text))
    assert "broken.wav" not in X.index


def test_ids_are_kept_as_written(tmp_path):
    X, _ = load_quietly(write(tmp_path, "Filename,Label,a\nNA,Speech,1\nnull,Music,2\n"))
    assert X.index.tolist() == ["NA", "null"]


def test_numeric_labels_stay_strings(tmp_path):
    _, y = load_quietly(write(tmp_path, "Filename,Label,a\nx,0,1\ny,1,2\n"))
    assert y.tolist() == ["0", "1"]


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ('Filename,Label,a\nx,"Speech,1\ny,Music,2\n', "line 3 has 2 fields"),
        ('Filename,Label,a\nx,Speech,1\n"y,Music,2\n', "line 3 has 1 field\\). .* closing one"),
    ],
)
def test_unterminated_quotes(text, fragment):
    with pytest.raises(ValueError, match=fragment):
        load_feature_table(io.StringIO(text))


def test_arbitrary_text_gives_a_table_or_a_value_error():
    # Random CSV-ish text: never a parser's own exception type, never a shifted table.
    rng = np.random.RandomState(0)
    pieces = np.array([",", ",", "\n", '"', "1", "2.5", "NA", "Speech", " ", "\r", "x", "\ufeff", "\x00"])
    for _ in range(300):
        text = "Filename,Label,a\n" + "".join(rng.choice(pieces, size=rng.randint(0, 30)))
        for source in (io.StringIO(text), io.BytesIO(text.encode())):
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    X, y = load_feature_table(source)
            except ValueError as error:
                assert "feature table" in str(error).lower() and "object at 0x" not in str(error)
            else:
                assert (
                    X.columns.tolist() == ["a"] and X.index.equals(y.index) and X.dtypes.iloc[0] == "float64"
                )


def test_the_documented_missing_markers_are_the_ones_used():
    notes = " ".join(load_feature_table.__doc__.split("**Missing values.**")[1].split())
    documented = {marker for marker in notes.split("``")[1::2]}
    assert set(FEATURE_MISSING_MARKERS) - {""} <= documented
