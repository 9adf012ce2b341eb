"""Voice/music features (issue 18 item 2) on synthetic signals with a known answer."""

import numpy as np
import pytest

from sklearn_speechmusic._audio_features import FrameSettings
from sklearn_speechmusic._voice_music_features import (
    VOICE_MUSIC_FEATURE_DESCRIPTIONS,
    VoiceMusicAccumulator,
    voice_music_feature_names,
    voice_music_features,
    waveform_voice_music_features,
)
from sklearn_speechmusic._voice_music_frames import LongPeakCounter, frame_pitch, pitch_plan, window_all

RATE = 22050
SETTINGS = FrameSettings(RATE, 1024, 512, 13, 40)
NAMES = list(VOICE_MUSIC_FEATURE_DESCRIPTIONS)


def harmonic(f0, seconds=3.0, n_harmonics=8, rate=RATE):
    """A harmonic tone with 1/k partials; ``f0`` is a number or a per-sample array (Hz)."""
    f0 = np.asarray(f0, dtype=float)
    n = f0.size if f0.ndim else int(seconds * rate)
    f0 = np.broadcast_to(f0, (n,))
    phase = 2 * np.pi * np.cumsum(f0) / rate
    return sum(np.sin(k * phase) / k for k in range(1, n_harmonics + 1))


def noise_bursts(seconds=3.0, rate_hz=4.0, duty=0.45, seed=0):
    """White noise switched on and off ``rate_hz`` times a second (syllable-like pulses)."""
    t = np.arange(int(seconds * RATE)) / RATE
    gate = (np.sin(2 * np.pi * rate_hz * t) > np.cos(np.pi * duty)).astype(float)
    return gate * np.random.RandomState(seed).normal(size=t.size)


def clicks(times, seconds=3.0, seed=0):
    """Short decaying noise clicks at ``times`` (s), over a quiet noise floor."""
    rng = np.random.RandomState(seed)
    signal = np.zeros(int(seconds * RATE))
    signal[(np.asarray(times) * RATE).astype(int)] = 1.0
    click = np.exp(-np.arange(300) / 30) * rng.normal(size=300)
    return np.convolve(signal, click)[: signal.size] + 1e-3 * rng.normal(size=signal.size)


def spoken(seconds=3.0, seed=0):
    """Speech-like: ~4 syllables a second, each a fricative burst then a short voiced part
    whose pitch glides by a few semitones, with short gaps and a falling declination."""
    rng = np.random.RandomState(seed)
    n = int(seconds * RATE)
    out, position = np.zeros(n), 0
    while position < n:
        burst = int(rng.uniform(0.04, 0.08) * RATE)
        voiced = int(rng.uniform(0.12, 0.2) * RATE)
        gap = int(rng.uniform(0.03, 0.1) * RATE)
        stop = min(n, position + burst)
        out[position:stop] = 0.3 * np.diff(rng.normal(size=stop - position + 1))
        position = stop
        start_st = rng.uniform(-2, 2) - 2 * position / n
        glide = np.linspace(start_st, start_st + rng.uniform(-4, 4), voiced)
        f0 = 130 * 2 ** (glide / 12)
        tone = harmonic(f0) * np.hanning(voiced)
        stop = min(n, position + voiced)
        out[position:stop] = tone[: stop - position]
        position = stop + gap
    return out


def sung(seconds=3.0, seed=0):
    """Song-like: held notes of 0.4-0.9 s on a scale, 5.5 Hz vibrato after 0.15 s, legato."""
    rng = np.random.RandomState(seed)
    n = int(seconds * RATE)
    f0 = np.empty(n)
    position = 0
    while position < n:
        length = min(n - position, int(rng.uniform(0.4, 0.9) * RATE))
        note = 220 * 2 ** (rng.choice([0, 2, 4, 5, 7, 9]) / 12)
        t = np.arange(length) / RATE
        depth = 0.4 * np.clip((t - 0.15) / 0.1, 0, 1)
        f0[position : position + length] = note * 2 ** (depth * np.sin(2 * np.pi * 5.5 * t) / 12)
        position += length
    return harmonic(f0, seconds) + 0.01 * rng.normal(size=n)


def features(signal, **kwargs):
    return waveform_voice_music_features(np.asarray(signal, dtype=np.float32), SETTINGS, **kwargs)


def test_names_and_descriptions_are_fixed_and_one_line():
    assert (
        voice_music_feature_names()
        == NAMES
        == [
            "pitch_stability",
            "vibrato_strength",
            "voiced_run_median_s",
            "voiced_long_run_share",
            "hnr_db",
            "beat_periodicity",
            "tonal_bed_share",
            "tonal_bed_under_speech",
        ]
    )
    assert all(
        text and "\n" not in text and len(text) < 140 for text in VOICE_MUSIC_FEATURE_DESCRIPTIONS.values()
    )
    assert list(features(harmonic(220))) == NAMES


