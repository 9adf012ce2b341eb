"""Window features assembled from frame values match clip_features of each window."""

from pathlib import Path

import numpy as np
import pytest
import soundfile
from sklearn.base import BaseEstimator, ClassifierMixin

from sklearn_speechmusic import AudioFeatureExtractor, SpeechMusicSegmenter
from sklearn_speechmusic._audio_features import FrameSettings, clip_features, feature_names
from sklearn_speechmusic._window_features import frame_values, supports, window_features, window_starts

DATA = Path(__file__).parent / "data"
RATE = 22050
SETTINGS = FrameSettings(RATE, 1024, 512, 13, 40)


@pytest.fixture(scope="module")
def recording():
    clips = sorted((DATA / "audio").glob("*/*.ogg")) + sorted((DATA / "long_audio").glob("*.ogg"))
    parts = [soundfile.read(path, dtype="float32")[0] for path in clips]
    t = np.arange(2 * RATE) / RATE
    parts.append((0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32))  # a pure tone
    return np.concatenate(parts)


@pytest.mark.parametrize("block", [RATE, 7 * RATE + 123, 10**7])
def test_window_features_match_clip_features(recording, block):
    frames, n_samples = frame_values(
        (recording[i : i + block] for i in range(0, recording.size, block)), SETTINGS
    )
    assert n_samples == recording.size
    starts = window_starts(len(frames.rms), 128, 22)
    features, levels = window_features(frames, starts, 128, SETTINGS)
    names = feature_names(13)
    for w in range(0, len(starts), 5):
        first = starts[w] * 512
        window = recording[first : first + 127 * 512 + 1024]
        expected = clip_features(window, SETTINGS)
        # float32 spectra, summed in another order: ~1e-5 relative. The flatness'
        # -100 dB floor is relative to a stretch of frames, not the window: bins that
        # Vorbis emptied sit on it, so the flatness moves by up to ~15 % (of ~0.02).
        tolerance = np.where([name.startswith("spectral_flatness") for name in names], 0.2, 2e-4)
        off = np.abs(features[w] - expected) > 1e-6 + tolerance * np.abs(expected)
        assert not off.any(), (w, [name for name, bad in zip(names, off, strict=True) if bad])
        power = np.mean(np.square(window, dtype=np.float64))
        assert levels[w] == pytest.approx(10 * np.log10(power), abs=1e-6)


def test_only_the_known_feature_set_takes_the_fast_path():
    names = AudioFeatureExtractor().get_feature_names_out()
    assert supports(SETTINGS, names)
    assert not supports(SETTINGS, [*names, "extra"])
    assert not supports(FrameSettings(RATE, 1024, 384, 13, 40), feature_names(13))


def test_the_fallback_reads_the_same_windows(recording):
    """An extractor whose framing the fast path does not take goes window by window."""
    from sklearn.pipeline import Pipeline

    depth = feature_names(13).index("modulation_4hz_depth")

    def predict_proba(X):
        speech = 1 / (1 + np.exp(-(np.asarray(X)[:, depth] - 0.1) * 50))
        return np.column_stack([1 - speech, speech])

    classes = np.array(["Music", "Speech"], dtype=object)
    piece = (recording[: 20 * RATE], RATE)
    fast_pipeline = Pipeline(
        [("features", AudioFeatureExtractor()), ("model", _Wrapped(predict_proba, classes))]
    )
    fast = SpeechMusicSegmenter(fast_pipeline).window_probabilities(piece)
    pipeline = Pipeline(
        [("features", AudioFeatureExtractor(hop_length=511)), ("model", _Wrapped(predict_proba, classes))]
    )
    slow = SpeechMusicSegmenter(pipeline).window_probabilities(piece)
    assert len(slow) == pytest.approx(len(fast), abs=2)
    assert slow.attrs["frame_level_db"].size == pytest.approx(fast.attrs["frame_level_db"].size, rel=0.01)
    assert (slow["Speech"].round() == fast["Speech"].round()).mean() > 0.8


class _Wrapped(ClassifierMixin, BaseEstimator):
    """A fitted model's predict_proba as a pipeline step."""

    def __init__(self, predict=None, classes=None):
        self.predict = predict
        self.classes = classes

    @property
    def classes_(self):
        return self.classes

    def predict_proba(self, X):
        return self.predict(X)

    def fit(self, X=None, y=None):
        return self

    def __sklearn_is_fitted__(self):
        return True
