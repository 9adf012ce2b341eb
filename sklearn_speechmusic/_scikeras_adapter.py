"""Everything this package takes from scikeras, and what it corrects, in one module.

``SpeechMusicClassifier`` is a plain scikit-learn estimator whose fitted state is
NumPy arrays (like ``MLPClassifier``). While it trains, its Keras network is owned
by a :class:`ScikerasNetwork`, a subclass of scikeras' ``BaseWrapper``. Importing
this module imports scikeras, Keras and TensorFlow, so the classifier imports it
only to train or when the user asks for the Keras model.

What scikeras provides here:

* the network's life cycle: ``initialize`` builds it, ``_fit`` validates the
  targets through scikeras' ``ClassifierLabelEncoder``, checks that the network's
  outputs fit them, drops zero-weight rows (``_validate_sample_weight``) and hands
  over to ``_fit_keras_model``; ``warm_start`` continues a network's training;
* ``current_epoch``, which numbers the epochs of successive ``partial_fit`` calls.

What is corrected, because scikeras 0.13 (unmaintained since 2024) gets it wrong
for this package:

* importing scikeras patches ``__reduce__``/``__deepcopy__`` of Keras' ``Model``,
  ``Loss``, ``Metric`` and ``Optimizer`` process-wide; the patches are undone right
  after import (unless the user imported scikeras first: then they are their choice);
* ``BaseWrapper`` defines the pre-1.6 ``_more_tags``, which scikit-learn >= 1.6
  rejects; a copy of the class without it is used, scikeras' own is untouched;
* seeding enables TensorFlow's process-wide op determinism and reseeds the global
  ``random``/NumPy/TensorFlow generators; here every random draw gets its own seed;
* Keras' ``validation_split`` holds out the last rows; ``_training`` holds out a
  shuffled, stratified share instead;
* input validation, tags and parameters belong to the estimator, which passes
  already-validated float32 rows and integer class indices.
"""

from __future__ import annotations

import sys

import keras
import numpy as np

from ._compat import training_steps_per_call
from ._network import build_dense_network, network_weights, set_network_weights
from ._training import TrainingSettings, train_network

__all__ = ["ScikerasNetwork"]

# Training batches per call into TensorFlow: fewer Python round trips per epoch.
_STEPS_PER_EXECUTION = 16


