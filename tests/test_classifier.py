"""Behaviour of SpeechMusicClassifier beyond scikit-learn's common checks."""

import random
import subprocess
import sys
import textwrap

import keras
import numpy as np
import pytest
import scipy.sparse
import tensorflow as tf
from conftest import EARLY_STOPPING_PARAMS
from sklearn.exceptions import NotFittedError
from sklearn.metrics import accuracy_score

from sklearn_speechmusic import SpeechMusicClassifier
from sklearn_speechmusic._training import stratified_holdout, trainer_pool


def test_defaults_reproduce_the_demo_network(blobs):
    X, y = blobs
    clf = SpeechMusicClassifier()
    assert (clf.epochs, clf.batch_size, clf.validation_split) == (20, 32, 0.2)
    model = clf.initialize(X, y).model_
    dense = [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]
    assert [layer.units for layer in dense] == [64, 512, 128, 128, 64, 2]
    assert [layer.activation.__name__ for layer in dense] == ["relu"] * 5 + ["softmax"]
    for index in (1, 5):  # the 512 layer and the output layer
        init = dense[index].kernel_initializer
        assert isinstance(init, keras.initializers.RandomUniform)
        assert (init.minval, init.maxval) == (-0.05, 0.05)
        weights = dense[index].kernel.numpy()
        assert weights.min() >= -0.05 and weights.max() <= 0.05
    assert isinstance(model.optimizer, keras.optimizers.Adam)
    assert float(model.optimizer.learning_rate) == pytest.approx(0.001)
    assert model.loss == "sparse_categorical_crossentropy"


def test_string_labels_probabilities_and_score(blobs, fast_params):
    X, y = blobs
    clf = SpeechMusicClassifier(**fast_params).fit(X, y)
    assert clf.classes_.tolist() == ["Music", "Speech"]
    assert clf.n_features_in_ == 4
    assert clf.feature_names_in_.tolist() == X.columns.tolist()
    predictions = clf.predict(X)
    assert set(predictions) == {"Music", "Speech"}
    proba = clf.predict_proba(X)
    assert proba.shape == (len(X), 2)
    # float64 softmax: each row sums to 1 within a few units of 2.2e-16.
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=0, atol=1e-12)
    assert np.array_equal(clf.classes_[proba.argmax(axis=1)], predictions)
    assert clf.score(X, y) == accuracy_score(y, predictions)
    assert clf.score(X, y) > 0.95


def test_three_classes(fast_params):
    rng = np.random.RandomState(0)
    X = np.vstack([rng.normal(center, 0.5, (40, 3)) for center in (0, 3, 6)])
    y = np.repeat(["Music", "Noise", "Speech"], 40)
    clf = SpeechMusicClassifier(**{**fast_params, "epochs": 40}).fit(X, y)
    assert clf.model_.output_shape == (None, 3)
    assert clf.predict_proba(X).shape == (120, 3)
    assert clf.score(X, y) > 0.9


def test_history_has_training_and_validation_curves(blobs, fast_params):
    X, y = blobs
    clf = SpeechMusicClassifier(**fast_params).fit(X, y)
    assert sorted(clf.history_) == ["accuracy", "loss", "val_accuracy", "val_loss"]
    assert all(len(values) == fast_params["epochs"] for values in clf.history_.values())
    assert all(isinstance(value, float) for value in clf.history_["loss"])
    assert clf.best_epoch_ is None

    without_validation = SpeechMusicClassifier(**fast_params, validation_split=0).fit(X, y)
    assert sorted(without_validation.history_) == ["accuracy", "loss"]


def test_validation_holdout_is_shuffled_and_stratified():
    # Sorted by label, as a MasterData.csv often is: Keras' own split would
    # validate on the last rows, i.e. on Music only.
    y = np.array(["Speech"] * 80 + ["Music"] * 20)
    train, validation = stratified_holdout(y, 0.2, np.random.RandomState(0))
    assert len(validation) == 20 and len(train) == 80
    assert np.intersect1d(train, validation).size == 0
    assert (y[validation] == "Music").sum() == 4  # 20 % of each class
    assert not np.array_equal(validation, np.arange(80, 100))
    again, _ = stratified_holdout(y, 0.2, np.random.RandomState(0))
    assert np.array_equal(train, again)


