"""Checks of the classifier's training input and parameters, with errors that say how to fix them."""

from __future__ import annotations

from numbers import Integral

import numpy as np

__all__ = [
    "TrainingDivergedError",
    "check_float32_range",
    "check_hidden_layer_sizes",
    "check_sample_weight",
    "rows_with_weight",
    "without_zero_weight_rows",
]

_FLOAT32_MAX = float(np.finfo(np.float32).max)


class TrainingDivergedError(ValueError):
    """Training produced a non-finite loss or non-finite weights.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_speechmusic import SpeechMusicClassifier
    >>> from sklearn_speechmusic import TrainingDivergedError
    >>> X = np.array([[1e30, 0.0], [0.0, 1e30]] * 10)
    >>> try:
    ...     SpeechMusicClassifier(epochs=2, random_state=0).fit(X, ["a", "b"] * 10)
    ... except TrainingDivergedError as error:
    ...     print("StandardScaler" in str(error))
    True
    """


def check_float32_range(X: np.ndarray) -> np.ndarray:
    """``X`` as float32, the network's training precision; refuse values beyond its range."""
    largest = float(np.abs(X).max()) if X.size else 0.0
    if largest > _FLOAT32_MAX:
        raise ValueError(
            f"X holds values up to {largest:.3g}, beyond float32's range ({_FLOAT32_MAX:.3g}), "
            "in which the network trains. Scale the features first, for example with "
            "make_pipeline(StandardScaler(), SpeechMusicClassifier())."
        )
    return X.astype(np.float32)


def check_sample_weight(sample_weight, X) -> np.ndarray | None:
    """Validated float32 sample weights (finite, non-negative, one per row), or None."""
    if sample_weight is None:
        return None
    from ._compat import validate_sample_weight

    sample_weight = validate_sample_weight(sample_weight, X, dtype=np.float32)
    if (sample_weight < 0).any():
        raise ValueError(
            f"sample_weight must be non-negative; got {int((sample_weight < 0).sum())} negative "
            f"weights (smallest {float(sample_weight.min()):.3g}). Use 0 to leave a row out."
        )
    return sample_weight


def without_zero_weight_rows(X, y, sample_weight, groups):
    """Drop rows of weight 0 (they contribute nothing and must not be held out either)."""
    if sample_weight is None:
        return X, y, sample_weight, groups
    keep = sample_weight != 0
    if not keep.any():
        raise ValueError("sample_weight is 0 for every row: there is nothing to train on.")
    return X[keep], y[keep], sample_weight[keep], None if groups is None else groups[keep]


def rows_with_weight(X, sample_weight) -> int:
    """Rows that count in training: those of non-zero weight."""
    return int(X.shape[0] if sample_weight is None else np.count_nonzero(sample_weight))


def check_hidden_layer_sizes(hidden_layer_sizes) -> tuple[int, ...]:
    """``hidden_layer_sizes`` as a tuple of positive ints, or a ValueError with an example."""
    sizes = np.atleast_1d(np.asarray(hidden_layer_sizes, dtype=object))
    if sizes.ndim != 1 or not all(
        isinstance(units, Integral) and not isinstance(units, bool) and int(units) >= 1 for units in sizes
    ):
        raise ValueError(
            "hidden_layer_sizes must be a positive int or a sequence of positive ints, "
            f"for example (64, 512, 128); got {hidden_layer_sizes!r}."
        )
    return tuple(int(units) for units in sizes)
