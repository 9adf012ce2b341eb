"""Read feature tables in the original demo's "MasterData.csv" format.

pandas reads almost anything as *some* table; several of its leniencies turn a
malformed file into a silently wrong one (a row with one field too many shifts
every column, a repeated header name becomes ``zcr.1``, ``NA`` becomes a missing
label). This module checks the raw text first and refuses such files with a
message naming the line or column, then lets pandas parse the numbers.
"""

from __future__ import annotations

import csv
import io
import os
import warnings
from collections import Counter
from pathlib import Path
from typing import IO, TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover - typing only
    import pandas as pd

# How many offending row ids, lines or labels a message lists before eliding the rest.
_MAX_IDS_SHOWN = 10

#: Cells of a feature column that count as missing: empty, or one of these
#: standard markers (pandas' own list, spelled out so that it is documented).
FEATURE_MISSING_MARKERS = (
    "",
    "#N/A",
    "#N/A N/A",
    "#NA",
    "-1.#IND",
    "-1.#QNAN",
    "-NaN",
    "-nan",
    "1.#IND",
    "1.#QNAN",
    "<NA>",
    "N/A",
    "NA",
    "NULL",
    "NaN",
    "None",
    "n/a",
    "nan",
    "null",
)

# Labels that are kept as classes but probably meant "no label": they get a warning.
_LABELS_THAT_LOOK_MISSING = frozenset(marker.casefold() for marker in FEATURE_MISSING_MARKERS if marker)

_UTF16_BYTE_ORDER_MARKS = (b"\xff\xfe", b"\xfe\xff")


class MissingValuesWarning(UserWarning):
    """Rows of a feature table were dropped because they had missing values."""


class InconsistentLabelsWarning(UserWarning):
    """Labels of a feature table look inconsistent.

    Raised by :func:`load_feature_table` when labels differ only in case or
    surrounding whitespace (``"Speech"``, ``" speech"``), which makes them
    separate classes, or when a label is a missing-value marker such as ``NA``,
    which is kept as a class of its own.
    """


