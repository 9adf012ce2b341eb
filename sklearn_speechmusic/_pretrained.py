"""The recommended audio → label pipeline, and the copy of it shipped already trained."""

from __future__ import annotations

from importlib import resources

#: The pretrained pipeline inside the package's ``data`` folder (safe format).
PRETRAINED_MODEL_FILE = "pretrained.skm"
#: Networks the shipped model averages (:class:`SeedEnsembleClassifier`).
PRETRAINED_NETWORKS = 5


def make_default_pipeline(**classifier_params):
    """The recommended pipeline from audio clips to ``"Speech"``/``"Music"`` labels.

    :class:`AudioFeatureExtractor` → :class:`~sklearn.preprocessing.StandardScaler`
    → :class:`SpeechMusicClassifier`, with steps named ``features``, ``scale``
    and ``classifier`` (so ``classifier__epochs`` and ``features__n_jobs`` work
    in ``set_params`` and grid searches). Unfitted: fit it on your own labelled
    clips; :func:`load_pretrained` gives the same pipeline already trained.

    Parameters
    ----------
    **classifier_params : dict
        Parameters of :class:`SpeechMusicClassifier` (``random_state``,
        ``epochs``...); the demo's defaults otherwise.

    Returns
    -------
    pipeline : sklearn.pipeline.Pipeline
        The unfitted pipeline. Its input is a sequence of audio file paths or
        ``(waveform, sample_rate)`` pairs.

    Examples
    --------
    >>> from sklearn_speechmusic import make_default_pipeline
    >>> pipeline = make_default_pipeline(random_state=0, epochs=5)
    >>> [name for name, _ in pipeline.steps]
    ['features', 'scale', 'classifier']
    >>> pipeline.get_params()["classifier__epochs"]
    5

    The scaler and network on their own, for a feature table such as
    :func:`load_demo`'s:

    >>> from sklearn_speechmusic import load_demo
    >>> X, y = load_demo(return_X_y=True, as_frame=False)
    >>> model = pipeline[1:].fit(X, y)
    >>> model.score(X, y) > 0.9
    True
    """
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    from ._classifier import SpeechMusicClassifier
    from ._feature_extractor import AudioFeatureExtractor

    return Pipeline(
        [
            ("features", AudioFeatureExtractor()),
            ("scale", StandardScaler()),
            ("classifier", SpeechMusicClassifier(**classifier_params)),
        ]
    )


def load_pretrained(*, classes=None):
    """The default pipeline, trained on every recording of the training corpus.

    Each of its five networks trained on all the rows but the 20 % it held out
    as its validation split, to report its validation curves.

    Trained by ``scripts/train_pretrained.py`` on :func:`load_training_data`:
    real speech (many languages, read, telephone, game voices, isolated words,
    speech over music beds), music (orchestral, pop, rock, electronic, songs
    with vocals, solo instruments, music opening with silence), noise (weather,
    water, traffic, machinery, animals, crowds, doors, impacts) and silence
    (digital silence, DC, dither, recordings turned down below -60 dBFS), from
    Debian packages, each row's package and licence recorded. Loaded from the
    package's own files in the pickle-free format of :func:`load_model`: no
    training, no network access, no TensorFlow. Each call returns a new,
    independent copy.

    Parameters
    ----------
    classes : sequence of str, default=None
        Keep only these classes, for example ``["Music", "Speech"]`` for the
        two-class view. Their probabilities (the mean over the five networks)
        are renormalised to sum to 1, so a clip is always given the more
        probable of the classes asked for. None keeps all four:
        ``Music``, ``Noise``, ``Silence``, ``Speech``.

    Returns
    -------
    pipeline : sklearn.pipeline.Pipeline
        Fitted :func:`make_default_pipeline` pipeline: ``predict`` and
        ``predict_proba`` take audio file paths or ``(waveform, sample_rate)``
        pairs. Its ``classifier`` step is a :class:`SeedEnsembleClassifier`
        averaging five copies of the demo's network trained from different
        seeds (one seed alone is less reliable on unfamiliar recordings).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_speechmusic import example_audio, load_pretrained
    >>> pipeline = load_pretrained()
    >>> pipeline.classes_.tolist()
    ['Music', 'Noise', 'Silence', 'Speech']
    >>> pipeline.predict([example_audio("speech"), example_audio("music"), (np.zeros(22050), 22050)]).tolist()
    ['Speech', 'Music', 'Silence']
    >>> load_pretrained(classes=["Music", "Speech"]).classes_.tolist()
    ['Music', 'Speech']
    """
    from ._persistence import load_model

    with resources.as_file(resources.files("sklearn_speechmusic") / "data" / PRETRAINED_MODEL_FILE) as path:
        pipeline = load_model(path)
    if classes is not None:
        pipeline.steps[-1] = (pipeline.steps[-1][0], pipeline[-1]._restricted_to(classes))
    return pipeline


