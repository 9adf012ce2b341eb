"""load_demo: the bundled real-recording feature table."""

from importlib import resources

import numpy as np
import pandas as pd

from sklearn_speechmusic import AudioFeatureExtractor, load_demo, load_feature_table


def test_bunch_contents():
    demo = load_demo()
    assert demo.data.shape == (598, 55)
    assert demo.feature_names == AudioFeatureExtractor().get_feature_names_out().tolist()
    assert demo.data.columns.tolist() == demo.feature_names
    assert demo.target.value_counts().to_dict() == {"Speech": 300, "Music": 298}
    assert demo.target_names == ["Music", "Speech"]
    assert len(demo.filenames) == len(set(demo.filenames)) == 598
    assert demo.groups.nunique() > 100 and demo.groups.index.equals(demo.data.index)
    assert demo.frame.columns[:2].tolist() == ["Filename", "Label"]
    assert "GPL-2+" in demo.DESCR and "fillets-ng-data-cs" in demo.DESCR
    assert np.isfinite(demo.data.to_numpy()).all()


def test_return_X_y_and_numpy():
    X, y = load_demo(return_X_y=True)
    assert isinstance(X, pd.DataFrame) and isinstance(y, pd.Series)
    X, y = load_demo(return_X_y=True, as_frame=False)
    assert isinstance(X, np.ndarray) and X.shape == (598, 55) and y.shape == (598,)
    assert load_demo(as_frame=False).frame is None


def test_bundled_table_is_in_the_demo_format():
    path = resources.files("sklearn_speechmusic") / "data" / "demo_features.csv"
    with resources.as_file(path) as csv:
        X, y = load_feature_table(csv)
    assert X.shape == (598, 55) and set(y) == {"Speech", "Music"}


def test_features_match_the_extractor_on_a_bundled_clip():
    """The table was made with this package's extractor (rounded to 8 digits)."""
    from pathlib import Path

    clip = Path(__file__).parent / "data" / "audio" / "Music" / "battle-epic_16s.ogg"
    row = load_demo().data.loc["music/battle-epic_16s.ogg"]
    np.testing.assert_allclose(
        row.to_numpy(), AudioFeatureExtractor().transform([clip])[0], rtol=1e-6, atol=1e-9
    )
