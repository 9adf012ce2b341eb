"""FeatureImportanceDisplay: permutation importance of named features, by family."""

import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_speechmusic import AudioFeatureExtractor, FeatureImportanceDisplay
from sklearn_speechmusic._feature_importance_display import FAMILIES, feature_family


@pytest.fixture
def pyplot():
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.close("all")
    yield plt
    plt.close("all")


def _informative_table(n=200, seed=0):
    """Labels depend on modulation_4hz_ratio strongly, spectral_flux_var weakly, the rest not."""
    rng = np.random.RandomState(seed)
    names = ["modulation_4hz_ratio", "spectral_flux_var", "mfcc_3_mean", "rms_cv", "hnr_db"]
    X = pd.DataFrame(rng.normal(size=(n, len(names))), columns=names)
    score = 3 * X["modulation_4hz_ratio"] + 0.7 * X["spectral_flux_var"] + rng.normal(0, 0.3, n)
    y = np.where(score > 0, "Speech", "Music")
    return X, y


def test_every_extractor_feature_has_a_known_family():
    names = AudioFeatureExtractor().get_feature_names_out()
    families = {name: feature_family(name) for name in names}
    assert "Other" not in families.values(), [n for n, f in families.items() if f == "Other"]
    assert families["modulation_4hz_ratio"] == "Syllabic modulation"
    assert families["spectral_flux_mean"] == "Spectral flux"
    assert families["spectral_centroid_mean"] == families["zcr_mean"] == "Spectral shape"
    assert families["tonal_persistence_long"] == "Tonal persistence"
    assert families["low_energy_share"] == families["rms_db_std"] == "Level dynamics"
    assert families["mfcc_12_delta_std"] == "MFCC"
    assert families["pitch_stability"] == families["tonal_bed_share"] == "Voice and rhythm"
    assert families["level_dbfs"] == "Level dynamics"
    # The six families of the issue, plus one for the voice and rhythm features.
    assert set(families.values()) == {f for f, _ in FAMILIES}


@pytest.mark.parametrize(
    "name",
    [
        "pitch_stability",
        "vibrato_strength",
        "voiced_run_median_s",
        "hnr_db",
        "beat_periodicity",
        "tonal_bed_share",
    ],
)
def test_voice_and_rhythm_features_and_unknown_names(name):
    assert feature_family(name) == "Voice and rhythm"
    assert feature_family("brand_new_feature") == "Other"


def test_from_estimator_finds_the_informative_feature(pyplot):
    X, y = _informative_table()
    model = make_pipeline(StandardScaler(), LogisticRegression()).fit(X, y)
    disp = FeatureImportanceDisplay.from_estimator(model, X, y, n_repeats=5, random_state=0)
    assert np.shape(disp.importances) == (5, 5)
    assert list(disp.feature_names) == list(X.columns)
    assert disp.shown_features_[0] == "modulation_4hz_ratio"
    assert disp.shown_features_[1] == "spectral_flux_var"
    assert disp.ax_.get_xlabel() == "Drop in accuracy when the feature is shuffled"
    assert disp.ax_.get_title(loc="left") == "Permutation importance"
    assert disp.figure_ is disp.ax_.figure
    # Same seed, same importances.
    again = FeatureImportanceDisplay.from_estimator(model, X, y, n_repeats=5, random_state=0)
    assert np.array_equal(again.importances, disp.importances)


def test_from_estimator_with_log_loss_and_a_numpy_array(pyplot):
    X, y = _informative_table()
    model = LogisticRegression().fit(X.to_numpy(), y)
    disp = FeatureImportanceDisplay.from_estimator(
        model, X.to_numpy(), y, scoring="neg_log_loss", n_repeats=2, random_state=0, name="logistic"
    )
    assert list(disp.feature_names) == ["x0", "x1", "x2", "x3", "x4"]
    assert disp.shown_features_[0] == "x0"
    assert disp.ax_.get_xlabel() == "Rise in log-loss when the feature is shuffled"
    assert disp.ax_.get_title(loc="left") == "logistic"


def test_audio_pipeline_is_scored_on_its_named_features(pyplot, tmp_path):
    soundfile = pytest.importorskip("soundfile")
    rate = 8000
    t = np.arange(rate) / rate
    rng = np.random.RandomState(0)
    clips, labels = [], []
    for i in range(12):
        if i % 2:
            audio = np.sin(2 * np.pi * (220 + 20 * i) * t)  # held tone
            labels.append("Music")
        else:
            audio = rng.normal(0, 0.3, rate) * (1 + np.sin(2 * np.pi * 4 * t))  # 4 Hz bursts
            labels.append("Speech")
        path = tmp_path / f"clip_{i}.wav"
        soundfile.write(path, 0.3 * audio, rate)
        clips.append(str(path))
    pipeline = make_pipeline(AudioFeatureExtractor(), StandardScaler(), LogisticRegression())
    pipeline.fit(clips, labels)
    disp = FeatureImportanceDisplay.from_estimator(pipeline, clips, labels, n_repeats=1, random_state=0)
    assert list(disp.feature_names) == list(AudioFeatureExtractor().get_feature_names_out())