def test_pitch_estimate_of_a_harmonic_tone():
    plan = pitch_plan(RATE, 1024)
    for frequency in (90.0, 220.0, 440.0, 880.0):
        frames = np.lib.stride_tricks.sliding_window_view(harmonic(frequency, 0.5), 1024)[::512]
        spectrum = np.fft.rfft(frames * np.hanning(1025)[:-1], axis=1)
        f0, periodicity, _ = frame_pitch((np.abs(spectrum) ** 2).astype(np.float32), plan)
        np.testing.assert_allclose(f0, frequency, rtol=0.01)  # a sixth of a semitone
        assert periodicity.min() > 0.95


def test_steady_tone_holds_its_pitch_without_vibrato():
    steady = features(harmonic(220))
    assert steady["pitch_stability"] == 1.0
    assert steady["vibrato_strength"] < 0.05
    assert steady["voiced_run_median_s"] == 2.0  # the cap: voiced throughout
    assert steady["voiced_long_run_share"] == 1.0
    assert steady["tonal_bed_share"] == 1.0
    assert steady["tonal_bed_under_speech"] == 0.0  # a bed, but nothing pulses over it


def test_vibrato_is_detected_and_a_glide_is_not_stable():
    t = np.arange(3 * RATE) / RATE
    vibrato = features(harmonic(220 * 2 ** (0.5 * np.sin(2 * np.pi * 5.5 * t) / 12)))
    assert vibrato["vibrato_strength"] > 0.7
    assert vibrato["pitch_stability"] > 0.9  # smoothing looks through the vibrato to the held note
    # Rising by 3 semitones over every half second (6 semitones a second), as intonation glides.
    glide = features(harmonic(150 * 2 ** (6 * (t % 0.5) / 12)))
    assert glide["vibrato_strength"] < 0.3  # a 2 Hz sawtooth has harmonics at 4 and 6 Hz
    assert glide["pitch_stability"] < 0.1


def test_harmonic_tone_has_high_hnr_and_noise_low():
    tone, noise = features(harmonic(220)), features(np.random.RandomState(0).normal(size=3 * RATE))
    assert tone["hnr_db"] > 25
    assert noise["hnr_db"] < -5
    assert noise["voiced_long_run_share"] == 0.0 and noise["pitch_stability"] == 0.0
    noisy_tone = features(harmonic(220) + np.random.RandomState(0).normal(size=3 * RATE) * 0.5)
    assert noise["hnr_db"] < noisy_tone["hnr_db"] < tone["hnr_db"]


def test_click_track_has_a_beat_and_random_onsets_do_not():
    steady = features(clicks(np.arange(0.1, 3.0, 0.5)))
    random_times = np.sort(np.random.RandomState(1).uniform(0.05, 2.95, size=6))
    scattered = features(clicks(random_times))
    assert steady["beat_periodicity"] > 0.5
    assert scattered["beat_periodicity"] < 0.35
    assert features(harmonic(220))["beat_periodicity"] < 0.2  # a held tone has no onsets


def test_tonal_bed_under_syllabic_bursts():
    bed = 0.3 * harmonic(220)
    over_bed = features(bed + noise_bursts())
    assert over_bed["tonal_bed_under_speech"] > 0.5
    assert features(noise_bursts())["tonal_bed_under_speech"] == 0.0  # pulses, no bed
    assert features(bed)["tonal_bed_under_speech"] == 0.0  # bed, no pulses


def test_sung_and_spoken_like_signals():
    singing, speech = features(sung()), features(spoken())
    assert singing["pitch_stability"] > speech["pitch_stability"] + 0.3
    assert singing["vibrato_strength"] > speech["vibrato_strength"] + 0.3
    assert singing["voiced_run_median_s"] > 0.35 > speech["voiced_run_median_s"]
    assert singing["voiced_long_run_share"] > 0.8 > 0.2 > speech["voiced_long_run_share"]
    assert singing["hnr_db"] > speech["hnr_db"]
    over_bed = features(spoken() + 0.3 * harmonic(110 * 2 ** (4 / 12), n_harmonics=12))
    assert over_bed["tonal_bed_under_speech"] > 0.3 > speech["tonal_bed_under_speech"]


SIGNALS = {
    "sung": sung,
    "spoken": spoken,
    "noise": lambda: np.random.RandomState(0).normal(size=3 * RATE),
    "bed+bursts": lambda: 0.3 * harmonic(220) + noise_bursts(),
    "clicks": lambda: clicks(np.arange(0.1, 3.0, 0.5)),
}


