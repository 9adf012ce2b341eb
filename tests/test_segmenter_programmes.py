"""SpeechMusicSegmenter on synthetic programmes with exact ground truth, with stub models.

The stubs are tiny rules on the extractor's features, named by feature: Speech
for deep 2-8 Hz modulation (or, for the naive model, any level change within a
window), Noise for a flat spectrum, Music otherwise. They stand for a 2-class
and a 4-class model whose class columns come in any order.
"""

import numpy as np
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.pipeline import Pipeline

from sklearn_speechmusic import AudioFeatureExtractor, SpeechMusicSegmenter

RATE = 22050
FLOOR_DB = -55.0  # a real room's noise floor: above the fixed -60 dB FS threshold


class RuleModel(ClassifierMixin, BaseEstimator):
    """predict_proba from three features, for any list of class names."""

    def __init__(self, classes=("Music", "Speech"), level_change_is_speech=False):
        self.classes = classes
        self.level_change_is_speech = level_change_is_speech

    def fit(self, X=None, y=None):
        return self

    def __sklearn_is_fitted__(self):
        return True  # a fixed rule: nothing to learn

    @property
    def classes_(self):
        return np.array(self.classes, dtype=object)

    def predict_proba(self, X):
        names = list(AudioFeatureExtractor().get_feature_names_out())
        X = np.asarray(X)
        speech = X[:, names.index("modulation_4hz_depth")] > 0.2
        if self.level_change_is_speech:
            speech |= X[:, names.index("rms_db_std")] > 1.0
        noisy = X[:, names.index("spectral_flatness_mean")] > 0.2
        wanted = np.where(speech, "Speech", np.where(noisy & ("Noise" in self.classes), "Noise", "Music"))
        proba = np.full((len(X), len(self.classes)), 0.02)
        for column, label in enumerate(self.classes):
            proba[wanted == label, column] = 1.0
        return proba / proba.sum(axis=1, keepdims=True)


def stub(classes, **kwargs):
    return Pipeline([("features", AudioFeatureExtractor()), ("rule", RuleModel(tuple(classes), **kwargs))])


def _db(x):
    return 10 * np.log10(np.mean(np.square(x, dtype=np.float64)))


def _at(x, level_db):
    return x * 10 ** ((level_db - _db(x)) / 20)


def _chord(seconds, freqs):
    t = np.arange(int(seconds * RATE)) / RATE
    return sum(np.sin(2 * np.pi * f * t) for f in freqs)


def _speech_like(seconds, rng):
    """A gliding harmonic voice with a noisy edge, switched on and off four times a second."""
    t = np.arange(int(seconds * RATE)) / RATE
    f0 = 140 + 20 * np.sin(2 * np.pi * 1.3 * t)
    phase = 2 * np.pi * np.cumsum(f0) / RATE
    carrier = sum(np.sin(k * phase) / k for k in range(1, 15)) + 0.3 * rng.normal(size=t.size)
    return carrier * np.maximum(0, np.sin(2 * np.pi * 4 * t)) ** 2


