"""What the command line reads: models named on it, feature tables, manifests and audio rows.

A model argument is a ``.skm`` file or the word ``pretrained``. Feature tables
are matched to a model by column name, and rows that cannot be used (missing
values, unreadable audio) are returned with a reason instead of stopping the
command.
"""

from __future__ import annotations

import argparse
import os
import warnings
from pathlib import Path

from ._cli_messages import CommandError, one_line

#: Given instead of a model file, names the model shipped with the package.
PRETRAINED_MODEL_NAME = "pretrained"
#: The id and label columns of a feature table in the demo's format.
ID_COLUMN, LABEL_COLUMN = "Filename", "Label"


def load_model_argument(path: str):
    """The model a command was given: a saved ``.skm`` file, or the packaged one."""
    from ._persistence import ModelFormatError, load_model

    if not model_files(path):
        from ._pretrained import load_pretrained

        return load_pretrained()
    try:
        return load_model(path)
    except (ModelFormatError, ValueError, KeyError) as error:
        message = one_line(error)
        raise CommandError(message if path in message else f"{path}: {message}") from error


def model_files(model: str) -> list[Path]:
    """The model's file, or nothing for the packaged model."""
    return [] if model == PRETRAINED_MODEL_NAME and not os.path.exists(model) else [Path(model)]


def has_extractor(model) -> bool:
    """Whether the model starts with an AudioFeatureExtractor, so that it takes audio."""
    from ._feature_extractor import AudioFeatureExtractor

    return hasattr(model, "steps") and isinstance(model.steps[0][1], AudioFeatureExtractor)


def without_extractor(model):
    """The part of a model that takes feature rows (drops a leading extractor)."""
    return model[1:] if has_extractor(model) else model


def load_table(args: argparse.Namespace):
    """``X, y`` of the labelled feature table named by ``args.features``."""
    from ._feature_table import load_feature_table

    return load_feature_table(args.features, normalize_labels=args.normalize_labels, encoding=args.encoding)


def matching_columns(path, columns, model) -> list[str]:
    """The model's feature columns, found by name in a table."""
    if has_extractor(model):
        expected = [str(name) for name in model.steps[0][1].get_feature_names_out()]
    elif hasattr(model, "feature_names_in_"):
        expected = [str(name) for name in model.feature_names_in_]
    else:
        expected = [str(c) for c in columns if c not in (ID_COLUMN, LABEL_COLUMN)]
        if len(expected) != getattr(model, "n_features_in_", len(expected)):
            raise CommandError(
                f"{path} has {len(expected)} feature columns; the model takes {model.n_features_in_}."
            )
    missing = [name for name in expected if name not in set(columns)]
    if missing:
        shown = ", ".join(map(repr, missing[:10])) + (
            f" and {len(missing) - 10} more" if len(missing) > 10 else ""
        )
        raise CommandError(
            f"{path} lacks {len(missing)} of the {len(expected)} feature columns the model needs: {shown}. "
            "Extract the table with the model's settings (speechmusic extract)."
        )
    return expected


def check_known_labels(model, y, path) -> None:
    """Refuse labels the model was not trained on, naming near misses (case, spaces)."""
    known = {str(label) for label in model.classes_}
    unknown = sorted(set(y) - known)
    if not unknown:
        return
    folded = {label.strip().casefold(): label for label in known}
    near = [f"{u!r} -> {folded[u.strip().casefold()]!r}" for u in unknown if u.strip().casefold() in folded]
    hint = f" Some differ only in case or spaces ({', '.join(near)}): fix them in the table." if near else ""
    raise CommandError(
        f"{path} has labels the model does not know: {', '.join(map(repr, unknown))} "
        f"({int(y.isin(unknown).sum())} of {len(y)} rows); the model's classes are "
        f"{', '.join(map(repr, sorted(known)))}.{hint}"
    )


def model_input(estimator, frame):
    """A table as the estimator was fitted: with column names only if it has them."""
    return frame if hasattr(estimator, "feature_names_in_") else frame.to_numpy()


def table_rows(path: Path, model, encoding):
    """Row names, model input and ``(name, reason)`` failures of a feature table, and the estimator."""
    from ._csv_checks import describe_source, parse_table, read_text

    source = describe_source(path)
    table = parse_table(
        read_text(path, encoding=encoding, source=source), source, text_columns=[ID_COLUMN, LABEL_COLUMN]
    )
    estimator = without_extractor(model)
    columns = matching_columns(path, table.columns, model)
    names = table[ID_COLUMN].astype(str) if ID_COLUMN in table else table.index.map(lambda i: f"row {i + 1}")
    complete = table[columns].notna().all(axis=1)
    failed = [(name, "missing feature values") for name in names[~complete]]
    return list(names[complete]), model_input(estimator, table.loc[complete, columns]), failed, estimator


def audio_rows(inputs: list[Path], model):
    """File names, model input and ``(name, reason)`` failures of audio files, and the estimator."""
    import numpy as np
    import pandas as pd
    from sklearn.base import clone

    from ._feature_extractor import SkippedAudioWarning

    extractor = clone(model.steps[0][1]).set_params(on_error="skip", progress=False)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", SkippedAudioWarning)
        features = extractor.transform([str(path) for path in inputs])
    reasons = {}
    for warning in caught:
        if issubclass(warning.category, SkippedAudioWarning):  # listed below, per file
            reasons.update({row: reason for row, _, reason in getattr(warning.message, "skipped", ())})
        else:
            warnings.showwarning(warning.message, warning.category, warning.filename, warning.lineno)
    for row in np.flatnonzero(np.isnan(features).any(axis=1)):
        reasons.setdefault(int(row), "could not be read")
    good = [row for row in range(len(inputs)) if row not in reasons]
    estimator = model[1:]
    frame = pd.DataFrame(features[good], columns=extractor.get_feature_names_out())
    failed = [(str(inputs[row]), str(reasons[row])) for row in sorted(reasons)]
    return [str(inputs[row]) for row in good], model_input(estimator, frame), failed, estimator


def read_manifest(path: Path) -> tuple[list[Path], list[str] | None]:
    """Audio paths (relative to the manifest's folder) and labels, if any, of a CSV manifest."""
    from ._csv_checks import describe_source, parse_table, read_text

    columns = ("path", ID_COLUMN, "filename", "file", "label", LABEL_COLUMN)
    source = describe_source(path)
    manifest = parse_table(read_text(path, source=source), source, text_columns=columns)
    column = next((c for c in columns[:4] if c in manifest), None)
    if column is None:
        raise CommandError(
            f"{path} has no 'path' (or 'Filename') column; columns are {list(manifest.columns)}."
        )
    label_column = next((c for c in ("label", LABEL_COLUMN) if c in manifest), None)
    paths = [path.parent / str(item) for item in manifest[column]]
    labels = manifest[label_column].astype(str).tolist() if label_column else None
    return paths, labels
