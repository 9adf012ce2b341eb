"""The dense Keras network of the original speech/music demo, and its weights as NumPy arrays.

Only training builds a Keras network; predictions run on the arrays (``_runtime``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # pragma: no cover - typing only
    import keras

#: Layer sizes of the original demo: Dense 64 → 512 → 128 → 128 → 64.
DEMO_HIDDEN_LAYER_SIZES: tuple[int, ...] = (64, 512, 128, 128, 64)

# The demo drew the second hidden layer and the output layer from
# RandomUniform(-0.05, 0.05); every other layer kept Keras' Glorot-uniform default.
_DEMO_UNIFORM_LIMIT = 0.05
_DEMO_UNIFORM_HIDDEN_LAYER = 1


def build_dense_network(
    *,
    n_features: int,
    n_classes: int,
    hidden_layer_sizes: Sequence[int],
    activation: str,
    learning_rate: float,
    seed: int,
    steps_per_execution: int = 1,
) -> keras.Model:
    """Build and compile the demo's dense softmax classifier.

    Every initializer gets its own seed drawn from ``seed``, so the same seed
    always gives the same starting weights without touching TensorFlow's
    process-wide random state.

    Parameters
    ----------
    n_features : int
        Width of the input layer.
    n_classes : int
        Number of softmax outputs.
    hidden_layer_sizes : sequence of int
        Units of each hidden ``Dense`` layer, in order.
    activation : str
        Keras activation name used by every hidden layer.
    learning_rate : float
        Adam's learning rate.
    seed : int
        Seed for all weight initializers.
    steps_per_execution : int, default=1
        Training batches run per call into TensorFlow; more cuts Python
        overhead per step, batch-level callbacks then fire once per group.

    Returns
    -------
    keras.Model
        A compiled model: Adam, sparse categorical cross-entropy, accuracy.

    Examples
    --------
    >>> from sklearn_speechmusic._network import build_dense_network
    >>> model = build_dense_network(n_features=4, n_classes=2,
    ...     hidden_layer_sizes=(8,), activation="relu", learning_rate=1e-3, seed=0)
    >>> model.output_shape
    (None, 2)
    """
    import keras

    layer_seeds = iter(
        np.random.RandomState(seed).randint(0, 2**31 - 1, size=2 * len(hidden_layer_sizes) + 2)
    )

    def demo_uniform() -> keras.initializers.Initializer:
        return keras.initializers.RandomUniform(
            minval=-_DEMO_UNIFORM_LIMIT, maxval=_DEMO_UNIFORM_LIMIT, seed=int(next(layer_seeds))
        )

    def glorot() -> keras.initializers.Initializer:
        return keras.initializers.GlorotUniform(seed=int(next(layer_seeds)))

    inputs = keras.Input(shape=(n_features,), name="features")
    hidden = inputs
    for index, units in enumerate(hidden_layer_sizes):
        initializer = demo_uniform() if index == _DEMO_UNIFORM_HIDDEN_LAYER else glorot()
        hidden = keras.layers.Dense(
            int(units), activation=activation, kernel_initializer=initializer, name=f"hidden_{index + 1}"
        )(hidden)
    outputs = keras.layers.Dense(
        n_classes, activation="softmax", kernel_initializer=demo_uniform(), name="class_probabilities"
    )(hidden)
    model = keras.Model(inputs=inputs, outputs=outputs, name="speech_music_dense")
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=learning_rate),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
        steps_per_execution=steps_per_execution,
    )
    return model


def network_weights(model: keras.Model) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """The kernels and biases of a network built by :func:`build_dense_network`.

    Parameters
    ----------
    model : keras.Model
        The network.

    Returns
    -------
    coefs, intercepts : list of ndarray
        float64 copies (exact: the network trains in float32), read-only, in layer
        order, output layer last.

    Examples
    --------
    >>> from sklearn_speechmusic._network import build_dense_network, network_weights
    >>> model = build_dense_network(n_features=4, n_classes=2,
    ...     hidden_layer_sizes=(8,), activation="relu", learning_rate=1e-3, seed=0)
    >>> coefs, intercepts = network_weights(model)
    >>> [c.shape for c in coefs], coefs[0].dtype.name
    ([(4, 8), (8, 2)], 'float64')
    """
    arrays = []
    for value in model.get_weights():
        array = np.array(value, dtype=np.float64)
        array.flags.writeable = False
        arrays.append(array)
    return arrays[0::2], arrays[1::2]


def set_network_weights(
    model: keras.Model, coefs: Sequence[np.ndarray], intercepts: Sequence[np.ndarray]
) -> None:
    """Give a network built by :func:`build_dense_network` these kernels and biases.

    Parameters
    ----------
    model : keras.Model
        The network, of matching shapes.
    coefs, intercepts : sequence of ndarray
        As returned by :func:`network_weights`.

    Examples
    --------
    >>> from sklearn_speechmusic._network import build_dense_network, network_weights, set_network_weights
    >>> build = dict(n_features=4, n_classes=2, hidden_layer_sizes=(8,), activation="relu",
    ...     learning_rate=1e-3)
    >>> source, target = build_dense_network(**build, seed=0), build_dense_network(**build, seed=1)
    >>> set_network_weights(target, *network_weights(source))
    >>> bool((network_weights(target)[0][0] == network_weights(source)[0][0]).all())
    True
    """
    interleaved = [array for pair in zip(coefs, intercepts, strict=True) for array in pair]
    model.set_weights([np.asarray(array, dtype=np.float32) for array in interleaved])