@pytest.fixture(scope="module")
def programme():
    """(waveform, truth, cut): items at about -20 dB FS over a -55 dB FS room floor."""
    rng = np.random.default_rng(0)
    items = [
        ("Music", _at(_chord(8, (262, 330, 392)), -20)),
        ("Silence", np.zeros(int(1.0 * RATE))),
        ("Speech", _at(_speech_like(8, rng), -20)),
        ("Silence", np.zeros(int(1.5 * RATE))),
        ("Noise", _at(rng.normal(size=8 * RATE), -22)),
        ("Music", _at(_chord(8, (262, 330, 392)), -20)),
        ("Music", _at(_chord(8, (220, 277, 440, 554)), -27)),  # a cut into another track
        ("Silence", np.zeros(int(0.8 * RATE))),
        ("Speech", _at(_speech_like(7, rng), -18)),
    ]
    waveform = np.concatenate([audio for _, audio in items])
    waveform += _at(rng.normal(size=waveform.size), FLOOR_DB)
    digital = int(46.0 * RATE), int(47.0 * RATE)  # one second of digital zeros inside the last speech
    waveform[digital[0] : digital[1]] = 0
    truth, now = [], 0.0
    for label, audio in items:
        end = now + audio.size / RATE
        truth.append([now, end, label])
        now = end
    cut = truth[5][1]
    # The digital silence splits the last speech item.
    last = truth.pop()
    truth += [[last[0], 46.0, "Speech"], [46.0, 47.0, "Silence"], [47.0, last[1], "Speech"]]
    merged = [truth[0]]
    for start, end, label in truth[1:]:
        if label == merged[-1][2]:
            merged[-1][1] = end
        else:
            merged.append([start, end, label])
    return waveform.astype(np.float32), merged, cut


def label_at(segments, time):
    row = segments[(segments["start"] <= time) & (segments["end"] > time)]
    return row["label"].iloc[0]


CLASS_ORDERS = [["Music", "Speech"], ["Speech", "Silence", "Noise", "Music"], ["Noise", "Music", "Speech"]]


@pytest.mark.parametrize("classes", CLASS_ORDERS, ids="-".join)
def test_labels_follow_class_names(programme, classes):
    waveform, truth, _ = programme
    segments = SpeechMusicSegmenter(stub(classes)).segment((waveform, RATE))
    for start, end, label in truth:
        if label == "Noise" and "Noise" not in classes:
            label = "Music"  # a two-class model calls noise what it sounds most like
        assert label_at(segments, (start + end) / 2) == label, (start, end, label, segments)
    assert set(segments["label"]) <= set(classes) | {"Silence"}
    # One Silence label whether or not the model has the class: never two in a row.
    assert (segments["label"].to_numpy()[1:] != segments["label"].to_numpy()[:-1]).all()


def test_silence_is_found_relative_to_the_noise_floor(programme):
    waveform, truth, _ = programme
    segments = SpeechMusicSegmenter(stub(["Music", "Speech"])).segment((waveform, RATE))
    silences = segments[segments["label"] == "Silence"]
    gaps = [(start, end) for start, end, label in truth if label == "Silence"]
    assert len(silences) == len(gaps), segments
    for (start, end), row in zip(gaps, silences.itertuples(), strict=True):
        # (The speech-like voice's last syllable fades out 0.12 s before its item ends.)
        assert abs(row.start - start) <= 0.15 and abs(row.end - end) <= 0.1, (start, end, segments)
    # The fixed threshold alone sees the digital silence only: the floor is above -60 dB FS.
    fixed = SpeechMusicSegmenter(stub(["Music", "Speech"]), silence_margin=None).segment((waveform, RATE))
    found = fixed[fixed["label"] == "Silence"]
    assert found[["start", "end"]].round(1).values.tolist() == [[46.0, 47.0]]


@pytest.mark.parametrize("min_duration", [1.0, 2.5])
def test_a_short_sound_between_pauses_stays_a_sound(min_duration):
    """A 0.4-s burst between 3-s pauses grows to min_duration; the pauses stay silence."""
    rng = np.random.default_rng(2)
    burst = _at(rng.normal(size=int(0.4 * RATE)), -20)
    pause = np.zeros(3 * RATE)
    music = _at(_chord(6, (262, 330, 392)), -20)
    waveform = np.concatenate([music, pause, burst, pause, music])
    waveform = (waveform + _at(rng.normal(size=waveform.size), FLOOR_DB)).astype(np.float32)
    segmenter = SpeechMusicSegmenter(stub(["Speech", "Noise", "Music"]), min_duration=min_duration)
    segments = segmenter.segment((waveform, RATE))
    centre = 9.2
    row = segments[(segments["start"] <= centre) & (segments["end"] > centre)].iloc[0]
    assert row["label"] != "Silence", segments
    assert row["end"] - row["start"] == pytest.approx(min_duration, abs=0.05), segments
    assert [label_at(segments, t) for t in (7.5, 11.0)] == ["Silence", "Silence"], segments
    silences = segments[segments["label"] == "Silence"]
    assert ((silences["end"] - silences["start"]) >= 0.5).all(), segments