def test_validation_holdout_falls_back_when_a_class_is_tiny():
    y = np.array(["Speech"] * 9 + ["Music"])
    train, validation = stratified_holdout(y, 0.2, np.random.RandomState(0))
    assert len(validation) == 2 and len(train) == 8


def test_validation_split_that_leaves_no_training_rows_is_an_error():
    X = np.array([[0.0], [1.0], [2.0]])
    with pytest.raises(ValueError, match="validation_split=0.9 would hold out all 3 rows"):
        SpeechMusicClassifier(validation_split=0.9, epochs=1).fit(X, ["a", "b", "a"])


def test_same_random_state_gives_identical_fits(blobs, fast_params):
    X, y = blobs
    first = SpeechMusicClassifier(**fast_params).fit(X, y)
    second = SpeechMusicClassifier(**fast_params).fit(X, y)
    assert np.array_equal(first.predict_proba(X), second.predict_proba(X))
    assert np.array_equal(first.predict(X), second.predict(X))
    assert first.history_ == second.history_

    other_seed = SpeechMusicClassifier(**{**fast_params, "random_state": 1}).fit(X, y)
    assert not np.array_equal(first.predict_proba(X), other_seed.predict_proba(X))


def test_random_state_accepts_randomstate_and_none(blobs, fast_params):
    X, y = blobs
    params = {**fast_params, "epochs": 2}
    from_instance = SpeechMusicClassifier(**{**params, "random_state": np.random.RandomState(3)}).fit(X, y)
    again = SpeechMusicClassifier(**{**params, "random_state": np.random.RandomState(3)}).fit(X, y)
    assert np.array_equal(from_instance.predict_proba(X), again.predict_proba(X))
    SpeechMusicClassifier(**{**params, "random_state": None}).fit(X, y)


def test_fitting_leaves_global_random_state_alone(blobs, fast_params):
    X, y = blobs
    numpy_state = np.random.get_state()
    python_state = random.getstate()
    SpeechMusicClassifier(**fast_params).fit(X, y)
    assert random.getstate() == python_state
    after = np.random.get_state()
    assert all(np.array_equal(a, b) for a, b in zip(numpy_state, after, strict=True))
    # Unseeded user code still runs: op determinism would make both raise.
    assert tf.random.uniform((3,)).shape == (3,)
    dropout = keras.layers.Dropout(0.5)
    assert dropout(np.ones((4, 4), dtype="float32"), training=True).shape == (4, 4)