def fit_on_corpus_features(
    X, y, feature_names, *, random_state=0, sample_weight=None, n_networks=PRETRAINED_NETWORKS
):
    """Fit the scaler and networks of the shipped pipeline on corpus features.

    The shipped model's recipe, shared by ``scripts/train_pretrained.py`` and the
    generalisation benchmark: each class's rows weigh in inverse proportion to the
    square root of the class's size (the corpus has 6 times more music than
    silence; full balancing made percussive music into noise), and the level of
    each non-silent row is set to a random value between -50 and 0 dBFS, so that
    the network reads ``level_dbfs`` only to tell Silence (below -60 dBFS) from
    sound, never to tell speech from music by how loud a collection happened to
    be recorded. The classifier step averages ``n_networks`` copies of the
    demo's network trained from different seeds (:class:`SeedEnsembleClassifier`):
    single seeds disagree on recordings unlike their training data.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        Features in the extractor's order.
    y : ndarray of shape (n_samples,)
        Labels.
    feature_names : sequence of str
        Names of the columns of ``X``.
    random_state : int, default=0
        Seeds the level draws and the network.
    sample_weight : ndarray of shape (n_samples,), default=None
        Extra per-row weights, multiplied with the class balance.
    n_networks : int, default=5
        Copies of the network averaged; 1 fits a single
        :class:`SpeechMusicClassifier`.

    Returns
    -------
    pipeline : sklearn.pipeline.Pipeline
        :func:`make_default_pipeline`'s steps (the classifier step a
        :class:`SeedEnsembleClassifier` when ``n_networks`` > 1), scaler and
        networks fitted (the extractor learns nothing); ``pipeline[1:]`` takes
        feature rows.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_speechmusic._pretrained import fit_on_corpus_features
    >>> rng = np.random.RandomState(0)
    >>> X = np.c_[rng.normal(0, 1, (40, 2)), np.r_[rng.uniform(-40, 0, 30), np.full(10, -120.0)]]
    >>> y = np.array(["Speech"] * 15 + ["Music"] * 15 + ["Silence"] * 10)
    >>> X[15:30, :2] += 3
    >>> model = fit_on_corpus_features(X, y, ["a", "b", "level_dbfs"], random_state=0, n_networks=2)
    >>> model[1:].predict(X[:1]).tolist(), model.classes_.tolist()
    (['Speech'], ['Music', 'Silence', 'Speech'])
    """
    import numpy as np
    from sklearn.utils.class_weight import compute_sample_weight

    if int(n_networks) < 1:
        raise ValueError(f"n_networks must be at least 1; got {n_networks}.")

    X = np.array(X, dtype=np.float64)
    y = np.asarray(y)
    rng = np.random.RandomState(random_state)
    level = list(feature_names).index("level_dbfs")
    sounding = y != "Silence"
    X[sounding, level] = rng.uniform(-50.0, 0.0, size=int(sounding.sum()))
    weights = np.sqrt(compute_sample_weight("balanced", y))
    if sample_weight is not None:
        weights = weights * np.asarray(sample_weight, dtype=float)
    pipeline = make_default_pipeline(random_state=random_state)
    if n_networks > 1:
        from ._seed_ensemble import SeedEnsembleClassifier

        network = pipeline.steps[-1][1].set_params(random_state=None)
        ensemble = SeedEnsembleClassifier(network, n_estimators=n_networks, random_state=random_state)
        pipeline.steps[-1] = (pipeline.steps[-1][0], ensemble)
    pipeline[1:].fit(X, y, classifier__sample_weight=weights)
    return pipeline
