"""The bundled data: the demo and training feature tables, and short example recordings."""

from __future__ import annotations

from importlib import resources

from ._feature_table import load_feature_table

#: Example recordings shipped in ``data/examples``, by name, with what each holds.
EXAMPLE_AUDIO = {
    "speech": "Czech voice-acting line, 3.5 s",
    "speech2": "Czech voice-acting line, 3.2 s",
    "music": "orchestral game music, 3 s",
    "music2": "orchestral game music, 3 s",
    "programme": "21.9 s of speech, music, speech, music with short silences",
}


def example_audio(name: str) -> str:
    """Path of a short real recording shipped with the package, for examples and tests.

    Like ``librosa.ex``, but nothing is downloaded: the files are part of the
    package (GPL-2+ recordings from Debian game-data packages; see
    ``data/examples/PROVENANCE.md``).

    Parameters
    ----------
    name : {"speech", "speech2", "music", "music2", "programme"}
        Which recording: two Czech voice-acting lines, two 3-s windows of
        orchestral game music, or a 21.9-s "programme" that joins speech and
        music with short silences (speech 0–6.95 s, music 7.25–13.55 s,
        speech 13.85–18.32 s, music 18.62–21.62 s).

    Returns
    -------
    path : str
        Path of the OGG file.

    Raises
    ------
    ValueError
        If ``name`` is not one of the recordings.

    Examples
    --------
    >>> from sklearn_speechmusic import example_audio
    >>> example_audio("speech").endswith("speech.ogg")
    True
    """
    if name not in EXAMPLE_AUDIO:
        raise ValueError(f"No example recording named {name!r}; choose one of {sorted(EXAMPLE_AUDIO)}.")
    path = resources.files("sklearn_speechmusic") / "data" / "examples" / f"{name}.ogg"
    # The package is installed as files (setuptools), so the path is a real file.
    return str(path)


def load_demo(*, return_X_y=False, as_frame=True):
    """Load the bundled real-recording speech/music feature table.

    598 real clips (300 Czech voice-acting lines, 298 orchestral music windows,
    GPL-2+) described by :class:`AudioFeatureExtractor`'s features; see ``DESCR``.

    Parameters
    ----------
    return_X_y : bool, default=False
        Return ``(data, target)`` instead of a Bunch.
    as_frame : bool, default=True
        Pandas objects (``data`` a DataFrame indexed by file name, ``target`` a
        Series); NumPy arrays when False.

    Returns
    -------
    data : sklearn.utils.Bunch
        ``data``, ``target`` (``"Speech"``/``"Music"``), ``frame`` (the table in
        the demo's format, or None when ``as_frame=False``), ``feature_names``,
        ``target_names``, ``filenames``, ``groups`` (the game level or music
        track of each clip, for group splits), ``DESCR``.
    (data, target) : tuple
        When ``return_X_y`` is True.

    Examples
    --------
    >>> from sklearn_speechmusic import load_demo
    >>> demo = load_demo()
    >>> demo.data.shape
    (598, 66)
    >>> sorted(demo.target.unique())
    ['Music', 'Speech']
    """
    import pandas as pd

    folder = resources.files("sklearn_speechmusic") / "data"
    with resources.as_file(folder / "demo_features.csv") as path:
        X, y = load_feature_table(path)
    with resources.as_file(folder / "demo_sources.csv") as path:
        sources = pd.read_csv(path, index_col="Filename")
    groups = sources.loc[X.index, "Source"].rename("Source")
    return _bunch(X, y, {"groups": groups}, {}, as_frame, return_X_y, folder / "DESCR.md")


