"""Private APIs of other libraries, in one place, across the versions this package supports.

scikit-learn 1.6 – 1.9 and Keras 3.5 – 3.15 are supported (``pyproject.toml``). Every
name below is private in its library or changed between those releases; the rest of
the package imports it from here, so a future break is mended in one module.

* ``fit_context``, ``HasMethods``, ``Interval``, ``StrOptions``: scikit-learn's parameter validation
  (``sklearn.base._fit_context``, ``sklearn.utils._param_validation``), stable since 1.3.
* ``routing_enabled``: whether metadata routing is on (``sklearn.utils.metadata_routing.
  _routing_enabled``), private since routing arrived in 1.3.
* ``validate_sample_weight``: ``sklearn.utils.validation._check_sample_weight``, private
  and with the same signature since 1.0.
* ``validate_data``: public in ``sklearn.utils.validation`` since 1.6 (the
  ``BaseEstimator._validate_data`` method before it).
* :func:`training_steps_per_call`: Keras before 3.15 (3.5 measured) stops a finite
  ``tf.data`` dataset after the first epoch when ``steps_per_execution`` > 1.
* :func:`read_keras_dense_weights`: the layout of the weights file inside a Keras 3
  ``.keras`` archive, used only to read model files written by sklearn-speechmusic 0.1
  (format version 1), which stored the network in Keras' own format.
"""

from __future__ import annotations

import io
import zipfile

import numpy as np
from sklearn.base import _fit_context as fit_context
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.metadata_routing import _routing_enabled as routing_enabled
from sklearn.utils.validation import _check_sample_weight as validate_sample_weight
from sklearn.utils.validation import validate_data

__all__ = [
    "HasMethods",
    "Interval",
    "StrOptions",
    "fit_context",
    "read_keras_dense_weights",
    "routing_enabled",
    "training_steps_per_call",
    "validate_data",
    "validate_sample_weight",
]

# The oldest Keras measured to run several steps per call over a finite dataset for
# every epoch; 3.5 runs out of data after the first.
_KERAS_GROUPED_STEPS_FROM = (3, 15)


def training_steps_per_call(wanted: int) -> int:
    """Training batches per call into TensorFlow that the installed Keras handles correctly.

    Parameters
    ----------
    wanted : int
        Steps per call that would be used on a current Keras.

    Returns
    -------
    steps : int
        ``wanted``, or 1 on a Keras release that mishandles grouped steps.

    Examples
    --------
    >>> from sklearn_speechmusic._compat import training_steps_per_call
    >>> training_steps_per_call(16) in (1, 16)
    True
    """
    import keras

    version = tuple(int(part) for part in keras.__version__.split(".")[:2])
    return wanted if version >= _KERAS_GROUPED_STEPS_FROM else 1


def read_keras_dense_weights(keras_archive: bytes) -> list[np.ndarray]:
    """Kernels and biases of the ``Dense`` layers stored in a Keras 3 ``.keras`` archive.

    Keras 3 (tested 3.5 to 3.15) files each layer's variables in ``model.weights.h5``
    under ``layers/<layer>/vars/<index>``, the layers named ``dense``, ``dense_1``, ...
    in the model's order whatever the layers are called. Nothing in the archive is
    deserialised or executed: only the arrays are read.

    Parameters
    ----------
    keras_archive : bytes
        The ``.keras`` file's bytes.

    Returns
    -------
    weights : list of ndarray
        Kernel, bias of each dense layer in order, as float32 arrays.

    Raises
    ------
    KeyError, OSError, ValueError, zipfile.BadZipFile
        If the archive does not hold such a weights file.

    Examples
    --------
    >>> from sklearn_speechmusic._compat import read_keras_dense_weights
    >>> try:
    ...     read_keras_dense_weights(b"not a zip")
    ... except Exception as error:
    ...     print(type(error).__name__)
    BadZipFile
    """
    import h5py

    with zipfile.ZipFile(io.BytesIO(keras_archive)) as archive:
        weights_file = io.BytesIO(archive.read("model.weights.h5"))
    with h5py.File(weights_file, "r") as stored:
        dense = [key for key in stored["layers"] if key == "dense" or key.startswith("dense_")]
        dense.sort(key=lambda key: 0 if key == "dense" else int(key.rsplit("_", 1)[1]))
        return [
            np.asarray(stored[f"layers/{layer}/vars/{index}"], dtype=np.float32)
            for layer in dense
            for index in ("0", "1")
        ]
