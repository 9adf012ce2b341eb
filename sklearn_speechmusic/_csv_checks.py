"""Read a CSV table's text and check its layout before pandas parses it.

pandas reads almost anything as *some* table; several of its leniencies turn a
malformed file into a silently wrong one (a row with one field too many shifts
every column, a repeated header name becomes ``zcr.1``, ``NA`` becomes a missing
label). This module decodes the file (decompressing it by its suffix), checks
the raw text and refuses such files with a message naming the line or column,
and only then lets pandas parse it. :func:`load_feature_table` and the command
line's manifest and prediction tables are read through it.
"""

from __future__ import annotations

import csv
import io
import os
from collections import Counter
from pathlib import Path
from typing import IO, TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover - typing only
    import pandas as pd

#: How many offending row ids, lines or labels a message lists before eliding the rest.
MAX_IDS_SHOWN = 10

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

_UTF16_BYTE_ORDER_MARKS = (b"\xff\xfe", b"\xfe\xff")


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
    >>> from sklearn_speechmusic._csv_checks import read_text
    >>> read_text(io.BytesIO(b"\\xef\\xbb\\xbfLabel,a\\n"))
    'Label,a\\n'
    """
    source = describe_source(path_or_buffer) if source is None else source
    if isinstance(path_or_buffer, (str, os.PathLike)):
        raw: str | bytes = _read_file(Path(path_or_buffer), source)
    else:
        raw = path_or_buffer.read()
    if isinstance(raw, bytes):
        _refuse_known_binary(raw, source)
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
    >>> from sklearn_speechmusic._csv_checks import parse_table
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
    >>> from sklearn_speechmusic._csv_checks import describe_source
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


# The first bytes of files that are often given where a table belongs.
_BINARY_SIGNATURES = (
    (b"RIFF", "a WAV audio file"),
    (b"OggS", "an OGG audio file"),
    (b"fLaC", "a FLAC audio file"),
    (b"ID3", "an MP3 audio file"),
    (b"\xff\xfb", "an MP3 audio file"),
    (b"\xff\xf3", "an MP3 audio file"),
    (b"FORM", "an AIFF audio file"),
    (b"PK\x03\x04", "a zip archive (a .skm model file?)"),
)


def _refuse_known_binary(raw: bytes, source: str) -> None:
    """Name what an audio file or a model file given as a feature table is."""
    for signature, what in _BINARY_SIGNATURES:
        if raw.startswith(signature):
            raise ValueError(
                f"{source} is {what}, not a CSV table. A table is needed here: a feature table "
                "(from `speechmusic extract` or AudioFeatureExtractor) to train, evaluate, explain or "
                "predict, or a list of audio files in a 'path' column for `speechmusic extract`."
            )


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
            f"to name the right ones (on the command line, rename them to 'Label' and 'Filename').{hint}"
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
            for line, fields in bad[:MAX_IDS_SHOWN]
        )
        more = len(bad) - MAX_IDS_SHOWN
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


def _one_line(message) -> str:
    return " ".join(str(message).split())
