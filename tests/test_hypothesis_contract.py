"""Property tests: the classifier and the table reader either work or say clearly why not.

Bounded (few examples, tiny networks) so that the module runs in well under a minute.
"""

import io
import warnings

import numpy as np
import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from sklearn_speechmusic import (  # noqa: E402
    InconsistentLabelsWarning,
    MissingValuesWarning,
    SpeechMusicClassifier,
    TrainingDivergedError,
    load_feature_table,
)

FAST = settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def training_sets(draw):
    n_rows = draw(st.integers(min_value=2, max_value=40))
    n_features = draw(st.integers(min_value=1, max_value=5))
    scale = draw(st.sampled_from([0.0, 1e-30, 1.0, 1e6, 1e30]))
    seed = draw(st.integers(min_value=0, max_value=2**16))
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n_rows, n_features)) * scale
    y = rng.choice(draw(st.sampled_from([["Speech", "Music"], ["a", "b", "c"], ["only"]])), size=n_rows)
    if draw(st.booleans()):
        X.flat[draw(st.integers(min_value=0, max_value=X.size - 1))] = draw(
            st.sampled_from([np.nan, np.inf, -np.inf, 1e300])
        )
    return X, y


@FAST
@given(training_sets())
def test_fit_predicts_finite_probabilities_or_raises_a_clear_error(data):
    X, y = data
    clf = SpeechMusicClassifier(hidden_layer_sizes=(4,), epochs=2, validation_split=0, random_state=0)
    try:
        clf.fit(X, y)
    except TrainingDivergedError:
        return
    except ValueError as error:
        message = str(error)
        assert any(
            hint in message for hint in ("NaN", "infinity", "float32", "at least 2 classes", "StandardScaler")
        ), message
        return
    proba = clf.predict_proba(X)
    assert proba.shape == (len(X), len(np.unique(y))) and np.isfinite(proba).all()
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-12)  # float64 softmax
    assert set(clf.predict(X)) <= set(y)


CELLS = st.sampled_from(["", "0.5", "-1e3", "NA", "nan", "x", " 2 ", "1e999", '"q,uoted"', "Speech", "music"])


@settings(max_examples=60, deadline=None)
@given(
    header=st.lists(st.sampled_from(["Filename", "Label", "zcr", "flux", "zcr", ""]), min_size=0, max_size=5),
    rows=st.lists(st.lists(CELLS, min_size=0, max_size=6), min_size=0, max_size=6),
    trailing_comma=st.booleans(),
)
def test_tables_load_or_raise_value_errors(header, rows, trailing_comma):
    end = ",\n" if trailing_comma else "\n"
    text = ",".join(header) + end + "".join(",".join(row) + end for row in rows)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", (MissingValuesWarning, InconsistentLabelsWarning))
        try:
            X, y = load_feature_table(io.StringIO(text))
        except ValueError as error:
            assert str(error), "errors say what is wrong"
            return
    assert len(X) == len(y) and X.select_dtypes("number").shape == X.shape
