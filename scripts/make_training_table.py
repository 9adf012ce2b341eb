"""Regenerate the feature table the pretrained model is trained on.

Real speech and music from Debian packages (each package's licence is recorded
per row and in ``sklearn_speechmusic/data/TRAINING.md``), plus the shared
Czech/orchestral clips already bundled as the demo table. Only features go into
the repository, never audio.

Steps (run from the repository root, on a Debian-like machine):

1. ``python scripts/make_training_table.py --download CACHE`` fetches the
   packages listed in ``COLLECTIONS`` with ``apt-get download`` and unpacks them
   with ``dpkg -x`` into ``CACHE`` (about 1 GB);
2. ``python scripts/make_training_table.py CACHE`` cuts clips, extracts
   features with :class:`~sklearn_speechmusic.AudioFeatureExtractor` and writes
   ``sklearn_speechmusic/data/training_features.csv.gz`` and
   ``training_sources.csv.gz``.

How clips are cut, so that they look like what users classify: a speech file of
at most ``MAX_SPEECH_SECONDS`` is one clip (shorter than ``MIN_SECONDS``: left
out); a longer one gives consecutive 5-s clips; music gives 3-s windows spread
evenly over each track. Each collection is capped (a seeded random sample), so
no single recording chain dominates. Every clip is then also passed once
through a simulated other recording chain (``_augment``: telephone band, noise,
low-pass or room reverberation); the copy keeps its original's group.

Never used here, because they are kept for independent evaluation: the Debian
packages ``fillets-ng-data`` (music), ``fillets-ng-data-nl`` and
``freedroidrpg-data``.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
OUTPUT = ROOT / "sklearn_speechmusic" / "data"
SHARED = ROOT.parent / "shared" / "data" / "speech_music"
MIN_SECONDS = 0.8
MAX_SPEECH_SECONDS = 6.0
SPEECH_WINDOW_SECONDS = 5.0
MUSIC_WINDOW_SECONDS = 3.0
MUSIC_WINDOWS_PER_TRACK = 10
SEED = 0
RESERVED_PACKAGES = {"fillets-ng-data", "fillets-ng-data-nl", "freedroidrpg-data"}


@dataclass(frozen=True)
class Collection:
    """One recording chain: a package's speech in one language, or its music."""

    name: str
    package: str
    label: str
    licence: str
    patterns: tuple[str, ...]
    cap: int
    exclude: tuple[str, ...] = ()
    # Files inside a zip archive of the package: (archive, member patterns).
    archive: str | None = None


def _asterisk(language: str, folder: str) -> Collection:
    return Collection(
        name=f"asterisk-{language}",
        package=f"asterisk-core-sounds-{language}-wav",
        label="Speech",
        licence="CC-BY-SA-3.0",
        patterns=(f"usr/share/asterisk/sounds/{folder}/**/*.wav",),
        cap=150,
    )