def test_scikeras_class_patches_are_undone():
    """Training imports scikeras, which patches Keras classes process-wide; the patches are undone."""
    code = textwrap.dedent(
        """
        import keras
        classes = (keras.Model, keras.losses.Loss, keras.metrics.Metric, keras.optimizers.Optimizer)
        before = [dict(vars(cls)) for cls in classes]
        import sklearn_speechmusic._scikeras_adapter
        import scikeras
        assert [dict(vars(cls)) for cls in classes] == before
        print("ok")
        """
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "ok", result.stderr[-2000:]


def test_scikeras_own_classes_are_untouched():
    from scikeras.wrappers import BaseWrapper, KerasClassifier

    assert "_more_tags" in vars(BaseWrapper)
    assert issubclass(KerasClassifier, BaseWrapper)


def test_early_stopping_restores_the_best_epoch(blobs):
    X, y = blobs
    clf = SpeechMusicClassifier(**EARLY_STOPPING_PARAMS, patience=3).fit(X, y)
    n_epochs = len(clf.history_["loss"])
    assert n_epochs < 300
    assert clf.best_epoch_ == int(np.argmin(clf.history_["val_loss"])) + 1
    assert n_epochs - clf.best_epoch_ == 3


def test_early_stopping_without_validation_monitors_training_loss(blobs):
    X, y = blobs
    clf = SpeechMusicClassifier(
        hidden_layer_sizes=(8,), epochs=5, early_stopping=True, validation_split=0, random_state=0
    ).fit(X, y)
    assert clf.best_epoch_ == int(np.argmin(clf.history_["loss"])) + 1


@pytest.mark.parametrize("filename", ["best.weights.h5", "best.keras"])
def test_checkpoint_saves_best_weights_and_loads_into_fresh_estimator(blobs, tmp_path, filename):
    X, y = blobs
    path = tmp_path / filename
    params = dict(
        hidden_layer_sizes=(16,),
        epochs=30,
        learning_rate=0.05,
        early_stopping=True,
        patience=3,
        checkpoint_path=path,
        random_state=0,
    )
    trained = SpeechMusicClassifier(**params).fit(X, y)
    assert path.is_file()
    restored = SpeechMusicClassifier(**params).initialize(X, y).load_weights(path)
    # Early stopping restored the same best epoch that the checkpoint saved.
    assert np.array_equal(restored.predict_proba(X), trained.predict_proba(X))
    assert restored.classes_.tolist() == trained.classes_.tolist()


@pytest.mark.parametrize(
    ("checkpoint_path", "message"),
    [("model.h5", "must end with '.weights.h5'"), ("no/such/folder/m.keras", "does not exist")],
)
def test_bad_checkpoint_path(blobs, checkpoint_path, message):
    X, y = blobs
    with pytest.raises(ValueError, match=message):
        SpeechMusicClassifier(epochs=1, checkpoint_path=checkpoint_path).fit(X, y)


def test_load_weights_needs_a_network_and_a_file(blobs, tmp_path):
    X, y = blobs
    with pytest.raises(NotFittedError, match=r"initialize\(X, y\)"):
        SpeechMusicClassifier().load_weights(tmp_path / "x.weights.h5")
    with pytest.raises(FileNotFoundError, match="No weights file"):
        SpeechMusicClassifier().initialize(X, y).load_weights(tmp_path / "missing.weights.h5")


def test_user_callbacks_run_during_fit(blobs, fast_params):
    X, y = blobs

    class EpochRecorder(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.epochs = []

        def on_epoch_end(self, epoch, logs=None):
            self.epochs.append(epoch)

    recorder = EpochRecorder()
    SpeechMusicClassifier(**{**fast_params, "epochs": 3}, callbacks=[recorder]).fit(X, y)
    assert recorder.epochs == [0, 1, 2]


def test_callbacks_that_are_not_keras_callbacks_are_rejected(blobs):
    X, y = blobs
    with pytest.raises(TypeError, match="keras.callbacks.Callback instances"):
        SpeechMusicClassifier(epochs=1, callbacks=[print]).fit(X, y)


def test_partial_fit_trains_one_epoch_per_call(blobs, fast_params):
    X, y = blobs
    clf = SpeechMusicClassifier(**fast_params)
    clf.partial_fit(X[y == "Speech"], y[y == "Speech"], classes=["Music", "Speech"])
    clf.partial_fit(X, y)
    assert len(clf.history_["loss"]) == 2
    assert clf.classes_.tolist() == ["Music", "Speech"]
    with pytest.raises(ValueError, match="not seen in the first call"):
        clf.partial_fit(X[:2], ["Noise", "Speech"])


def test_n_classes_counts_the_classes(blobs, fast_params):
    X, y = blobs
    assert not hasattr(SpeechMusicClassifier(), "n_classes_")
    assert SpeechMusicClassifier(**fast_params).fit(X, y).n_classes_ == 2


def test_partial_fit_uses_parameters_set_between_calls(blobs, fast_params):
    # The network used to keep the settings of the first call (until a pickle round trip).
    from sklearn.utils._param_validation import InvalidParameterError

    X, y = blobs
    clf = SpeechMusicClassifier(**fast_params)
    clf.partial_fit(X, y)
    clf.set_params(validation_split=0.0)
    clf.partial_fit(X, y)
    assert len(clf.history_["loss"]) == 2 and len(clf.history_["val_loss"]) == 1
    clf.set_params(activation="tanh")
    clf.partial_fit(X, y)
    # Keras trains in float32: its outputs agree with the float64 forward pass to
    # float32 rounding (~1e-7 here); with the old activation kept they differed by 2e-2.
    keras_proba = clf.model_.predict(X.to_numpy(np.float32), verbose=0)
    np.testing.assert_allclose(keras_proba, clf.predict_proba(X), rtol=0, atol=1e-5)
    clf.set_params(learning_rate=-1.0)
    with pytest.raises(InvalidParameterError, match="learning_rate"):
        clf.partial_fit(X, y)


def test_partial_fit_refuses_other_classes_after_the_first_call(blobs, fast_params):
    X, y = blobs
    clf = SpeechMusicClassifier(**fast_params).partial_fit(X, y, classes=["Music", "Speech"])
    clf.partial_fit(X, y, classes=["Speech", "Music"])  # the same classes, in any order
    with pytest.raises(ValueError, match="not the same as on the first call"):
        clf.partial_fit(X, y, classes=["Music", "Noise", "Speech"])


def test_a_failed_refit_keeps_the_previous_model(blobs, fast_params):
    # validate_data records the new columns before training; a refit that failed
    # used to leave them with the old weights, and predict ended in a matmul error.
    X, y = blobs
    clf = SpeechMusicClassifier(**fast_params).fit(X, y)
    expected = clf.predict_proba(X)
    other = X.iloc[:, :2].rename(columns=lambda name: f"other_{name}")
    with pytest.raises(ValueError, match="at least 2 classes"):
        clf.fit(other, ["Speech"] * len(other))
    with pytest.raises(ValueError, match="groups"):
        clf.fit(other, y, groups=np.zeros(3))
    assert clf.n_features_in_ == X.shape[1]
    assert clf.feature_names_in_.tolist() == X.columns.tolist()
    np.testing.assert_array_equal(clf.predict_proba(X), expected)


def test_pickling_a_fitted_estimator_warns_nothing(blobs, fast_params):
    # Reading Adam's state through keras.ops.convert_to_numpy made NumPy 2 emit
    # DeprecationWarnings, errors in a suite that turns warnings into errors.
    import pickle
    import warnings

    X, y = blobs
    clf = SpeechMusicClassifier(**fast_params).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        restored = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(restored.predict_proba(X), clf.predict_proba(X))


def test_unit_sample_weights_equal_no_weights(blobs, fast_params):
    X, y = blobs
    plain = SpeechMusicClassifier(**fast_params).fit(X, y)
    weighted = SpeechMusicClassifier(**fast_params).fit(X, y, sample_weight=np.ones(len(y)))
    # Weights of one reorder Keras' float32 loss reduction (unit roundoff 6e-8); over 15
    # epochs of Adam the difference stays below 1e-6 relative.
    np.testing.assert_allclose(weighted.predict_proba(X), plain.predict_proba(X), rtol=1e-6)


def test_zero_sample_weights_equal_removing_rows(blobs, fast_params):
    X, y = blobs
    weights = np.ones(len(y))
    weights[::5] = 0
    weighted = SpeechMusicClassifier(**fast_params).fit(X, y, sample_weight=weights)
    kept = weights > 0
    removed = SpeechMusicClassifier(**fast_params).fit(X[kept], y[kept])
    # As above: the same rows, a float32 reduction in another order.
    np.testing.assert_allclose(weighted.predict_proba(X), removed.predict_proba(X), rtol=1e-6)


def _fitted(blobs, as_frame=False):
    X, y = blobs
    X = X if as_frame else X.to_numpy()
    return SpeechMusicClassifier(hidden_layer_sizes=(4,), epochs=1, random_state=0).fit(X, y)


@pytest.mark.parametrize(
    ("make_X", "message"),
    [
        (lambda X: np.where(np.eye(*X.shape, dtype=bool), np.nan, X), "Input X contains NaN"),
        (lambda X: np.where(np.eye(*X.shape, dtype=bool), np.inf, X), "Input X contains infinity"),
        (lambda X: X[:0], r"0 sample\(s\)"),
        (lambda X: X[:, 0], "Expected 2D array, got 1D array"),
        (lambda X: scipy.sparse.csr_matrix(X), "Sparse data was passed"),
    ],
    ids=["nan", "inf", "empty", "1d", "sparse"],
)
def test_bad_X_at_fit_and_predict(blobs, make_X, message):
    X, y = blobs
    bad = make_X(X.to_numpy())
    with pytest.raises((ValueError, TypeError), match=message):
        SpeechMusicClassifier(epochs=1).fit(bad, y[: bad.shape[0]] if bad.ndim else y)
    with pytest.raises((ValueError, TypeError), match=message):
        _fitted(blobs).predict(bad)


def test_wrong_number_of_features_at_predict(blobs):
    X, _ = blobs
    with pytest.raises(ValueError, match="X has 3 features, but SpeechMusicClassifier is expecting 4"):
        _fitted(blobs).predict(X.to_numpy()[:, :3])


def test_renamed_columns_at_predict(blobs):
    X, _ = blobs
    with pytest.raises(ValueError, match="feature names should match"):
        _fitted(blobs, as_frame=True).predict(X.rename(columns={"feature_0": "other"}))


def test_single_class_is_an_error(blobs):
    X, _ = blobs
    with pytest.raises(ValueError, match="at least 2 classes in y; got only one class: 'Speech'"):
        SpeechMusicClassifier(epochs=1).fit(X, ["Speech"] * len(X))


def test_continuous_target_is_an_error(blobs):
    X, _ = blobs
    with pytest.raises(ValueError, match="Unknown label type: 'continuous'"):
        SpeechMusicClassifier(epochs=1).fit(X, np.linspace(0, 1, len(X)))


@pytest.mark.parametrize("method", ["predict", "predict_proba", "score"])
def test_use_before_fit_raises_not_fitted(blobs, method):
    X, y = blobs
    args = (X, y) if method == "score" else (X,)
    with pytest.raises(NotFittedError):
        getattr(SpeechMusicClassifier(), method)(*args)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"epochs": 0}, "'epochs' parameter"),
        ({"batch_size": 0}, "'batch_size' parameter"),
        ({"learning_rate": -1.0}, "'learning_rate' parameter"),
        ({"validation_split": 1.0}, "'validation_split' parameter"),
        ({"activation": "bogus"}, "'activation' parameter"),
        ({"patience": 0}, "'patience' parameter"),
        ({"verbose": 5}, "'verbose' parameter"),
        ({"random_state": "seed"}, "'random_state' parameter"),
        ({"callbacks": "EarlyStopping"}, "'callbacks' parameter"),
        ({"hidden_layer_sizes": (64, 0)}, "hidden_layer_sizes must be a positive int"),
        ({"hidden_layer_sizes": ("64",)}, "hidden_layer_sizes must be a positive int"),
    ],
)
def test_invalid_parameters(blobs, params, message):
    X, y = blobs
    with pytest.raises(ValueError, match=message):
        SpeechMusicClassifier(**params).fit(X, y)


