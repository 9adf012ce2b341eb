"""Training-history curves in the scikit-learn Display style."""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.utils.validation import check_is_fitted

from . import _plot_style

_METRIC_LABELS = {"loss": "Loss", "accuracy": "Accuracy"}
# Default of the deprecated ``estimator_name`` (None is a valid value of ``name``).
_DEPRECATED = "deprecated"
_DEMO_FILENAMES = {"loss": "Train_Validation_Loss_{n}.png", "accuracy": "Train_Validation_Accuracy_{n}.png"}


class TrainingHistoryDisplay:
    """Training and validation curves of one metric, per epoch.

    Build it with :meth:`from_estimator` or :meth:`from_history`; ``__init__``
    only stores the data. Call :meth:`plot` to draw.

    Parameters
    ----------
    history : mapping of str to sequence of float
        Per-epoch values, as in ``SpeechMusicClassifier.history_`` or a Keras
        ``History.history``: ``"loss"``, ``"accuracy"``, and ``"val_*"`` keys
        for the validation curves.
    metric : str, default="loss"
        Which metric to draw; a key of ``history`` without the ``val_`` prefix.
    best_epoch : int, default=None
        1-based epoch to mark (the epoch early stopping restored), or None.
    name : str, default=None
        Plot title (e.g. the estimator's name); "Loss per epoch" (or the
        metric's name) when None.
    estimator_name : str, default=None
        Former name of ``name``.

        .. deprecated:: 0.1
           Use ``name`` instead; ``estimator_name`` will be removed in 0.3,
           following scikit-learn's renaming in its own Displays.

    Attributes
    ----------
    lines_ : list of matplotlib.lines.Line2D
        The training curve, then the validation curve when there is one.
    best_epoch_line_ : matplotlib.lines.Line2D or None
        The vertical line marking ``best_epoch``.
    ax_ : matplotlib.axes.Axes
        Axes with the curves.
    figure_ : matplotlib.figure.Figure
        Figure containing the curves.

    See Also
    --------
    plot_training_history : Write the demo's loss and accuracy PNGs in one call.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklearn_speechmusic import TrainingHistoryDisplay
    >>> history = {"loss": [0.7, 0.4, 0.3], "val_loss": [0.8, 0.5, 0.45]}
    >>> disp = TrainingHistoryDisplay.from_history(history, metric="loss")
    >>> [line.get_label() for line in disp.lines_]
    ['Training', 'Validation']
    """

    def __init__(self, *, history, metric="loss", best_epoch=None, name=None, estimator_name=_DEPRECATED):
        self.history = history
        self.metric = metric
        self.best_epoch = best_epoch
        self.name = _renamed(name, estimator_name)

    @property
    def estimator_name(self):
        """Former name of :attr:`name` (deprecated)."""
        warnings.warn(_ESTIMATOR_NAME_MESSAGE, FutureWarning, stacklevel=2)
        return self.name

    def plot(self, *, ax=None, training_kw=None, validation_kw=None, mark_best_epoch=True):
        """Draw the curves.

        Parameters
        ----------
        ax : matplotlib.axes.Axes, default=None
            Axes to draw into; a new figure is created when None.
        training_kw : dict, default=None
            Keyword arguments for ``ax.plot`` of the training curve.
        validation_kw : dict, default=None
            Keyword arguments for ``ax.plot`` of the validation curve.
        mark_best_epoch : bool, default=True
            Draw a vertical line at ``best_epoch`` when it is set.

        Returns
        -------
        display : TrainingHistoryDisplay
            This object, with ``ax_``, ``figure_`` and ``lines_`` set.

        Examples
        --------
        >>> import matplotlib
        >>> matplotlib.use("Agg")
        >>> import matplotlib.pyplot as plt
        >>> from sklearn_speechmusic import TrainingHistoryDisplay
        >>> fig, ax = plt.subplots()
        >>> disp = TrainingHistoryDisplay(history={"loss": [0.5, 0.3]}).plot(ax=ax)
        >>> disp.ax_ is ax
        True
        """
        training, validation = _curves(self.history, self.metric)
        ax = _plot_style.new_axes(ax)
        epochs = np.arange(1, len(training) + 1)
        self.lines_ = ax.plot(epochs, training, **{"label": "Training", "marker": ".", **(training_kw or {})})
        if validation is not None:
            self.lines_ += ax.plot(
                epochs, validation, **{"label": "Validation", "marker": ".", **(validation_kw or {})}
            )
        self.best_epoch_line_ = None
        if mark_best_epoch and self.best_epoch is not None:
            self.best_epoch_line_ = ax.axvline(
                self.best_epoch,
                color="0.5",
                linestyle="--",
                linewidth=1,
                label=f"Best epoch ({self.best_epoch})",
            )
        from matplotlib.ticker import MaxNLocator

        ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # no "epoch 2.5"
        ax.set_xlabel("Epoch")
        label = _METRIC_LABELS.get(self.metric) or _plot_style.readable(self.metric)
        ax.set_ylabel(label)
        ax.grid(True, alpha=0.3)
        title = self.name if self.name is not None else f"{label} per epoch"
        _plot_style.title_and_legend(ax, title, legend="above")
        self.ax_ = ax
        self.figure_ = ax.figure
        return self

    @classmethod
    def from_estimator(cls, estimator, *, metric="loss", name=None, ax=None, mark_best_epoch=True, **plot_kw):
        """Plot the history of a fitted classifier.

        Parameters
        ----------
        estimator : estimator
            A fitted :class:`~sklearn_speechmusic.SpeechMusicClassifier`, a Pipeline
            ending in one, or a fitted search (``GridSearchCV``…) whose
            ``best_estimator_`` is either. Each network of a
            :class:`~sklearn_speechmusic.SeedEnsembleClassifier` has its own
            history: pass one of its ``estimators_``.
        metric : str, default="loss"
            ``"loss"`` or ``"accuracy"`` (or another metric in ``history_``).
        name : str, default=None
            Plot title; "Loss per epoch" (or the metric's name) when None.
        ax : matplotlib.axes.Axes, default=None
            Axes to draw into; a new figure is created when None.
        mark_best_epoch : bool, default=True
            Mark the epoch restored by early stopping.
        **plot_kw : dict
            ``training_kw``/``validation_kw`` passed on to :meth:`plot`.

        Returns
        -------
        display : TrainingHistoryDisplay
            The display, plotted.

        Examples
        --------
        >>> import matplotlib
        >>> matplotlib.use("Agg")
        >>> import numpy as np
        >>> from sklearn_speechmusic import SpeechMusicClassifier, TrainingHistoryDisplay
        >>> X = np.array([[0.0, 1.0], [1.0, 0.0]] * 10)
        >>> clf = SpeechMusicClassifier(epochs=3, random_state=0).fit(X, ["a", "b"] * 10)
        >>> disp = TrainingHistoryDisplay.from_estimator(clf, metric="accuracy")
        >>> len(disp.lines_[0].get_ydata())
        3
        """
        fitted = _history_owner(estimator)
        return cls.from_history(
            fitted.history_,
            metric=metric,
            best_epoch=getattr(fitted, "best_epoch_", None),
            name=name,
            ax=ax,
            mark_best_epoch=mark_best_epoch,
            **plot_kw,
        )

    @classmethod
    def from_history(
        cls,
        history,
        *,
        metric="loss",
        best_epoch=None,
        name=None,
        estimator_name=_DEPRECATED,
        ax=None,
        mark_best_epoch=True,
        **plot_kw,
    ):
        """Plot a history dictionary (or a Keras ``History`` object).

        Parameters
        ----------
        history : mapping or keras.callbacks.History
            Per-epoch values keyed by metric name; ``val_<metric>`` keys give the
            validation curve.
        metric : str, default="loss"
            Which metric to draw.
        best_epoch : int, default=None
            1-based epoch to mark, or None.
        name : str, default=None
            Plot title; "Loss per epoch" (or the metric's name) when None.
        estimator_name : str, default=None
            Former name of ``name``.

            .. deprecated:: 0.1
               Use ``name`` instead; ``estimator_name`` will be removed in 0.3.
        ax : matplotlib.axes.Axes, default=None
            Axes to draw into; a new figure is created when None.
        mark_best_epoch : bool, default=True
            Draw the ``best_epoch`` marker.
        **plot_kw : dict
            ``training_kw``/``validation_kw`` passed on to :meth:`plot`.

        Returns
        -------
        display : TrainingHistoryDisplay
            The display, plotted.

        Examples
        --------
        >>> import matplotlib
        >>> matplotlib.use("Agg")
        >>> from sklearn_speechmusic import TrainingHistoryDisplay
        >>> disp = TrainingHistoryDisplay.from_history({"accuracy": [0.6, 0.8]}, metric="accuracy")
        >>> disp.ax_.get_ylabel()
        'Accuracy'
        """
        history = getattr(history, "history", history)  # a keras.callbacks.History
        _curves(history, metric)  # fail before any figure is created
        name = _renamed(name, estimator_name)
        display = cls(history=history, metric=metric, best_epoch=best_epoch, name=name)
        return display.plot(ax=ax, mark_best_epoch=mark_best_epoch, **plot_kw)


