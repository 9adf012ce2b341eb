"""Feature tables in the demo's "MasterData.csv" format, built with ``AudioFeatureExtractor``."""

from __future__ import annotations

import os
from pathlib import Path

#: File extensions picked up by :func:`extract_feature_table_from_folder`.
AUDIO_EXTENSIONS = frozenset({".wav", ".flac", ".ogg", ".oga", ".opus", ".mp3", ".aif", ".aiff"})


def extract_feature_table(paths, labels=None, **extractor_params):
    """Features of audio files as a table in the demo's "MasterData.csv" format.

    Parameters
    ----------
    paths : sequence of str or path-like
        The audio files.
    labels : sequence of str, default=None
        One label per file (``"Speech"``, ``"Music"``...); no ``Label`` column
        when None.
    **extractor_params : dict
        Parameters of :class:`AudioFeatureExtractor` (``n_jobs``, ``on_error``...).

    Returns
    -------
    table : pandas.DataFrame
        ``Filename``, ``Label`` (when labels are given), then one column per
        feature. Write it with ``table.to_csv(path, index=False)``;
        :func:`load_feature_table` reads it back unchanged.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np, soundfile
    >>> from sklearn_speechmusic import extract_feature_table
    >>> path = os.path.join(tempfile.mkdtemp(), "tone.wav")
    >>> soundfile.write(path, np.sin(np.arange(16000) / 5), 16000)
    >>> table = extract_feature_table([path], ["Music"])
    >>> table.columns[:4].tolist()
    ['Filename', 'Label', 'rms_db_mean', 'rms_db_std']
    """
    import pandas as pd

    from ._feature_extractor import AudioFeatureExtractor

    paths = [os.fspath(path) for path in paths]
    if labels is not None:
        labels = [str(label) for label in labels]
        if len(labels) != len(paths):
            raise ValueError(f"Got {len(paths)} paths but {len(labels)} labels; give one label per file.")
    extractor = AudioFeatureExtractor(**extractor_params)
    features = extractor.fit_transform(paths)
    table = pd.DataFrame(features, columns=extractor.get_feature_names_out())
    if labels is not None:
        table.insert(0, "Label", labels)
    table.insert(0, "Filename", paths)
    return table


def extract_feature_table_from_folder(root, **extractor_params):
    """Feature table of a folder laid out as ``<root>/<label>/<file>``.

    Parameters
    ----------
    root : str or path-like
        Folder with one subfolder per class (``speech/``, ``music/``...), audio
        files inside (extensions in ``AUDIO_EXTENSIONS``; other files are ignored).
    **extractor_params : dict
        Parameters of :class:`AudioFeatureExtractor`.

    Returns
    -------
    table : pandas.DataFrame
        As :func:`extract_feature_table`, ``Filename`` relative to ``root``
        (``speech/clip.wav``), ``Label`` the subfolder name, rows sorted by file.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np, soundfile
    >>> from sklearn_speechmusic import extract_feature_table_from_folder
    >>> root = tempfile.mkdtemp()
    >>> os.makedirs(os.path.join(root, "Music"))
    >>> soundfile.write(os.path.join(root, "Music", "a.wav"), np.sin(np.arange(8000) / 3), 8000)
    >>> extract_feature_table_from_folder(root)[["Filename", "Label"]].values.tolist()
    [['Music/a.wav', 'Music']]
    """
    root = Path(root)
    if not root.is_dir():
        raise FileNotFoundError(f"Audio folder {os.fspath(root)!r} does not exist.")
    files = sorted(
        path
        for label_dir in root.iterdir()
        if label_dir.is_dir()
        for path in label_dir.iterdir()
        if path.is_file() and path.suffix.lower() in AUDIO_EXTENSIONS
    )
    if not files:
        raise ValueError(
            f"No audio files found in {os.fspath(root)!r}; expected <root>/<label>/<file> with extensions "
            f"{sorted(AUDIO_EXTENSIONS)}."
        )
    table = extract_feature_table(files, [path.parent.name for path in files], **extractor_params)
    table["Filename"] = [path.relative_to(root).as_posix() for path in files]
    return table
