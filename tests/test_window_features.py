"""Window features assembled from frame values match clip_features of each window."""

from pathlib import Path

import numpy as np
import pytest
import soundfile
from sklearn.base import BaseEstimator, ClassifierMixin

from sklearn_speechmusic import AudioFeatureExtractor, SpeechMusicSegmenter
from sklearn_speechmusic._audio_features import FrameSettings, clip_features, feature_names, loud_level_dbfs
from sklearn_speechmusic._voice_music_features import summarise
from sklearn_speechmusic._voice_music_frames import LongPeakCounter
from sklearn_speechmusic._window_features import frame_values, supports, window_features
from sklearn_speechmusic._window_grid import LongPeakTable, pack_bins, window_starts
from sklearn_speechmusic._window_voice_music import VoiceSeries, bed_ridge_frames, window_voice_features

DATA = Path(__file__).parent / "data"
SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "speech_music"
RATE = 22050
SETTINGS = FrameSettings(RATE, 1024, 512, 13, 40)
NAMES = feature_names(13)


def tolerances(names):
    """Relative and absolute tolerance of each feature against clip_features of the window.

    The spectra are float32 and computed at another gain (a stretch of frames at unit
    RMS, not the window), so values agree to ~1e-5 relative. The flatness' -100 dB floor
    is relative to the stretch, not the window: bins that Vorbis emptied sit on it, so
    the flatness moves by up to ~15 % (of ~0.02). The HNR is 10 log10(p / (1 - p)) of a
    float32 periodicity p: near p = 1 (40 dB) a rounding of 1e-7 in p is ~4e-3 dB in one
    frame, ~1e-4 dB in the window's mean. ``level_dbfs`` comes from float64 sums here and
    float32 ones in the extractor: ~1e-6 dB.
    """
    relative = np.array([0.2 if name.startswith("spectral_flatness") else 2e-4 for name in names])
    absolute = np.array(
        [1e-3 if name == "hnr_db" else 1e-4 if name == "level_dbfs" else 1e-5 for name in names]
    )
    return relative, absolute


def assert_windows_match(recording, starts, width, features, every=1, first_column=0):
    """Each ``every``-th window's features (from ``first_column`` on) against clip_features of its samples."""
    relative, absolute = tolerances(NAMES)
    for w in range(0, len(starts), every):
        first = starts[w] * 512
        expected = clip_features(recording[first : first + (width - 1) * 512 + 1024], SETTINGS)
        off = np.abs(features[w] - expected) > absolute + relative * np.abs(expected)
        off[:first_column] = False
        assert not off.any(), (w, {n: (features[w, k], expected[k]) for k, n in enumerate(NAMES) if off[k]})


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
    assert features.shape == (len(starts), len(NAMES)) == (len(starts), 66)
    assert_windows_match(recording, starts, 128, features, every=5 if block == RATE else 15)
    for w in range(0, len(starts), 5):
        window = recording[starts[w] * 512 : starts[w] * 512 + 127 * 512 + 1024]
        power = np.mean(np.square(window, dtype=np.float64))
        assert levels[w] == pytest.approx(10 * np.log10(power), abs=1e-6)