def _import_scikeras_without_side_effects() -> tuple[type, type]:
    """scikeras' ``BaseWrapper`` (without legacy tags) and ``ClassifierLabelEncoder``."""
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

    None of the copied methods that this package calls uses ``super()``.
    """
    legacy = {"_more_tags", "_tags", "__dict__", "__weakref__"}
    namespace = {name: value for name, value in vars(base_wrapper).items() if name not in legacy}
    namespace["__qualname__"] = namespace["__name__"] = "ScikerasBaseWrapper"
    return type("ScikerasBaseWrapper", base_wrapper.__bases__, namespace)


_BaseWrapper, _ClassifierLabelEncoder = _import_scikeras_without_side_effects()


class ScikerasNetwork(_BaseWrapper):  # type: ignore[misc, valid-type]
    """The Keras network of one fitted ``SpeechMusicClassifier``, managed by scikeras.

    Parameters
    ----------
    hidden_layer_sizes : tuple of int
        Units of each hidden layer.
    n_classes : int
        Number of classes; targets are integer indices ``0 .. n_classes - 1``.
    seed : int
        Seeds the initial weights, the hold-out and the batch order.
    settings : TrainingSettings
        The other training parameters.

    Attributes
    ----------
    model_ : keras.Model
        The network, once built by :meth:`initialize` or a fit.
    history_ : dict of str to list of float
        Metrics of every epoch trained so far.
    best_epoch_ : int or None
        Restored epoch of the last run with early stopping.
    """

    # scikeras reads these; each fresh fit builds a new network.
    warm_start = False
    random_state = None

    def __init__(self, hidden_layer_sizes, n_classes, seed, settings: TrainingSettings):
        self.hidden_layer_sizes = tuple(hidden_layer_sizes)
        self.n_classes = int(n_classes)
        self.seed = int(seed)
        self.settings = settings

    @classmethod
    def from_weights(cls, coefs, intercepts, optimizer_state, *, seed, settings):
        """A network holding given weights (and Adam's state, when saved), ready to train on."""
        n_features, n_classes = coefs[0].shape[0], coefs[-1].shape[1]
        network = cls(tuple(kernel.shape[1] for kernel in coefs[:-1]), n_classes, seed, settings)
        network.initialize(np.zeros((n_classes, n_features), np.float32), np.arange(n_classes))
        set_network_weights(network.model_, coefs, intercepts)
        if optimizer_state is not None:
            optimizer = network.model_.optimizer
            optimizer.build(network.model_.trainable_variables)
            for variable, value in zip(optimizer.variables, optimizer_state, strict=True):
                variable.assign(value)
        return network

    def weights(self):
        """``(coefs, intercepts)`` of the network, as read-only float64 arrays."""
        return network_weights(self.model_)

    def optimizer_state(self) -> list[np.ndarray] | None:
        """Adam's variables (step count, moments), or None before its first step."""
        optimizer = self.model_.optimizer
        if not optimizer.built:
            return None
        # variable.numpy(), not convert_to_numpy: the latter makes NumPy 2 warn (copy keyword).
        return [np.array(variable.numpy()) for variable in optimizer.variables]

    def train(self, X, y, sample_weight, *, epochs, warm_start, groups=None):
        """Train for ``epochs`` epochs: from fresh weights, or on from the current ones.

        Rows of zero weight must already be removed (``groups`` stays aligned with ``X``).
        """
        initial_epoch = self.current_epoch if warm_start else 0
        self._fit(
            X,
            y,
            sample_weight=sample_weight,
            warm_start=warm_start,
            epochs=epochs,
            initial_epoch=initial_epoch,
            groups=groups,
        )
        return self

    # ---------------------------------------------------- scikeras extension points
    @property
    def target_encoder(self):
        """scikeras' label encoder over the class indices (every class, even if absent from y)."""
        return _ClassifierLabelEncoder(
            loss="sparse_categorical_crossentropy", categories=[np.arange(self.n_classes)]
        )

    def _validate_data(self, X=None, y=None, reset=False, y_numeric=False):
        if reset:
            self.n_features_in_ = X.shape[1]
        return X, y

    def _initialize_callbacks(self) -> None:
        for callback in self.settings.callbacks:
            if not isinstance(callback, keras.callbacks.Callback):
                raise TypeError(
                    "callbacks must be a list of keras.callbacks.Callback instances; "
                    f"got {callback!r} of type {type(callback).__name__}."
                )

    def _build_keras_model(self):
        return build_dense_network(
            n_features=self.n_features_in_,
            n_classes=self.n_classes,
            hidden_layer_sizes=self.hidden_layer_sizes,
            activation=self.settings.activation,
            learning_rate=float(self.settings.learning_rate),
            seed=self.seed,
            steps_per_execution=training_steps_per_call(_STEPS_PER_EXECUTION),
        )

    def _fit_keras_model(self, X, y, sample_weight, warm_start, epochs, initial_epoch, groups=None):
        pool_key = None
        if not warm_start:
            pool_key = (
                self.n_features_in_,
                self.n_classes,
                self.hidden_layer_sizes,
                self.settings.activation,
                sample_weight is not None,
            )
        history, self.best_epoch_ = train_network(
            self.model_,
            X,
            np.asarray(y).ravel(),
            sample_weight,
            groups=groups,
            settings=self.settings,
            seed=self.seed,
            epochs=epochs,
            initial_epoch=initial_epoch,
            pool_key=pool_key,
            build_trainer=self._build_keras_model,
        )
        if warm_start and initial_epoch > 0 and hasattr(self, "history_"):
            for key, values in history.items():
                self.history_.setdefault(key, []).extend(values)
        else:
            self.history_ = history
