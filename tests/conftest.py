"""Shared fixtures: small, fast, seeded data and classifier settings."""

import numpy as np
import pandas as pd
import pytest

#: Test modules that CI also runs on the oldest supported dependency stack (.ci/oldest.txt).
CORE_MODULES = {
    "test_classifier.py",
    "test_cli.py",
    "test_cli_wiring.py",
    "test_common.py",
    "test_integration.py",
    "test_persistence.py",
    "test_pretrained.py",
    "test_readme.py",
    "test_runtime.py",
    "test_seed_ensemble.py",
    "test_segmenter.py",
}


def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.path.name in CORE_MODULES:
            item.add_marker(pytest.mark.core)


#: Settings that overfit the blobs below fast, so early stopping triggers well
#: before ``epochs``.
EARLY_STOPPING_PARAMS = {
    "hidden_layer_sizes": (16,),
    "learning_rate": 0.05,
    "epochs": 300,
    "early_stopping": True,
    "random_state": 0,
}

#: A network small and short enough to fit in about a second, yet able to learn
#: the separable blobs below.
FAST_PARAMS = {"hidden_layer_sizes": (16,), "epochs": 15, "learning_rate": 0.01, "random_state": 0}


def make_speech_music_blobs(n_per_class=60, n_features=4, seed=0):
    """Two well-separated Gaussian blobs labelled like the demo's table."""
    rng = np.random.RandomState(seed)
    speech = rng.normal(loc=0.0, scale=1.0, size=(n_per_class, n_features))
    music = rng.normal(loc=3.0, scale=1.0, size=(n_per_class, n_features))
    X = pd.DataFrame(np.vstack([speech, music]), columns=[f"feature_{i}" for i in range(n_features)])
    y = pd.Series(["Speech"] * n_per_class + ["Music"] * n_per_class, name="Label")
    return X, y


@pytest.fixture
def blobs():
    return make_speech_music_blobs()


@pytest.fixture
def fast_params():
    return dict(FAST_PARAMS)
