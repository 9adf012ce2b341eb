"""How a Keras network is trained: data pipeline, seeded hold-out, callbacks and the trainer pool.

Imported only when a network trains (it imports TensorFlow). The estimator
(``_classifier``) decides *what* to train; :func:`train_network` does it:

* a ``tf.data`` pipeline reshuffled every epoch with an op-level seed, so fits are
  reproducible without touching TensorFlow's process-wide random state;
* a shuffled, stratified validation hold-out (Keras' own ``validation_split`` takes
  the last rows), scored in NumPy by :class:`HoldoutMetrics`;
* early stopping and checkpoints on the same monitored loss;
* a pool of already-traced trainers. TensorFlow keeps every traced training
  function for the life of the process (tensorflow#61791), ~12 MB each; a fresh fit
  therefore trains a pooled network of the same architecture, starting from the
  estimator's own seeded weights and a reset optimizer, and copies the result back.
  The pool is per thread (Keras models are not thread-safe) and holds at most
  :data:`MAX_TRAINERS_PER_THREAD` networks. It is the package's one piece of
  process-wide state, and it changes no result: a pooled fit equals a fresh one.
"""

from __future__ import annotations

import math
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass

import keras
import numpy as np
from sklearn.model_selection import train_test_split

from ._runtime import forward_proba

__all__ = [
    "MAX_TRAINERS_PER_THREAD",
    "HoldoutMetrics",
    "TrainingSettings",
    "check_checkpoint_path",
    "copy_training_state",
    "stratified_holdout",
    "train_network",
    "trainer_pool",
]

#: Networks kept per thread for reuse by later fits.
MAX_TRAINERS_PER_THREAD = 4
_CHECKPOINT_SUFFIXES = (".weights.h5", ".keras")
_POOL = threading.local()


@dataclass(frozen=True)
class TrainingSettings:
    """The estimator parameters that govern one training run."""

    batch_size: int
    validation_split: float
    early_stopping: bool
    patience: int
    checkpoint_path: str | os.PathLike | None
    callbacks: tuple
    activation: str
    learning_rate: float
    verbose: int


def trainer_pool() -> dict:
    """This thread's pool of traced trainers, keyed by architecture (most recently used last)."""
    pool = getattr(_POOL, "trainers", None)
    if pool is None:
        pool = _POOL.trainers = {}
    return pool


def train_network(
    model: keras.Model,
    X: np.ndarray,
    y: np.ndarray,
    sample_weight: np.ndarray | None,
    *,
    groups: np.ndarray | None = None,
    settings: TrainingSettings,
    seed: int,
    epochs: int,
    initial_epoch: int,
    pool_key: tuple | None,
    build_trainer: Callable[[], keras.Model],
) -> tuple[dict[str, list[float]], int | None]:
    """Train ``model`` on ``(X, y)`` for ``epochs`` epochs from ``initial_epoch``.

    Parameters
    ----------
    model : keras.Model
        The compiled network; holds the trained weights and optimizer state afterwards.
    X : ndarray of shape (n_samples, n_features), dtype float32
        Training rows.
    y : ndarray of shape (n_samples,)
        Integer class indices.
    sample_weight : ndarray of shape (n_samples,) or None
        Per-row loss weights.
    groups : ndarray of shape (n_samples,) or None
        Recording of each row: the validation hold-out takes whole groups.
    settings : TrainingSettings
        Batch size, hold-out, callbacks and the other training parameters.
    seed : int
        Seeds the hold-out and the batch order (with ``initial_epoch``).
    epochs : int
        Epochs to train.
    initial_epoch : int
        Epochs already trained (``partial_fit``), for Keras' epoch numbering.
    pool_key : tuple or None
        Architecture key: train a pooled, already-traced network of this
        architecture on ``model``'s behalf. None trains ``model`` itself.
    build_trainer : callable
        Builds a new network of the same architecture when the pool has none.

    Returns
    -------
    history : dict of str to list of float
        Per-epoch metrics of this run.
    best_epoch : int or None
        With early stopping, the 1-based epoch whose weights were restored.
    """
    import tensorflow as tf

    check_checkpoint_path(settings.checkpoint_path)
    split_rng = np.random.RandomState([seed, initial_epoch])
    train_idx, val_idx = stratified_holdout(y, settings.validation_split, split_rng, groups)
    train_arrays: tuple = (X[train_idx], y[train_idx])
    if sample_weight is not None:
        train_arrays += (sample_weight[train_idx],)
    dataset = (
        tf.data.Dataset.from_tensor_slices(train_arrays)
        # An op-level seed makes the batch order reproducible without setting
        # TensorFlow's global seed.
        .shuffle(len(train_idx), seed=int(split_rng.randint(np.iinfo(np.int32).max)))
        .batch(int(settings.batch_size))
    )
    callbacks: list = []
    if val_idx.size:
        # First, so that early stopping, checkpoints, user callbacks and the
        # History all see val_loss/val_accuracy of the epoch.
        callbacks.append(
            HoldoutMetrics(
                X[val_idx],
                y[val_idx].astype(np.int64),
                None if sample_weight is None else sample_weight[val_idx],
                settings.activation,
            )
        )
    monitor = "val_loss" if val_idx.size else "loss"
    # A NaN loss never recovers; the estimator reports it after the run.
    callbacks.append(keras.callbacks.TerminateOnNaN())
    callbacks += list(settings.callbacks)
    stopper = None
    if settings.early_stopping:
        stopper = keras.callbacks.EarlyStopping(
            monitor=monitor, patience=int(settings.patience), restore_best_weights=True
        )
        callbacks.append(stopper)
    if settings.checkpoint_path is not None:
        path = os.fspath(settings.checkpoint_path)
        callbacks.append(
            keras.callbacks.ModelCheckpoint(
                path, monitor=monitor, save_best_only=True, save_weights_only=path.endswith(".weights.h5")
            )
        )

    trainer = model
    if pool_key is not None:
        # Out of the pool while it trains: a fit nested in a callback of this
        # one gets a trainer of its own.
        trainer = trainer_pool().pop(pool_key, None) or build_trainer()
        copy_training_state(model, trainer)
        trainer.optimizer.learning_rate.assign(float(settings.learning_rate))
        trainer.stop_training = False
    try:
        keras_history = trainer.fit(
            dataset,
            epochs=initial_epoch + epochs,
            initial_epoch=initial_epoch,
            callbacks=callbacks,
            shuffle=False,  # the dataset above already reshuffles every epoch
            verbose=int(settings.verbose),
        )
        if trainer is not model:
            copy_training_state(trainer, model)
    finally:
        if trainer is not model:
            _return_trainer(pool_key, trainer)
    history = {key: [float(value) for value in values] for key, values in keras_history.history.items()}
    best_epoch = None if stopper is None else int(stopper.best_epoch) + 1
    return history, best_epoch