COLLECTIONS = (
    _asterisk("en", "en_US_f_Allison"),
    _asterisk("es", "es_MX_f_Allison"),
    _asterisk("fr", "fr_CA_f_June"),
    _asterisk("it", "it_IT_m_Carlo"),
    _asterisk("ru", "ru_RU_f_IvrvoiceRU"),
    Collection(
        "ktuberling-words",
        "ktuberling-data",
        "Speech",
        "GPL-2+",
        ("usr/share/ktuberling/sounds/*/*.*",),
        cap=300,
    ),
    Collection(
        "klettres-letters",
        "klettres-data",
        "Speech",
        "GPL-2+",
        ("usr/share/klettres/*/*/*.ogg",),
        cap=150,
    ),
    Collection(
        "hedgewars-voices",
        "hedgewars-data",
        "Speech",
        "GFDL-1.3",
        ("usr/share/games/hedgewars/Data/Sounds/voices/*/*.ogg",),
        cap=250,
        # The "Singer" voice pack sings its lines: music, not speech. Grunts,
        # laughs, coughs and screams are vocal sound effects, not speech.
        exclude=(
            "/Singer/",
            "/Firepunch",
            "/Jump",
            "/Laugh",
            "/Ooff",
            "/Ow",
            "/Poison",
            "/Hmm",
            "/Nooo",
            "/Ouch",
            "/Kamikaze",
        ),
    ),
    Collection(
        "warzone2100-voice",
        "warzone2100-data",
        "Speech",
        "GPL-2+",
        ("audio/tutorial/*.ogg", "audio/memressp/*/*.ogg", "sequenceaudio/*.ogg"),
        cap=300,
        archive="usr/share/games/warzone2100/base.wz",
    ),
    Collection(
        "supertux-music",
        "supertux-data",
        "Music",
        "GPL-2+ / GPL-3+ / CC-BY-SA-3.0 / CC0 (per track)",
        ("usr/share/games/supertux2/music/**/*.ogg",),
        cap=400,
    ),
    Collection(
        "hedgewars-music",
        "hedgewars-data",
        "Music",
        "GPL-2",
        ("usr/share/games/hedgewars/Data/Music/*.ogg",),
        cap=260,
    ),
    Collection(
        "warzone2100-music",
        "warzone2100-music",
        "Music",
        "GPL-2+ / CC0 (per album)",
        ("usr/share/games/warzone2100/music/**/*.opus",),
        cap=300,
    ),
    Collection(
        "extremetuxracer-music",
        "extremetuxracer-data",
        "Music",
        "GPL-2+",
        ("usr/share/games/etr/music/*.ogg",),
        cap=70,
    ),
    Collection(
        "lincity-ng-music",
        "lincity-ng-data",
        "Music",
        "GPL-2+",
        ("usr/share/games/lincity-ng/music/**/*.ogg",),
        cap=70,
    ),
    Collection(
        "frozen-bubble-music",
        "frozen-bubble-data",
        "Music",
        "GPL-2",
        ("usr/share/games/frozen-bubble/snd/*zik*.ogg",),
        cap=40,
    ),
    Collection(
        "naev-music",
        "naev-data",
        "Music",
        "CC-BY-3.0 / CC-BY-SA-3.0 / GPL-2+ / GPL-3 / PD (per track)",
        ("usr/share/naev/dat/snd/music/*.ogg",),
        cap=300,
    ),
    Collection(
        "supertuxkart-music",
        "supertuxkart-data",
        "Music",
        "CC-BY-SA-3.0 / CC-BY-SA-4.0 / CC0 / GPL (per track)",
        ("usr/share/games/supertuxkart/data/music/*.ogg",),
        cap=300,
    ),
    Collection(
        "flare-music",
        "flare-game",
        "Music",
        "CC-BY-SA-3.0+",
        ("usr/share/games/flare/mods/*/music/*.ogg",),
        cap=100,
    ),
    Collection(
        "xmoto-music",
        "xmoto-data",
        "Music",
        "GPL-2+",
        ("usr/share/games/xmoto/Textures/Musics/*.ogg",),
        cap=70,
    ),
    Collection(
        "openclonk-music",
        "openclonk-data",
        "Music",
        "CC-BY-3.0 / CC0 (per file)",
        ("usr/share/games/openclonk/Music.ocg/*.ogg",),
        cap=80,
    ),
)


def download(cache: Path) -> None:
    """Fetch and unpack every package named in ``COLLECTIONS`` into ``cache``."""
    packages = sorted({collection.package for collection in COLLECTIONS})
    assert not RESERVED_PACKAGES & set(packages), "reserved evaluation packages must not be used"
    debs = cache / "debs"
    debs.mkdir(parents=True, exist_ok=True)
    subprocess.run(["apt-get", "download", *packages], cwd=debs, check=True)
    for package in packages:
        (deb,) = debs.glob(f"{package}_*.deb")
        subprocess.run(["dpkg", "-x", str(deb), str(cache / package)], check=True)
        version = deb.name.split("_")[1].replace("%3a", ":")
        (cache / package / "VERSION").write_text(version + "\n")


def _files(collection: Collection, cache: Path) -> list[tuple[str, object]]:
    """``(name, source)`` pairs: a path, or ``(archive, member)`` for zipped files."""
    root = cache / collection.package
    if collection.archive is not None:
        with zipfile.ZipFile(root / collection.archive) as archive:
            members = sorted(archive.namelist())
        matched = [m for m in members if any(Path(m).match(p) for p in collection.patterns)]
        return [(member, (root / collection.archive, member)) for member in matched]
    paths = sorted({p for pattern in collection.patterns for p in root.glob(pattern)})
    paths = [p for p in paths if not any(bad in str(p) for bad in collection.exclude)]
    return [(str(p.relative_to(root)), p) for p in paths]