def test_bars_are_grouped_by_family_and_the_legend_lists_each_once(pyplot):
    names = ["mfcc_1_mean", "modulation_4hz_ratio", "mfcc_2_mean", "spectral_flux_var", "pitch_x", "odd"]
    importances = [0.30, 0.25, 0.05, 0.10, 0.02, 0.01]
    disp = FeatureImportanceDisplay.from_importances(importances, names)
    # MFCC (0.35 in all) first, then modulation (0.25), flux, voice and rhythm, other.
    assert disp.shown_features_ == [
        "mfcc_1_mean",
        "mfcc_2_mean",
        "modulation_4hz_ratio",
        "spectral_flux_var",
        "pitch_x",
        "odd",
    ]
    assert disp.feature_families_ == [
        "MFCC",
        "Syllabic modulation",
        "MFCC",
        "Spectral flux",
        "Voice and rhythm",
        "Other",
    ]
    legend = [text.get_text() for text in disp.ax_.get_legend().get_texts()]
    assert legend == ["MFCC", "Syllabic modulation", "Spectral flux", "Voice and rhythm", "Other"]
    assert [label.get_text() for label in disp.ax_.get_yticklabels()] == disp.shown_features_
    widths = [bar.get_width() for bar in disp.bars_]
    assert widths == pytest.approx([0.30, 0.05, 0.25, 0.10, 0.02, 0.01])
    # The top feature is drawn at the top.
    assert disp.bars_[0].get_y() > disp.bars_[-1].get_y()

    ranked = FeatureImportanceDisplay.from_importances(importances, names, group_by_family=False)
    assert ranked.shown_features_[:3] == ["mfcc_1_mean", "modulation_4hz_ratio", "spectral_flux_var"]


def test_max_features_custom_families_colours_and_existing_axes(pyplot):
    fig, ax = pyplot.subplots()
    importances = np.arange(10, dtype=float)[:, None] * [1.0, 1.2]
    names = [f"f{i}" for i in range(10)]
    families = ["even" if i % 2 == 0 else "odd" for i in range(10)]
    disp = FeatureImportanceDisplay(importances, names, families=families).plot(
        ax=ax, max_features=4, colors={"odd": "black"}
    )
    assert disp.ax_ is ax and disp.figure_ is fig and pyplot.get_fignums() == [fig.number]
    assert disp.shown_features_ == ["f9", "f7", "f8", "f6"]
    assert disp.bars_[0].get_facecolor()[:3] == (0.0, 0.0, 0.0)
    all_shown = FeatureImportanceDisplay(importances, names).plot(max_features=None)
    assert len(all_shown.bars_) == 10


def test_legend_sits_beside_the_bars(pyplot):
    disp = FeatureImportanceDisplay.from_importances([0.3, 0.1, 0.2], ["rms_cv", "zcr_mean", "mfcc_0_std"])
    disp.figure_.canvas.draw()
    legend = disp.ax_.get_legend().get_window_extent()
    assert legend.x0 >= disp.ax_.get_window_extent().x1


@pytest.mark.parametrize(
    "importances, names, families, match",
    [
        ([0.1, 0.2], ["a"], None, "2 rows but feature_names has 1"),
        (np.zeros((2, 2, 2)), ["a", "b"], None, "1- or 2-dimensional"),
        ([0.1, 0.2], ["a", "b"], ["x"], "families has 1 entries for 2 features"),
    ],
)
def test_inconsistent_inputs_are_refused_before_drawing(pyplot, importances, names, families, match):
    with pytest.raises(ValueError, match=match):
        FeatureImportanceDisplay.from_importances(importances, names, families=families)
    assert pyplot.get_fignums() == []


def test_invalid_max_features(pyplot):
    with pytest.raises(ValueError, match="max_features must be a positive integer"):
        FeatureImportanceDisplay([0.1], ["a"]).plot(max_features=0)


def test_unfitted_estimator_raises(pyplot):
    X, y = _informative_table(n=20)
    with pytest.raises(NotFittedError):
        FeatureImportanceDisplay.from_estimator(LogisticRegression(), X, y)


def test_exported_lazily():
    import subprocess
    import sys

    code = (
        "import sys, sklearn_speechmusic as s; assert 'sklearn' not in sys.modules; "
        "assert 'FeatureImportanceDisplay' in s.__all__; s.FeatureImportanceDisplay"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
