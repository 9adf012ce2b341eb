"""SpeechMusicClassifier inside the scikit-learn machinery users combine it with."""

import pickle
import subprocess
import sys
import textwrap

import joblib
import numpy as np
import pytest
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_speechmusic import SpeechMusicClassifier


def test_clone_copies_parameters_not_fit(blobs, fast_params):
    X, y = blobs
    fitted = SpeechMusicClassifier(**fast_params).fit(X, y)
    copy = clone(fitted)
    assert copy.get_params() == fitted.get_params()
    assert not hasattr(copy, "model_")


def test_unfitted_estimator_pickles(fast_params):
    clf = SpeechMusicClassifier(**fast_params, early_stopping=True)
    restored = pickle.loads(pickle.dumps(clf))
    assert restored.get_params() == clf.get_params()


def test_joblib_round_trip_in_a_fresh_process(blobs, fast_params, tmp_path):
    X, y = blobs
    clf = make_pipeline(StandardScaler(), SpeechMusicClassifier(**fast_params)).fit(X, y)
    joblib.dump(clf, tmp_path / "model.joblib")
    np.save(tmp_path / "X.npy", X.to_numpy())
    np.save(tmp_path / "expected.npy", clf.predict_proba(X))
    script = textwrap.dedent(
        f"""
        import joblib, numpy as np, pandas as pd
        model = joblib.load({str(tmp_path / "model.joblib")!r})
        X = pd.DataFrame(np.load({str(tmp_path / "X.npy")!r}), columns={X.columns.tolist()!r})
        expected = np.load({str(tmp_path / "expected.npy")!r})
        assert np.array_equal(model.predict_proba(X), expected), "predict_proba changed"
        assert model.predict(X[:2]).tolist() == {clf.predict(X[:2]).tolist()!r}
        print("identical")
        """
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "identical" in result.stdout


def test_pipeline_fits_predicts_and_routes_parameters(blobs, fast_params):
    X, y = blobs
    pipeline = make_pipeline(StandardScaler(), SpeechMusicClassifier(**fast_params))
    pipeline.set_params(speechmusicclassifier__epochs=5)
    pipeline.fit(X, y)
    assert pipeline[-1].epochs == 5
    assert len(pipeline[-1].history_["loss"]) == 5
    assert pipeline.predict(X[:3]).dtype.kind in "OU"
    assert pipeline.score(X, y) > 0.9


def test_cross_val_score(blobs, fast_params):
    X, y = blobs
    scores = cross_val_score(
        make_pipeline(StandardScaler(), SpeechMusicClassifier(**fast_params)),
        X,
        y,
        cv=StratifiedKFold(3, shuffle=True, random_state=0),
    )
    assert scores.shape == (3,)
    assert scores.min() > 0.9


@pytest.fixture(scope="module")
def sequential_search():
    from conftest import make_speech_music_blobs

    X, y = make_speech_music_blobs(n_per_class=40)
    return X, y, _run_search(X, y, n_jobs=1)


def _run_search(X, y, n_jobs):
    search = GridSearchCV(
        SpeechMusicClassifier(epochs=12, random_state=0),
        {"hidden_layer_sizes": [(4,), (16, 8)], "learning_rate": [0.001, 0.03]},
        cv=StratifiedKFold(2, shuffle=True, random_state=0),
        n_jobs=n_jobs,
    )
    return search.fit(X, y)


def test_grid_search_sequential(sequential_search):
    X, y, search = sequential_search
    assert len(search.cv_results_["params"]) == 4
    assert isinstance(search.best_estimator_, SpeechMusicClassifier)
    assert search.best_estimator_.get_params()["learning_rate"] == search.best_params_["learning_rate"]
    assert search.best_score_ >= 0.9
    assert set(search.predict(X)) <= {"Speech", "Music"}


def test_grid_search_in_two_processes_matches_sequential(sequential_search):
    X, y, sequential = sequential_search
    parallel = _run_search(X, y, n_jobs=2)
    assert parallel.best_params_ == sequential.best_params_
    np.testing.assert_array_equal(
        parallel.cv_results_["mean_test_score"], sequential.cv_results_["mean_test_score"]
    )