def load_training_data(*, augmented=True, return_X_y=False, as_frame=True):
    """Load the feature table the pretrained model was trained on.

    Real recordings from Debian packages, each row's package, version and licence
    recorded (``sources``; ``DESCR`` tells more): speech (read, telephone, game
    voices, isolated words in many languages, and speech mixed over music beds at
    6-20 dB), music (orchestral, pop, rock, electronic, songs with vocals, solo
    instruments rendered from soundfonts, music opening with silence or fading),
    noise (sound effects: weather, water, vehicles, machinery, animals, crowds,
    doors, impacts) and silence (digital silence, DC, dither, and real clips turned
    down below -60 dBFS). Every sounding clip is also present once through a
    simulated other recording chain (telephone band, noise, low-pass or room
    reverberation), named ``<clip>+<chain>``.

    Parameters
    ----------
    augmented : bool, default=True
        Include the copies through another recording chain (in the ``groups`` of
        their originals). False gives only the clips as recorded or made.
    return_X_y : bool, default=False
        Return ``(data, target)`` instead of a Bunch.
    as_frame : bool, default=True
        Pandas objects (``data`` a DataFrame indexed by clip name); NumPy arrays
        when False.

    Returns
    -------
    data : sklearn.utils.Bunch
        ``data``, ``target`` (``"Speech"``, ``"Music"``, ``"Noise"``,
        ``"Silence"``), ``frame`` (the table in the demo's format, or None when
        ``as_frame=False``), ``feature_names``, ``target_names``, ``filenames``,
        ``groups`` (one track, speaker or source: rows of one group are not
        independent), ``collections`` (the source set, such as
        ``hedgewars-voices`` or ``wesnoth-music``: hold whole ones out to
        measure generalisation), ``kinds`` (read speech, sung, solo instrument,
        speech over music...), ``sources`` (DataFrame: kind, collection, group,
        Debian package and version, licence, whether synthesised, augmentation,
        seconds, and the music bed's collection for speech over music), ``DESCR``.
    (data, target) : tuple
        When ``return_X_y`` is True.

    Examples
    --------
    >>> from sklearn_speechmusic import load_training_data
    >>> corpus = load_training_data(augmented=False)
    >>> sorted(corpus.target.unique())
    ['Music', 'Noise', 'Silence', 'Speech']
    >>> corpus.collections.nunique() > 40
    True
    """
    import pandas as pd

    folder = resources.files("sklearn_speechmusic") / "data"
    with resources.as_file(folder / "training_features.csv.gz") as path:
        X, y = load_feature_table(path)
    with resources.as_file(folder / "training_sources.csv.gz") as path:
        sources = pd.read_csv(path, index_col="Filename", keep_default_na=False)
    if not augmented:
        original = ~X.index.str.contains(r"\+(?:telephone|noise|lowpass|reverb)$")
        X, y = X[original], y[original]
    sources = sources.loc[X.index]
    per_row = {"groups": sources["Group"], "collections": sources["Collection"], "kinds": sources["Kind"]}
    extra = {"sources": sources.drop(columns="Label")}
    return _bunch(X, y, per_row, extra, as_frame, return_X_y, folder / "TRAINING.md")


def _bunch(X, y, per_row: dict, extra: dict, as_frame: bool, return_X_y: bool, descr):
    """A scikit-learn-style dataset Bunch (or ``X, y``) from a loaded feature table.

    ``per_row`` holds Series aligned with ``X`` (NumPy arrays when not
    ``as_frame``); ``extra`` goes into the Bunch as it is.
    """
    import pandas as pd
    from sklearn.utils import Bunch

    feature_names = X.columns.tolist()
    filenames = X.index.tolist()
    frame = pd.concat([y, X], axis=1).reset_index() if as_frame else None
    if not as_frame:
        X, y = X.to_numpy(), y.to_numpy()
        per_row = {name: values.to_numpy() for name, values in per_row.items()}
    if return_X_y:
        return X, y
    return Bunch(
        data=X,
        target=y,
        frame=frame,
        feature_names=feature_names,
        target_names=sorted(set(y.tolist())),
        filenames=filenames,
        **per_row,
        **extra,
        DESCR=descr.read_text(encoding="utf-8"),
    )
