"""Permutation importance of the named audio features, grouped by physical family."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from . import _plot_style

#: Feature families and the name prefixes that select their features (the first
#: match wins: ``spectral_flux`` before ``spectral_``); the rest is "Other".
FAMILIES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Syllabic modulation", ("modulation_",)),
    ("Spectral flux", ("spectral_flux",)),
    ("Spectral shape", ("spectral_", "zcr_")),
    ("Tonal persistence", ("tonal_persistence",)),
    ("Voice and rhythm", ("pitch_", "vibrato_", "voiced_", "hnr_", "beat_", "tonal_bed_")),
    ("Level dynamics", ("rms_", "low_energy", "level_")),
    ("MFCC", ("mfcc_",)),
)
OTHER_FAMILY = "Other"
#: One colour per family (colour-blind-safe tab10 entries), grey for the rest.
FAMILY_COLORS = {
    "Syllabic modulation": "tab:blue",
    "Spectral flux": "tab:orange",
    "Spectral shape": "tab:green",
    "Tonal persistence": "tab:red",
    "Voice and rhythm": "tab:purple",
    "Level dynamics": "tab:brown",
    "MFCC": "tab:cyan",
    OTHER_FAMILY: "0.6",
}


def feature_family(name: str) -> str:
    """The physical family of a feature, from its name.

    Parameters
    ----------
    name : str
        A column name of :meth:`AudioFeatureExtractor.get_feature_names_out`,
        or any other feature name.

    Returns
    -------
    family : str
        One of the names in :data:`FAMILIES`, or ``"Other"``.

    Examples
    --------
    >>> from sklearn_speechmusic._feature_importance_display import feature_family
    >>> feature_family("modulation_4hz_ratio"), feature_family("spectral_flux_var")
    ('Syllabic modulation', 'Spectral flux')
    >>> feature_family("pitch_stability"), feature_family("my_new_feature")
    ('Voice and rhythm', 'Other')
    """
    for family, prefixes in FAMILIES:
        if str(name).startswith(prefixes):
            return family
    return OTHER_FAMILY


class FeatureImportanceDisplay:
    """Permutation importance of named features, grouped by physical family.

    Shuffling one feature's column breaks its link with the labels; the drop in
    the model's score measures how much the model relies on it. Bars are
    grouped by family (syllabic modulation, spectral shape and flux, tonal
    persistence, voice and rhythm, level dynamics, MFCC): the figure reads in
    physical terms.

    Build it with :meth:`from_estimator` (computes the importances) or
    :meth:`from_importances` (importances you already have); ``__init__`` only
    stores the data. Call :meth:`plot` to draw.

    Parameters
    ----------
    importances : array-like of shape (n_features, n_repeats) or (n_features,)
        Drop in score when each feature is shuffled, one column per repeat, as
        in ``sklearn.inspection.permutation_importance(...).importances``.
    feature_names : sequence of str of length n_features
        Name of each feature.
    families : sequence of str of length n_features, default=None
        Family of each feature; derived from the names when None (names of no
        known family go to ``"Other"``).
    scoring : str, default=None
        What the score was, for the axis label (e.g. ``"neg_log_loss"``); the
        estimator's default score (accuracy) when None.
    name : str, default=None
        Plot title (e.g. the estimator's name); "Permutation importance" when
        None.

    Attributes
    ----------
    bars_ : matplotlib.container.BarContainer
        The bars, top feature first.
    shown_features_ : list of str
        Names of the features drawn, top to bottom.
    feature_families_ : list of str
        Family of every feature (not only those drawn), in the order of
        ``feature_names``.
    ax_ : matplotlib.axes.Axes
        Axes with the bars.
    figure_ : matplotlib.figure.Figure
        Figure containing the bars.

    See Also
    --------
    sklearn.inspection.permutation_importance : Computes the importances.
    AudioFeatureExtractor.describe_features : What each feature measures.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklearn_speechmusic import FeatureImportanceDisplay
    >>> disp = FeatureImportanceDisplay.from_importances(
    ...     [[0.10, 0.12], [0.02, 0.01], [0.05, 0.04]],
    ...     ["modulation_4hz_ratio", "mfcc_3_mean", "spectral_flux_var"],
    ... )
    >>> disp.shown_features_
    ['modulation_4hz_ratio', 'spectral_flux_var', 'mfcc_3_mean']
    """

    def __init__(self, importances, feature_names, *, families=None, scoring=None, name=None):
        self.importances = importances
        self.feature_names = feature_names
        self.families = families
        self.scoring = scoring
        self.name = name

    def plot(self, *, ax=None, max_features=15, group_by_family=True, colors=None, bar_kw=None):
        """Draw the importances as horizontal bars.

        Parameters
        ----------
        ax : matplotlib.axes.Axes, default=None
            Axes to draw into; a new figure is created when None.
        max_features : int, default=15
            Draw the features with the largest mean importance, at most this
            many; None draws all of them.
        group_by_family : bool, default=True
            Keep each family's features together (families ordered by their
            summed importance, features by their own); False orders by
            importance only.
        colors : dict of str to color, default=None
            Colour per family, overriding the defaults.
        bar_kw : dict, default=None
            Keyword arguments for ``ax.barh``.

        Returns
        -------
        display : FeatureImportanceDisplay
            This object, with ``ax_``, ``figure_``, ``bars_``,
            ``shown_features_`` and ``feature_families_`` set.

        Examples
        --------
        >>> import matplotlib
        >>> matplotlib.use("Agg")
        >>> import matplotlib.pyplot as plt
        >>> from sklearn_speechmusic import FeatureImportanceDisplay
        >>> fig, ax = plt.subplots()
        >>> disp = FeatureImportanceDisplay([0.3, 0.1], ["rms_cv", "zcr_mean"]).plot(ax=ax)
        >>> disp.ax_ is ax, len(disp.bars_)
        (True, 2)
        """
        names, mean, std, families = _checked(self.importances, self.feature_names, self.families)
        order = _display_order(mean, families, max_features, group_by_family)
        palette = {**FAMILY_COLORS, **(colors or {})}
        n_shown = len(order)
        ax = _plot_style.new_axes(ax, width=_plot_style.WIDTH_INCHES * 1.4, height=1.2 + 0.26 * n_shown)
        positions = np.arange(n_shown)[::-1]  # the first feature on top
        shown_families = [families[i] for i in order]
        # The first bar of each family carries its legend entry, so the legend
        # lists the families in the order the bars show them.
        first = {family: k for k, family in reversed(list(enumerate(shown_families)))}
        settings = {
            "color": [palette.get(family, palette[OTHER_FAMILY]) for family in shown_families],
            "label": [
                family if first[family] == k else "_nolegend_" for k, family in enumerate(shown_families)
            ],
            "height": 0.7,
            "error_kw": {"elinewidth": 0.8, "ecolor": "0.3"},
            **(bar_kw or {}),
        }
        self.bars_ = ax.barh(positions, mean[order], xerr=None if std is None else std[order], **settings)
        ax.set_yticks(positions, [names[i] for i in order])
        ax.axvline(0, color="0.3", linewidth=0.8)
        ax.grid(True, axis="x", alpha=0.3)
        ax.set_ylim(-0.6, n_shown - 0.4)
        ax.set_xlabel(_score_label(self.scoring))
        title = self.name if self.name is not None else "Permutation importance"
        _plot_style.title_and_legend(ax, title, legend="right")
        self.shown_features_ = [names[i] for i in order]
        self.feature_families_ = families
        self.ax_ = ax
        self.figure_ = ax.figure
        return self

    @classmethod
    def from_importances(
        cls, importances, feature_names, *, families=None, scoring=None, name=None, ax=None, **plot_kw
    ):
        """Plot importances you already have.

        Parameters
        ----------
        importances : array-like of shape (n_features, n_repeats) or (n_features,)
            Drop in score per feature (and repeat), e.g.
            ``permutation_importance(...).importances``.
        feature_names : sequence of str of length n_features
            Name of each feature.
        families : sequence of str, default=None
            Family of each feature; derived from the names when None.
        scoring : str, default=None
            The score whose drop was measured, for the axis label.
        name : str, default=None
            Plot title.
        ax : matplotlib.axes.Axes, default=None
            Axes to draw into; a new figure is created when None.
        **plot_kw : dict
            ``max_features``, ``group_by_family``, ``colors``, ``bar_kw``,
            passed on to :meth:`plot`.

        Returns
        -------
        display : FeatureImportanceDisplay
            The display, plotted.

        Examples
        --------
        >>> import matplotlib
        >>> matplotlib.use("Agg")
        >>> from sklearn_speechmusic import FeatureImportanceDisplay
        >>> disp = FeatureImportanceDisplay.from_importances([0.2, 0.05], ["tonal_persistence", "rms_cv"])
        >>> [text.get_text() for text in disp.ax_.get_legend().get_texts()]
        ['Tonal persistence', 'Level dynamics']
        """
        _checked(importances, feature_names, families)  # fail before any figure is created
        display = cls(importances, feature_names, families=families, scoring=scoring, name=name)
        return display.plot(ax=ax, **plot_kw)

    @classmethod
    def from_estimator(
        cls,
        estimator,
        X,
        y,
        *,
        scoring=None,
        n_repeats=5,
        max_samples=1.0,
        sample_weight=None,
        n_jobs=None,
        random_state=None,
        name=None,
        ax=None,
        **plot_kw,
    ):
        """Compute permutation importances of a fitted model and plot them.

        Uses :func:`sklearn.inspection.permutation_importance`. When the model
        is a Pipeline that starts with an
        :class:`~sklearn_speechmusic.AudioFeatureExtractor`, ``X`` holds audio
        (file paths or ``(waveform, sample_rate)`` pairs): the features are
        extracted once and the rest of the pipeline is scored on them, so the
        importances are those of the named features.

        Parameters
        ----------
        estimator : estimator
            A fitted classifier, or a Pipeline ending in one.
        X : array-like of shape (n_samples, n_features) or list of audio
            Held-out rows: a feature table (a DataFrame names the features),
            or audio for a pipeline that extracts features.
        y : array-like of shape (n_samples,)
            True labels of ``X``.
        scoring : str or callable, default=None
            Score whose drop is measured; the estimator's ``score`` (accuracy)
            when None. ``"neg_log_loss"`` also sees changes in confidence when
            accuracy is already perfect.
        n_repeats : int, default=5
            Shuffles per feature.
        max_samples : int or float, default=1.0
            Rows drawn for each repeat (a share when a float).
        sample_weight : array-like of shape (n_samples,), default=None
            Row weights for the score.
        n_jobs : int, default=None
            Features processed in parallel.
        random_state : int, RandomState instance or None, default=None
            Seed of the shuffles.
        name : str, default=None
            Plot title.
        ax : matplotlib.axes.Axes, default=None
            Axes to draw into; a new figure is created when None.
        **plot_kw : dict
            ``max_features``, ``group_by_family``, ``colors``, ``bar_kw``,
            passed on to :meth:`plot`.

        Returns
        -------
        display : FeatureImportanceDisplay
            The display, plotted.

        Examples
        --------
        >>> import matplotlib
        >>> matplotlib.use("Agg")
        >>> from sklearn.linear_model import LogisticRegression
        >>> from sklearn.pipeline import make_pipeline
        >>> from sklearn.preprocessing import StandardScaler
        >>> from sklearn_speechmusic import FeatureImportanceDisplay, load_demo
        >>> X, y = load_demo(return_X_y=True)
        >>> model = make_pipeline(StandardScaler(), LogisticRegression()).fit(X, y)
        >>> disp = FeatureImportanceDisplay.from_estimator(
        ...     model, X, y, n_repeats=2, random_state=0, max_features=5
        ... )
        >>> len(disp.shown_features_)
        5
        """
        from sklearn.inspection import permutation_importance

        model, X, names = _model_and_features(estimator, X)
        result = permutation_importance(
            model,
            X,
            y,
            scoring=scorer_for(model, scoring),
            n_repeats=n_repeats,
            max_samples=max_samples,
            sample_weight=sample_weight,
            n_jobs=n_jobs,
            random_state=random_state,
        )
        scoring = scoring if isinstance(scoring, str) else None
        return cls.from_importances(result.importances, names, scoring=scoring, name=name, ax=ax, **plot_kw)


def scorer_for(model, scoring):
    """``scoring`` for ``model``; log-loss over every class of the model, also those ``y`` lacks."""
    if scoring != "neg_log_loss" or not hasattr(model, "classes_"):
        return scoring
    from sklearn.metrics import log_loss, make_scorer

    return make_scorer(
        log_loss, greater_is_better=False, response_method="predict_proba", labels=model.classes_
    )


def _model_and_features(estimator, X):
    """The model to score, its input and the input's feature names."""
    from sklearn.utils.validation import check_is_fitted

    from ._feature_extractor import AudioFeatureExtractor

    check_is_fitted(estimator)
    if hasattr(estimator, "steps") and isinstance(estimator.steps[0][1], AudioFeatureExtractor):
        extractor = estimator.steps[0][1]
        features = extractor.transform(X)
        names = list(extractor.get_feature_names_out())
        model = estimator[1:]
        if hasattr(model, "feature_names_in_"):  # fitted on a DataFrame: give it one
            import pandas as pd

            features = pd.DataFrame(features, columns=names)
        return model, features, names
    if hasattr(X, "columns"):
        return estimator, X, [str(column) for column in X.columns]
    names = getattr(estimator, "feature_names_in_", None)
    names = [f"x{i}" for i in range(np.shape(X)[1])] if names is None else names
    return estimator, X, [str(name) for name in names]


