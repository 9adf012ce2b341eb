"""Broadcast-like programmes with exact ground truth: our segmenter and inaSpeechSegmenter side by side.

Each programme (default 5 min) is built from real recordings listed in a corpus
manifest (columns ``path,label,collection,group`` at least; labels
Speech/Music/Noise):

* speech: several clips of one speaker (``group``) back to back, 6-25 s, from
  speakers and languages (collections) drawn at random;
* music: a contiguous 10-35 s excerpt of one track: the whole track a corpus
  window was cut from where ``--packages`` has its package unpacked, else files of
  10 s or more; with none, windows of one track are joined and the report says so;
* speech over a music bed 10-15 dB down, labelled Speech (the broadcast
  convention);
* noise: 4-12 s of one noise collection: its recordings in random order, each
  trimmed of its quiet ends, back to back, a contiguous excerpt of the last one
  (whole recordings where ``--packages`` has their package unpacked, else the
  clips; a recording comes back only when the collection has run out).
  ``--noise-items looped`` instead loops one clip, which turns a short effect into
  a periodic rhythm (the construction of earlier versions; synthetic rain, engine
  and wind noise when the manifest has none);
* cuts from one music track straight into another (no label change);
* 0.5-2 s silences between items. A room-noise floor at -65..-55 dBFS runs
  under the whole programme, so silences are that floor, not digital zeros.

Items are levelled to -20 +/- 3 dBFS (RMS over their sounding frames). Only
collections the model never saw are used: by default every collection of the
manifest that the bundled training table (:func:`load_training_data`) does not
list; ``--held-out`` names them instead.

Reported for each segmenter: frame accuracy per true class (10 ms frames) and
over speech+music, the boundary-error distribution (distance from each true
label change to the nearest found one: median, share within 0.5 s; for all
changes, for speech/music/noise changes (no silence on either side) and for
speech<->music changes alone), spurious
short segments per minute (found segments under 3 s whose label is wrong for
most of their length), speech found at music-to-music cuts, and the real-time
factor per core (audio seconds / CPU seconds).

inaSpeechSegmenter runs too when it is installed (optional; not a dependency):
``pip install --no-deps inaSpeechSegmenter==0.6.8`` ships the model files
(``keras_speech_music_noise_cnn.hdf5``, its ``smn`` engine); copy them to
``~/.keras/inaSpeechSegmenter/`` for the 0.8 code, which runs them on CPU
TensorFlow with ``detect_gender=False`` (it also needs scikit-image and
pytextgrid). Its ffmpeg comes from the ``imageio-ffmpeg`` wheel when none is on
PATH. Its labels speech/music/noise/noEnergy map to Speech/Music/Noise/Silence.

Run: ``python benchmarks/bench_broadcast.py [--manifest CSV] [--held-out C ...]
[--model PATH.skm] [--programmes 3] [--minutes 5] [--noise-items recordings|looped]
[--no-ina]``. Noise frames hang on few items: use ``--programmes 24`` or more to
compare models.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
CORPUS_MANIFEST = ROOT.parent / "corpus" / "manifest.csv"
SHARED_MANIFEST = ROOT.parent / "shared" / "data" / "speech_music" / "manifest.csv"
PACKAGE_CACHE = ROOT.parent / "corpus_cache"
RATE = 22050
LABELS = ("Speech", "Music", "Noise", "Silence")
FRAME = 0.01
SHORT = 3.0
MIN_CONTIGUOUS = 10.0
NOISE_ITEMS = ("recordings", "looped")


# ------------------------------------------------------------------ the material
def read_manifest(path: Path, held_out: list[str] | None) -> tuple[dict, list[str], bool]:
    """Rows by label, the collections used, and whether they are truly held out."""
    with open(path, newline="") as file:
        rows = list(csv.DictReader(file))
    for row in rows:
        row["path"] = str(path.parent / row["path"]) if not Path(row["path"]).is_absolute() else row["path"]
        # The shared speech/music set names its sources, not collections or speakers.
        row.setdefault(
            "collection", {"Speech": "fillets-ng-cs-voices", "Music": "wesnoth-music"}.get(row["label"], "?")
        )
        row.setdefault("group", row.get("source", row["path"]))
    present = sorted({row["collection"] for row in rows})
    trained = _training_collections()
    held = held_out if held_out else [c for c in present if c not in trained]
    truly = bool(held) and not (set(held) & trained)
    if not held:
        print(
            "warning: every collection of the manifest was used in training; using them all", file=sys.stderr
        )
        held = present
    by_label: dict[str, list[dict]] = {label: [] for label in ("Speech", "Music", "Noise")}
    for row in rows:
        if row["collection"] in held and row["label"] in by_label:
            by_label[row["label"]].append(row)
    return by_label, held, truly


def _training_collections() -> set[str]:
    from sklearn_speechmusic import load_training_data

    return {str(c) for c in load_training_data(as_frame=False).collections}


def _whole_tracks(music: list[dict], packages: Path) -> dict[str, str]:
    """The whole recordings that corpus windows were cut from, where their package is unpacked.

    A row's ``source`` reads ``package:path/in/package.ogg@start``; windows of the
    shared set name only their track (``group`` ``shared:<track>``), which is then
    looked up by name in the row's unpacked ``package``. Returns path -> group.
    """
    tracks: dict[str, str] = {}
    by_name: dict[tuple[str, str], list[Path]] = {}
    for row in music:
        package, _, rest = row.get("source", "").partition(":")
        inside = rest.rpartition("@")[0] or rest
        candidate = packages / package / inside
        if package and inside and candidate.is_file():
            tracks[str(candidate)] = row["group"]
            continue
        name = row["group"].rpartition(":")[2]
        key = (row.get("package", ""), name)
        if key[0] and name and key not in by_name:
            by_name[key] = sorted((packages / key[0]).rglob(f"{name}.ogg"))
        for found in by_name.get(key, [])[:1]:
            tracks[str(found)] = row["group"]
    return tracks


def _noise_recordings(noise: list[dict], packages: Path | None) -> dict[str, list[str]]:
    """Per collection, the whole recordings its Noise clips were cut from, where unpacked, else the clips.

    A noise row's ``source`` reads ``path/in/package.ogg@start``, inside its ``package``.
    """
    recordings: dict[str, list[str]] = {}
    for row in noise:
        inside = row.get("source", "").rpartition("@")[0]
        candidate = packages / row["package"] / inside if packages and inside and row.get("package") else None
        path = str(candidate) if candidate is not None and candidate.is_file() else row["path"]
        paths = recordings.setdefault(row["collection"], [])
        if path not in paths:
            paths.append(path)
    return recordings


def _without_quiet_ends(x: np.ndarray, below_peak_db: float = 40.0) -> np.ndarray:
    """``x`` without its leading and trailing 20-ms frames ``below_peak_db`` under its loudest frame."""
    hop = int(0.02 * RATE)
    frames = x[: x.size // hop * hop].reshape(-1, hop)
    if not len(frames):
        return x
    power = (frames.astype(np.float64) ** 2).mean(axis=1)
    loud = np.flatnonzero(power > power.max() * 10 ** (-below_peak_db / 10))
    return x[loud[0] * hop : (loud[-1] + 1) * hop] if loud.size else x[:0]


def _load(path: str) -> np.ndarray:
    import soundfile
    import soxr

    waveform, rate = soundfile.read(path, dtype="float32", always_2d=True)
    mono = waveform.mean(axis=1)
    return mono if rate == RATE else soxr.resample(mono, rate, RATE).astype(np.float32)


def _duration(path: str) -> float:
    import soundfile

    info = soundfile.info(path)
    return info.frames / info.samplerate


def _levelled(x: np.ndarray, level_db: float) -> np.ndarray:
    frames = x[: x.size // 512 * 512].reshape(-1, 512) if x.size >= 512 else x[None, :]
    power = (frames.astype(np.float64) ** 2).mean(axis=1)
    sounding = power >= power.max() * 1e-3
    rms = np.sqrt(power[sounding].mean()) if sounding.any() else 0.0
    return x if rms == 0 else (x * (10 ** (level_db / 20) / rms)).astype(np.float32)


def _synthetic_noise(kind: int, seconds: float, rng) -> np.ndarray:
    """Rain (white bursts), engine (harmonic hum in noise) or wind (slowly swelling low noise)."""
    n = int(seconds * RATE)
    t = np.arange(n) / RATE
    white = rng.normal(size=n).astype(np.float32)
    if kind == 0:
        drops = (rng.random(n) < 0.002).astype(np.float32)
        return white * 0.3 + np.convolve(drops * rng.normal(size=n), np.exp(-np.arange(200) / 30), "same")
    if kind == 1:
        f0 = 38 + 4 * np.sin(2 * np.pi * 0.2 * t)
        phase = 2 * np.pi * np.cumsum(f0) / RATE
        hum = sum(np.sin(k * phase) / k for k in range(1, 12))
        return (hum + 0.3 * np.convolve(white, np.ones(8) / 8, "same")).astype(np.float32)
    low = np.convolve(white, np.ones(64) / 64, "same")
    return (low * (1.2 + np.sin(2 * np.pi * 0.15 * t + rng.uniform(0, 6)))).astype(np.float32)


class Material:
    """Draws items from the held-out rows."""

    def __init__(self, by_label: dict, rng, packages: Path | None = None, noise_items: str = "recordings"):
        if noise_items not in NOISE_ITEMS:
            raise ValueError(f"noise_items must be one of {NOISE_ITEMS}; got {noise_items!r}.")
        self.rng = rng
        self.speech = by_label["Speech"]
        self.noise = by_label["Noise"]
        self.looped_noise = noise_items == "looped"
        self.noise_recordings = _noise_recordings(self.noise, packages)
        music = by_label["Music"]
        tracks = _whole_tracks(music, packages) if packages is not None else {}
        candidates = [{"path": path, "group": group} for path, group in tracks.items()] + music
        self.long_music = [row for row in candidates if _duration(row["path"]) >= MIN_CONTIGUOUS]
        self.contiguous = bool(self.long_music)
        self.music_tracks: dict[str, list[dict]] = {}
        for row in music:
            self.music_tracks.setdefault(row["group"], []).append(row)
        if not self.speech or not music:
            raise SystemExit("the held-out collections need both Speech and Music rows")

    def speech_item(self, seconds: float) -> np.ndarray:
        speaker = self.speech[self.rng.integers(len(self.speech))]["group"]
        lines = [row for row in self.speech if row["group"] == speaker] or self.speech
        parts, total = [], 0
        while total < seconds * RATE:
            clip = _load(lines[self.rng.integers(len(lines))]["path"])
            parts.append(clip)
            total += clip.size
        return np.concatenate(parts)[: int(seconds * RATE)]

    def music_item(self, seconds: float, avoid: str | None = None) -> tuple[np.ndarray, str]:
        n = int(seconds * RATE)
        if self.contiguous:
            choices = [row for row in self.long_music if row["group"] != avoid] or self.long_music
            row = choices[self.rng.integers(len(choices))]
            track = _load(row["path"])
            start = self.rng.integers(0, max(1, track.size - n))
            return np.resize(track[start : start + n], n), row["group"]
        names = [name for name in self.music_tracks if name != avoid] or list(self.music_tracks)
        name = names[self.rng.integers(len(names))]
        windows = sorted(self.music_tracks[name], key=lambda row: row["path"])
        joined = np.concatenate([_load(row["path"]) for row in windows])
        return np.resize(joined, n), name

    def noise_item(self, seconds: float) -> np.ndarray:
        n = int(seconds * RATE)
        if not self.noise:
            return _synthetic_noise(int(self.rng.integers(3)), seconds, self.rng)
        if self.looped_noise:
            clip = _load(self.noise[self.rng.integers(len(self.noise))]["path"])
            start = self.rng.integers(0, max(1, clip.size - n))
            return np.resize(clip[start : start + n], n)
        collections = sorted(self.noise_recordings)
        paths = self.noise_recordings[collections[self.rng.integers(len(collections))]]
        order = self.rng.permutation(len(paths))
        parts, total, tried = [], 0, 0
        while total < n:
            if tried == len(paths) and not total:
                raise SystemExit("every noise recording of a held-out collection is silent")
            recording = _without_quiet_ends(_load(paths[order[tried % len(paths)]]))
            tried += 1
            take = min(recording.size, n - total)
            start = int(self.rng.integers(0, recording.size - take + 1))
            parts.append(recording[start : start + take])
            total += take
        return np.concatenate(parts)


def build_programme(material: Material, minutes: float, rng) -> tuple[np.ndarray, list, list[float]]:
    """Audio, true segments (start, end, label) and the times of music-to-music cuts."""
    parts, truth, cuts, now = [], [], [], 0.0
    previous_track = None

    def add(audio, label):
        nonlocal now
        parts.append(audio)
        truth.append((now, now + audio.size / RATE, label))
        now += audio.size / RATE

    while now < minutes * 60:
        kind = rng.choice(["speech", "music", "bed", "noise"], p=[0.35, 0.3, 0.2, 0.15])
        level = -20 + rng.uniform(-3, 3)
        if kind == "speech":
            add(_levelled(material.speech_item(rng.uniform(6, 25)), level), "Speech")
        elif kind == "noise":
            add(_levelled(material.noise_item(rng.uniform(4, 12)), level), "Noise")
        elif kind == "bed":
            speech = _levelled(material.speech_item(rng.uniform(8, 20)), level)
            bed, _ = material.music_item(speech.size / RATE + 0.05)
            add(speech + _levelled(bed[: speech.size], level - rng.uniform(10, 15)), "Speech")
        else:
            music, previous_track = material.music_item(rng.uniform(10, 35))
            add(_levelled(music, level), "Music")
            if rng.random() < 0.4:  # straight into another track
                cuts.append(now)
                music, previous_track = material.music_item(rng.uniform(10, 25), avoid=previous_track)
                add(_levelled(music, -20 + rng.uniform(-3, 3)), "Music")
        if rng.random() < 0.6:
            add(np.zeros(int(rng.uniform(0.5, 2.0) * RATE), dtype=np.float32), "Silence")
    audio = np.concatenate(parts)
    from scipy.signal import lfilter

    white = rng.normal(size=audio.size)
    floor = lfilter([1.0], [1.0, -0.97], white) + 0.5 * white  # room noise: most energy low
    audio = audio + _levelled(floor.astype(np.float32), rng.uniform(-65, -55))
    return audio.astype(np.float32), _merge(truth), cuts


def _merge(truth: list) -> list:
    merged = [list(truth[0])]
    for start, end, label in truth[1:]:
        if label == merged[-1][2]:
            merged[-1][1] = end
        else:
            merged.append([start, end, label])
    return [tuple(segment) for segment in merged]


# ------------------------------------------------------------------ the scores
def frames_of(segments, duration: float) -> np.ndarray:
    times = np.arange(0, duration, FRAME) + FRAME / 2
    labels = np.full(times.size, "", dtype=object)
    for start, end, label in segments:
        labels[(times >= start) & (times < end)] = label
    return labels


def score(found: list, truth: list, cuts: list[float], duration: float, cpu: float) -> dict:
    expected, got = frames_of(truth, duration), frames_of(found, duration)
    result: dict = {"accuracy": {}}
    for label in LABELS:
        mask = expected == label
        if mask.any():
            result["accuracy"][label] = float(np.mean(got[mask] == label))
    sm = (expected == "Speech") | (expected == "Music")
    result["speech_music_accuracy"] = float(np.mean(got[sm] == expected[sm]))
    found_changes = np.array([s[0] for s in found[1:]])
    errors, smn_errors, sm_errors = [], [], []
    for left, right in zip(truth[:-1], truth[1:], strict=True):
        error = float(np.min(np.abs(found_changes - left[1]))) if found_changes.size else duration
        errors.append(error)
        if "Silence" not in (left[2], right[2]):
            smn_errors.append(error)
        if {left[2], right[2]} == {"Speech", "Music"}:
            sm_errors.append(error)
    result["boundary_errors"] = errors
    result["smn_boundary_errors"] = smn_errors
    result["sm_boundary_errors"] = sm_errors
    spurious = 0
    for start, end, label in found:
        if end - start < SHORT and label != "Silence":
            span = (np.arange(0, duration, FRAME) + FRAME / 2 >= start) & (
                np.arange(0, duration, FRAME) + FRAME / 2 < end
            )
            if span.any() and np.mean(expected[span] == label) < 0.5:
                spurious += 1
    result["spurious"] = spurious
    result["speech_at_cuts"] = sum(
        any(label == "Speech" and start < cut + 2 and end > cut - 2 for start, end, label in found)
        for cut in cuts
    )
    result["cuts"] = len(cuts)
    result["rt_factor"] = duration / cpu if cpu > 0 else float("inf")
    return result


def summary(name: str, results: list[dict], minutes: float) -> dict:
    accuracy = {
        label: float(np.mean([r["accuracy"][label] for r in results if label in r["accuracy"]]))
        for label in LABELS
        if any(label in r["accuracy"] for r in results)
    }
    errors = np.concatenate([r["boundary_errors"] for r in results])
    smn = np.concatenate([r["smn_boundary_errors"] for r in results] + [np.zeros(0)])
    sm = np.concatenate([r["sm_boundary_errors"] for r in results] + [np.zeros(0)])
    return {
        "segmenter": name,
        "accuracy": accuracy,
        "speech_music_accuracy": float(np.mean([r["speech_music_accuracy"] for r in results])),
        "boundary_median_s": float(np.median(errors)),
        "boundary_within_0.5s": float(np.mean(errors <= 0.5)),
        "smn_changes": int(smn.size),
        "smn_boundary_median_s": float(np.median(smn)) if smn.size else float("nan"),
        "smn_boundary_within_0.5s": float(np.mean(smn <= 0.5)) if smn.size else float("nan"),
        "speech_music_changes": int(sm.size),
        "speech_music_boundary_within_0.5s": float(np.mean(sm <= 0.5)) if sm.size else float("nan"),
        "spurious_per_minute": sum(r["spurious"] for r in results) / (minutes * len(results)),
        "spurious_per_programme": [r["spurious"] for r in results],
        "speech_at_music_cuts": (
            f"{sum(r['speech_at_cuts'] for r in results)}/{sum(r['cuts'] for r in results)}"
        ),
        "rt_factor_per_core": float(np.median([r["rt_factor"] for r in results])),
    }


# ------------------------------------------------------------------ the segmenters
def run_ours(model_path: str | None):
    from sklearn_speechmusic import SpeechMusicSegmenter

    pipeline = None
    if model_path:
        from sklearn_speechmusic import load_model

        pipeline = load_model(model_path)
    segmenter = SpeechMusicSegmenter(pipeline)
    segmenter.segment((np.zeros(RATE, dtype=np.float32), RATE))  # reads the model once

    def segment(path: Path):
        start = time.process_time()
        segments = segmenter.segment(path)
        cpu = time.process_time() - start
        return [(r.start, r.end, r.label) for r in segments.itertuples()], cpu

    return segment


def run_ina():
    try:
        import inaSpeechSegmenter
    except ImportError:
        return None
    import os
    import shutil

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        import imageio_ffmpeg

        ffmpeg = imageio_ffmpeg.get_ffmpeg_exe()
    ina = inaSpeechSegmenter.Segmenter(vad_engine="smn", detect_gender=False, ffmpeg=ffmpeg)
    names = {"speech": "Speech", "music": "Music", "noise": "Noise", "noEnergy": "Silence"}

    def segment(path: Path):
        start = time.process_time()
        found = ina(str(path))
        cpu = time.process_time() - start
        return _merge([(s, e, names.get(label, label)) for label, s, e in found]), cpu

    return segment


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = CORPUS_MANIFEST if CORPUS_MANIFEST.exists() else SHARED_MANIFEST
    parser.add_argument("--manifest", type=Path, default=default, help=f"corpus manifest (default {default})")
    parser.add_argument(
        "--held-out",
        nargs="+",
        default=None,
        metavar="COLLECTION",
        help="collections to build from (default: those the training table does not list)",
    )
    parser.add_argument("--model", default=None, help="a .skm model (default: the packaged one)")
    parser.add_argument(
        "--packages",
        type=Path,
        default=PACKAGE_CACHE if PACKAGE_CACHE.is_dir() else None,
        help="the unpacked packages the corpus was cut from (make_audio_corpus.py's CACHE), "
        "for contiguous excerpts of whole music tracks and noise recordings "
        f"(default {PACKAGE_CACHE} where present)",
    )
    parser.add_argument(
        "--noise-items",
        choices=NOISE_ITEMS,
        default="recordings",
        help="noise items: a collection's recordings back to back (default), or one clip looped",
    )
    parser.add_argument("--programmes", type=int, default=3)
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-ina", action="store_true", help="skip inaSpeechSegmenter")
    parser.add_argument("--json", type=Path, default=None, help="also write the results here")
    args = parser.parse_args(argv)
    import soundfile

    by_label, held, truly = read_manifest(args.manifest, args.held_out)
    rng = np.random.default_rng(args.seed)
    material = Material(by_label, rng, args.packages, args.noise_items)
    shipped = "held out from the shipped model" if truly else "NOT held out from the shipped model"
    given = "; the model given by --model should be trained without them (not checked)" if args.model else ""
    print(f"manifest {args.manifest.name}: collections {', '.join(held)} ({shipped}{given})")
    if not material.contiguous:
        print("warning: no music file of 10 s or more; music items are joined windows of one track")
    if not material.noise:
        print("warning: no Noise rows; noise items are synthetic")
    segmenters = {"ours": run_ours(args.model)}
    ina = None if args.no_ina else run_ina()
    if ina is not None:
        segmenters["inaSpeechSegmenter (smn)"] = ina
    results: dict[str, list] = {name: [] for name in segmenters}
    with tempfile.TemporaryDirectory() as scratch:
        for index in range(args.programmes):
            audio, truth, cuts = build_programme(material, args.minutes, rng)
            path = Path(scratch) / f"programme{index}.wav"
            soundfile.write(path, audio, RATE, subtype="PCM_16")
            duration = audio.size / RATE
            for name, segment in segmenters.items():
                found, cpu = segment(path)
                results[name].append(score(found, truth, cuts, duration, cpu))
                if name == "ours" and index == 0:
                    print("programme 0, ours:", [(round(s, 1), round(e, 1), lab) for s, e, lab in found][:40])
                    print(
                        "programme 0, truth:", [(round(s, 1), round(e, 1), lab) for s, e, lab in truth][:40]
                    )
    table = [summary(name, rs, args.minutes) for name, rs in results.items()]
    for row in table:
        print(json.dumps(row, indent=1))
    if args.json is not None:
        args.json.write_text(json.dumps(table, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