def load_feature_table(
    path_or_buffer: str | os.PathLike[str] | IO[str] | IO[bytes],
    *,
    label_column: str = "Label",
    id_column: str | None = "Filename",
    normalize_labels: bool = False,
    encoding: str | None = None,
) -> tuple[pd.DataFrame, pd.Series]:
    """Load a feature table in the demo's "MasterData.csv" format into ``X, y``.

    The table has an id column (``Filename``), a label column (``Label``, values
    such as ``Speech``/``Music``) and numeric feature columns. Rows with a
    missing value anywhere are dropped, as the demo did with ``dropna()``, and a
    :class:`MissingValuesWarning` says how many and which.

    Parameters
    ----------
    path_or_buffer : str, path-like or file-like
        The CSV file (``.gz``, ``.bz2``, ``.xz`` and single-file ``.zip``
        archives are decompressed), or an open text or binary buffer.
    label_column : str, default="Label"
        Name of the column holding the class labels.
    id_column : str or None, default="Filename"
        Name of the column identifying each row; it becomes the index of ``X``
        and ``y``. None if the table has no such column.
    normalize_labels : bool, default=False
        Strip whitespace around each label and merge labels that differ only
        in case into their most frequent spelling (``" speech"`` and
        ``"SPEECH"`` become ``"Speech"`` when ``"Speech"`` is the most common;
        ties go to the spelling seen first). When False, labels are kept
        exactly as written and such variants give an
        :class:`InconsistentLabelsWarning`.
    encoding : str or None, default=None
        Text encoding of the file. None reads UTF-8, with or without a
        byte-order mark; give e.g. ``"latin-1"``, ``"cp1252"`` or
        ``"utf-16"`` for a file saved in another encoding. Ignored for text
        buffers.

    Returns
    -------
    X : pandas.DataFrame of shape (n_samples, n_features)
        The numeric feature columns, as float64, in file order.
    y : pandas.Series of shape (n_samples,)
        The labels, as strings.

    Raises
    ------
    FileNotFoundError
        If the file does not exist.
    PermissionError
        If the file cannot be read.
    ValueError
        If the file is empty or not text in the expected encoding; if a data
        row has more or fewer fields than the header (the message names the
        line); if two columns share a name or a column has no name; if the
        label or id column is missing; if there are no feature columns, a
        feature column is not numeric, or no row is complete.

    Warns
    -----
    MissingValuesWarning
        When rows with missing values are dropped.
    InconsistentLabelsWarning
        When labels differ only in case or surrounding whitespace (and
        ``normalize_labels`` is False), or a label is a missing-value marker
        such as ``NA``.

    Notes
    -----
    **The layout is checked before anything is parsed.** Every data row must
    have as many fields as the header; pandas would otherwise shift a row with
    one field too many so that its labels become the index and its features
    move into ``Label``. Column names must be unique and non-empty. One
    exception keeps spreadsheet exports working: empty fields after the last
    named column (a trailing comma on every line, or unnamed empty columns
    at the end of the header) are ignored.

    **Missing values.** A *label* is missing only when its cell is empty or
    holds only whitespace; ``NA``, ``None``, ``null`` and the like are kept as
    labels (with an :class:`InconsistentLabelsWarning`, since they usually
    mean "unlabelled": drop those rows yourself with ``X[y != "NA"]``). In a
    *feature* column, an empty cell or one of pandas' standard markers is
    missing: ``NA``, ``N/A``, ``n/a``, ``NaN``, ``nan``, ``-NaN``, ``-nan``,
    ``NULL``, ``null``, ``None``, ``<NA>``, ``#N/A``, ``#N/A N/A``, ``#NA``,
    ``1.#IND``, ``-1.#IND``, ``1.#QNAN`` and ``-1.#QNAN``. Ids are kept as
    written.

    **Labels are compared exactly**, so ``"Speech"`` and ``"speech "`` are two
    classes unless ``normalize_labels=True``. The same clean-up by hand is
    ``y = y.str.strip()`` followed by any mapping of spellings you choose.

    Examples
    --------
    >>> import io
    >>> from sklearn_speechmusic import load_feature_table
    >>> csv = io.StringIO(
    ...     "Filename,Label,zcr,centroid\\n"
    ...     "a.wav,Speech,0.12,1500.0\\n"
    ...     "b.wav,Music,0.05,2400.0\\n")
    >>> X, y = load_feature_table(csv)
    >>> X.columns.tolist(), y.tolist()
    (['zcr', 'centroid'], ['Speech', 'Music'])

    Labels spelled inconsistently are merged on request:

    >>> csv = io.StringIO("Label,zcr\\nSpeech,0.1\\n speech,0.2\\nSpeech,0.3\\nMUSIC,0.4\\n")
    >>> load_feature_table(csv, id_column=None, normalize_labels=True)[1].tolist()
    ['Speech', 'Speech', 'Speech', 'MUSIC']
    """
    source = describe_source(path_or_buffer)
    text = read_text(path_or_buffer, encoding=encoding, source=source)
    table = parse_table(text, source, label_column=label_column, id_column=id_column)
    labels = table[label_column]
    table[label_column] = labels.where(labels.isna() | (labels.str.strip() != ""))
    if id_column is not None:
        table = table.set_index(id_column)

    feature_columns = [column for column in table.columns if column != label_column]
    if not feature_columns:
        raise ValueError(f"Feature table {source} has no feature columns besides {label_column!r}.")
    _check_numeric(table[feature_columns], source)

    incomplete = table.isna().any(axis=1)
    if incomplete.all():
        raise ValueError(
            f"Every row of feature table {source} has a missing value; nothing is left to "
            f"load. Columns with missing values: {table.columns[table.isna().any()].tolist()}."
        )
    if incomplete.any():
        warnings.warn(
            f"Dropped {int(incomplete.sum())} of {len(table)} rows of feature table {source} "
            f"with missing values: {_list_items(table.index[incomplete])}.",
            MissingValuesWarning,
            stacklevel=2,
        )
        table = table.loc[~incomplete]

    X = table[feature_columns].astype("float64")
    y = table[label_column].astype(str)
    if normalize_labels:
        y = _normalized(y)
    else:
        _warn_about_variants(y, source)
    _warn_about_missing_markers(y, source)
    return X, y


