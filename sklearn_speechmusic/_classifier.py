"""``SpeechMusicClassifier``: the demo's dense network as a scikit-learn classifier.

This is the only module that imports scikeras. scikeras 0.13 is unmaintained and
gets several things wrong for scikit-learn >= 1.6; each is fixed here, next to the
code it concerns:

* importing scikeras patches ``__reduce__``/``__deepcopy__`` of Keras' ``Model``,
  ``Loss``, ``Metric`` and ``Optimizer`` process-wide; the patches are undone right
  after import (Keras 3 pickles models natively);
* seeding enables TensorFlow's process-wide op determinism and reseeds the global
  ``random``/NumPy/TensorFlow generators; here every random draw (initializers,
  validation split, batch shuffling) gets its own seed instead;
* Keras' ``validation_split`` holds out the *last* rows; here the hold-out is a
  shuffled, stratified split;
* ``_more_tags`` instead of ``__sklearn_tags__``, the mixin order, no feature-count
  check at predict time and silent acceptance of sparse input are replaced by
  scikit-learn's own ``validate_data`` and tags;
* parameters are plain constructor arguments validated by
  ``_parameter_constraints``, so ``get_params``/``set_params``/``clone`` behave like
  any scikit-learn estimator.
"""

from __future__ import annotations

import math
import os
import sys
import threading
import weakref
from numbers import Integral, Real
from typing import Any

import keras
import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import check_is_fitted, validate_data

from ._network import DEMO_HIDDEN_LAYER_SIZES, build_dense_network, dense_forward


def _import_scikeras_without_side_effects() -> tuple[type, type]:
    """Import scikeras' ``BaseWrapper`` and undo the class patches it applies.

    If the user imported scikeras before us, its patches are their choice and are
    left alone.
    """
    if "scikeras" not in sys.modules:
        patched_classes = (keras.Model, keras.losses.Loss, keras.metrics.Metric, keras.optimizers.Optimizer)
        originals = [dict(vars(cls)) for cls in patched_classes]
        import scikeras  # noqa: F401  (the import applies the patches)

        for cls, original in zip(patched_classes, originals, strict=True):
            for name in set(vars(cls)) - set(original):
                delattr(cls, name)
            for name, value in original.items():
                if vars(cls).get(name) is not value:
                    setattr(cls, name, value)
    from scikeras.utils.transformers import ClassifierLabelEncoder
    from scikeras.wrappers import BaseWrapper

    return _without_legacy_tags(BaseWrapper), ClassifierLabelEncoder


def _without_legacy_tags(base_wrapper: type) -> type:
    """Copy of scikeras' ``BaseWrapper`` without its pre-1.6 ``_more_tags``.

    scikit-learn >= 1.6 rejects any class in an estimator's MRO that defines
    ``_more_tags`` but not ``__sklearn_tags__``. A copy (rather than a patch of
    scikeras' own class) keeps ``KerasClassifier`` untouched for other users.
    None of the copied methods uses ``super()`` except ``set_params`` and
    ``_more_tags``, which the classifier replaces or drops.
    """
    legacy = {"_more_tags", "_tags", "__dict__", "__weakref__"}
    namespace = {name: value for name, value in vars(base_wrapper).items() if name not in legacy}
    namespace["__qualname__"] = namespace["__name__"] = "ScikerasBaseWrapper"
    return type("ScikerasBaseWrapper", base_wrapper.__bases__, namespace)


_BaseWrapper, _ClassifierLabelEncoder = _import_scikeras_without_side_effects()

