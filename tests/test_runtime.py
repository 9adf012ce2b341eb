"""The NumPy runtime: predictions follow the network, run in float64, and need no TensorFlow."""

import subprocess
import sys
import textwrap

import numpy as np
import pytest
from conftest import make_speech_music_blobs
from sklearn.base import clone

from sklearn_speechmusic import SpeechMusicClassifier, TrainingDivergedError
from sklearn_speechmusic._runtime import ACTIVATIONS, forward_proba


def _keras_proba(clf, X):
    return clf.model_(np.asarray(X, dtype=np.float32)).numpy()


# float64 runtime against Keras' float32 forward pass: float32 rounding (unit roundoff 6e-8)
# through a few layers of short dot products stays below 1e-6.
KERAS_ATOL = 1e-6


def test_predictions_follow_set_weights(blobs, fast_params):
    X, y = blobs
    clf = SpeechMusicClassifier(**fast_params).fit(X, y)
    before = clf.predict_proba(X)
    weights = clf.model_.get_weights()
    clf.model_.set_weights([w * 0.5 for w in weights])
    after = clf.predict_proba(X)
    assert np.abs(after - before).max() > 1e-3
    np.testing.assert_allclose(after, _keras_proba(clf, X), atol=KERAS_ATOL)
    np.testing.assert_allclose(clf.coefs_[0], weights[0] * 0.5, rtol=0, atol=0)


def test_predictions_follow_keras_load_weights(blobs, fast_params, tmp_path):
    X, y = blobs
    donor = SpeechMusicClassifier(**{**fast_params, "random_state": 1}).fit(X, y)
    donor.model_.save_weights(tmp_path / "donor.weights.h5")
    clf = SpeechMusicClassifier(**fast_params).fit(X, y)
    clf.predict_proba(X)
    clf.model_.load_weights(tmp_path / "donor.weights.h5")  # Keras' own method, behind our back
    np.testing.assert_allclose(clf.predict_proba(X), donor.predict_proba(X), rtol=0, atol=1e-12)


def test_predictions_follow_partial_fit_refit_and_clone(blobs, fast_params):
    X, y = blobs
    clf = SpeechMusicClassifier(**fast_params).fit(X, y)
    first = clf.predict_proba(X)
    clf.partial_fit(X, y)
    continued = clf.predict_proba(X)
    assert not np.array_equal(first, continued)
    np.testing.assert_allclose(continued, _keras_proba(clf, X), atol=KERAS_ATOL)
    refit = clf.set_params(random_state=1).fit(X, y).predict_proba(X)
    np.testing.assert_allclose(refit, _keras_proba(clf, X), atol=KERAS_ATOL)
    copy = clone(clf)
    assert not hasattr(copy, "coefs_")
    np.testing.assert_array_equal(copy.fit(X, y).predict_proba(X), refit)


def test_forward_pass_is_float64_and_row_order_invariant(blobs, fast_params):
    """Each row's probabilities do not depend on its neighbours (BLAS blocks rows differently)."""
    X, y = blobs
    clf = SpeechMusicClassifier(**fast_params).fit(X, y)
    proba = clf.predict_proba(X)
    assert proba.dtype == np.float64 and all(c.dtype == np.float64 for c in clf.coefs_)
    order = np.random.RandomState(0).permutation(len(X))
    one_by_one = np.vstack([clf.predict_proba(X.iloc[[i]]) for i in range(len(X))])
    # float64 unit roundoff is 1.1e-16; differently blocked sums of ≤ 512 terms stay below 1e-13.
    np.testing.assert_allclose(clf.predict_proba(X.iloc[order]), proba[order], rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(one_by_one, proba, rtol=1e-12, atol=1e-15)


def test_fitted_arrays_are_read_only(blobs, fast_params):
    X, y = blobs
    clf = SpeechMusicClassifier(**fast_params).fit(X, y)
    with pytest.raises(ValueError, match="read-only"):
        clf.coefs_[0][0, 0] = 1.0


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
def test_activations_are_finite_for_extreme_inputs(activation):
    X = np.array([[-1e300, 0.0], [1e300, -5.0]])
    coefs = [np.eye(2), np.eye(2)]
    intercepts = [np.zeros(2), np.zeros(2)]
    with np.errstate(over="raise", invalid="raise"):
        proba = forward_proba(coefs, intercepts, activation, X)
    assert np.isfinite(proba).all()


def test_unscaled_huge_features_raise_instead_of_predicting_nan():
    X, y = make_speech_music_blobs()
    with pytest.raises(TrainingDivergedError, match="StandardScaler"):
        SpeechMusicClassifier(hidden_layer_sizes=(8,), epochs=3, random_state=0).fit(X * 1e30, y)
    with pytest.raises(ValueError, match="beyond float32's range"):
        SpeechMusicClassifier(epochs=1).fit(X * 1e300, y)


def test_diverging_partial_fit_keeps_the_last_good_network(blobs, fast_params):
    X, y = blobs
    clf = SpeechMusicClassifier(**fast_params).fit(X, y)
    good = clf.predict_proba(X)
    with pytest.raises(TrainingDivergedError, match="learning_rate"):
        clf.partial_fit(X * 1e30, y)
    np.testing.assert_array_equal(clf.predict_proba(X), good)
    clf.partial_fit(X, y)  # training goes on from the good weights
    assert np.isfinite(clf.predict_proba(X)).all()


def test_negative_sample_weight_is_an_error(blobs, fast_params):
    X, y = blobs
    weights = np.ones(len(y))
    weights[3] = -1
    with pytest.raises(ValueError, match="sample_weight must be non-negative; got 1 negative"):
        SpeechMusicClassifier(**fast_params).fit(X, y, sample_weight=weights)


def test_prediction_and_pickles_need_no_tensorflow(blobs, fast_params, tmp_path):
    import joblib

    X, y = blobs
    clf = SpeechMusicClassifier(**fast_params).fit(X, y)
    joblib.dump(clf, tmp_path / "clf.joblib")
    np.save(tmp_path / "expected.npy", clf.predict_proba(X))
    np.save(tmp_path / "X.npy", X.to_numpy())  # exact floats (CSV parsing is inexact on pandas < 3)
    code = textwrap.dedent(
        f"""
        import sys, joblib, numpy as np, pandas as pd
        from sklearn_speechmusic import example_audio, load_pretrained
        clf = joblib.load({str(tmp_path / "clf.joblib")!r})
        X = pd.DataFrame(np.load({str(tmp_path / "X.npy")!r}), columns={X.columns.tolist()!r})
        assert np.array_equal(clf.predict_proba(X), np.load({str(tmp_path / "expected.npy")!r}))
        pipeline = load_pretrained()
        clips = [example_audio("speech"), example_audio("music")]
        assert pipeline.predict(clips).tolist() == ["Speech", "Music"]
        pipeline.predict_proba([example_audio("music")])
        assert "tensorflow" not in sys.modules and "keras" not in sys.modules
        print("no tensorflow")
        """
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert result.stdout.strip() == "no tensorflow", result.stderr[-3000:]
    assert result.stderr == ""