def read_text(
    path_or_buffer: str | os.PathLike[str] | IO[str] | IO[bytes],
    *,
    encoding: str | None = None,
    source: str | None = None,
) -> str:
    """The decoded text of a table file or buffer, with a clear error when it is not text.

    Parameters
    ----------
    path_or_buffer : str, path-like or file-like
        A file (decompressed by its ``.gz``/``.bz2``/``.xz``/``.zip``
        suffix) or an open text or binary buffer.
    encoding : str or None, default=None
        The encoding; None reads UTF-8 with or without a byte-order mark.
    source : str or None, default=None
        How messages name the input; :func:`describe_source` by default.

    Returns
    -------
    text : str
        The text, without a byte-order mark.

    Raises
    ------
    FileNotFoundError
        If the file does not exist.
    ValueError
        If the bytes are not text in the encoding.

    Examples
    --------
    >>> import io
    >>> from sklearn_speechmusic._feature_table import read_text
    >>> read_text(io.BytesIO(b"\\xef\\xbb\\xbfLabel,a\\n"))
    'Label,a\\n'
    """
    source = describe_source(path_or_buffer) if source is None else source
    if isinstance(path_or_buffer, (str, os.PathLike)):
        raw: str | bytes = _read_file(Path(path_or_buffer), source)
    else:
        raw = path_or_buffer.read()
    if isinstance(raw, bytes):
        if encoding is None and b"\x00" in raw and not raw.startswith(_UTF16_BYTE_ORDER_MARKS):
            raise _nul_error(source, encoding)  # UTF-8 text has no NUL bytes
        raw = _decode(raw, encoding, source)
    text = raw.removeprefix("\ufeff")
    if "\x00" in text:
        raise _nul_error(source, encoding)
    return text


def parse_table(
    text: str,
    source: str,
    *,
    label_column: str | None = None,
    id_column: str | None = None,
    text_columns: list[str] | tuple[str, ...] = (),
) -> pd.DataFrame:
    """Check a CSV text's layout, then parse it with pandas.

    Parameters
    ----------
    text : str
        The CSV text, header first.
    source : str
        How messages name the table (a quoted path).
    label_column : str or None, default=None
        A column that must be present; read as strings, where only an empty
        cell is missing.
    id_column : str or None, default=None
        A column that must be present; only an empty cell is missing, and
        values are kept as written (numbers still parse as numbers).
    text_columns : sequence of str, default=()
        Further columns read as strings, where only an empty cell is missing.
        Every other column treats the cells in
        :data:`FEATURE_MISSING_MARKERS` as missing.

    Returns
    -------
    table : pandas.DataFrame
        The named columns, in file order.

    Raises
    ------
    ValueError
        If the text is empty, a column name repeats or is empty, a required
        column is missing, a row's field count differs from the header's, or
        there are no data rows.

    Examples
    --------
    >>> from sklearn_speechmusic._feature_table import parse_table
    >>> parse_table("a,b,\\n1,2,\\n", "'t.csv'").columns.tolist()
    ['a', 'b']
    """
    import pandas as pd

    header = _check_layout(text, source, label_column=label_column, id_column=id_column)
    strings = [name for name in (label_column, *text_columns) if name is not None]
    missing_markers = {
        name: [""] if name in strings or name == id_column else list(FEATURE_MISSING_MARKERS)
        for name in header
    }
    try:
        return pd.read_csv(
            io.StringIO(text),
            header=0,
            usecols=list(range(len(header))),
            index_col=False,
            keep_default_na=False,
            na_values=missing_markers,
            dtype={name: str for name in strings if name in header},
            skip_blank_lines=True,
        )
    except pd.errors.ParserError as error:
        raise ValueError(
            f"Feature table {source} could not be parsed ({_one_line(error)}); a quoted value "
            'probably lacks its closing quote (").'
        ) from None


def describe_source(path_or_buffer) -> str:
    """How messages name a table: its quoted path, or the buffer's file name or type.

    Parameters
    ----------
    path_or_buffer : str, path-like or file-like
        The table.

    Returns
    -------
    source : str
        ``'path/to/table.csv'`` (quoted), or ``<StringIO>`` for a buffer
        without a name; never an object's ``repr``.

    Examples
    --------
    >>> import io
    >>> from sklearn_speechmusic._feature_table import describe_source
    >>> describe_source("t.csv"), describe_source(io.BytesIO())
    ("'t.csv'", '<BytesIO>')
    """
    if isinstance(path_or_buffer, (str, os.PathLike)):
        return repr(os.fspath(path_or_buffer))
    name = getattr(path_or_buffer, "name", None)
    if isinstance(name, (str, os.PathLike)):
        return repr(os.fspath(name))
    return f"<{type(path_or_buffer).__name__}>"


