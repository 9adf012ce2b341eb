"""SeedEnsembleClassifier: seeded copies averaged, scikit-learn's checks, and the model file."""

import io
import json
import zipfile

import numpy as np
import pandas as pd
import pytest
from conftest import FAST_PARAMS, make_speech_music_blobs
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_speechmusic import (
    ModelFormatError,
    SeedEnsembleClassifier,
    SpeechMusicClassifier,
    load_model,
    save_model,
)

SMALL_NETWORK = {key: value for key, value in FAST_PARAMS.items() if key != "random_state"}


def three_blobs():
    X, y = make_speech_music_blobs()
    noise = X.iloc[:40] - 3.0
    labels = pd.concat([y, pd.Series(["Noise"] * 40)], ignore_index=True)
    return pd.concat([X, noise], ignore_index=True), labels


@pytest.fixture(scope="module")
def fitted():
    X, y = three_blobs()
    ensemble = SeedEnsembleClassifier(SpeechMusicClassifier(**SMALL_NETWORK), n_estimators=3, random_state=0)
    return ensemble.fit(X, y), X, y


def expected_failed_checks(estimator):
    """Checks that cannot hold, each with the reason why."""
    return {
        "check_sample_weight_equivalence_on_dense_data": (
            "Each copy is a SpeechMusicClassifier, which fails it for its own reason: repeating a "
            "row changes the minibatches, so the networks differ (see test_common.py)."
        ),
    }