_KERAS_ACTIVATIONS = {"relu", "tanh", "sigmoid", "elu", "selu", "gelu", "silu", "swish", "softplus", "linear"}
# Rows per NumPy forward pass at predict time: bounds the hidden activations' memory.
_PREDICT_CHUNK_ROWS = 8192
_CHECKPOINT_SUFFIXES = (".weights.h5", ".keras")
# NumPy copies of each fitted network's weights for fast predictions, keyed by
# the Keras model so that an entry disappears with its model.
_INFERENCE_WEIGHTS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
# Training batches per call into TensorFlow: fewer Python round trips per epoch.
_STEPS_PER_EXECUTION = 16
# Networks that train on behalf of fresh fits, one per architecture and thread.
# TensorFlow keeps every traced training function alive for the life of the
# process (~12 MB each, tensorflow#61791); a fit that reuses an already traced
# trainer adds nothing, so a grid search grows memory per architecture, not per fit.
_TRAINERS = threading.local()
_MAX_TRAINERS_PER_THREAD = 4


class SpeechMusicClassifier(ClassifierMixin, _BaseWrapper):  # type: ignore[misc, valid-type]
    """Dense Keras network for speech/music (or any small set of classes).

    The defaults reproduce the original demo network: ``Dense(64, relu) →
    Dense(512, relu, RandomUniform(-0.05, 0.05)) → Dense(128) → Dense(128) →
    Dense(64) → softmax`` output (``RandomUniform(-0.05, 0.05)``), trained with Adam
    on sparse categorical cross-entropy for 20 epochs in batches of 32, holding
    out 20 % of the rows for validation. Built on scikeras' ``BaseWrapper`` with
    TensorFlow as the Keras backend.

    Parameters
    ----------
    hidden_layer_sizes : array-like of int or int, default=(64, 512, 128, 128, 64)
        Units of each hidden layer. The second hidden layer and the output layer
        start from ``RandomUniform(-0.05, 0.05)`` weights, as in the demo; the other
        layers from Glorot-uniform weights.
    activation : {"relu", "tanh", "sigmoid", "elu", "selu", "gelu", "silu", \
"swish", "softplus", "linear"}, default="relu"
        Activation of every hidden layer.
    learning_rate : float, default=0.001
        Adam's learning rate.
    epochs : int, default=20
        Passes over the training rows.
    batch_size : int, default=32
        Rows per gradient step.
    validation_split : float in [0, 1), default=0.2
        Share of the rows held out to compute ``val_loss``/``val_accuracy`` each
        epoch. The hold-out is shuffled and stratified by class (seeded by
        ``random_state``), unlike Keras' own ``validation_split``, which takes the
        last rows. ``0`` trains on every row.
    early_stopping : bool, default=False
        Stop when the monitored loss (``val_loss``, or ``loss`` without
        validation rows) has not improved for ``patience`` epochs, and restore
        the weights of the best epoch.
    patience : int, default=5
        Epochs without improvement before early stopping.
    checkpoint_path : str or path-like, default=None
        Where to save the best weights while fitting (Keras ``ModelCheckpoint``,
        monitoring the same loss as early stopping). A path ending in
        ``.weights.h5`` stores weights only; ``.keras`` stores the whole model.
        Load them back with ``SpeechMusicClassifier(...).initialize(X, y)
        .load_weights(path)``.
    callbacks : list of keras.callbacks.Callback, default=None
        Extra Keras callbacks passed to ``Model.fit``. Epoch-level hooks see
        ``val_loss``/``val_accuracy``; batch-level hooks fire once per group of
        16 batches (the network runs 16 steps per call into TensorFlow).
        In ``fit``, their ``model`` is a pooled network of the same
        architecture that trains on the estimator's behalf (its traced training
        function is reused, so repeated fits do not grow memory); its weights
        are copied into ``model_`` when training ends.
    random_state : int, RandomState instance or None, default=None
        Seeds the initial weights, the validation split and the batch order.
        An int gives reproducible fits. Nothing process-wide is seeded: other
        TensorFlow/NumPy code is unaffected.
    verbose : int, default=0
        Keras' progress output while fitting: 0 silent, 1 progress bar, 2 one
        line per epoch.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels, in the order of the ``predict_proba`` columns.
    n_classes_ : int
        Number of classes.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features,)
        Names of the features seen during fit, when X has string column names.
    model_ : keras.Model
        The fitted Keras model.
    history_ : dict of str to list of float
        Per-epoch ``loss`` and ``accuracy``, and ``val_loss``/``val_accuracy``
        when rows were held out for validation.
    n_samples_fit_ : int
        Rows of the last ``fit``/``partial_fit`` call (training and validation
        rows together, without zero-weight rows).
    best_epoch_ : int or None
        With ``early_stopping``, the 1-based epoch whose weights were restored;
        otherwise None.

    See Also
    --------
    sklearn.neural_network.MLPClassifier : scikit-learn's own multilayer perceptron.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_speechmusic import SpeechMusicClassifier
    >>> rng = np.random.RandomState(0)
    >>> X = np.vstack([rng.normal(0, 1, (50, 3)), rng.normal(4, 1, (50, 3))])
    >>> y = np.array(["Speech"] * 50 + ["Music"] * 50)
    >>> clf = SpeechMusicClassifier(epochs=10, random_state=0).fit(X, y)
    >>> clf.classes_.tolist()
    ['Music', 'Speech']
    >>> clf.predict([[0, 0, 0], [4, 4, 4]]).tolist()
    ['Speech', 'Music']
    >>> sorted(clf.history_)
    ['accuracy', 'loss', 'val_accuracy', 'val_loss']
    """

    _parameter_constraints: dict[str, list[Any]] = {
        "hidden_layer_sizes": ["array-like", Interval(Integral, 1, None, closed="left")],
        "activation": [StrOptions(_KERAS_ACTIVATIONS)],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "epochs": [Interval(Integral, 1, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "validation_split": [Interval(Real, 0, 1, closed="left")],
        "early_stopping": ["boolean"],
        "patience": [Interval(Integral, 1, None, closed="left")],
        "checkpoint_path": [str, os.PathLike, None],
        "callbacks": [list, None],
        "random_state": ["random_state"],
        "verbose": [Interval(Integral, 0, 2, closed="both")],
    }

    # scikeras reads this flag; re-fitting always starts from fresh weights here.
    warm_start = False

    def __init__(
        self,
        hidden_layer_sizes=DEMO_HIDDEN_LAYER_SIZES,
        *,
        activation="relu",
        learning_rate=0.001,
        epochs=20,
        batch_size=32,
        validation_split=0.2,
        early_stopping=False,
        patience=5,
        checkpoint_path=None,
        callbacks=None,
        random_state=None,
        verbose=0,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.learning_rate = learning_rate
        self.epochs = epochs
        self.batch_size = batch_size
        self.validation_split = validation_split
        self.early_stopping = early_stopping
        self.patience = patience
        self.checkpoint_path = checkpoint_path
        self.callbacks = callbacks
        self.random_state = random_state
        self.verbose = verbose

    # scikeras treats every public instance attribute as a parameter and accepts
    # routed ``model__*``/``fit__*`` names that ``clone`` would silently drop;
    # parameters here are exactly the constructor's, as in scikit-learn.
    _get_param_names = BaseEstimator.__dict__["_get_param_names"]

    def set_params(self, **params):
        """Set the parameters of this estimator.

        Parameters
        ----------
        **params : dict
            Estimator parameters, including ``<step>__<param>`` names when the
            classifier sits inside a Pipeline or a search.

        Returns
        -------
        self : SpeechMusicClassifier
            This estimator.

        Examples
        --------
        >>> from sklearn_speechmusic import SpeechMusicClassifier
        >>> SpeechMusicClassifier().set_params(epochs=5).epochs
        5
        """
        return BaseEstimator.set_params(self, **params)

    def __repr__(self, N_CHAR_MAX=700):
        return BaseEstimator.__repr__(self, N_CHAR_MAX=N_CHAR_MAX)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = False
        tags.input_tags.allow_nan = False
        return tags

    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, "model_")

    # ------------------------------------------------------------------ fitting
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Build a fresh network and train it on ``(X, y)``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training features (a NumPy array or a DataFrame of numbers).
        y : array-like of shape (n_samples,)
            Class labels, for example ``"Speech"``/``"Music"``; at least two
            distinct classes.
        sample_weight : array-like of shape (n_samples,), default=None
            Per-row weights of the training loss. Rows of weight 0 are dropped.

        Returns
        -------
        self : SpeechMusicClassifier
            The fitted estimator.

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn_speechmusic import SpeechMusicClassifier
        >>> X = np.array([[0.0, 1.0], [1.0, 0.0]] * 10)
        >>> y = ["Speech", "Music"] * 10
        >>> clf = SpeechMusicClassifier(epochs=2, random_state=0).fit(X, y)
        >>> len(clf.history_["loss"])
        2
        """
        self._known_classes = None
        self._fit(X, y, sample_weight=sample_weight, warm_start=False, epochs=self.epochs, initial_epoch=0)
        return self

    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """Train for one more epoch, keeping the current weights.

        The first call builds the network; ``classes`` must then list every
        label that later calls may contain.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training features.
        y : array-like of shape (n_samples,)
            Class labels.
        classes : array-like of shape (n_classes,), default=None
            All classes; needed on the first call when ``y`` does not contain
            them all, ignored afterwards.
        sample_weight : array-like of shape (n_samples,), default=None
            Per-row weights of the training loss.

        Returns
        -------
        self : SpeechMusicClassifier
            The updated estimator.

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn_speechmusic import SpeechMusicClassifier
        >>> X = np.array([[0.0, 1.0], [1.0, 0.0]] * 10)
        >>> clf = SpeechMusicClassifier(random_state=0)
        >>> clf = clf.partial_fit(X[:10], ["Speech", "Music"] * 5, classes=["Music", "Speech"])
        >>> clf = clf.partial_fit(X[10:], ["Speech", "Music"] * 5)
        >>> len(clf.history_["loss"])
        2
        """
        if not self.__sklearn_is_fitted__():
            self._validate_params()
            self._known_classes = None if classes is None else np.unique(np.asarray(classes))
        self._fit(
            X,
            y,
            sample_weight=sample_weight,
            warm_start=True,
            epochs=1,
            initial_epoch=self.current_epoch,
        )
        return self

    def initialize(self, X, y):
        """Build the network for ``(X, y)`` without training it.

        Use it to load saved weights into a fresh estimator, see
        :meth:`load_weights`.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Features with the same columns as the training data.
        y : array-like of shape (n_samples,)
            Labels covering every class of the training data.

        Returns
        -------
        self : SpeechMusicClassifier
            The estimator, with an untrained ``model_``.

        Examples
        --------
        >>> from sklearn_speechmusic import SpeechMusicClassifier
        >>> clf = SpeechMusicClassifier().initialize([[0.0], [1.0]], ["Music", "Speech"])
        >>> clf.model_.output_shape
        (None, 2)
        """
        self._validate_params()
        self._known_classes = None
        self._initialize(X, y)
        return self

    def load_weights(self, filepath):
        """Load weights saved by ``checkpoint_path`` (or ``model_.save_weights``).

        Parameters
        ----------
        filepath : str or path-like
            A ``.weights.h5`` or ``.keras`` file written for a network of the same
            shape.

        Returns
        -------
        self : SpeechMusicClassifier
            The estimator, predicting with the loaded weights.

        Examples
        --------
        >>> import numpy as np, tempfile, os
        >>> from sklearn_speechmusic import SpeechMusicClassifier
        >>> X = np.array([[0.0, 1.0], [1.0, 0.0]] * 10)
        >>> y = ["Speech", "Music"] * 10
        >>> path = os.path.join(tempfile.mkdtemp(), "best.weights.h5")
        >>> params = dict(epochs=3, checkpoint_path=path, random_state=0)
        >>> trained = SpeechMusicClassifier(**params).fit(X, y)
        >>> restored = SpeechMusicClassifier(**params).initialize(X, y).load_weights(path)
        >>> restored.predict(X[:2]).tolist()
        ['Speech', 'Music']
        """
        if not self.__sklearn_is_fitted__():
            raise NotFittedError(
                f"This {type(self).__name__} has no network yet; build one with the "
                "training data's shape first: SpeechMusicClassifier(...).initialize(X, y)"
                ".load_weights(path)."
            )
        path = os.fspath(filepath)
        if not os.path.isfile(path):
            raise FileNotFoundError(f"No weights file at {path!r}.")
        optimizer = self.model_.optimizer
        if not optimizer.built:
            # Lets a ``.keras`` checkpoint restore Adam's state too, so training can go on.
            optimizer.build(self.model_.trainable_variables)
        self.model_.load_weights(path)
        _INFERENCE_WEIGHTS.pop(self.model_, None)
        return self

    # ------------------------------------------------------ safe-format support
    def _fitted_state(self) -> dict[str, Any]:
        """JSON-compatible fitted attributes, for the pickle-free model format."""
        check_is_fitted(self)
        state = {
            "classes": self.classes_.tolist(),
            "classes_dtype": self.classes_.dtype.str if self.classes_.dtype != object else "object",
            "n_features_in": int(self.n_features_in_),
            "history": getattr(self, "history_", {}),
            "best_epoch": getattr(self, "best_epoch_", None),
            "n_samples_fit": getattr(self, "n_samples_fit_", None),
        }
        if hasattr(self, "feature_names_in_"):
            state["feature_names_in"] = self.feature_names_in_.tolist()
        return state

    def _restore_fitted_state(self, state: dict[str, Any], model) -> SpeechMusicClassifier:
        """Inverse of :meth:`_fitted_state`, with ``model`` as the Keras network."""
        from sklearn.preprocessing import FunctionTransformer

        classes = np.asarray(state["classes"], dtype=np.dtype(state["classes_dtype"]))
        self._known_classes = classes
        self.target_encoder_ = self.target_encoder.fit(classes)
        self.__dict__.update(self.target_encoder_.get_metadata())
        self._known_classes = None
        self.n_features_in_ = int(state["n_features_in"])
        if "feature_names_in" in state:
            self.feature_names_in_ = np.asarray(state["feature_names_in"], dtype=object)
        self.feature_encoder_ = FunctionTransformer().fit(np.zeros((1, self.n_features_in_)))
        self.history_ = {str(key): [float(v) for v in values] for key, values in state["history"].items()}
        self.best_epoch_ = state["best_epoch"]
        if state["n_samples_fit"] is not None:
            self.n_samples_fit_ = int(state["n_samples_fit"])
        self._seed = 0
        self.model_ = model
        return self

    # -------------------------------------------------- scikeras extension points
    @property
    def target_encoder(self):
        """Label encoder mapping class labels to the network's integer targets."""
        known = getattr(self, "_known_classes", None)
        categories = "auto" if known is None else [known]
        return _ClassifierLabelEncoder(loss="sparse_categorical_crossentropy", categories=categories)

    def _initialize(self, X, y=None):
        seed_source = check_random_state(self.random_state)
        self._seed = int(seed_source.randint(np.iinfo(np.int32).max))
        return super()._initialize(X, y)

    def _initialize_callbacks(self) -> None:
        for callback in self.callbacks or []:
            if not _is_keras_callback(callback):
                raise TypeError(
                    "callbacks must be a list of keras.callbacks.Callback instances; "
                    f"got {callback!r} of type {type(callback).__name__}."
                )

    def _validate_data(self, X=None, y=None, reset=False, y_numeric=False):
        X, y = validate_data(self, X, y, reset=reset, dtype=np.float32)
        target_type = type_of_target(y, input_name="y")
        if target_type not in ("binary", "multiclass"):
            raise ValueError(
                f"Unknown label type: {target_type!r}. {type(self).__name__} needs class "
                "labels (binary or multiclass) in y, one label per row; for continuous "
                "values use a regressor."
            )
        present = np.unique(y)
        if reset:
            known = getattr(self, "_known_classes", None)
            n_classes = present.size if known is None else np.asarray(known).size
            if n_classes < 2:
                raise ValueError(
                    f"{type(self).__name__} needs samples of at least 2 classes in y; "
                    f"got only one class: {present.tolist()[0]!r}."
                )
        else:
            unseen = np.setdiff1d(present, self.classes_)
            if unseen.size:
                raise ValueError(
                    f"y contains labels {unseen.tolist()} not seen in the first call; "
                    f"known classes are {self.classes_.tolist()}. Pass every class to the "
                    "first partial_fit call with classes=..."
                )
        return X, y

    def _build_keras_model(self):
        hidden_layer_sizes = _check_hidden_layer_sizes(self.hidden_layer_sizes)
        return build_dense_network(
            n_features=self.n_features_in_,
            n_classes=self.n_classes_,
            hidden_layer_sizes=hidden_layer_sizes,
            activation=self.activation,
            learning_rate=float(self.learning_rate),
            seed=self._seed,
            steps_per_execution=_STEPS_PER_EXECUTION,
        )

    def _pooled_trainer(self, weighted: bool):
        """``(pool key, trainer)``: a compiled network like ``model_`` whose training
        function may already be traced; give it back with :func:`_return_trainer`."""
        key = (
            self.n_features_in_,
            self.n_classes_,
            _check_hidden_layer_sizes(self.hidden_layer_sizes),
            self.activation,
            weighted,
        )
        pool = getattr(_TRAINERS, "pool", None)
        if pool is None:
            pool = _TRAINERS.pool = {}
        # Out of the pool while it trains: a fit nested in a callback of this
        # one gets a trainer of its own.
        trainer = pool.pop(key, None)
        if trainer is None:
            trainer = self._build_keras_model()
        _copy_training_state(self.model_, trainer)
        trainer.optimizer.learning_rate.assign(float(self.learning_rate))
        trainer.stop_training = False
        return key, trainer

    def _fit_keras_model(self, X, y, sample_weight, warm_start, epochs, initial_epoch, **kwargs):
        import tensorflow as tf

        _check_checkpoint_path(self.checkpoint_path)
        split_rng = np.random.RandomState([self._seed, initial_epoch])
        train_idx, val_idx = _stratified_holdout(y.ravel(), self.validation_split, split_rng)
        train_arrays = (X[train_idx], y[train_idx])
        if sample_weight is not None:
            train_arrays += (sample_weight[train_idx],)
        dataset = (
            tf.data.Dataset.from_tensor_slices(train_arrays)
            # An op-level seed makes the batch order reproducible without setting
            # TensorFlow's global seed.
            .shuffle(len(train_idx), seed=int(split_rng.randint(np.iinfo(np.int32).max)))
            .batch(int(self.batch_size))
        )
        callbacks: list = []
        if val_idx.size:
            # First, so that early stopping, checkpoints, user callbacks and the
            # History all see val_loss/val_accuracy of the epoch.
            callbacks.append(
                _HoldoutMetrics(
                    X[val_idx],
                    y[val_idx].ravel().astype(np.int64),
                    None if sample_weight is None else sample_weight[val_idx],
                    self.activation,
                )
            )
        monitor = "val_loss" if val_idx.size else "loss"
        callbacks += list(self.callbacks or [])
        stopper = None
        if self.early_stopping:
            stopper = keras.callbacks.EarlyStopping(
                monitor=monitor, patience=int(self.patience), restore_best_weights=True
            )
            callbacks.append(stopper)
        if self.checkpoint_path is not None:
            path = os.fspath(self.checkpoint_path)
            callbacks.append(
                keras.callbacks.ModelCheckpoint(
                    path,
                    monitor=monitor,
                    save_best_only=True,
                    save_weights_only=path.endswith(".weights.h5"),
                )
            )

        # A fresh fit trains a pooled network of the same architecture whose
        # training function is already traced, starting from this model's
        # initial weights and a reset optimizer: the same arithmetic, no new trace.
        key, trainer = (None, self.model_) if warm_start else self._pooled_trainer(sample_weight is not None)
        try:
            keras_history = trainer.fit(
                dataset,
                epochs=initial_epoch + epochs,
                initial_epoch=initial_epoch,
                callbacks=callbacks,
                shuffle=False,  # the dataset above already reshuffles every epoch
                verbose=int(self.verbose),
            )
            if key is not None:
                _copy_training_state(trainer, self.model_)
        finally:
            if key is not None:
                _return_trainer(key, trainer)
        new_history = {
            key: [float(value) for value in values] for key, values in keras_history.history.items()
        }
        if warm_start and initial_epoch > 0 and hasattr(self, "history_"):
            for key, values in new_history.items():
                self.history_.setdefault(key, []).extend(values)
        else:
            self.history_ = new_history
        self.best_epoch_ = None if stopper is None else int(stopper.best_epoch) + 1
        self.n_samples_fit_ = int(X.shape[0])

    # ---------------------------------------------------------------- predicting
    def _predict_raw(self, X, **kwargs):
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=np.float32)
        weights = self._inference_weights()
        batches = [
            dense_forward(weights, self.activation, X[start : start + _PREDICT_CHUNK_ROWS])
            for start in range(0, X.shape[0], _PREDICT_CHUNK_ROWS)
        ]
        probabilities = np.concatenate(batches).astype(np.float64)
        # float32 softmax rows sum to 1 only up to rounding; renormalise in float64.
        probabilities /= probabilities.sum(axis=1, keepdims=True)
        return probabilities

    def _inference_weights(self) -> list[np.ndarray]:
        """The network's weights as NumPy arrays, cached between predictions.

        Reading the weights out of TensorFlow costs ~0.3 ms, ten times a one-row
        forward pass. The cache lives outside the estimator (predict must not
        change it), keyed by the Keras model itself, so it dies with the model;
        it is re-read when the optimizer has taken more steps (``partial_fit``,
        ``model_.fit``) and dropped by ``load_weights``.
        """
        steps = int(self.model_.optimizer.iterations.numpy())
        cached = _INFERENCE_WEIGHTS.get(self.model_)
        if cached is not None and cached[0] == steps:
            return cached[1]
        weights = [np.asarray(w, dtype=np.float32) for w in self.model_.get_weights()]
        _INFERENCE_WEIGHTS[self.model_] = (steps, weights)
        return weights

    def predict_proba(self, X):
        """Probability of each class for each row of ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Features with the training data's columns.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Class probabilities, columns in the order of ``classes_``; rows sum to 1.

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn_speechmusic import SpeechMusicClassifier
        >>> X = np.array([[0.0, 1.0], [1.0, 0.0]] * 10)
        >>> clf = SpeechMusicClassifier(epochs=2, random_state=0).fit(X, ["a", "b"] * 10)
        >>> clf.predict_proba(X[:3]).shape
        (3, 2)
        """
        return self._predict_raw(X)

    def predict(self, X):
        """Most probable class label for each row of ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Features with the training data's columns.

        Returns
        -------
        labels : ndarray of shape (n_samples,)
            Predicted labels, values from ``classes_``.

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn_speechmusic import SpeechMusicClassifier
        >>> X = np.array([[0.0, 1.0], [1.0, 0.0]] * 20)
        >>> clf = SpeechMusicClassifier(epochs=20, random_state=0).fit(X, ["a", "b"] * 20)
        >>> clf.predict(X[:2]).tolist()
        ['a', 'b']
        """
        probabilities = self._predict_raw(X)
        return self.classes_[np.argmax(probabilities, axis=1)]


class _HoldoutMetrics(keras.callbacks.Callback):
    """``val_loss`` and ``val_accuracy`` of the hold-out rows, computed in NumPy.

    Keras' own validation runs ``evaluate`` every epoch, which costs ~50 ms of
    data-pipeline set-up for a few hundred rows (a third of a default fit). The
    same sparse categorical cross-entropy (probabilities clipped to
    [1e-7, 1 - 1e-7], weighted loss summed over rows and divided by their
    number) and accuracy (weighted mean) take about a millisecond here.
    """

    def __init__(self, X, y, sample_weight, activation):
        super().__init__()
        self.X, self.y, self.activation = X, y, activation
        self.sample_weight = (
            np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, dtype=float)
        )

    def on_epoch_end(self, epoch, logs=None):
        probabilities = dense_forward(self.model.get_weights(), self.activation, self.X)
        true_class = probabilities[np.arange(len(self.y)), self.y].astype(np.float64)
        losses = -np.log(np.clip(true_class, 1e-7, 1 - 1e-7))
        correct = probabilities.argmax(axis=1) == self.y
        if logs is not None:
            logs["val_loss"] = float(np.sum(self.sample_weight * losses) / len(self.y))
            logs["val_accuracy"] = float(np.sum(self.sample_weight * correct) / np.sum(self.sample_weight))