# ------------------------------------------------------------------ reading
def _read_file(path: Path, source: str) -> bytes:
    if not path.exists():
        raise FileNotFoundError(f"Feature table {source} does not exist.")
    if path.is_dir():
        raise ValueError(f"Feature table {source} is a folder; give the CSV file inside it.")
    suffix = path.suffix.lower()
    try:
        if suffix == ".gz":
            import gzip

            with gzip.open(path, "rb") as file:
                return file.read()
        if suffix == ".bz2":
            import bz2

            with bz2.open(path, "rb") as file:
                return file.read()
        if suffix == ".xz":
            import lzma

            with lzma.open(path, "rb") as file:
                return file.read()
        if suffix == ".zip":
            return _read_zip(path, source)
    except (OSError, EOFError, ValueError) as error:
        if isinstance(error, PermissionError):
            raise
        raise ValueError(
            f"Feature table {source} could not be decompressed as {suffix} ({error}); "
            "give the plain CSV file, or a complete archive."
        ) from None
    return path.read_bytes()


def _read_zip(path: Path, source: str) -> bytes:
    import zipfile

    with zipfile.ZipFile(path) as archive:
        names = [info.filename for info in archive.infolist() if not info.is_dir()]
        if len(names) != 1:
            raise ValueError(
                f"Feature table {source} is a zip archive with {len(names)} files; expected one."
            )
        return archive.read(names[0])


def _decode(raw: bytes, encoding: str | None, source: str) -> str:
    try:
        return raw.decode(encoding or "utf-8-sig")
    except UnicodeDecodeError as error:
        if encoding is None and raw.startswith(_UTF16_BYTE_ORDER_MARKS):
            hint = (
                "It starts with a UTF-16 byte-order mark: re-save it as UTF-8, or pass "
                "encoding='utf-16' (--encoding utf-16 on the command line)."
            )
        else:
            hint = (
                "Re-save it as UTF-8 (Excel: 'CSV UTF-8'), or pass its encoding, e.g. "
                "encoding='latin-1' or 'cp1252' (--encoding on the command line)."
            )
        raise ValueError(
            f"Feature table {source} is not text in {_encoding_name(encoding)}: byte "
            f"0x{raw[error.start]:02x} at offset {error.start} cannot be decoded. {hint}"
        ) from None
    except LookupError:
        raise ValueError(f"Unknown encoding {encoding!r} for feature table {source}.") from None


def _nul_error(source: str, encoding: str | None) -> ValueError:
    return ValueError(
        f"Feature table {source} contains NUL characters, so it is not a text table in "
        f"{_encoding_name(encoding)}; it is probably UTF-16 without a byte-order mark. "
        "Re-save it as UTF-8, or pass its encoding (encoding='utf-16-le' in Python, "
        "--encoding utf-16-le on the command line)."
    )


def _encoding_name(encoding: str | None) -> str:
    return "UTF-8 (tried with and without a byte-order mark)" if encoding is None else repr(encoding)


def _check_layout(text: str, source: str, *, label_column: str | None, id_column: str | None) -> list[str]:
    """Check the header and every row's field count; return the named columns."""
    required = [column for column in (id_column, label_column) if column is not None]
    reader = csv.reader(io.StringIO(text, newline=""))
    records = _records(reader, source)
    header = next((row for row in records if row), None)
    if header is None:
        raise ValueError(
            f"Feature table {source} is empty; expected a header row such as "
            f"'{','.join(required) or 'Filename,Label'},<feature columns...>' and data rows."
        )
    header_line = reader.line_num
    while header and header[-1].strip() == "":
        header = header[:-1]  # spreadsheet exports: unnamed empty columns at the end
    unnamed = [str(index + 1) for index, name in enumerate(header) if not name.strip()]
    if unnamed:
        raise ValueError(
            f"Feature table {source} has a column without a name (column {', '.join(unnamed)} of "
            f"line {header_line}). If it is an index saved by pandas, write the table with "
            "index=False or delete that column; otherwise name it in the header."
        )
    counts = Counter(header)
    repeated = [name for name, count in counts.items() if count > 1]
    if repeated:
        where = "; ".join(
            f"{name!r} (columns {', '.join(str(i + 1) for i, n in enumerate(header) if n == name)})"
            for name in repeated
        )
        raise ValueError(
            f"Feature table {source} has duplicate column names: {where}. Each column needs its "
            "own name; rename or delete the repeated ones."
        )
    missing = [column for column in required if column not in counts]
    if missing:
        hint = " Pass id_column=None if the table has no id column." if id_column in missing else ""
        raise ValueError(
            f"Feature table {source} has no column {', '.join(map(repr, missing))}; "
            f"its columns are {header}. Pass label_column=/id_column= "
            f"to name the right ones.{hint}"
        )

    width = len(header)
    bad: list[tuple[int, int]] = []
    n_rows = 0
    for row in records:
        if not row:
            continue  # blank line
        n_rows += 1
        if len(row) != width and not (len(row) > width and not any(field.strip() for field in row[width:])):
            bad.append((reader.line_num, len(row)))
    if bad:
        shown = ", ".join(
            f"line {line} has {fields} field{'s' if fields != 1 else ''}"
            for line, fields in bad[:_MAX_IDS_SHOWN]
        )
        more = len(bad) - _MAX_IDS_SHOWN
        raise ValueError(
            f"Feature table {source}: {len(bad)} data row(s) have a different number of fields "
            f"than the header's {width} columns ({shown}{f' and {more} more' if more > 0 else ''}). "
            "Fix those lines: a value containing a comma must be quoted, every opening quote "
            "needs a closing one, and every row needs one field per header column."
        )
    if n_rows == 0:
        raise ValueError(f"Feature table {source} has a header but no data rows.")
    return header


