"""The recommended audio → label pipeline, and the copy of it shipped already trained."""

from __future__ import annotations

from importlib import resources

#: The pretrained pipeline inside the package's ``data`` folder (safe format).
PRETRAINED_MODEL_FILE = "pretrained.skm"


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


def load_pretrained():
    """The default pipeline, trained on every real recording in the training corpus.

    Trained by ``scripts/train_pretrained.py`` on :func:`load_training_data`
    (17 recording chains: speech in many languages, game music of several
    genres, each clip also through a simulated other recording chain). Loaded
    from the package's own files in the pickle-free format of :func:`load_model`:
    no training, no network access. Each call returns a new, independent copy.

    Returns
    -------
    pipeline : sklearn.pipeline.Pipeline
        Fitted :func:`make_default_pipeline` pipeline: ``predict`` and
        ``predict_proba`` take audio file paths or ``(waveform, sample_rate)``
        pairs; ``classes_`` is ``['Music', 'Speech']``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_speechmusic import load_pretrained
    >>> pipeline = load_pretrained()
    >>> pipeline.classes_.tolist()
    ['Music', 'Speech']
    >>> rate = 22050
    >>> t = np.arange(3 * rate) / rate
    >>> chord = sum(np.sin(2 * np.pi * f * t) for f in (262, 330, 392))
    >>> pipeline.predict([(chord, rate)]).tolist()
    ['Music']
    """
    from ._persistence import load_model

    with resources.as_file(resources.files("sklearn_speechmusic") / "data" / PRETRAINED_MODEL_FILE) as path:
        return load_model(path)
