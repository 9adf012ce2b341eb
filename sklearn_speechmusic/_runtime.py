"""The NumPy runtime of the dense network: an activations table and a float64 forward pass.

Every prediction of the package runs here, as in scikit-learn's ``MLPClassifier``:
the classifier's ``predict_proba``, the hold-out metrics while training, a model
loaded from a ``.skm`` file, the pretrained pipeline and the segmenter. TensorFlow is
only needed to train.

The network trains in float32; its weights are float32 numbers, held here as float64
arrays (exactly). The forward pass runs in float64, so a row's probabilities do not
depend on which other rows share its matrix product (BLAS blocks rows differently per
batch size and CPU), to about 1e-15 relative, where float32 would give about 1e-7.
They equal Keras' float32 outputs to float32 rounding (about 1e-6).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

__all__ = ["ACTIVATIONS", "check_network_shapes", "forward_proba"]

# Keras' constants for selu.
_SELU_ALPHA = 1.6732632423543772
_SELU_SCALE = 1.0507009873554805
# Rows per forward pass: bounds the memory of the hidden activations.
_CHUNK_ROWS = 8192


def _sigmoid(x: np.ndarray) -> np.ndarray:
    # exp of a large negative overflows to inf, and 1 / inf is the right limit, 0.
    with np.errstate(over="ignore"):
        return 1 / (1 + np.exp(-x))


def _elu(x: np.ndarray) -> np.ndarray:
    return np.where(x > 0, x, np.expm1(np.minimum(x, 0)))


def _gelu(x: np.ndarray) -> np.ndarray:
    from scipy.special import erf

    return 0.5 * x * (1 + erf(x / np.sqrt(2.0)))


#: Hidden-layer activations by Keras name, as NumPy functions (keras.activations' math).
ACTIVATIONS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "relu": lambda x: np.maximum(x, 0),
    "tanh": np.tanh,
    "sigmoid": _sigmoid,
    "elu": _elu,
    "selu": lambda x: _SELU_SCALE * np.where(x > 0, x, _SELU_ALPHA * np.expm1(np.minimum(x, 0))),
    "gelu": _gelu,
    "silu": lambda x: x * _sigmoid(x),
    "swish": lambda x: x * _sigmoid(x),
    "softplus": lambda x: np.logaddexp(0.0, x),
    "linear": lambda x: x,
}


def forward_proba(
    coefs: Sequence[np.ndarray], intercepts: Sequence[np.ndarray], activation: str, X: np.ndarray
) -> np.ndarray:
    """Softmax class probabilities of the dense network, in float64.

    Parameters
    ----------
    coefs : sequence of ndarray
        Kernel of each layer, hidden layers first, the output layer last; the
        ``i``-th has shape ``(units of layer i - 1, units of layer i)``.
    intercepts : sequence of ndarray
        Bias of each layer, in the same order.
    activation : str
        Name of the hidden layers' activation, a key of :data:`ACTIVATIONS`.
    X : array-like of shape (n_samples, n_features)
        Input rows.

    Returns
    -------
    proba : ndarray of shape (n_samples, n_classes), dtype float64
        Rows that sum to 1.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_speechmusic._runtime import forward_proba
    >>> coefs = [np.eye(2), np.array([[1.0, -1.0], [0.0, 0.0]])]
    >>> intercepts = [np.zeros(2), np.zeros(2)]
    >>> forward_proba(coefs, intercepts, "relu", np.array([[0.0, 0.0], [10.0, 0.0]])).round(4)
    array([[0.5, 0.5],
           [1. , 0. ]])
    """
    X = np.asarray(X, dtype=np.float64)
    apply = ACTIVATIONS[activation]
    chunks = []
    for start in range(0, X.shape[0], _CHUNK_ROWS):
        hidden = X[start : start + _CHUNK_ROWS]
        for kernel, bias in zip(coefs[:-1], intercepts[:-1], strict=True):
            hidden = apply(hidden @ kernel + bias)
        logits = hidden @ coefs[-1] + intercepts[-1]
        exponentials = np.exp(logits - logits.max(axis=1, keepdims=True))
        chunks.append(exponentials / exponentials.sum(axis=1, keepdims=True))
    if not chunks:
        return np.empty((0, coefs[-1].shape[1]))
    return np.concatenate(chunks)


def check_network_shapes(
    coefs: Sequence[np.ndarray], intercepts: Sequence[np.ndarray], n_features: int, n_classes: int
) -> str | None:
    """What is wrong with the shapes of a network's weights, or None when they fit.

    Parameters
    ----------
    coefs, intercepts : sequence of ndarray
        Kernels and biases, as for :func:`forward_proba`.
    n_features : int
        Expected input width.
    n_classes : int
        Expected number of outputs.

    Returns
    -------
    problem : str or None
        A sentence naming the first mismatch.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_speechmusic._runtime import check_network_shapes
    >>> check_network_shapes([np.ones((3, 2))], [np.ones(2)], n_features=3, n_classes=2) is None
    True
    >>> check_network_shapes([np.ones((3, 2))], [np.ones(2)], n_features=3, n_classes=4)
    'the network has 2 outputs for 4 classes'
    """
    if not coefs or len(coefs) != len(intercepts):
        return f"it has {len(coefs)} kernels and {len(intercepts)} biases"
    width = n_features
    for index, (kernel, bias) in enumerate(zip(coefs, intercepts, strict=True)):
        if kernel.ndim != 2 or bias.ndim != 1 or kernel.shape[1] != bias.shape[0]:
            return f"layer {index} has a kernel of shape {kernel.shape} and a bias of shape {bias.shape}"
        if kernel.shape[0] != width:
            what = "the network takes" if index == 0 else f"layer {index} takes"
            return f"{what} {kernel.shape[0]} inputs where {width} are given"
        width = kernel.shape[1]
    if width != n_classes:
        return f"the network has {width} outputs for {n_classes} classes"
    return None