def test_a_recording_that_is_never_silent_keeps_its_quiet_passages():
    rng = np.random.default_rng(1)
    loud = _at(_chord(6, (262, 330, 392)), -14)
    quiet = _at(_chord(2, (262, 330, 392)), -34)  # 20 dB down: a quiet passage, not silence
    waveform = np.concatenate([loud, quiet, loud, quiet, loud]) + _at(rng.normal(size=22 * RATE), -80)
    segments = SpeechMusicSegmenter(stub(["Music", "Speech"])).segment((waveform.astype(np.float32), RATE))
    assert segments["label"].tolist() == ["Music"]


@pytest.mark.parametrize("min_duration", [0.0, 1.0, 2.5, 6.0])
def test_no_segment_shorter_than_min_duration_except_silence(programme, min_duration):
    waveform, truth, _ = programme
    segmenter = SpeechMusicSegmenter(
        stub(["Speech", "Noise", "Music"], level_change_is_speech=True),
        smoothing="none",
        min_duration=min_duration,
    )
    segments = segmenter.segment((waveform, RATE))
    durations = segments["end"] - segments["start"]
    assert (durations[segments["label"] != "Silence"] >= min_duration - 1e-9).all(), segments
    # Silence survives any min_duration beside sounds at least that long; a shorter sound
    # with only pauses beside it takes one of them, rather than be labelled Silence.
    for index, (start, end, label) in enumerate(truth):
        neighbours = [truth[i] for i in (index - 1, index + 1) if 0 <= i < len(truth)]
        if label == "Silence" and all(e - s >= min_duration for s, e, _ in neighbours):
            assert label_at(segments, (start + end) / 2) == "Silence", segments
        if label != "Silence":
            assert label_at(segments, (start + end) / 2) != "Silence", segments
    assert np.array_equal(segments["start"].to_numpy()[1:], segments["end"].to_numpy()[:-1])
    assert segments["start"].iloc[0] == 0 and segments["end"].iloc[-1] == pytest.approx(waveform.size / RATE)


def test_no_speech_at_a_cut_between_two_music_tracks(programme):
    """A naive model hears speech in every window straddling the cut; no Speech segment comes of it."""
    waveform, _, cut = programme
    model = stub(["Music", "Speech"], level_change_is_speech=True)
    windows = SpeechMusicSegmenter(model).window_probabilities((waveform, RATE))
    straddling = windows[(windows["start"] < cut) & (windows["end"] > cut)]
    assert (straddling["Speech"] > 0.5).any()  # the trap is set
    segments = SpeechMusicSegmenter(model).segment((waveform, RATE))
    near = segments[(segments["end"] > cut - 2) & (segments["start"] < cut + 2)]
    assert near["label"].tolist() == ["Music"], segments


@pytest.mark.parametrize("classes", CLASS_ORDERS[1:], ids="-".join)
def test_changes_are_placed_within_half_a_second(programme, classes):
    waveform, truth, _ = programme
    segments = SpeechMusicSegmenter(stub(classes)).segment((waveform, RATE))
    found = segments["start"].to_numpy()[1:]
    for left, right in zip(truth[:-1], truth[1:], strict=True):
        error = np.min(np.abs(found - left[1]))
        assert error <= 0.5, (left, right, segments)


