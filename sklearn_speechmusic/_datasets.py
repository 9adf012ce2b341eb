"""The bundled demo data set."""

from __future__ import annotations

from importlib import resources

from ._feature_table import load_feature_table


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
    (598, 55)
    >>> sorted(demo.target.unique())
    ['Music', 'Speech']
    """
    import pandas as pd
    from sklearn.utils import Bunch

    folder = resources.files("sklearn_speechmusic") / "data"
    with resources.as_file(folder / "demo_features.csv") as path:
        X, y = load_feature_table(path)
    with resources.as_file(folder / "demo_sources.csv") as path:
        sources = pd.read_csv(path, index_col="Filename")
    groups = sources.loc[X.index, "Source"].rename("Source")
    feature_names = X.columns.tolist()
    filenames = X.index.tolist()
    frame = pd.concat([y, X], axis=1).reset_index() if as_frame else None
    if not as_frame:
        X, y, groups = X.to_numpy(), y.to_numpy(), groups.to_numpy()
    if return_X_y:
        return X, y
    return Bunch(
        data=X,
        target=y,
        frame=frame,
        feature_names=feature_names,
        target_names=["Music", "Speech"],
        filenames=filenames,
        groups=groups,
        DESCR=(folder / "DESCR.md").read_text(encoding="utf-8"),
    )
