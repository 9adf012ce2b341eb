"""Peak memory and speed of feature extraction on long recordings.

Builds 1-hour and 2-hour FLAC files (22050 Hz mono by default) by concatenating
real clips (the shared speech/music clips in ``../shared/data/speech_music``
when present, else the clips under ``tests/data``), then measures, each in a
FRESH Python process started from this script (which imports nothing but the
standard library, so no child inherits a large high-water mark):

* ``python``: an interpreter that imports the package and NumPy, nothing else;
* ``decode``: decoding the file in 60 s blocks with soundfile (the I/O floor);
* ``extract``: ``AudioFeatureExtractor().transform([path])``;
* ``pretrained`` (with ``--pretrained``): ``load_pretrained().predict([path])``.

For each it prints wall and CPU seconds, the real-time factor (audio seconds per
CPU second) and the peak RSS (``ru_maxrss`` of the child), and the ratios
extract / python (memory) and extract / decode (CPU time). The per-hour memory
cost is the difference between the 2-hour and the 1-hour peak.

Targets (issue 16): peak RSS <= 400 MB for a 2-hour file through
``AudioFeatureExtractor``, a real-time factor no worse than before, and a
constant per-hour cost.

Run: ``python benchmarks/bench_memory.py [--hours 1 2] [--pretrained]``.
``--package-root DIR`` measures another checkout of the package (for example the
previous release, unpacked with ``git archive``) on the same files.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_BUILD = """
import sys
from pathlib import Path
import numpy as np
import soundfile
root, path = Path(sys.argv[1]), sys.argv[2]
hours, rate, channels = float(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
shared = root.parent / "shared" / "data" / "speech_music"
folders = [shared / "speech", shared / "music"]
if not shared.is_dir():
    folders = [root / "tests" / "data" / "audio" / "Speech", root / "tests" / "data" / "audio" / "Music"]
import soxr
clips = []
for folder in folders:
    for clip_path in sorted(folder.glob("*.ogg"))[:60]:
        clip, clip_rate = soundfile.read(clip_path, dtype="float32")
        if clip.ndim > 1:
            clip = clip.mean(axis=1)
        if clip_rate != rate:
            clip = soxr.resample(clip, clip_rate, rate)
        clips.append(clip.astype(np.float32))
rng = np.random.default_rng(0)
target = int(hours * 3600 * rate)
written = 0
with soundfile.SoundFile(path, "w", rate, channels, format="FLAC") as output:
    while written < target:
        clip = clips[rng.integers(len(clips))][: target - written]
        output.write(np.repeat(clip[:, None], channels, axis=1) if channels > 1 else clip)
        written += clip.size
print(written / rate)
"""

_MEASURE = """
import json, resource, sys, time
path, task = sys.argv[1], sys.argv[2]
start_cpu, start_wall = time.process_time(), time.perf_counter()
result = {}
if task == "python":
    import numpy
    import sklearn_speechmusic
elif task == "decode":
    import soundfile
    with soundfile.SoundFile(path) as sound:
        for block in sound.blocks(blocksize=60 * sound.samplerate, dtype="float32"):
            pass
elif task == "extract":
    import numpy as np
    from sklearn_speechmusic import AudioFeatureExtractor
    features = AudioFeatureExtractor().transform([path])
    result["finite"] = bool(np.isfinite(features).all())
elif task == "pretrained":
    from sklearn_speechmusic import load_pretrained
    result["label"] = str(load_pretrained().predict([path])[0])
    result["tensorflow_imported"] = "tensorflow" in sys.modules
result.update(cpu=time.process_time() - start_cpu, wall=time.perf_counter() - start_wall,
              peak_rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
print(json.dumps(result))
"""


def build(path: Path, hours: float, rate: int, channels: int) -> float:
    """Write the recording in a child process; return its duration in seconds."""
    output = subprocess.run(
        [sys.executable, "-c", _BUILD, str(ROOT), str(path), str(hours), str(rate), str(channels)],
        capture_output=True,
        text=True,
        check=True,
    )
    return float(output.stdout.strip().splitlines()[-1])


def measure(path: Path, task: str, package_root: Path) -> dict:
    """Run one task in a fresh interpreter and return its figures."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(package_root), os.environ.get("PYTHONPATH", "")])}
    result = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(path), task], capture_output=True, text=True, env=env
    )
    if result.returncode != 0:
        return {"error": result.stderr.strip().splitlines()[-1] if result.stderr.strip() else "failed"}
    return json.loads(result.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="peak memory and speed on long recordings")
    parser.add_argument("--hours", type=float, nargs="+", default=[1.0, 2.0], help="lengths (default 1 2)")
    parser.add_argument("--rate", type=int, default=22050, help="sample rate of the file (default 22050)")
    parser.add_argument("--channels", type=int, default=1, help="channels of the file (default 1)")
    parser.add_argument("--pretrained", action="store_true", help="also measure load_pretrained().predict")
    parser.add_argument("--package-root", type=Path, default=ROOT, help="checkout whose package is measured")
    args = parser.parse_args(argv)
    tasks = ["python", "decode", "extract"] + (["pretrained"] if args.pretrained else [])
    peaks: dict[float, float] = {}
    with tempfile.TemporaryDirectory() as scratch:
        for hours in args.hours:
            path = Path(scratch) / f"recording_{hours:g}h.flac"
            seconds = build(path, hours, args.rate, args.channels)
            size_mb = path.stat().st_size / 1e6
            print(
                f"\n{hours:g} h recording: {seconds / 3600:.2f} h, {args.rate} Hz x {args.channels}, "
                f"FLAC {size_mb:.0f} MB; package from {args.package_root}"
            )
            figures = {task: measure(path, task, args.package_root) for task in tasks}
            path.unlink()
            for task, result in figures.items():
                if "error" in result:
                    print(f"  {task:10s} failed: {result['error']}")
                    continue
                extra = {k: v for k, v in result.items() if k not in ("cpu", "wall", "peak_rss_mb")}
                print(
                    f"  {task:10s} wall {result['wall']:7.1f} s, CPU {result['cpu']:7.1f} s, "
                    f"{seconds / max(result['cpu'], 1e-9):8.0f}x real time per core, "
                    f"peak RSS {result['peak_rss_mb']:6.0f} MB {extra or ''}"
                )
            extract, python, decode = figures["extract"], figures["python"], figures["decode"]
            if "error" not in extract:
                peaks[hours] = extract["peak_rss_mb"]
                print(
                    f"  extract / python peak RSS: {extract['peak_rss_mb'] / python['peak_rss_mb']:.2f}x; "
                    f"extract above python: {extract['peak_rss_mb'] - python['peak_rss_mb']:.0f} MB; "
                    f"extract / decode CPU: {extract['cpu'] / decode['cpu']:.1f}x"
                )
    if len(peaks) >= 2:
        (short, low), (long, high) = sorted(peaks.items())[0], sorted(peaks.items())[-1]
        print(f"\nper-hour memory cost: {(high - low) / (long - short):.0f} MB per hour of audio")
    return 0


if __name__ == "__main__":
    sys.exit(main())
