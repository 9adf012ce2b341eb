"""The fitted network of a ``SpeechMusicClassifier``: NumPy arrays, and a Keras network on demand.

The arrays (``coefs_``, ``intercepts_``) are the fitted state, as in
``MLPClassifier``; predictions use them. The Keras network that trained them is kept
while the estimator lives in the process that fitted it, and rebuilt from the arrays
(importing TensorFlow) when the user asks for ``model_`` or training goes on. Once the
user holds ``model_``, they may change its weights (``set_weights``, Keras'
``load_weights``, ``model_.fit``); from then on the arrays are read from the network at
every prediction (~0.3 ms), so predictions can never be stale. Pickles and model files
hold arrays only.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Callable
from typing import Any

import numpy as np
from sklearn.exceptions import NotFittedError
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from ._input_checks import TrainingDivergedError, check_hidden_layer_sizes
from ._runtime import check_network_shapes

__all__ = ["FittedNetworkMixin"]


class FittedNetworkMixin:
    """The network half of ``SpeechMusicClassifier``: arrays, the Keras network, pickling.

    The estimator provides the parameters (``hidden_layer_sizes``, ``activation``,
    ``learning_rate``, ``random_state``...) and ``_check_training_data``.
    """

    hidden_layer_sizes: Any
    activation: str
    learning_rate: float
    random_state: Any

    # Provided by the estimator and by BaseEstimator.
    _check_training_data: Callable[..., Any]
    _validate_params: Callable[[], None]

    @property
    def coefs_(self) -> list[np.ndarray]:
        """Kernel of each layer, output layer last (read-only float64 arrays)."""
        return self._weights()[0]

    @property
    def intercepts_(self) -> list[np.ndarray]:
        """Bias of each layer, output layer last (read-only float64 arrays)."""
        return self._weights()[1]

    @property
    def model_(self):
        """The fitted network as a Keras model (imports TensorFlow on first access)."""
        check_is_fitted(self)
        network = self._keras_network()
        # From now on the user holds the network and may change its weights:
        # predictions read them from it instead of from the arrays.
        self._model_shared = True
        return network.model_

    def _weights(self) -> tuple[list[np.ndarray], list[np.ndarray]]:
        check_is_fitted(self)
        if self.__dict__.get("_model_shared"):
            return self._network.weights()
        return self._coefs, self._intercepts

    def _keras_network(self):
        """The scikeras-managed Keras network, rebuilt from the arrays when absent."""
        network = self.__dict__.get("_network")
        if network is None:
            from ._scikeras_adapter import ScikerasNetwork

            network = ScikerasNetwork.from_weights(
                self._coefs,
                self._intercepts,
                self.__dict__.get("_optimizer_state"),
                seed=self._draw_seed(),
                settings=self._training_settings(),
            )
            network.history_ = copy.deepcopy(getattr(self, "history_", {"loss": []}))
            self._network = network
        return network

    def _set_fitted_network(self, network) -> None:
        """Take the trained network's weights as the fitted state."""
        coefs, intercepts = network.weights()
        if not all(np.isfinite(array).all() for array in (*coefs, *intercepts)):
            raise self._diverged("the weights")
        self._coefs, self._intercepts = coefs, intercepts
        self._network = network
        self.__dict__.pop("_optimizer_state", None)

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
        X, y = self._check_training_data(X, y, reset=True)
        classes, y_index = np.unique(y, return_inverse=True)
        from ._scikeras_adapter import ScikerasNetwork

        network = ScikerasNetwork(
            check_hidden_layer_sizes(self.hidden_layer_sizes),
            classes.size,
            self._draw_seed(),
            self._training_settings(),
        )
        network.initialize(X, y_index)
        self._set_fitted_network(network)
        self._model_shared = False
        self.classes_ = classes
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
        network = self._keras_network()
        optimizer = network.model_.optimizer
        if not optimizer.built:
            # Lets a ``.keras`` checkpoint restore Adam's state too, so training can go on.
            optimizer.build(network.model_.trainable_variables)
        network.model_.load_weights(path)
        self._set_fitted_network(network)
        return self

    def _check_history(self, history: dict, n_new_epochs: int) -> None:
        """Raise when the loss of one of the last ``n_new_epochs`` epochs is not finite."""
        losses = np.asarray(history.get("loss", []), dtype=float)
        first_new = max(losses.size - n_new_epochs, 0)
        bad = np.flatnonzero(~np.isfinite(losses[first_new:]))
        if bad.size:
            raise self._diverged(f"the loss (epoch {first_new + int(bad[0]) + 1})")

    def _diverged(self, what: str) -> TrainingDivergedError:
        return TrainingDivergedError(
            f"Training diverged: {what} became NaN or infinite. The features are probably not "
            "scaled (large values overflow the network's float32 arithmetic): put a StandardScaler "
            "in front, make_pipeline(StandardScaler(), SpeechMusicClassifier()), or lower "
            f"learning_rate (now {self.learning_rate})."
        )

    def _draw_seed(self) -> int:
        return int(check_random_state(self.random_state).randint(np.iinfo(np.int32).max))

    def _training_settings(self):
        from ._training import TrainingSettings

        return TrainingSettings(
            batch_size=int(self.batch_size),
            validation_split=float(self.validation_split),
            early_stopping=bool(self.early_stopping),
            patience=int(self.patience),
            checkpoint_path=self.checkpoint_path,
            callbacks=tuple(self.callbacks or ()),
            activation=self.activation,
            learning_rate=float(self.learning_rate),
            verbose=int(self.verbose),
        )

    def _restricted_to(self, classes):
        """A fitted copy that knows only ``classes``: their probabilities renormalised to sum to 1.

        Softmax over a subset of the output units equals the full softmax's
        probabilities of that subset divided by their sum, so keeping those
        units' weights gives exactly the renormalised probabilities.
        """
        from sklearn.base import clone

        check_is_fitted(self)
        wanted = np.asarray(classes, dtype=self.classes_.dtype)
        unknown = np.setdiff1d(wanted, self.classes_)
        if unknown.size:
            raise ValueError(
                f"classes {unknown.tolist()} are not classes of the model; it knows {self.classes_.tolist()}."
            )
        if wanted.size < 2 or np.unique(wanted).size != wanted.size:
            raise ValueError(
                f"classes must be at least 2 distinct classes of the model, {self.classes_.tolist()}; "
                f"got {list(classes)!r}."
            )
        wanted = np.sort(wanted)
        columns = np.searchsorted(self.classes_, wanted)
        state, arrays = self._fitted_state()
        last = len(self.coefs_) - 1
        arrays[f"coef_{last}"] = arrays[f"coef_{last}"][:, columns]
        arrays[f"intercept_{last}"] = arrays[f"intercept_{last}"][columns]
        state["classes"] = wanted.tolist()
        return clone(self)._restore_fitted_state(state, arrays)

    def __getstate__(self):
        # A copy: object.__getstate__ may return the instance's own __dict__.
        state = dict(super().__getstate__())
        network = state.pop("_network", None)
        if network is not None:
            # Pickles hold arrays, never a Keras object: loading needs no TensorFlow.
            state["_coefs"], state["_intercepts"] = network.weights()
            state["_optimizer_state"] = network.optimizer_state()
        state.pop("_model_shared", None)
        return state

    def _fitted_state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        """JSON-compatible fitted attributes and the named weight arrays, for the safe format."""
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
        coefs, intercepts = self._weights()
        arrays = {f"coef_{index}": kernel.astype(np.float32) for index, kernel in enumerate(coefs)}
        arrays.update(
            {f"intercept_{index}": bias.astype(np.float32) for index, bias in enumerate(intercepts)}
        )
        return state, arrays

    def _restore_fitted_state(
        self, state: dict[str, Any], arrays: dict[str, np.ndarray]
    ) -> FittedNetworkMixin:
        """Inverse of :meth:`_fitted_state`; raises ValueError when the parts do not fit together."""
        classes = np.asarray(state["classes"], dtype=np.dtype(state["classes_dtype"]))
        n_layers = len([name for name in arrays if name.startswith("coef_")])
        coefs = [_read_only(arrays[f"coef_{index}"]) for index in range(n_layers)]
        intercepts = [_read_only(arrays[f"intercept_{index}"]) for index in range(n_layers)]
        n_features = int(state["n_features_in"])
        problem = check_network_shapes(coefs, intercepts, n_features, classes.size)
        if problem is not None:
            raise ValueError(f"{problem} (n_features_in_={n_features}, classes {classes.tolist()})")
        expected_hidden = check_hidden_layer_sizes(self.hidden_layer_sizes)
        if tuple(kernel.shape[1] for kernel in coefs[:-1]) != expected_hidden:
            raise ValueError(f"the network's hidden layers do not match hidden_layer_sizes={expected_hidden}")
        self.classes_ = classes
        self.n_features_in_ = n_features
        if "feature_names_in" in state:
            names = np.asarray(state["feature_names_in"], dtype=object)
            if names.size != n_features:
                raise ValueError(f"{names.size} feature names for {n_features} features")
            self.feature_names_in_ = names
        self.history_ = {str(key): [float(v) for v in values] for key, values in state["history"].items()}
        self.best_epoch_ = state["best_epoch"]
        if state["n_samples_fit"] is not None:
            self.n_samples_fit_ = int(state["n_samples_fit"])
        self._coefs, self._intercepts = coefs, intercepts
        return self


def _read_only(array) -> np.ndarray:
    array = np.array(array, dtype=np.float64)
    array.flags.writeable = False
    return array