def test_the_blocks_read_do_not_change_the_features(recording):
    """The stretches of frames analysed together are cut at the same frames whatever the blocks."""
    results = []
    for block in (RATE // 3 + 7, 10**7):
        frames, _ = frame_values(
            (recording[i : i + block] for i in range(0, recording.size, block)), SETTINGS
        )
        results.append(window_features(frames, window_starts(len(frames.rms), 128, 22), 128, SETTINGS))
    np.testing.assert_array_equal(results[0][0], results[1][0])
    np.testing.assert_array_equal(results[0][1], results[1][1])


@pytest.mark.skipif(not SHARED.is_dir(), reason="the shared speech/music clips are not here")
def test_window_features_match_clip_features_on_the_shared_clips():
    """Speech and orchestral music (the benchmark's clips): the voice/music features and the
    level, every third window. (The older features differ more on these clips, one peak or
    rolloff bin flipping in a frame: ~2e-3 relative for the rolloff std and the tonal
    persistence, and the flatness up to ~70 % for bins on its floor.)"""
    clips = sorted((SHARED / "speech").glob("*.ogg"))[::25] + sorted((SHARED / "music").glob("*.ogg"))[::25]
    recording = np.concatenate([soundfile.read(path, dtype="float32")[0] for path in clips])
    frames, _ = frame_values([recording], SETTINGS)
    starts = window_starts(len(frames.rms), 128, 22)
    features, _ = window_features(frames, starts, 128, SETTINGS)
    assert_windows_match(
        recording, starts, 128, features, every=3, first_column=NAMES.index("pitch_stability")
    )


def test_edge_cases_match_clip_features():
    """The voice/music features and the level of silence, near-silence after a loud tone
    (pitch's silence floor follows the window's level), a sung vibrato, noise; windows
    shorter than the 1-s ridges; a recording shorter than one window."""
    rng = np.random.default_rng(0)
    t = np.arange(3 * RATE) / RATE
    pitch = 220 * 2 ** (0.5 / 12 * np.sin(2 * np.pi * 5.5 * t))
    phase = 2 * np.pi * np.cumsum(pitch) / RATE
    recording = np.concatenate(
        [
            np.zeros(2 * RATE),
            0.3 * sum(np.sin(k * phase) / k for k in range(1, 6)),
            1e-6 * rng.normal(size=3 * RATE),
            np.zeros(RATE),
            0.1 * rng.normal(size=2 * RATE),
        ]
    ).astype(np.float32)
    for piece, width, hop in ((recording, 128, 11), (recording, 30, 7), (recording[: 100 * 512], 128, 22)):
        frames, _ = frame_values([piece], SETTINGS)
        starts = window_starts(len(frames.rms), width, hop)
        features, _ = window_features(frames, starts, width, SETTINGS)
        assert_windows_match(
            piece, starts, min(width, len(frames.rms)), features, first_column=NAMES.index("pitch_stability")
        )


def test_a_dc_offset_has_no_loud_level():
    """A constant signal has no RMS about its mean: -120 dB. (The extractor squares float32
    samples, so its level of a DC offset is rounding, some 70 dB below the offset.)"""
    frames, _ = frame_values([np.full(4 * RATE, 0.25, dtype=np.float32)], SETTINGS)
    features, _ = window_features(frames, window_starts(len(frames.rms), 128, 22), 128, SETTINGS)
    assert np.all(features[:, NAMES.index("level_dbfs")] == -120.0)


def test_only_the_known_feature_set_takes_the_fast_path():
    names = AudioFeatureExtractor().get_feature_names_out()
    assert len(names) == 66
    assert supports(SETTINGS, names)
    assert not supports(SETTINGS, names[:57])
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


def ridged_peaks(rng, n_frames, n_bins, n_ridges):
    """Random peaks (5 %) and ridges that wander by a bin at a time, 5 to 150 frames long."""
    peaks = rng.random((n_frames, n_bins)) < 0.05
    for _ in range(n_ridges):
        start, length = rng.integers(n_frames), rng.integers(5, 150)
        path = np.clip(rng.integers(n_bins) + np.cumsum(rng.integers(-1, 2, length)), 0, n_bins - 1)
        frames = np.arange(start, min(start + length, n_frames))
        peaks[frames, path[: frames.size]] = True
    return peaks


@pytest.mark.parametrize("n_bins", [5, 64, 70, 126, 130])
@pytest.mark.parametrize(("width", "hop"), [(128, 22), (60, 7), (30, 11), (1000, 50)])
def test_long_peak_table_counts_as_a_long_peak_counter_of_each_window(n_bins, width, hop):
    """Ridges stop at a window's edges: the table gives the counts of each window's frames alone."""
    rng = np.random.default_rng(n_bins * width)
    peaks = ridged_peaks(rng, 700, n_bins, max(2, n_bins // 4))
    starts = window_starts(len(peaks), width, hop)
    width = min(width, len(peaks))
    counts = LongPeakTable(pack_bins(peaks), n_bins, 43, starts, width).counts(np.arange(len(starts)))
    for window, start in enumerate(starts):
        counter = LongPeakCounter(43)
        counter.add(peaks[start : start + width])
        np.testing.assert_array_equal(counts[window], counter.counts())


def test_window_summaries_are_summarise_of_each_windows_frames():
    """The vectorised summaries against ``summarise`` and ``loud_level_dbfs`` window by window,
    on per-frame series with held, gliding and vibrato pitch, flicker, silence and ridges."""
    rng = np.random.default_rng(3)
    n_frames, frame_rate, n_bins = 900, RATE / 512, 70
    t = np.arange(n_frames) / frame_rate
    f0 = 220 * 2 ** ((np.floor(t / 0.8) % 5 + 0.4 * np.sin(2 * np.pi * 5.5 * t) * (t % 4 < 2)) / 12)
    f0[(t % 7) > 5] *= 2 ** (rng.normal(0, 2, size=np.count_nonzero((t % 7) > 5)) / 12)
    flicker = (rng.random(n_frames) < 0.1) & (t % 10 > 5)
    periodicity = np.where(flicker, 0.2, np.where((t % 2.5) < 1.6, 0.9, 0.3))
    log_power = rng.normal(-3, 1, n_frames) - 5 * (t % 3 > 2.6)
    log_power[(t > 12) & (t < 16)] = -np.inf  # a silent stretch, longer than a window
    ac_log_rms = np.where(np.isfinite(log_power), log_power / 2, -1e3)
    series = VoiceSeries(
        f0=f0.astype(np.float32),
        periodicity=periodicity.astype(np.float32),
        band_power=np.ones(n_frames, dtype=np.float32),
        log_power=log_power,
        level_db=np.cumsum(rng.normal(0, 2, n_frames)) + 6 * np.sin(2 * np.pi * 4 * t),
        onset=np.abs(rng.normal(0, 1, n_frames)) * (1 + 3 * (np.arange(n_frames) % 22 == 0)),
        peaks=pack_bins(peaks := ridged_peaks(rng, n_frames, n_bins, 40)),
        ac_log_rms=ac_log_rms,
        n_bins=n_bins,
        silent_power=1e-3,
    )
    starts = window_starts(n_frames, 128, 22)
    table = LongPeakTable(series.peaks, n_bins, bed_ridge_frames(frame_rate), starts, 128)
    windows = np.arange(len(starts))
    got = window_voice_features(series, table, windows, np.ones((len(starts), 128)), frame_rate)
    assert {name: values.shape for name, values in got.items()} == dict.fromkeys(NAMES[57:], (len(starts),))
    for window, start in enumerate(starts):
        frames = slice(start, start + 128)
        counter = LongPeakCounter(bed_ridge_frames(frame_rate))
        counter.add(peaks[frames])
        onset = series.onset[frames].copy()
        onset[0] = 0.0
        expected = summarise(
            {
                "f0": series.f0[frames],
                "periodicity": series.periodicity[frames],
                "log_power": log_power[frames],
                "level_db": series.level_db[frames],
                "onset": onset,
                "long_peaks": counter.counts(),
            },
            frame_rate,
        )
        expected["level_dbfs"] = loud_level_dbfs(np.exp(ac_log_rms[frames]), np.zeros(128))
        for name, value in expected.items():
            assert got[name][window] == pytest.approx(value, rel=1e-9, abs=1e-12), (window, name)
    # Every branch is exercised: silent and voiced windows, held pitch, vibrato, a bed.
    for name in ("pitch_stability", "vibrato_strength", "tonal_bed_share", "tonal_bed_under_speech"):
        assert (got[name] > 0).any() and (got[name] == 0).any(), name
    assert (got["hnr_db"] == -10).any()


def test_the_window_modules_use_no_private_names_of_other_modules():
    import ast

    package = Path(__file__).parents[1] / "sklearn_speechmusic"
    for module in ("_window_features", "_window_grid", "_window_voice_music", "_segment_windows"):
        for node in ast.walk(ast.parse((package / f"{module}.py").read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 1:
                assert not [alias.name for alias in node.names if alias.name.startswith("_")], module