@pytest.mark.parametrize(
    "activation", sorted(SpeechMusicClassifier._parameter_constraints["activation"][0].options)
)
def test_fast_numpy_predictions_equal_keras_model_predict(blobs, activation):
    X, y = blobs
    clf = SpeechMusicClassifier(hidden_layer_sizes=(16, 8), activation=activation, epochs=2, random_state=0)
    clf.fit(X, y)
    expected = clf.model_.predict(X.to_numpy(np.float32), verbose=0)
    # Keras runs in float32 (unit roundoff 6e-8), the NumPy runtime in float64: through three
    # layers of dot products of ≤ 16 terms the float32 result is within ~1e-6 of the exact one.
    np.testing.assert_allclose(clf.predict_proba(X), expected, rtol=1e-5, atol=1e-6)


def test_fast_path_follows_changes_to_the_network(blobs, fast_params, tmp_path):
    X, y = blobs
    clf = SpeechMusicClassifier(**fast_params).fit(X, y)
    before = clf.predict_proba(X)
    clf.partial_fit(X, y)  # more training steps: the cached weights must be re-read
    after = clf.predict_proba(X)
    assert not np.array_equal(before, after)
    # float64 runtime against Keras' float32: equal to float32 rounding (see above).
    np.testing.assert_allclose(after, clf.model_.predict(X.to_numpy(np.float32), verbose=0), atol=1e-6)
    # Refitting builds a new network: never the previous fit's cached weights.
    refit = clf.set_params(random_state=1).fit(X, y).predict_proba(X)
    np.testing.assert_allclose(refit, clf.model_.predict(X.to_numpy(np.float32), verbose=0), atol=1e-6)
    # load_weights replaces the weights in place.
    clf.model_.save_weights(tmp_path / "w.weights.h5")
    other = SpeechMusicClassifier(**fast_params).fit(X, y)
    other.predict_proba(X)
    other.load_weights(tmp_path / "w.weights.h5")
    np.testing.assert_allclose(other.predict_proba(X), refit, atol=1e-6)


