"""Load feature tables in the original demo's "MasterData.csv" format as ``X, y``.

The raw file is read and its layout checked by :mod:`._csv_checks`; this
module turns the parsed table into numeric features and string labels. It drops
incomplete rows with a :class:`MissingValuesWarning`, refuses non-numeric
feature columns, and warns (:class:`InconsistentLabelsWarning`) about labels
that differ only in case or spaces or look like missing-value markers, or
merges such spellings on request.
"""

from __future__ import annotations

import os
import warnings
from collections import Counter
from typing import IO, TYPE_CHECKING

from ._csv_checks import FEATURE_MISSING_MARKERS, MAX_IDS_SHOWN, describe_source, parse_table, read_text

if TYPE_CHECKING:  # pragma: no cover - typing only
    import pandas as pd

__all__ = [
    "FEATURE_MISSING_MARKERS",
    "InconsistentLabelsWarning",
    "MissingValuesWarning",
    "load_feature_table",
]

# Labels that are kept as classes but probably meant "no label": they get a warning.
_LABELS_THAT_LOOK_MISSING = frozenset(marker.casefold() for marker in FEATURE_MISSING_MARKERS if marker)


class MissingValuesWarning(UserWarning):
    """Rows of a feature table were dropped because they had missing values.

    Warned by :func:`load_feature_table`; the message names the dropped rows.

    Examples
    --------
    >>> import io
    >>> import warnings
    >>> from sklearn_speechmusic import MissingValuesWarning, load_feature_table
    >>> csv = "Filename,Label,zcr\\na.wav,Speech,0.1\\nb.wav,Music,\\n"
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("error", MissingValuesWarning)
    ...     try:
    ...         load_feature_table(io.StringIO(csv))
    ...     except MissingValuesWarning as warning:
    ...         print(warning)
    Dropped 1 of 2 rows of feature table <StringIO> with missing values: b.wav.
    """


class InconsistentLabelsWarning(UserWarning):
    """Labels of a feature table look inconsistent.

    Raised by :func:`load_feature_table` when labels differ only in case or
    surrounding whitespace (``"Speech"``, ``" speech"``), which makes them
    separate classes, or when a label is a missing-value marker such as ``NA``,
    which is kept as a class of its own.

    Examples
    --------
    >>> import io
    >>> import warnings
    >>> from sklearn_speechmusic import load_feature_table
    >>> csv = "Label,zcr\\nSpeech,0.1\\nspeech,0.2\\n"
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     y = load_feature_table(io.StringIO(csv), id_column=None)[1]
    >>> [w.category.__name__ for w in caught], sorted(set(y))
    (['InconsistentLabelsWarning'], ['Speech', 'speech'])

    ``normalize_labels=True`` merges the spellings instead:

    >>> load_feature_table(io.StringIO(csv), id_column=None, normalize_labels=True)[1].tolist()
    ['Speech', 'Speech']
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


def _rows(count: int) -> str:
    return f"{count} row" if count == 1 else f"{count} rows"


def _list_items(ids) -> str:
    shown = [str(value) for value in ids[:MAX_IDS_SHOWN]]
    more = len(ids) - len(shown)
    return ", ".join(shown) + (f" and {more} more" if more > 0 else "")