def _checked(importances, feature_names, families):
    values = np.asarray(importances, dtype=float)
    if values.ndim == 1:
        values = values[:, None]
    if values.ndim != 2:
        raise ValueError(f"importances must be 1- or 2-dimensional; got shape {np.shape(importances)}.")
    names = [str(name) for name in feature_names]
    if len(names) != values.shape[0]:
        message = f"importances has {values.shape[0]} rows but feature_names has {len(names)} names"
        raise ValueError(f"{message}; give one name per feature.")
    if families is None:
        families = [feature_family(name) for name in names]
    elif len(families) != len(names):
        raise ValueError(f"families has {len(families)} entries for {len(names)} features.")
    mean = values.mean(axis=1)
    std = values.std(axis=1) if values.shape[1] > 1 else None
    return names, mean, std, [str(family) for family in families]


def _display_order(
    mean: np.ndarray, families: Sequence[str], max_features: int | None, group_by_family: bool
) -> list[int]:
    if max_features is not None and max_features < 1:
        raise ValueError(f"max_features must be a positive integer or None; got {max_features!r}.")
    ranked = [int(i) for i in np.argsort(-mean, kind="stable")][:max_features]
    if not group_by_family:
        return ranked
    totals: dict[str, float] = {}
    for i in ranked:
        totals[families[i]] = totals.get(families[i], 0.0) + float(mean[i])
    family_rank = {family: rank for rank, family in enumerate(sorted(totals, key=lambda f: -totals[f]))}
    return sorted(ranked, key=lambda i: (family_rank[families[i]], ranked.index(i)))


def _score_label(scoring) -> str:
    if scoring == "neg_log_loss":
        return "Rise in log-loss when the feature is shuffled"
    known = {None: "accuracy", "balanced_accuracy": "balanced accuracy", "roc_auc": "ROC AUC"}
    label = known.get(scoring) or _plot_style.readable(scoring).lower()
    return f"Drop in {label} when the feature is shuffled"
