"""Grid search and feature extraction on a real Dask cluster (the ``distributed`` extra)."""

import os
import sys
from pathlib import Path

import numpy as np
import pytest
from joblib import parallel_backend
from sklearn.model_selection import GridSearchCV, StratifiedKFold

from sklearn_speechmusic import AudioFeatureExtractor, SpeechMusicClassifier, load_demo, worker_environment

distributed = pytest.importorskip("distributed")

AUDIO = sorted(str(path) for path in (Path(__file__).parent / "data" / "audio").glob("*/*.ogg"))


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        env=worker_environment(1),
    )
    with distributed.Client(cluster) as dask_client:
        yield dask_client
    cluster.close()


def _fitted_modules():
    return "sklearn_speechmusic._classifier" in sys.modules, os.environ.get("TF_NUM_INTRAOP_THREADS")


def test_grid_search_on_dask_picks_what_a_sequential_search_picks(client):
    demo = load_demo()
    X, y = demo.data.to_numpy()[::3], demo.target.to_numpy()[::3]  # 200 real clips
    grid = {"hidden_layer_sizes": [(8,), (32, 16)], "learning_rate": [0.01, 0.001]}
    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    classifier = SpeechMusicClassifier(epochs=8, random_state=0)

    sequential = GridSearchCV(classifier, grid, cv=cv, n_jobs=1).fit(X, y)
    with parallel_backend("dask"):
        on_dask = GridSearchCV(classifier, grid, cv=cv, n_jobs=-1).fit(X, y)

    assert on_dask.best_params_ == sequential.best_params_
    scores = "mean_test_score"
    np.testing.assert_array_equal(on_dask.cv_results_[scores], sequential.cv_results_[scores])
    np.testing.assert_array_equal(on_dask.predict_proba(X), sequential.predict_proba(X))
    # The fits ran in both worker processes, each held to one TensorFlow thread.
    ran = client.run(_fitted_modules)
    assert len(ran) == 2 and all(values == (True, "1") for values in ran.values())


def test_feature_extraction_on_dask_is_identical(client):
    sequential = AudioFeatureExtractor().transform(AUDIO)
    with parallel_backend("dask"):
        on_dask = AudioFeatureExtractor(n_jobs=2).transform(AUDIO)
    np.testing.assert_array_equal(on_dask, sequential)


def test_worker_environment_rejects_nonsense():
    with pytest.raises(ValueError, match="positive int"):
        worker_environment(0)
    assert set(worker_environment()) >= {"TF_NUM_INTRAOP_THREADS", "OMP_NUM_THREADS"}
