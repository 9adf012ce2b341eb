"""Speed and memory of segmenting a 1-hour recording.

Builds a 1-hour FLAC file (22050 Hz mono) from real clips: the shared Czech
speech and orchestral music (``../shared/data/speech_music``) when present,
else the clips under ``tests/data``, in alternating speech and music blocks of
20-90 s. Then, each in a fresh process (so peak memory is the segmenter's own):

* **baseline**: decoding the file in the same 60 s blocks, nothing else;
* **segment**: ``SpeechMusicSegmenter().segment(path)`` with the packaged model.

Prints CPU seconds, real-time factor per core (audio seconds / CPU seconds, the
whole process: start-up, decoding, features, model, smoothing, boundaries),
peak RSS, and the ratio segment / decoding. Targets: >= 300x real time per
core, peak RSS < 500 MB.

Run: ``python benchmarks/bench_segmentation.py [--minutes 60]``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data" / "speech_music"
RATE = 22050

_MEASURE = """
import json, resource, sys, time
path, task = sys.argv[1], sys.argv[2]
start_cpu, start_wall = time.process_time(), time.perf_counter()
if task == "decode":
    import soundfile
    with soundfile.SoundFile(path) as sound:
        for block in sound.blocks(blocksize=60 * sound.samplerate, dtype="float32"):
            pass
    result = {}
else:
    from sklearn_speechmusic import SpeechMusicSegmenter
    segments = SpeechMusicSegmenter().segment(path)
    result = {"segments": len(segments), "labels": segments["label"].value_counts().to_dict(),
              "tensorflow_imported": "tensorflow" in sys.modules}
result.update(cpu=time.process_time() - start_cpu, wall=time.perf_counter() - start_wall,
              peak_rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
print(json.dumps(result))
"""


def build_recording(path: Path, minutes: float, seed: int = 0) -> float:
    """Write alternating speech/music blocks of real clips; return the duration in s."""
    import soundfile

    folders = {"Speech": SHARED / "speech", "Music": SHARED / "music"}
    if not SHARED.is_dir():
        folders = {label: ROOT / "tests" / "data" / "audio" / label for label in folders}
    clips = {
        label: [soundfile.read(p, dtype="float32")[0] for p in sorted(folder.glob("*.ogg"))]
        for label, folder in folders.items()
    }
    rng = np.random.default_rng(seed)
    target = int(minutes * 60 * RATE)
    written = 0
    with soundfile.SoundFile(path, "w", RATE, 1, format="FLAC") as output:
        label = "Speech"
        while written < target:
            block_samples = int(rng.uniform(20, 90) * RATE)
            block_written = 0
            while block_written < block_samples and written < target:
                clip = clips[label][rng.integers(len(clips[label]))][: target - written]
                output.write(clip)
                block_written += clip.size
                written += clip.size
            label = "Music" if label == "Speech" else "Speech"
    return written / RATE


def measure(path: Path, task: str) -> dict:
    result = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(path), task], capture_output=True, text=True, check=True
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="segmentation speed and memory")
    parser.add_argument("--minutes", type=float, default=60.0, help="recording length (default 60)")
    parser.add_argument("--repeats", type=int, default=3, help="runs of each measurement (median)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "recording.flac"
        seconds = build_recording(path, args.minutes)
        size_mb = path.stat().st_size / 1e6
        print(f"recording: {seconds / 60:.1f} min of real clips, FLAC {size_mb:.0f} MB")
        runs = {task: [measure(path, task) for _ in range(args.repeats)] for task in ("decode", "segment")}
    median = {
        task: {key: float(np.median([r[key] for r in rs])) for key in ("cpu", "wall", "peak_rss_mb")}
        for task, rs in runs.items()
    }
    for task, figures in median.items():
        print(
            f"{task:8s} CPU {figures['cpu']:7.2f} s, wall {figures['wall']:7.2f} s, "
            f"{seconds / figures['cpu']:7.0f}x real time per core, peak RSS {figures['peak_rss_mb']:.0f} MB"
        )
    last = runs["segment"][-1]
    print(f"segments found: {last['segments']} {last['labels']}")
    print(f"TensorFlow imported: {last['tensorflow_imported']}")
    ratio = median["segment"]["cpu"] / median["decode"]["cpu"]
    print(f"segment / decode CPU time = {ratio:.1f}x")
    print(
        f"target >= 300x real time per core: {seconds / median['segment']['cpu']:.0f}x; "
        f"target RSS < 500 MB: {median['segment']['peak_rss_mb']:.0f} MB"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