def _pool():
    return trainer_pool()


def test_fits_reuse_one_traced_trainer_per_architecture(blobs, fast_params):
    """Repeated fits must not trace new training functions (each leaks memory in TensorFlow)."""
    X, y = blobs
    _pool().clear()
    first = SpeechMusicClassifier(**fast_params).fit(X, y)
    (trainer,) = _pool().values()
    traced = trainer.train_function
    for learning_rate in (0.1, 0.001):
        SpeechMusicClassifier(**{**fast_params, "learning_rate": learning_rate}).fit(X, y)
    assert list(_pool().values()) == [trainer] and trainer.train_function is traced
    # A trainer left in any state by other fits gives exactly a fresh network's result.
    again = SpeechMusicClassifier(**fast_params).fit(X, y)
    np.testing.assert_array_equal(again.predict_proba(X), first.predict_proba(X))
    assert again.history_ == first.history_
    assert again.model_ is not trainer and first.model_ is not again.model_
    # The estimator's own network carries the optimizer state: partial_fit continues from it.
    assert int(again.model_.optimizer.iterations.numpy()) == int(trainer.optimizer.iterations.numpy())


def test_a_fit_inside_a_callback_gets_its_own_trainer(blobs, fast_params):
    X, y = blobs
    inner_results = []

    class FitAnother(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 0:
                inner = SpeechMusicClassifier(**fast_params).fit(X, y)
                inner_results.append((self.model, inner.predict_proba(X)))

    outer = SpeechMusicClassifier(**fast_params, callbacks=[FitAnother()]).fit(X, y)
    reference = SpeechMusicClassifier(**fast_params).fit(X, y)
    ((outer_trainer, inner_proba),) = inner_results
    np.testing.assert_array_equal(inner_proba, reference.predict_proba(X))
    np.testing.assert_array_equal(outer.predict_proba(X), reference.predict_proba(X))
    assert len(_pool()) <= 4


def test_group_holdout_keeps_recordings_on_one_side():
    rng = np.random.RandomState(0)
    y = np.repeat(["Music", "Speech"], 50)
    groups = np.concatenate(
        [np.repeat([f"track{i}" for i in range(5)], 10), np.repeat([f"talk{i}" for i in range(10)], 5)]
    )
    train, validation = stratified_holdout(y, 0.2, rng, groups)
    assert set(groups[train]).isdisjoint(groups[validation])
    assert set(y[validation]) == {"Music", "Speech"}  # stratified by the groups' classes
    assert 15 <= validation.size <= 30
    with pytest.raises(ValueError, match="single group"):
        stratified_holdout(y, 0.2, rng, np.zeros(100))


def test_fit_with_groups_validates_on_unseen_recordings(blobs, fast_params):
    from sklearn import config_context
    from sklearn.model_selection import cross_val_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y = blobs
    groups = np.arange(len(y)) // 6
    plain = SpeechMusicClassifier(**fast_params).fit(X, y)
    grouped = SpeechMusicClassifier(**fast_params).fit(X, y, groups=groups)
    assert grouped.history_["val_loss"] != plain.history_["val_loss"]
    pipeline = make_pipeline(StandardScaler(), SpeechMusicClassifier(**fast_params))
    pipeline.fit(X, y, speechmusicclassifier__groups=groups)
    with pytest.raises(ValueError, match="one entry per row"):
        SpeechMusicClassifier(**fast_params).fit(X, y, groups=groups[:-1])
    with config_context(enable_metadata_routing=True):
        routed = SpeechMusicClassifier(**fast_params).set_fit_request(groups=True, sample_weight=False)
        scores = cross_val_score(routed, X, y, cv=2, params={"groups": groups})
    assert scores.shape == (2,)
