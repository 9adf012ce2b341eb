"""``SeedEnsembleClassifier``: copies of one classifier from different seeds, probabilities averaged."""

from __future__ import annotations

from numbers import Integral

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, MetaEstimatorMixin, clone
from sklearn.utils import check_random_state
from sklearn.utils.metadata_routing import UNUSED, MetadataRouter, MethodMapping, process_routing
from sklearn.utils.validation import check_is_fitted

from ._compat import HasMethods, Interval, routing_enabled

__all__ = ["SeedEnsembleClassifier"]


class SeedEnsembleClassifier(ClassifierMixin, MetaEstimatorMixin, BaseEstimator):
    """Copies of one classifier, each trained from its own seed, their probabilities averaged.

    A network's weights depend on its random initial weights and batch order.
    On the data it was trained on, two seeds agree; on recordings unlike any in
    training (another language, sound pack or recording chain) they can
    disagree a lot: three seeds of the shipped recipe, trained on an earlier
    version of its corpus without six collections, labelled 0.72, 0.79 and 0.94
    of the noise in broadcast-like programmes built from them right; the average
    of their probabilities, 0.91.
    The average is steadier and, on average, better than one seed. Every copy
    sees the same rows; only the seed differs (unlike bagging, which also
    resamples the rows).

    Parameters
    ----------
    estimator : classifier, default=None
        The classifier to copy. It needs a ``random_state`` parameter and
        ``predict_proba``. None means ``SpeechMusicClassifier()``.
    n_estimators : int, default=5
        Number of copies.
    random_state : int, RandomState instance or None, default=None
        Draws the copies' seeds. An int makes the fit reproducible.

    Attributes
    ----------
    estimators_ : list of classifiers
        The fitted copies.
    seeds_ : ndarray of shape (n_estimators,)
        The ``random_state`` each copy was trained with.
    classes_ : ndarray of shape (n_classes,)
        Class labels.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features,)
        Names of the features seen during fit, when ``X`` had string column names.

    See Also
    --------
    SpeechMusicClassifier : The network each copy is.
    sklearn.ensemble.BaggingClassifier : Also resamples the training rows.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_speechmusic import SeedEnsembleClassifier, SpeechMusicClassifier
    >>> X = np.array([[0.0, 1.0], [1.0, 0.0]] * 10)
    >>> y = ["Speech", "Music"] * 10
    >>> ensemble = SeedEnsembleClassifier(SpeechMusicClassifier(epochs=5), n_estimators=3, random_state=0)
    >>> ensemble.fit(X, y).predict([[0.0, 1.0]]).tolist()
    ['Speech']
    >>> len(ensemble.estimators_), ensemble.predict_proba(X).shape
    (3, (20, 2))
    """

    # fit's sample_weight is the copies' to request, not the ensemble's: one that no
    # copy asks for is an error under metadata routing, never dropped unseen.
    __metadata_request__fit = {"sample_weight": UNUSED}

    _parameter_constraints: dict = {
        "estimator": [HasMethods(["fit", "predict_proba"]), None],
        "n_estimators": [Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
    }

    def __init__(self, estimator=None, n_estimators=5, random_state=None):
        self.estimator = estimator
        self.n_estimators = n_estimators
        self.random_state = random_state

    def _template(self):
        if self.estimator is not None:
            return self.estimator
        from ._classifier import SpeechMusicClassifier

        return SpeechMusicClassifier()

    def fit(self, X, y, sample_weight=None, **fit_params):
        """Train ``n_estimators`` copies of ``estimator``, each from its own seed.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training rows.
        y : array-like of shape (n_samples,)
            Labels.
        sample_weight : array-like of shape (n_samples,), default=None
            Per-row weights, passed to every copy's ``fit``.
        **fit_params : dict
            Other parameters of the copies' ``fit`` (``groups``...). Under
            metadata routing (``sklearn.set_config(enable_metadata_routing=True)``),
            ``sample_weight`` and these reach the copies as ``estimator``
            requests them, e.g. ``SpeechMusicClassifier().set_fit_request(groups=True)``.

        Returns
        -------
        self : SeedEnsembleClassifier
            The fitted ensemble.

        Raises
        ------
        ValueError
            If ``estimator`` has no ``random_state`` parameter, or the copies
            disagree on the classes.

        Examples
        --------
        >>> from sklearn_speechmusic import SeedEnsembleClassifier, SpeechMusicClassifier
        >>> ensemble = SeedEnsembleClassifier(SpeechMusicClassifier(epochs=2), n_estimators=2, random_state=0)
        >>> ensemble.fit([[0.0], [1.0]] * 5, ["a", "b"] * 5).seeds_.tolist()
        [209652396, 398764591]
        """
        self._validate_params()
        template = self._template()
        if "random_state" not in template.get_params(deep=False):
            raise ValueError(
                f"estimator {type(template).__name__} has no random_state parameter: its copies would "
                "all be the same. Use a classifier whose training is seeded by random_state."
            )
        seeds = check_random_state(self.random_state).randint(np.iinfo(np.int32).max, size=self.n_estimators)
        if sample_weight is not None:
            fit_params["sample_weight"] = sample_weight
        if routing_enabled():
            fit_params = process_routing(self, "fit", **fit_params).estimator.fit
        # Assigned only once every copy is trained: a failed fit leaves no half-made ensemble.
        estimators = [
            clone(template).set_params(random_state=int(seed)).fit(X, y, **fit_params) for seed in seeds
        ]
        self.seeds_, self.estimators_ = seeds, estimators
        self._take_attributes_of_members()
        return self

    def get_metadata_routing(self):
        """How metadata reaches the copies' ``fit``: as ``estimator`` requests it.

        Returns
        -------
        routing : sklearn.utils.metadata_routing.MetadataRouter
            ``fit`` routed to every copy's ``fit``; ``score`` takes its own
            ``sample_weight``.

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn import config_context
        >>> from sklearn_speechmusic import SeedEnsembleClassifier, SpeechMusicClassifier
        >>> X, y = np.array([[0.0], [1.0]] * 10), ["a", "b"] * 10
        >>> with config_context(enable_metadata_routing=True):
        ...     copy = SpeechMusicClassifier(epochs=2).set_fit_request(groups=True, sample_weight=False)
        ...     ensemble = SeedEnsembleClassifier(copy, n_estimators=2, random_state=0)
        ...     ensemble.fit(X, y, groups=np.arange(20) // 4).seeds_.tolist()
        [209652396, 398764591]
        """
        return (
            MetadataRouter(owner=type(self).__name__)
            .add_self_request(self)  # score's sample_weight
            .add(estimator=self._template(), method_mapping=MethodMapping().add(caller="fit", callee="fit"))
        )

    def _take_attributes_of_members(self) -> None:
        first = self.estimators_[0]
        for member in self.estimators_[1:]:
            for name in ("classes_", "n_features_in_", "feature_names_in_"):
                mine, theirs = getattr(first, name, None), getattr(member, name, None)
                if not np.array_equal(np.asarray(mine, dtype=object), np.asarray(theirs, dtype=object)):
                    raise ValueError(f"the copies disagree on {name} ({mine!r} and {theirs!r}).")
        self._columns = None
        self.classes_ = first.classes_
        self.n_features_in_ = first.n_features_in_
        if hasattr(first, "feature_names_in_"):
            self.feature_names_in_ = first.feature_names_in_
        elif hasattr(self, "feature_names_in_"):
            del self.feature_names_in_

    def predict_proba(self, X):
        """The mean of the copies' class probabilities.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to classify.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Probabilities in the order of ``classes_``; each row sums to 1.

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn_speechmusic import SeedEnsembleClassifier
        >>> X, y = np.array([[0.0, 1.0], [1.0, 0.0]] * 10), ["Speech", "Music"] * 10
        >>> ensemble = SeedEnsembleClassifier(n_estimators=2, random_state=0).fit(X, y)
        >>> copies = [member.predict_proba(X) for member in ensemble.estimators_]
        >>> np.allclose(ensemble.predict_proba(X), np.mean(copies, axis=0))
        True
        """
        check_is_fitted(self)
        total = None
        for member in self.estimators_:
            proba = np.asarray(member.predict_proba(X), dtype=np.float64)
            total = proba if total is None else total + proba
        mean = total / len(self.estimators_)
        columns = getattr(self, "_columns", None)
        if columns is None:
            return mean
        kept = mean[:, columns]
        return kept / kept.sum(axis=1, keepdims=True)

    def predict(self, X):
        """The class with the highest mean probability (the argmax of :meth:`predict_proba`).

        Parameters
        ----------
        X : array-like
            As for :meth:`predict_proba`.

        Returns
        -------
        labels : ndarray of shape (n_samples,)
            One of ``classes_`` per row.

        Examples
        --------
        >>> from sklearn_speechmusic import SeedEnsembleClassifier, SpeechMusicClassifier
        >>> ensemble = SeedEnsembleClassifier(SpeechMusicClassifier(epochs=5), n_estimators=2, random_state=1)
        >>> ensemble.fit([[0.0], [4.0]] * 10, ["quiet", "loud"] * 10).predict([[4.0]]).tolist()
        ['loud']
        """
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]

    def _restricted_to(self, classes):
        """A fitted copy that answers only ``classes``: its mean probabilities of them, renormalised."""
        check_is_fitted(self)
        restricted = clone(self)
        restricted.seeds_ = self.seeds_.copy()
        restricted.estimators_ = list(self.estimators_)
        restricted._take_attributes_of_members()
        restricted._answer_only(classes)
        return restricted

    def _answer_only(self, classes) -> None:
        """Keep the columns of ``classes`` (checked as the copies check them) in ``predict_proba``."""
        kept = self.estimators_[0]._restricted_to(classes).classes_
        self._columns = np.searchsorted(self.classes_, kept)
        self.classes_ = kept

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        template = self._template()
        if not hasattr(template, "__sklearn_tags__"):
            return tags  # an invalid estimator; fit says what is wrong with it
        template_tags = template.__sklearn_tags__()
        tags.input_tags = template_tags.input_tags
        tags.non_deterministic = template_tags.non_deterministic
        return tags