@parametrize_with_checks(
    [
        SeedEnsembleClassifier(
            SpeechMusicClassifier(hidden_layer_sizes=(32,), epochs=30, learning_rate=0.01),
            n_estimators=2,
            random_state=0,
        )
    ],
    expected_failed_checks=expected_failed_checks,
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


def test_probabilities_are_the_mean_of_the_copies(fitted):
    ensemble, X, y = fitted
    members = np.stack([member.predict_proba(X) for member in ensemble.estimators_])
    np.testing.assert_allclose(ensemble.predict_proba(X), members.mean(axis=0), rtol=0, atol=1e-15)
    assert ensemble.predict(X).tolist() == ensemble.classes_[members.mean(axis=0).argmax(axis=1)].tolist()
    assert ensemble.score(X, y) > 0.9


def test_each_copy_has_its_own_seed_and_weights(fitted):
    ensemble, X, y = fitted
    seeds = [member.random_state for member in ensemble.estimators_]
    assert seeds == ensemble.seeds_.tolist() and len(set(seeds)) == 3
    first, second = ensemble.estimators_[:2]
    assert not np.array_equal(first.coefs_[0], second.coefs_[0])
    # The template is left untouched: the copies are clones.
    assert ensemble.estimator.random_state is None and not hasattr(ensemble.estimator, "coefs_")
    again = clone(ensemble).fit(X, y)
    assert again.seeds_.tolist() == ensemble.seeds_.tolist()


class _RecordsFit(ClassifierMixin, BaseEstimator):
    """A classifier that records what fit received."""

    def __init__(self, random_state=None):
        self.random_state = random_state

    def fit(self, X, y, **fit_params):
        self.classes_ = np.unique(y)
        self.n_features_in_ = np.asarray(X).shape[1]
        self.fit_params_ = fit_params
        return self

    def predict_proba(self, X):
        return np.full((len(X), len(self.classes_)), 1 / len(self.classes_))


def test_fit_parameters_reach_every_copy():
    X, y = np.zeros((4, 2)), ["a", "b", "a", "b"]
    weights = np.array([1.0, 2.0, 3.0, 4.0])
    ensemble = SeedEnsembleClassifier(_RecordsFit(), n_estimators=2, random_state=1)
    ensemble.fit(X, y, sample_weight=weights, groups=[0, 0, 1, 1])
    for member in ensemble.estimators_:
        np.testing.assert_array_equal(member.fit_params_["sample_weight"], weights)
        assert member.fit_params_["groups"] == [0, 0, 1, 1]


def test_default_estimator_is_the_demo_network():
    ensemble = SeedEnsembleClassifier(n_estimators=1, random_state=0)
    X, y = make_speech_music_blobs()
    ensemble.fit(X, y)
    assert isinstance(ensemble.estimators_[0], SpeechMusicClassifier)
    assert ensemble.estimators_[0].hidden_layer_sizes == SpeechMusicClassifier().hidden_layer_sizes


def test_bad_parameters_say_what_to_do():
    X, y = np.zeros((4, 2)), ["a", "b", "a", "b"]

    class Unseeded(ClassifierMixin, BaseEstimator):
        def fit(self, X, y):
            return self

        def predict_proba(self, X):
            return np.zeros((len(X), 2))

    with pytest.raises(ValueError, match="no random_state parameter"):
        SeedEnsembleClassifier(Unseeded()).fit(X, y)
    with pytest.raises(ValueError, match="n_estimators"):
        SeedEnsembleClassifier(_RecordsFit(), n_estimators=0).fit(X, y)
    with pytest.raises(ValueError, match="estimator"):
        SeedEnsembleClassifier("network").fit(X, y)


def test_in_a_pipeline_and_a_grid_search():
    X, y = make_speech_music_blobs()
    pipeline = make_pipeline(
        StandardScaler(), SeedEnsembleClassifier(SpeechMusicClassifier(**SMALL_NETWORK), n_estimators=2)
    )
    search = GridSearchCV(pipeline, {"seedensembleclassifier__estimator__epochs": [3, 15]}, cv=2)
    search.fit(X, y)
    assert search.best_params_["seedensembleclassifier__estimator__epochs"] in (3, 15)


def test_two_class_view_renormalises_each_copy(fitted):
    ensemble, X, _ = fitted
    classes = ensemble.classes_[:2].tolist()
    view = ensemble._restricted_to(classes)
    assert view.classes_.tolist() == classes and len(ensemble.classes_) > 2
    columns = [ensemble.classes_.tolist().index(label) for label in classes]
    member_probabilities = [member.predict_proba(X)[:, columns] for member in ensemble.estimators_]
    expected = np.mean([p / p.sum(axis=1, keepdims=True) for p in member_probabilities], axis=0)
    # float64 softmax over fewer units vs. renormalised probabilities: equal to rounding.
    np.testing.assert_allclose(view.predict_proba(X), expected, rtol=1e-9, atol=1e-12)
    assert len(ensemble.estimators_[0].classes_) > 2  # the original is untouched


def test_model_file_round_trip(fitted, tmp_path):
    ensemble, X, _ = fitted
    restored = load_model(save_model(ensemble, tmp_path / "ensemble.skm"))
    assert isinstance(restored, SeedEnsembleClassifier)
    np.testing.assert_array_equal(restored.predict_proba(X), ensemble.predict_proba(X))
    assert restored.seeds_.tolist() == ensemble.seeds_.tolist()
    assert restored.get_params()["estimator"].get_params() == ensemble.estimator.get_params()
    assert restored.n_estimators == 3 and restored.random_state == 0
    pipeline = make_pipeline(StandardScaler(), clone(ensemble)).fit(X, np.asarray(fitted[2]))
    again = load_model(save_model(pipeline, tmp_path / "pipeline.skm"))
    np.testing.assert_array_equal(again.predict_proba(X), pipeline.predict_proba(X))


def _rewritten(path, edit):
    """The model file at ``path`` with its last step's JSON edited (checksum recomputed)."""
    import hashlib

    with zipfile.ZipFile(path) as zipped:
        members = {name: zipped.read(name) for name in zipped.namelist()}
    document = json.loads(members["estimator.json"])
    edit(document["steps"][-1])
    members["estimator.json"] = json.dumps(document).encode()
    header = json.loads(members["format.json"])
    header["sha256"]["estimator.json"] = hashlib.sha256(members["estimator.json"]).hexdigest()
    members["format.json"] = json.dumps(header).encode()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zipped:
        for name, data in members.items():
            zipped.writestr(name, data)
    path.write_bytes(out.getvalue())
    return path


def test_inconsistent_ensemble_files_are_refused(fitted, tmp_path):
    ensemble, _, _ = fitted
    path = save_model(ensemble, tmp_path / "ensemble.skm")

    def drop_a_copy(step):
        step["state"]["members"].pop()

    with pytest.raises(ModelFormatError, match="2 fitted copies and 3 seeds"):
        load_model(_rewritten(path, drop_a_copy))

    def estimator_as_parameter(step):
        step["params"]["estimator"] = "SpeechMusicClassifier"

    path = save_model(ensemble, tmp_path / "ensemble2.skm")
    with pytest.raises(ModelFormatError, match="keeps \\['estimator'\\] in its state"):
        load_model(_rewritten(path, estimator_as_parameter))


def test_only_network_copies_go_into_model_files(tmp_path):
    X, y = np.zeros((4, 2)), ["a", "b", "a", "b"]
    ensemble = SeedEnsembleClassifier(_RecordsFit(), n_estimators=2).fit(X, y)
    with pytest.raises(ValueError, match="SpeechMusicClassifier copies only.*joblib"):
        save_model(ensemble, tmp_path / "other.skm")
    assert not (tmp_path / "other.skm").exists()
