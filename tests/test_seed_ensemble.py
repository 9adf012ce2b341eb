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
    # Same seeds, same networks: a refit reproduces the probabilities.
    np.testing.assert_array_equal(again.predict_proba(X), ensemble.predict_proba(X))
    other = clone(ensemble).set_params(random_state=1).fit(X, y)
    assert other.seeds_.tolist() != ensemble.seeds_.tolist()


def test_a_failed_fit_leaves_the_fitted_ensemble_as_it_was(fitted):
    ensemble, X, _ = fitted
    refit = clone(ensemble).fit(X, fitted[2])
    seeds, proba = refit.seeds_.copy(), refit.predict_proba(X)
    with pytest.raises(ValueError, match="at least 2 classes"):
        refit.set_params(random_state=5).fit(X, ["Speech"] * len(X))
    assert refit.seeds_.tolist() == seeds.tolist()
    np.testing.assert_array_equal(refit.predict_proba(X), proba)


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


class _RecordsWeightsAndGroups(_RecordsFit):
    """The same, with the named fit parameters that metadata routing can request."""

    def fit(self, X, y, sample_weight=None, groups=None):
        return super().fit(X, y, sample_weight=sample_weight, groups=groups)


def test_under_metadata_routing_copies_get_what_they_request():
    from sklearn import config_context
    from sklearn.exceptions import UnsetMetadataPassedError
    from sklearn.model_selection import cross_val_score

    X, y = np.zeros((8, 2)), ["a", "b"] * 4
    groups, weights = np.arange(8) // 2, np.arange(1.0, 9.0)
    with config_context(enable_metadata_routing=True):
        wants_groups = _RecordsWeightsAndGroups().set_fit_request(groups=True, sample_weight=False)
        ensemble = SeedEnsembleClassifier(wants_groups, n_estimators=2, random_state=1)
        ensemble.fit(X, y, groups=groups)
        for member in ensemble.estimators_:
            assert member.fit_params_["sample_weight"] is None
            np.testing.assert_array_equal(member.fit_params_["groups"], groups)
        wants_both = _RecordsWeightsAndGroups().set_fit_request(groups=True, sample_weight=True)
        ensemble.set_params(estimator=wants_both).fit(X, y, sample_weight=weights, groups=groups)
        for member in ensemble.estimators_:
            np.testing.assert_array_equal(member.fit_params_["sample_weight"], weights)
        # Metadata no copy asks for is refused, never dropped unseen.
        with pytest.raises(UnsetMetadataPassedError, match="groups"):
            SeedEnsembleClassifier(_RecordsWeightsAndGroups(), n_estimators=2).fit(X, y, groups=groups)
        with pytest.raises(TypeError, match="sample_weight.*not routed"):
            SeedEnsembleClassifier(wants_groups, n_estimators=2).fit(X, y, sample_weight=weights)
        network = SpeechMusicClassifier(**SMALL_NETWORK).set_fit_request(groups=True, sample_weight=False)
        X_blobs, y_blobs = make_speech_music_blobs()
        scores = cross_val_score(
            make_pipeline(StandardScaler(), SeedEnsembleClassifier(network, n_estimators=2, random_state=0)),
            X_blobs,
            y_blobs,
            cv=2,
            params={"groups": np.arange(len(y_blobs)) // 6},
        )
    assert scores.shape == (2,) and not np.isnan(scores).any()


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
    assert SeedEnsembleClassifier("network").__sklearn_tags__().estimator_type == "classifier"


def test_in_a_pipeline_and_a_grid_search():
    X, y = make_speech_music_blobs()
    pipeline = make_pipeline(
        StandardScaler(), SeedEnsembleClassifier(SpeechMusicClassifier(**SMALL_NETWORK), n_estimators=2)
    )
    search = GridSearchCV(pipeline, {"seedensembleclassifier__estimator__epochs": [3, 15]}, cv=2)
    search.fit(X, y)
    assert search.best_params_["seedensembleclassifier__estimator__epochs"] in (3, 15)


def test_two_class_view_renormalises_the_mean(fitted, tmp_path):
    ensemble, X, _ = fitted
    classes = ensemble.classes_[:2].tolist()
    view = ensemble._restricted_to(classes)
    assert view.classes_.tolist() == classes and len(ensemble.classes_) > 2
    full = ensemble.predict_proba(X)
    expected = full[:, :2] / full[:, :2].sum(axis=1, keepdims=True)
    np.testing.assert_allclose(view.predict_proba(X), expected, rtol=1e-12, atol=1e-15)
    # Always the more probable of the classes asked for.
    assert (view.predict(X) == np.asarray(classes)[full[:, :2].argmax(axis=1)]).all()
    assert len(ensemble.classes_) == 3 and ensemble.predict_proba(X).shape[1] == 3  # original untouched
    restored = load_model(save_model(view, tmp_path / "view.skm"))
    assert restored.classes_.tolist() == classes
    np.testing.assert_array_equal(restored.predict_proba(X), view.predict_proba(X))
    with pytest.raises(ValueError, match=r"\['Laughter'\] are not classes of the model"):
        ensemble._restricted_to(["Speech", "Laughter"])
    with pytest.raises(ValueError, match="at least 2 distinct classes"):
        ensemble._restricted_to(["Speech"])


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
    default = SeedEnsembleClassifier(n_estimators=1, random_state=0).fit(X, fitted[2])
    assert load_model(save_model(default, tmp_path / "default.skm")).estimator is None


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


def _drop_a_copy(step):
    step["state"]["members"].pop()


def _seed(value):
    def edit(step):
        step["state"]["seeds"][0] = value

    return edit


def _too_many_copies(step):
    step["params"]["n_estimators"] = 10**6


def _unknown_activation(step):
    step["state"]["estimator_params"]["activation"] = "bogus"


def _other_width(step):
    step["state"]["members"][1]["n_features_in"] = 7


def _estimator_as_parameter(step):
    step["params"]["estimator"] = "SpeechMusicClassifier"


@pytest.mark.parametrize(
    "edit, message",
    [
        (_drop_a_copy, "2 fitted copies and 3 seeds"),
        (_seed(1.5), "seeds must be integers"),
        (_seed(-3), "seeds must be integers"),
        (_seed(True), "seeds must be integers"),
        (_seed(1e300), "seeds must be integers"),
        (_too_many_copies, "outside 1..100"),
        (_unknown_activation, "activation"),
        (_other_width, "n_features|features"),
        (_estimator_as_parameter, "keeps \\['estimator'\\] in its state"),
    ],
)
def test_inconsistent_ensemble_files_are_refused(fitted, tmp_path, edit, message):
    ensemble, _, _ = fitted
    path = save_model(ensemble, tmp_path / "ensemble.skm")
    with pytest.raises(ModelFormatError, match=message):
        load_model(_rewritten(path, edit))


def test_only_network_copies_go_into_model_files(tmp_path):
    X, y = np.zeros((4, 2)), ["a", "b", "a", "b"]
    ensemble = SeedEnsembleClassifier(_RecordsFit(), n_estimators=2).fit(X, y)
    with pytest.raises(ValueError, match="SpeechMusicClassifier copies only.*joblib"):
        save_model(ensemble, tmp_path / "other.skm")
    assert not (tmp_path / "other.skm").exists()