def _records(reader, source: str):
    """The reader's rows; its errors (such as an oversized field) as ValueError naming the line."""
    while True:
        try:
            yield next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise ValueError(f"Feature table {source}, line {reader.line_num}: {error}.") from None


# ------------------------------------------------------------------ checks
def _check_numeric(features: pd.DataFrame, source: str) -> None:
    import pandas as pd

    problems = []
    for column in features.columns:
        values = features[column]
        if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
            continue
        unparsable = values[pd.to_numeric(values, errors="coerce").isna() & values.notna()]
        offending = unparsable if len(unparsable) else values
        problems.append(f"{column!r} (e.g. {offending.iloc[0]!r} in row {offending.index[0]!r})")
    if problems:
        raise ValueError(
            f"Feature table {source} has non-numeric feature columns: {'; '.join(problems)}. "
            "Every column besides the id and label columns must hold numbers; fix or drop "
            "these columns."
        )


def _variants(y: pd.Series) -> dict[str, Counter]:
    """Spellings of each label that differ only in case or surrounding whitespace."""
    groups: dict[str, Counter] = {}
    for label, count in y.value_counts(sort=False).items():
        groups.setdefault(str(label).strip().casefold(), Counter())[str(label)] += int(count)
    return {key: spellings for key, spellings in groups.items() if len(spellings) > 1}


def _warn_about_variants(y: pd.Series, source: str) -> None:
    variants = _variants(y)
    if not variants:
        return
    described = "; ".join(
        ", ".join(f"{spelling!r} ({_rows(count)})" for spelling, count in spellings.items())
        for spellings in variants.values()
    )
    warnings.warn(
        f"Labels of feature table {source} differ only in case or surrounding whitespace, so "
        f"they are separate classes: {described}. Fix the table, or pass normalize_labels=True "
        "(--normalize-labels on the command line) to strip whitespace and merge each group into "
        "its most frequent spelling.",
        InconsistentLabelsWarning,
        stacklevel=3,
    )


def _normalized(y: pd.Series) -> pd.Series:
    stripped = y.str.strip()
    canonical: dict[str, str] = {}
    # value_counts sorts by count, ties in order of first appearance.
    for label in stripped.value_counts(sort=True).index:
        canonical.setdefault(str(label).casefold(), str(label))
    return stripped.map(lambda label: canonical[label.casefold()]).astype(str)


def _warn_about_missing_markers(y: pd.Series, source: str) -> None:
    markers = sorted({label for label in y.unique() if label.strip().casefold() in _LABELS_THAT_LOOK_MISSING})
    if markers:
        counts = y.value_counts()
        described = ", ".join(f"{label!r} ({_rows(int(counts[label]))})" for label in markers)
        warnings.warn(
            f"Feature table {source} has labels that look like missing-value markers: {described}. "
            "They are kept as classes (only an empty label cell is missing); drop those rows "
            "if they are unlabelled.",
            InconsistentLabelsWarning,
            stacklevel=3,
        )


def _one_line(message) -> str:
    return " ".join(str(message).split())


def _rows(count: int) -> str:
    return f"{count} row" if count == 1 else f"{count} rows"


def _list_items(ids) -> str:
    shown = [str(value) for value in ids[:_MAX_IDS_SHOWN]]
    more = len(ids) - len(shown)
    return ", ".join(shown) + (f" and {more} more" if more > 0 else "")