@pytest.mark.parametrize("name", sorted(SIGNALS))
@pytest.mark.parametrize("scale", [1e-3, 1e3])
def test_level_invariant(name, scale):
    signal = SIGNALS[name]()
    reference = features(signal)
    scaled = features(signal * scale)
    # Float32 rounding of the rescaled samples (~6e-8 relative) may flip a thresholded frame.
    for key in NAMES:
        assert scaled[key] == pytest.approx(reference[key], rel=0.02, abs=0.02), key


@pytest.mark.parametrize(
    "signal",
    [
        np.zeros(3 * RATE),
        np.ones(3 * RATE),
        -7.5 * np.ones(3 * RATE),
        np.r_[np.zeros(RATE), np.ones(2 * RATE)],
        np.r_[np.zeros(RATE), harmonic(220, 1.0), np.zeros(RATE)],
        np.r_[1e-30 * harmonic(220, 1.0), 1e30 * harmonic(220, 1.0)],
        np.full(2000, 3e38),
        np.random.RandomState(0).normal(size=1024),
    ],
    ids=[
        "silence",
        "dc",
        "negative-dc",
        "silence-then-dc",
        "gated-tone",
        "1e-30-then-1e30",
        "huge",
        "one-frame",
    ],
)
def test_finite_for_silence_dc_and_extremes(signal):
    values = features(signal)
    assert list(values) == NAMES
    assert all(np.isfinite(value) for value in values.values())
    assert -10 <= values["hnr_db"] <= 40
    assert all(0 <= values[name] <= 1 for name in NAMES if name not in ("hnr_db", "voiced_run_median_s"))


def test_silence_and_dc_have_the_documented_values():
    expected = dict.fromkeys(NAMES, 0.0) | {"hnr_db": -10.0}
    assert features(np.zeros(3 * RATE)) == expected
    assert features(np.ones(3 * RATE)) == expected


def test_no_frames_and_other_framings():
    assert VoiceMusicAccumulator(RATE, 1024, 512).features()["hnr_db"] == -10.0
    signal = sung(1.0)
    for settings in (FrameSettings(8000, 256, 128, 13, 20), FrameSettings(4000, 32, 1, 4, 8)):
        values = waveform_voice_music_features(signal[: 2 * settings.sample_rate], settings)
        assert all(np.isfinite(value) for value in values.values())


@pytest.mark.parametrize("name", ["sung", "spoken", "bed+bursts"])
def test_blocks_give_the_whole_clip_features(name):
    signal = np.tile(SIGNALS[name](), 3).astype(np.float32)  # 9 s, so ridges and windows span blocks
    whole = features(signal)
    blocked = features(signal, block_samples=40_000)  # blocks not aligned to frames
    for key in NAMES:
        assert blocked[key] == pytest.approx(whole[key], rel=1e-4, abs=1e-4), key


def test_whole_clip_function_matches_the_accumulator():
    signal = (spoken() + 0.3 * harmonic(165)).astype(np.float32)
    signal /= np.sqrt(np.mean(signal.astype(np.float64) ** 2))
    frames = np.lib.stride_tricks.sliding_window_view(signal, 1024)[::512]
    from sklearn_speechmusic._spectral import hann_window, mel_power

    spectrum = np.fft.rfft(frames * hann_window(1024), axis=1)
    power = (np.abs(spectrum) ** 2).astype(np.float32)
    mel = mel_power(power, RATE, 1024, 40)
    direct = voice_music_features(power, mel, RATE, 1024, 512)
    for key in NAMES:
        assert direct[key] == pytest.approx(features(signal)[key], rel=1e-3, abs=1e-3), key


def test_long_peak_counter_in_batches_matches_one_pass():
    rng = np.random.RandomState(0)
    peaks = rng.uniform(size=(700, 40)) < 0.2
    peaks[100:300, 10] = True  # a 200-frame ridge
    peaks[400:420, 20] = True  # a 20-frame ridge
    whole = LongPeakCounter(43)
    whole.add(peaks)
    pieces = LongPeakCounter(43, batch=90)
    for chunk in np.array_split(peaks, 13):
        pieces.add(chunk)
    np.testing.assert_array_equal(pieces.counts(), whole.counts())
    counts = whole.counts()
    assert counts[100:300].min() >= 1 and counts[400:420].max() <= counts[:100].max() + 1
    reference = np.array([peaks[s : s + 7].all(axis=0) for s in range(len(peaks) - 6)])
    np.testing.assert_array_equal(window_all(peaks, 7), reference)