def _decode(source: object) -> tuple[np.ndarray, int]:
    import io

    import soundfile

    if isinstance(source, tuple):
        archive_path, member = source
        with zipfile.ZipFile(archive_path) as archive:
            data = archive.read(member)
        waveform, rate = soundfile.read(io.BytesIO(data), dtype="float32", always_2d=True)
    else:
        waveform, rate = soundfile.read(source, dtype="float32", always_2d=True)
    return waveform.mean(axis=1), int(rate)


def _clips(waveform: np.ndarray, rate: int, label: str) -> list[tuple[float, np.ndarray]]:
    """``(start_seconds, clip)`` pairs cut from one file."""
    seconds = len(waveform) / rate
    if seconds < MIN_SECONDS:
        return []
    if label == "Music":
        window = int(MUSIC_WINDOW_SECONDS * rate)
        if len(waveform) <= window:
            return [(0.0, waveform)]
        # Skip the first and last 5 %: fade-ins and fade-outs are near silence.
        first, last = int(0.05 * len(waveform)), int(0.95 * len(waveform)) - window
        last = max(first, last)
        n_windows = min(MUSIC_WINDOWS_PER_TRACK, max(1, (last - first) // window + 1))
        starts = np.linspace(first, last, n_windows).astype(int)
        return [(start / rate, waveform[start : start + window]) for start in starts]
    if seconds <= MAX_SPEECH_SECONDS:
        return [(0.0, waveform)]
    window = int(SPEECH_WINDOW_SECONDS * rate)
    speech_starts = range(0, len(waveform) - int(MIN_SECONDS * rate), window)
    return [(start / rate, waveform[start : start + window]) for start in speech_starts]


def _augment(clip: np.ndarray, rate: int, rng: np.random.Generator) -> tuple[str, np.ndarray, int]:
    """One randomly chosen change of recording chain: what users' audio goes through.

    The features are level-invariant already, so gain is not among them.
    """
    import scipy.signal
    import soxr

    kind = str(rng.choice(["telephone", "noise", "lowpass", "reverb"]))
    signal = clip.astype(np.float64)
    if kind == "telephone":
        sos = scipy.signal.butter(4, [300, min(3400, 0.45 * rate)], "bandpass", fs=rate, output="sos")
        signal = soxr.resample(scipy.signal.sosfilt(sos, signal), rate, 8000)
        return kind, signal.astype(np.float32), 8000
    if kind == "noise":
        snr_db = rng.uniform(10, 30)
        level = np.sqrt(np.mean(signal**2)) + 1e-12
        signal = signal + rng.standard_normal(len(signal)) * level * 10 ** (-snr_db / 20)
    elif kind == "lowpass":
        cutoff = min(rng.uniform(3000, 7000), 0.45 * rate)
        signal = scipy.signal.sosfilt(scipy.signal.butter(6, cutoff, fs=rate, output="sos"), signal)
    else:
        # A synthetic room: exponentially decaying noise with RT60 of 0.2-0.8 s.
        rt60 = rng.uniform(0.2, 0.8)
        t = np.arange(int(rt60 * rate)) / rate
        response = rng.standard_normal(len(t)) * np.exp(-6.9 * t / rt60)
        response[0] = 1.0 / rng.uniform(0.3, 1.0)
        signal = scipy.signal.fftconvolve(signal, response)[: len(signal)]
    return kind, signal.astype(np.float32), rate


def _is_audible(clip: np.ndarray) -> bool:
    # Prompts padded with digital silence, or a near-silent tail window, carry
    # no class information; the extractor would still describe them.
    return float(np.sqrt(np.mean(clip.astype(np.float64) ** 2))) > 1e-3


def _shared_clips() -> list[tuple[dict, np.ndarray, int, Path | None]]:
    """The shared Czech speech and orchestral music clips (the demo table's rows)."""
    manifest = pd.read_csv(SHARED / "manifest.csv").drop_duplicates("path")
    clips = []
    for path, label, source in manifest[["path", "label", "source"]].itertuples(index=False):
        waveform, rate = _decode(SHARED / path)
        speech = label == "Speech"
        row = {
            "Filename": path,
            "Label": label,
            "Collection": "fillets-ng-cs-voices" if speech else "wesnoth-music",
            "Group": f"shared:{source}",
            "Package": "fillets-ng-data-cs 1.0.1" if speech else "wesnoth-1.16-music 1.16.9",
            "Licence": "GPL-2+",
        }
        # Features from the file itself, as the demo table has them: bit-identical rows.
        clips.append((row, waveform, rate, SHARED / path))
    return clips


def _package_clips(collection: Collection, cache: Path, rng: np.random.Generator):
    version = (cache / collection.package / "VERSION").read_text().strip()
    candidates = []
    for name, source in _files(collection, cache):
        try:
            waveform, rate = _decode(source)
        except Exception as error:  # a broken file in a package is skipped, and said
            print(f"  skipped {collection.package}:{name}: {error}", file=sys.stderr)
            continue
        for start, clip in _clips(waveform, rate, collection.label):
            if _is_audible(clip):
                candidates.append((name, start, clip, rate))
    keep = sorted(rng.choice(len(candidates), min(collection.cap, len(candidates)), replace=False))
    print(f"{collection.name}: {len(keep)} of {len(candidates)} clips", file=sys.stderr)
    clips = []
    for index in keep:
        name, start, clip, rate = candidates[index]
        row = {
            "Filename": f"{collection.package}:{name}@{start:.2f}",
            "Label": collection.label,
            "Collection": collection.name,
            "Group": f"{collection.name}:{_group_of(collection, name)}",
            "Package": f"{collection.package} {version}",
            "Licence": collection.licence,
        }
        clips.append((row, clip, rate, None))
    return clips


def build(cache: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Feature table and per-row provenance of every clip and its augmented copy."""
    from sklearn_speechmusic import AudioFeatureExtractor

    rng = np.random.default_rng(SEED)
    clips = _shared_clips()
    for collection in COLLECTIONS:
        clips.extend(_package_clips(collection, cache, rng))
    rows, waveforms = [], []
    for row, clip, rate, path in clips:
        rows.append({**row, "Augmentation": "none", "Seconds": round(len(clip) / rate, 3)})
        waveforms.append((clip, rate) if path is None else path)
        kind, changed, changed_rate = _augment(clip, rate, rng)
        rows.append(
            {
                **row,
                "Filename": f"{row['Filename']}+{kind}",
                "Augmentation": kind,
                "Seconds": round(len(changed) / changed_rate, 3),
            }
        )
        waveforms.append((changed, changed_rate))
    extractor = AudioFeatureExtractor(n_jobs=2, progress=True)
    features = pd.DataFrame(extractor.fit_transform(waveforms), columns=extractor.get_feature_names_out())
    sources = pd.DataFrame(rows)
    table = pd.concat([sources[["Filename", "Label"]], features], axis=1)
    return table, sources


def _group_of(collection: Collection, name: str) -> str:
    """Clips that are not independent share a group: one track, one speaker."""
    parts = Path(name).parts
    if collection.label == "Music":
        return name
    if collection.name == "ktuberling-words":
        return parts[-2]  # the language folder
    if collection.name == "klettres-letters":
        return parts[-3]
    if collection.name == "hedgewars-voices":
        return parts[-2]  # the voice pack (one actor)
    if collection.name == "warzone2100-voice":
        return parts[-2]
    return parts[-2] if len(parts) > 1 else "all"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cache", type=Path, help="folder with the unpacked packages")
    parser.add_argument("--download", action="store_true", help="fetch and unpack the packages first")
    args = parser.parse_args(argv)
    if args.download:
        download(args.cache)
    table, sources = build(args.cache)
    table.to_csv(OUTPUT / "training_features.csv.gz", index=False, float_format="%.7g")
    sources.to_csv(OUTPUT / "training_sources.csv.gz", index=False)
    counts = sources.groupby(["Label", "Collection"]).size()
    print(counts.to_string(), file=sys.stderr)
    print(f"wrote {len(table)} rows to {OUTPUT}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