def _return_trainer(key, trainer) -> None:
    """Put a pooled trainer back, most recently used last; drop the oldest beyond the cap."""
    pool = _TRAINERS.pool
    pool[key] = trainer
    while len(pool) > _MAX_TRAINERS_PER_THREAD:
        pool.pop(next(iter(pool)))


def _copy_training_state(source, target) -> None:
    """Give ``target`` the weights and optimizer state (moments, step count) of ``source``.

    Both are networks of one architecture with the same optimizer; an optimizer
    that has not stepped yet is built first, so its variables exist to copy into.
    """
    target.set_weights(source.get_weights())
    for model in (source, target):
        if not model.optimizer.built:
            model.optimizer.build(model.trainable_variables)
    for mine, theirs in zip(target.optimizer.variables, source.optimizer.variables, strict=True):
        mine.assign(theirs)


def _is_keras_callback(obj) -> bool:
    return isinstance(obj, keras.callbacks.Callback)


def _check_hidden_layer_sizes(hidden_layer_sizes) -> tuple[int, ...]:
    sizes = np.atleast_1d(np.asarray(hidden_layer_sizes, dtype=object))
    if sizes.ndim != 1 or not all(
        isinstance(units, Integral) and not isinstance(units, bool) and int(units) >= 1 for units in sizes
    ):
        raise ValueError(
            "hidden_layer_sizes must be a positive int or a sequence of positive ints, "
            f"for example (64, 512, 128); got {hidden_layer_sizes!r}."
        )
    return tuple(int(units) for units in sizes)


