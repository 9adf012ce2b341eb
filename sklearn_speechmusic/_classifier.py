"""``SpeechMusicClassifier``: the demo's dense network as a scikit-learn classifier.

Reads like scikit-learn's ``MLPClassifier``: parameters and their validation,
label encoding, ``fit``/``partial_fit``/``predict_proba`` and the hooks of the
pickle-free model format. The fitted state is plain arrays; predictions run in the
NumPy runtime (``_runtime``). Training hands the rows to a scikeras-managed Keras
network (``_scikeras_adapter``, ``_training``), imported only then.
"""

from __future__ import annotations

import copy
import os
from numbers import Integral, Real
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import check_is_fitted

from ._compat import Interval, StrOptions, fit_context, validate_data
from ._fitted_network import FittedNetworkMixin
from ._input_checks import (
    check_float32_range,
    check_hidden_layer_sizes,
    check_sample_weight,
    rows_with_weight,
    without_zero_weight_rows,
)
from ._network import DEMO_HIDDEN_LAYER_SIZES
from ._runtime import ACTIVATIONS, forward_proba

# What validate_data records about the input at the start of fit.
_INPUT_ATTRIBUTES = ("n_features_in_", "feature_names_in_")

__all__ = ["SpeechMusicClassifier"]


class SpeechMusicClassifier(FittedNetworkMixin, ClassifierMixin, BaseEstimator):
    """Dense Keras network for speech/music (or any small set of classes).

    The defaults reproduce the original demo network: ``Dense(64, relu) →
    Dense(512, relu, RandomUniform(-0.05, 0.05)) → Dense(128) → Dense(128) →
    Dense(64) → softmax`` output (``RandomUniform(-0.05, 0.05)``), trained with Adam
    on sparse categorical cross-entropy for 20 epochs in batches of 32, holding
    out 20 % of the rows for validation. The network trains in Keras (TensorFlow
    backend) through scikeras; as in :class:`~sklearn.neural_network.MLPClassifier`,
    the fitted state is plain arrays (``coefs_``, ``intercepts_``) and predictions
    run in float64 NumPy, so predicting, pickling and loading need no TensorFlow.

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
        ``val_loss``/``val_accuracy``; with Keras 3.15 or newer, batch-level
        hooks fire once per group of 16 batches (the network runs 16 steps per
        call into TensorFlow), with older Keras once per batch.
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
    coefs_ : list of ndarray
        Kernel of each layer (hidden layers, then the output layer), float64
        copies of the trained float32 weights, read-only.
    intercepts_ : list of ndarray
        Bias of each layer, in the same order.
    model_ : keras.Model
        The fitted network as a Keras model, built from ``coefs_`` and
        ``intercepts_`` on first access when this estimator was loaded or
        unpickled (this imports TensorFlow). Changes made to it
        (``model_.set_weights``, ``model_.load_weights``, ``model_.fit``) are
        seen by later predictions.
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
        "activation": [StrOptions(set(ACTIVATIONS))],
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

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = False
        tags.input_tags.allow_nan = False
        return tags

    def __sklearn_is_fitted__(self) -> bool:
        return "_coefs" in vars(self)

    @property
    def n_classes_(self) -> int:
        """Number of classes, ``len(classes_)``."""
        return len(self.classes_)

    # ------------------------------------------------------------------ fitting
    @fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None, groups=None):
        """Build a fresh network and train it on ``(X, y)``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training features (a NumPy array or a DataFrame of numbers).
        y : array-like of shape (n_samples,)
            Class labels, for example ``"Speech"``/``"Music"``; at least two
            distinct classes.
        sample_weight : array-like of shape (n_samples,), default=None
            Per-row weights of the training loss, non-negative. Rows of weight 0
            are dropped.
        groups : array-like of shape (n_samples,), default=None
            The recording (or speaker, or source) each row comes from. When
            given, the validation hold-out takes whole groups, so ``val_loss``
            and ``val_accuracy`` measure how the network does on recordings it
            does not train on; rows of one recording on both sides would make
            the validation curve flatter than the truth. In a Pipeline pass it
            as ``classifier__groups=...``, or request it with
            ``set_fit_request(groups=True)`` under metadata routing.

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
        # A failed refit keeps the previous model whole: validate_data records the
        # new input's columns before training, so they are put back on failure.
        previous_input = {name: vars(self)[name] for name in _INPUT_ATTRIBUTES if name in vars(self)}
        try:
            return self._fit(X, y, sample_weight, groups)
        except BaseException:
            for name in _INPUT_ATTRIBUTES:
                self.__dict__.pop(name, None)
            self.__dict__.update(previous_input)
            raise

    def _fit(self, X, y, sample_weight, groups):
        X, y = self._check_training_data(X, y, reset=True)
        sample_weight = check_sample_weight(sample_weight, X)
        if groups is not None:
            groups = np.asarray(groups)
            if groups.shape != (X.shape[0],):
                raise ValueError(
                    f"groups must have one entry per row of X ({X.shape[0]}); got shape {groups.shape}."
                )
        X, y, sample_weight, groups = without_zero_weight_rows(X, y, sample_weight, groups)
        classes, y_index = np.unique(y, return_inverse=True)
        if classes.size < 2:
            raise ValueError(
                f"{type(self).__name__} needs samples of at least 2 classes in y; "
                f"got only one class: {classes.tolist()[0]!r}."
            )
        from ._scikeras_adapter import ScikerasNetwork

        network = ScikerasNetwork(
            check_hidden_layer_sizes(self.hidden_layer_sizes),
            classes.size,
            self._draw_seed(),
            self._training_settings(),
        )
        network.train(X, y_index, sample_weight, epochs=int(self.epochs), warm_start=False, groups=groups)
        self._check_history(network.history_, int(self.epochs))
        self._set_fitted_network(network)
        self._model_shared = False
        self.classes_ = classes
        self.history_ = copy.deepcopy(network.history_)
        self.best_epoch_ = network.best_epoch_
        self.n_samples_fit_ = rows_with_weight(X, sample_weight)
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
            them all. Later calls may repeat them, and must not change them.
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
        first_call = not self.__sklearn_is_fitted__()
        self._validate_params()
        if not first_call and classes is not None and not np.array_equal(np.unique(classes), self.classes_):
            raise ValueError(
                f"classes={np.unique(classes).tolist()} is not the same as on the first call to "
                f"partial_fit ({self.classes_.tolist()}); to train on other classes, call fit, "
                "or start from a clone."
            )
        X, y = self._check_training_data(X, y, reset=first_call)
        sample_weight = check_sample_weight(sample_weight, X)
        if first_call:
            known = np.unique(np.asarray(y if classes is None else classes))
            if known.size < 2:
                raise ValueError(
                    f"{type(self).__name__} needs samples of at least 2 classes in y; "
                    f"got only one class: {known.tolist()[0]!r}."
                )
        else:
            known = self.classes_
        unseen = np.setdiff1d(np.unique(y), known)
        if unseen.size:
            raise ValueError(
                f"y contains labels {unseen.tolist()} not seen in the first call; "
                f"known classes are {known.tolist()}. Pass every class to the "
                "first partial_fit call with classes=..."
            )
        if first_call:
            from ._scikeras_adapter import ScikerasNetwork

            network = ScikerasNetwork(
                check_hidden_layer_sizes(self.hidden_layer_sizes),
                known.size,
                self._draw_seed(),
                self._training_settings(),
            )
        else:
            self._rebuild_if_parameters_changed()
            network = self._keras_network()
        try:
            network.train(X, np.searchsorted(known, y), sample_weight, epochs=1, warm_start=True)
            self._check_history(network.history_, 1)
            self._set_fitted_network(network)
        except BaseException:
            # The network may hold a failed step's weights: the next call rebuilds
            # it from the last good arrays.
            self.__dict__.pop("_network", None)
            self._model_shared = False
            raise
        self.classes_ = known
        self.history_ = copy.deepcopy(network.history_)
        self.best_epoch_ = network.best_epoch_
        self.n_samples_fit_ = rows_with_weight(X, sample_weight)
        return self

    def _rebuild_if_parameters_changed(self) -> None:
        """Let ``set_params`` between ``partial_fit`` calls take effect, as after unpickling.

        The network keeps the settings it was built with; when they differ from the
        current parameters it is rebuilt from the fitted arrays and Adam's state, so
        training and ``predict_proba`` use the same activation, batch size and hold-out.
        """
        network = self.__dict__.get("_network")
        if network is not None and network.settings != self._training_settings():
            # As __getstate__ does: the network's weights (the user may have set
            # model_'s) and Adam's state carry over to the rebuilt network.
            self._coefs, self._intercepts = network.weights()
            self._optimizer_state = network.optimizer_state()
            del self._network
            self._model_shared = False

    def _check_training_data(self, X, y, *, reset: bool):
        X, y = validate_data(self, X, y, reset=reset, dtype=np.float64)
        target_type = type_of_target(y, input_name="y")
        if target_type not in ("binary", "multiclass"):
            raise ValueError(
                f"Unknown label type: {target_type!r}. {type(self).__name__} needs class "
                "labels (binary or multiclass) in y, one label per row; for continuous "
                "values use a regressor."
            )
        return check_float32_range(X), y

    # ---------------------------------------------------------------- predicting
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
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=np.float64)
        coefs, intercepts = self._weights()
        return forward_proba(coefs, intercepts, self.activation, X)

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
        probabilities = self.predict_proba(X)
        return self.classes_[np.argmax(probabilities, axis=1)]