class HoldoutMetrics(keras.callbacks.Callback):
    """``val_loss`` and ``val_accuracy`` of the hold-out rows, computed by the NumPy runtime.

    Keras' own validation runs ``evaluate`` every epoch, which costs ~50 ms of
    data-pipeline set-up for a few hundred rows (a third of a default fit). The
    same sparse categorical cross-entropy (probabilities clipped to
    [1e-7, 1 - 1e-7], weighted loss summed over rows and divided by their
    number) and accuracy (weighted mean) take about a millisecond here.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        Hold-out rows.
    y : ndarray of shape (n_samples,)
        Their integer class indices.
    sample_weight : ndarray of shape (n_samples,) or None
        Their loss weights.
    activation : str
        The hidden layers' activation.
    """

    def __init__(self, X, y, sample_weight, activation):
        super().__init__()
        self.X, self.y, self.activation = X, y, activation
        self.sample_weight = (
            np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, dtype=float)
        )

    def on_epoch_end(self, epoch, logs=None):
        weights = self.model.get_weights()
        probabilities = forward_proba(weights[0::2], weights[1::2], self.activation, self.X)
        true_class = probabilities[np.arange(len(self.y)), self.y]
        losses = -np.log(np.clip(true_class, 1e-7, 1 - 1e-7))
        correct = probabilities.argmax(axis=1) == self.y
        if logs is not None:
            logs["val_loss"] = float(np.sum(self.sample_weight * losses) / len(self.y))
            logs["val_accuracy"] = float(np.sum(self.sample_weight * correct) / np.sum(self.sample_weight))


def _return_trainer(key, trainer) -> None:
    """Put a pooled trainer back, most recently used last; drop the oldest beyond the cap."""
    pool = trainer_pool()
    pool[key] = trainer
    while len(pool) > MAX_TRAINERS_PER_THREAD:
        pool.pop(next(iter(pool)))


def copy_training_state(source: keras.Model, target: keras.Model) -> None:
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


def check_checkpoint_path(checkpoint_path) -> None:
    """Refuse a checkpoint path Keras cannot write, before any training."""
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


def stratified_holdout(y, validation_split, rng, groups=None) -> tuple[np.ndarray, np.ndarray]:
    """Indices of the training and validation rows: shuffled, stratified by class.

    Falls back to a plain shuffled split when a class is too small to appear on
    both sides, and holds nothing out when there are fewer than two rows. With
    ``groups``, whole groups (recordings) are held out, so that no recording has
    rows on both sides: for each class, its groups (by majority label) are taken
    in a shuffled order until they hold ``validation_split`` of the class's rows.

    Parameters
    ----------
    y : ndarray of shape (n_samples,)
        Labels.
    validation_split : float
        Share of rows to hold out.
    rng : numpy.random.RandomState
        Source of the split's seed.
    groups : ndarray of shape (n_samples,), default=None
        Recording (or speaker, source...) of each row.

    Returns
    -------
    train_idx, val_idx : ndarray
        Sorted row indices.
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
    if groups is not None:
        return _group_holdout(y, np.asarray(groups), validation_split, np.random.RandomState(seed))
    try:
        train_idx, val_idx = train_test_split(indices, test_size=n_validation, stratify=y, random_state=seed)
    except ValueError:
        train_idx, val_idx = train_test_split(indices, test_size=n_validation, random_state=seed)
    return np.sort(train_idx), np.sort(val_idx)


def _group_holdout(y, groups, validation_split, rng) -> tuple[np.ndarray, np.ndarray]:
    group_names, group_of_row = np.unique(groups, return_inverse=True)
    if group_names.size < 2:
        raise ValueError(
            f"groups holds a single group ({group_names[0]!r}); a validation hold-out by group needs "
            "at least 2. Pass one group per recording, or fit without groups."
        )
    classes, class_of_row = np.unique(y, return_inverse=True)
    counts = np.zeros((group_names.size, classes.size), dtype=int)
    np.add.at(counts, (group_of_row, class_of_row), 1)
    majority = counts.argmax(axis=1)
    held_out = np.zeros(group_names.size, dtype=bool)
    for label in range(classes.size):
        candidates = rng.permutation(np.flatnonzero(majority == label))
        wanted = validation_split * counts[:, label].sum()
        taken = 0
        # Keep at least one group of the class for training.
        for group in candidates[:-1]:
            if taken >= wanted:
                break
            held_out[group] = True
            taken += counts[group, label]
    if not held_out.any():
        held_out[rng.randint(group_names.size)] = True
    validation = held_out[group_of_row]
    return np.flatnonzero(~validation), np.flatnonzero(validation)