def _check_checkpoint_path(checkpoint_path) -> None:
    if checkpoint_path is None:
        return
    path = os.fspath(checkpoint_path)
    if not path.endswith(_CHECKPOINT_SUFFIXES):
        raise ValueError(
            f"checkpoint_path must end with '.weights.h5' (weights only) or '.keras' "
            f"(whole model); got {path!r}."
        )
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise ValueError(f"checkpoint_path's folder {directory!r} does not exist; create it first.")


def _stratified_holdout(y, validation_split, rng) -> tuple[np.ndarray, np.ndarray]:
    """Indices of the training and validation rows: shuffled, stratified by class.

    Falls back to a plain shuffled split when a class is too small to appear on
    both sides, and holds nothing out when there are fewer than two rows.
    """
    indices = np.arange(y.shape[0])
    if validation_split == 0 or indices.size < 2:
        return indices, indices[:0]
    n_validation = math.ceil(validation_split * indices.size)
    if n_validation >= indices.size:
        raise ValueError(
            f"validation_split={validation_split} would hold out all {indices.size} rows, "
            "leaving none to train on; lower it or set it to 0."
        )
    seed = int(rng.randint(np.iinfo(np.int32).max))
    try:
        train_idx, val_idx = train_test_split(indices, test_size=n_validation, stratify=y, random_state=seed)
    except ValueError:
        train_idx, val_idx = train_test_split(indices, test_size=n_validation, random_state=seed)
    return np.sort(train_idx), np.sort(val_idx)
