"""Read feature tables in the original demo's "MasterData.csv" format."""

from __future__ import annotations

import os
import warnings
from typing import IO, TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover - typing only
    import pandas as pd

# How many offending row ids a warning or error lists before eliding the rest.
_MAX_IDS_SHOWN = 10


class MissingValuesWarning(UserWarning):
    """Rows of a feature table were dropped because they had missing values."""


def load_feature_table(
    path_or_buffer: str | os.PathLike[str] | IO[str],
    *,
    label_column: str = "Label",
    id_column: str | None = "Filename",
) -> tuple[pd.DataFrame, pd.Series]:
    """Load a feature table in the demo's "MasterData.csv" format into ``X, y``.

    The table has an id column (``Filename``), a label column (``Label``, values
    such as ``Speech``/``Music``) and numeric feature columns. Rows with a
    missing value anywhere are dropped, as the demo did with ``dropna()``, and a
    :class:`MissingValuesWarning` says how many and which.

    Parameters
    ----------
    path_or_buffer : str, path-like or file-like
        The CSV file (or an open text buffer) to read.
    label_column : str, default="Label"
        Name of the column holding the class labels.
    id_column : str or None, default="Filename"
        Name of the column identifying each row; it becomes the index of ``X``
        and ``y``. None if the table has no such column.

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
    ValueError
        If the file is empty, lacks the label or id column, has no feature
        columns, has non-numeric feature columns, or has no complete row.

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
    """
    import pandas as pd

    source = _describe_source(path_or_buffer)
    if isinstance(path_or_buffer, (str, os.PathLike)) and not os.path.isfile(path_or_buffer):
        raise FileNotFoundError(f"Feature table {source} does not exist.")
    try:
        table = pd.read_csv(path_or_buffer)
    except pd.errors.EmptyDataError:
        raise ValueError(
            f"Feature table {source} is empty; expected a header row such as "
            f"'{id_column or 'Filename'},{label_column},<feature columns...>' and data rows."
        ) from None

    required = [column for column in (id_column, label_column) if column is not None]
    missing = [column for column in required if column not in table.columns]
    if missing:
        hint = " Pass id_column=None if the table has no id column." if id_column in missing else ""
        raise ValueError(
            f"Feature table {source} has no column {', '.join(map(repr, missing))}; "
            f"its columns are {table.columns.tolist()}. Pass label_column=/id_column= "
            f"to name the right ones.{hint}"
        )
    if table.empty:
        raise ValueError(f"Feature table {source} has a header but no data rows.")
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
            f"with missing values: {_list_ids(table.index[incomplete])}.",
            MissingValuesWarning,
            stacklevel=2,
        )
        table = table.loc[~incomplete]

    X = table[feature_columns].astype("float64")
    y = table[label_column].astype(str)
    return X, y


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


def _list_ids(ids) -> str:
    shown = [str(value) for value in ids[:_MAX_IDS_SHOWN]]
    more = len(ids) - len(shown)
    return ", ".join(shown) + (f" and {more} more" if more > 0 else "")


def _describe_source(path_or_buffer) -> str:
    if isinstance(path_or_buffer, (str, os.PathLike)):
        return repr(os.fspath(path_or_buffer))
    return f"<{type(path_or_buffer).__name__}>"