def plot_training_history(estimator, output_dir, *, n_samples=None, dpi=300) -> list[Path]:
    """Write the demo's loss and accuracy figures as PNG files.

    Writes ``Train_Validation_Loss_<N>.png`` and
    ``Train_Validation_Accuracy_<N>.png`` in the package's figure style (the
    original demo's): serif text, 5 inches wide, golden-ratio height. Text is
    typeset with LaTeX only when a LaTeX installation (``latex`` and
    ``dvipng``) is found.

    Parameters
    ----------
    estimator : estimator
        A fitted classifier, Pipeline or search, as for
        :meth:`TrainingHistoryDisplay.from_estimator`.
    output_dir : str or path-like
        Folder for the PNGs; created if missing.
    n_samples : int, default=None
        The ``N`` in the file names: the number of data points. Defaults to the
        number of rows the classifier was fitted on (``n_samples_fit_``).
    dpi : int, default=300
        Resolution of the PNGs.

    Returns
    -------
    paths : list of pathlib.Path
        The loss figure, then the accuracy figure.

    Examples
    --------
    >>> import tempfile
    >>> import numpy as np
    >>> from sklearn_speechmusic import SpeechMusicClassifier, plot_training_history
    >>> X = np.array([[0.0, 1.0], [1.0, 0.0]] * 10)
    >>> clf = SpeechMusicClassifier(epochs=3, random_state=0).fit(X, ["a", "b"] * 10)
    >>> [path.name for path in plot_training_history(clf, tempfile.mkdtemp(), dpi=50)]
    ['Train_Validation_Loss_20.png', 'Train_Validation_Accuracy_20.png']
    """
    fitted = _history_owner(estimator)
    if n_samples is None:
        n_samples = fitted.n_samples_fit_
    output = Path(output_dir)
    output.mkdir(parents=True, exist_ok=True)
    paths = []
    with _plot_style.style(usetex=_plot_style.latex_available()):
        for metric, pattern in _DEMO_FILENAMES.items():
            # A bare Figure, not pyplot: nothing is left open in the user's session.
            figure = _plot_style.figure()
            TrainingHistoryDisplay.from_estimator(fitted, metric=metric, ax=figure.add_subplot())
            # Fixed size (the demo's): the layout fits the title and legend inside it.
            figure.tight_layout()
            path = output / pattern.format(n=n_samples)
            figure.savefig(path, dpi=dpi)
            paths.append(path)
    return paths


