"""Speed of AudioFeatureExtractor against a plain librosa implementation.

Prints, for the same clips in the same run:

* seconds of audio processed per second of wall time per core (x real time),
  for the extractor and for a straightforward per-clip librosa baseline computing
  comparable features, and their ratio;
* the extractor on 1x, 4x and 16x the corpus (cost should be linear in audio
  duration: the time per audio second stays flat);
* n_jobs=2 against n_jobs=1 on the largest corpus (close to 2x on 2 cores).

Corpus: the shared clips (``../shared/data/speech_music``) when present, else the
clips bundled with the tests. Run: ``python benchmarks/bench_features.py``.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import numpy as np
import soundfile
from threadpoolctl import threadpool_limits

from sklearn_speechmusic import AudioFeatureExtractor

ROOT = Path(__file__).resolve().parents[1]
CORPORA = [ROOT.parent / "shared" / "data" / "speech_music", ROOT / "tests" / "data" / "audio"]
SCALES = (1, 4, 16)


def librosa_baseline(path: str) -> np.ndarray:
    """What one would write with librosa: load, then each feature in turn."""
    import librosa

    y, sr = librosa.load(path, sr=22050, mono=True)
    n_fft, hop = 1024, 512
    columns = [
        librosa.feature.rms(y=y, frame_length=n_fft, hop_length=hop),
        librosa.feature.zero_crossing_rate(y, frame_length=n_fft, hop_length=hop),
        librosa.feature.spectral_centroid(y=y, sr=sr, n_fft=n_fft, hop_length=hop),
        librosa.feature.spectral_rolloff(y=y, sr=sr, n_fft=n_fft, hop_length=hop),
        librosa.feature.spectral_flatness(y=y, n_fft=n_fft, hop_length=hop),
        librosa.onset.onset_strength(y=y, sr=sr, n_fft=n_fft, hop_length=hop)[None, :],
        librosa.feature.mfcc(y=y, sr=sr, n_mfcc=13, n_mels=40, n_fft=n_fft, hop_length=hop),
    ]
    stats = [np.concatenate([c.mean(axis=1), c.std(axis=1)]) for c in columns]
    return np.concatenate(stats)


REPEATS = 3


def timed(function) -> float:
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def median_time(function, repeats: int = REPEATS) -> float:
    """Median wall time of a few runs: this shared machine's load varies by ~15 %."""
    return statistics.median(timed(function) for _ in range(repeats))


def main() -> int:
    corpus = next((folder for folder in CORPORA if folder.is_dir()), None)
    if corpus is None:
        print("no audio corpus found", file=sys.stderr)
        return 1
    paths = sorted(str(path) for path in corpus.rglob("*.ogg"))
    seconds = sum(soundfile.info(path).duration for path in paths)
    print(f"corpus: {corpus} — {len(paths)} clips, {seconds:.0f} s of audio")

    extractor = AudioFeatureExtractor(n_jobs=1)
    extractor.transform(paths[:8])  # warm-up: imports, FFT plans
    librosa_baseline(paths[0])  # warm-up: numba compilation
    with threadpool_limits(limits=1):  # one core for the baseline, as for the extractor
        baseline = median_time(lambda: [librosa_baseline(path) for path in paths])
    ours = median_time(lambda: extractor.transform(paths))
    print(f"\nx real time per core (1x corpus, n_jobs=1, median of {REPEATS} runs)")
    print(f"  librosa baseline      {seconds / baseline:8.0f}x  ({baseline:.2f} s)")
    print(f"  AudioFeatureExtractor {seconds / ours:8.0f}x  ({ours:.2f} s)")
    print(f"  ratio extractor / baseline: {baseline / ours:.2f}")

    print("\nlinearity in total audio duration (n_jobs=1)")
    per_second = {}
    for scale in SCALES:
        elapsed = timed(lambda scale=scale: extractor.transform(paths * scale))
        per_second[scale] = elapsed / (seconds * scale)
        print(
            f"  {scale:2d}x corpus: {elapsed:7.2f} s, {1e3 * per_second[scale]:.3f} ms per audio second, "
            f"{seconds * scale / elapsed:.0f}x real time"
        )
    print(f"  ms per audio second, 16x / 1x: {per_second[SCALES[-1]] / per_second[1]:.2f} (1.00 = linear)")

    largest = paths * SCALES[-1]
    single = timed(lambda: AudioFeatureExtractor(n_jobs=1).transform(largest))
    double = timed(lambda: AudioFeatureExtractor(n_jobs=2).transform(largest))
    print(f"\nn_jobs=2 vs n_jobs=1 on the {SCALES[-1]}x corpus: {single:.2f} s / {double:.2f} s")
    print(f"  speed-up: {single / double:.2f}x (2 cores; 2.00 = perfect)")
    print(f"  x real time per core at n_jobs=2: {seconds * SCALES[-1] / double / 2:.0f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