def test_a_clean_change_is_placed_at_frame_level():
    rng = np.random.default_rng(2)
    waveform = np.concatenate([_at(_chord(9.3, (262, 330, 392)), -20), _at(_speech_like(8, rng), -20)])
    segmenter = SpeechMusicSegmenter(stub(["Music", "Speech"]))
    refined = segmenter.segment((waveform.astype(np.float32), RATE))
    assert refined["label"].tolist() == ["Music", "Speech"]
    assert abs(refined["end"].iloc[0] - 9.3) <= 0.1, refined
    # Without refinement the window grid alone decides, to within half a window.
    coarse = SpeechMusicSegmenter(stub(["Music", "Speech"]), refine_boundaries=False).segment(
        (waveform.astype(np.float32), RATE)
    )
    assert abs(coarse["end"].iloc[0] - 9.3) <= 1.6


def test_digital_silence_whole_and_short_recordings():
    segmenter = SpeechMusicSegmenter(stub(["Music", "Noise", "Speech", "Silence"]))
    whole = segmenter.segment((np.zeros(5 * RATE, dtype=np.float32), RATE))
    assert whole[["start", "end", "label"]].values.tolist() == [[0.0, 5.0, "Silence"]]
    tiny = segmenter.segment((np.zeros(int(0.3 * RATE), dtype=np.float32), RATE))
    assert tiny["label"].tolist() == ["Silence"]


def test_window_table_carries_the_frame_levels(programme):
    waveform, _, _ = programme
    windows = SpeechMusicSegmenter(stub(["Music", "Speech"])).window_probabilities((waveform, RATE))
    levels = windows.attrs["frame_level_db"]
    step = windows.attrs["frame_step"]
    assert len(levels) == pytest.approx(waveform.size / RATE / step, abs=3)
    # The room floor's frames read about -55 dB FS, the digital silence's far below.
    first_gap = levels[int(8.2 / step) : int(8.7 / step)]
    assert np.all(np.abs(first_gap - FLOOR_DB) < 3)
    assert np.all(levels[int(46.1 / step) : int(46.8 / step)] < -100)


def test_a_boundary_stays_where_expected_unless_the_spectrum_changes_clearly_elsewhere():
    from sklearn_speechmusic._boundaries import change_point

    settings = AudioFeatureExtractor()._check_settings()
    rate = settings.sample_rate
    rng = np.random.default_rng(0)
    steady = (rng.normal(size=6 * rate) * 0.1).astype(np.float32)
    for expected in (2.3, 3.7):
        found = change_point((steady, rate), 1.0, 5.0, settings, expected=expected, spread=0.4)
        assert found == pytest.approx(expected, abs=0.25)
    chord_then_noise = np.concatenate([_chord(3, (220, 330, 440)), rng.normal(size=3 * rate)])
    chord_then_noise = chord_then_noise.astype(np.float32)
    for expected in (None, 2.0, 4.0):
        found = change_point((chord_then_noise, rate), 1.0, 5.0, settings, expected=expected, spread=0.4)
        assert found == pytest.approx(3.0, abs=0.05)


def test_a_change_near_the_end_of_the_range_is_found_with_context():
    """Each regime is fitted on audio beyond the range too, so a change close to its end has both."""
    from sklearn_speechmusic._boundaries import change_point

    settings = AudioFeatureExtractor()._check_settings()
    rate = settings.sample_rate
    noise = np.random.default_rng(0).normal(size=3 * rate)
    chord_then_noise = np.concatenate([_chord(3, (220, 330, 440)), noise]).astype(np.float32)
    kwargs = {"expected": 2.6, "spread": 0.4}
    found = change_point((chord_then_noise, rate), 1.0, 3.05, settings, context=1.0, **kwargs)
    assert found == pytest.approx(3.0, abs=0.05)
    # Within the range alone the noise has too few frames to be a regime.
    alone = change_point((chord_then_noise, rate), 1.0, 3.05, settings, **kwargs)
    assert alone < 2.95
    # The change is still sought in the range only.
    assert 3.2 <= change_point((chord_then_noise, rate), 3.2, 5.0, settings, context=1.0, **kwargs) <= 5.0