_ESTIMATOR_NAME_MESSAGE = (
    "estimator_name is deprecated and will be removed in 0.3; use name instead "
    "(scikit-learn's Displays made the same change)."
)


def _renamed(name, estimator_name):
    """``name``, or the deprecated ``estimator_name`` with a FutureWarning."""
    if isinstance(estimator_name, str) and estimator_name == _DEPRECATED:
        return name
    warnings.warn(_ESTIMATOR_NAME_MESSAGE, FutureWarning, stacklevel=3)
    if name is not None:
        raise ValueError("pass name only; estimator_name is its deprecated former spelling")
    return estimator_name


def _curves(history: Mapping[str, Sequence[float]], metric: str) -> tuple[np.ndarray, np.ndarray | None]:
    available = sorted(key for key in history if not key.startswith("val_"))
    if metric not in available:
        raise ValueError(f"Unknown metric {metric!r}; valid metrics for this history are {available}.")
    training = np.asarray(history[metric], dtype=float)
    validation = history.get(f"val_{metric}")
    return training, None if validation is None else np.asarray(validation, dtype=float)


def _history_owner(estimator: Any) -> Any:
    """The fitted classifier holding ``history_`` inside searches and pipelines."""
    while True:
        if hasattr(estimator, "best_estimator_"):
            estimator = estimator.best_estimator_
        elif hasattr(estimator, "steps"):
            check_is_fitted(estimator)
            estimator = estimator.steps[-1][1]
        else:
            break
    check_is_fitted(estimator)
    members = getattr(estimator, "estimators_", None)
    if not hasattr(estimator, "history_") and members and hasattr(members[0], "history_"):
        raise TypeError(
            f"{type(estimator).__name__} averages {len(members)} networks, each with its own "
            "training history; plot one of them, e.g. from_estimator(ensemble.estimators_[0]) "
            "(for load_pretrained(), load_pretrained()[-1].estimators_[0])."
        )
    if not hasattr(estimator, "history_"):
        raise TypeError(
            f"{type(estimator).__name__} has no training history (history_); pass a fitted "
            "SpeechMusicClassifier, a Pipeline ending in one, or a search over one."
        )
    return estimator
