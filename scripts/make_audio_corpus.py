"""Write the audio corpus for the four-class model: clips as WAV files plus a manifest.

Beside ``make_training_table.py`` (which writes features only), this script writes
the clips themselves, 22050 Hz mono 16-bit WAV, so that features can be
re-extracted with any extractor version. No audio goes into the repository.

Run from the repository root, on a Debian-like machine::

    python scripts/make_audio_corpus.py CACHE OUT --download

``CACHE`` receives the unpacked Debian packages (``apt-get download`` + ``dpkg -x``;
packages already unpacked there are reused), ``OUT`` receives ``clips/<collection>/``,
``manifest.csv`` and ``PROVENANCE.md``. Needs ``fluidsynth`` (binary) and the
``mido`` Python package for the rendered solo-instrument clips.

What goes in (see ``scripts/CORPUS.md``):

* the 22 speech/music collections of ``make_training_table.py``, with its
  clip-cutting rules, caps and seeded sample (the same clips as the feature table);
* Noise: sound effects and ambience of game and simulator packages, 1-5 s clips,
  vocal sounds, jingles and music stingers left out by file name, near-silent
  clips (RMS below -50 dBFS) skipped;
* hard kinds: ``sung`` (a singing voice pack, rock songs with vocals as stems
  and mixes), ``solo_instrument`` (MIDI files a package ships, one part at a
  time, rendered with a GM soundfont: synthesized), ``speech_over_music``
  (speech clips mixed with music of another package at 6-20 dB SNR:
  synthesized, labelled Speech, grouped with the speech clip) and
  ``music_with_silence`` (real track openings/endings that start or end quietly,
  and music windows given a ~1 s silent lead-in or fade-in: synthesized).

Added collections (``MORE_BUILDERS``: spoken Tux Paint stamp descriptions, 0 A.D.
unit voices, a second Italian prompt voice, 0 A.D. and Unknown Horizons ambience)
can be built alone and appended to an existing manifest::

    python scripts/make_audio_corpus.py CACHE OUT --download --only NAME ...

Never used: the reserved evaluation packages ``fillets-ng-data``,
``fillets-ng-data-nl`` and ``freedroidrpg-data``.
"""

from __future__ import annotations

import argparse
import io
import re
import struct
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
import make_training_table as mtt  # noqa: E402
from c4group import c4group_members  # noqa: E402
from qt_rcc import rcc_sounds  # noqa: E402

RATE = 22050
SEED = 1
NOISE_MIN_SECONDS = 1.0
NOISE_MAX_SECONDS = 5.0
NOISE_WINDOWS_PER_FILE = 6
SILENT_DBFS = -50.0
SHORT_EFFECT_SECONDS = 0.15
RESERVED_PACKAGES = mtt.RESERVED_PACKAGES

# Kind of the existing collections (what sort of speech or music each one is).
EXISTING_KINDS = {
    "fillets-ng-cs-voices": "game_voice",
    "asterisk-en": "telephone_speech",
    "asterisk-es": "telephone_speech",
    "asterisk-fr": "telephone_speech",
    "asterisk-it": "telephone_speech",
    "asterisk-ru": "telephone_speech",
    "ktuberling-words": "isolated_words",
    "klettres-letters": "isolated_words",
    "hedgewars-voices": "game_voice",
    "warzone2100-voice": "read_speech",
    "wesnoth-music": "orchestral",
    "flare-music": "orchestral",
    "supertux-music": "pop_electronic",
    "supertuxkart-music": "pop_electronic",
    "xmoto-music": "pop_electronic",
    "frozen-bubble-music": "pop_electronic",
    "warzone2100-music": "pop_electronic",
    "naev-music": "ambient_electronic",
    "hedgewars-music": "mixed_genre",
    "openclonk-music": "mixed_genre",
    "lincity-ng-music": "mixed_genre",
    "extremetuxracer-music": "mixed_genre",
}


@dataclass(frozen=True)
class NoiseCollection:
    """Sound effects of one package: one recording chain."""

    name: str
    package: str
    licence: str
    patterns: tuple[str, ...]
    cap: int
    exclude: tuple[str, ...] = ()


# File-name fragments (case-insensitive) that mark vocal sounds, jingles,
# stingers and musical notes: never Noise.
COMMON_EXCLUDE = (
    "voice",
    "speech",
    "singer",
    "singing",
    "song",
    "music",
    "jingle",
    "fanfare",
    "victory",
    "laugh",
    "scream",
    "giggle",
    "shout",
    "yell",
    "crying",
    "chant",
    "talk",
)

NOISE_COLLECTIONS = (
    NoiseCollection(  # sounds live inside one .cat archive; see _opensfx_files
        "opensfx-noise",
        "openttd-opensfx",
        "CC-BY-3.0 / CC0 / CC-BY-SA-3.0 (per sound)",
        ("usr/share/games/openttd/baseset/opensfx/opensfx.cat",),
        cap=200,
        exclude=("Good Year", "Bad Year", "Oooh", "Unused"),
    ),
    NoiseCollection(
        "heroes-noise",
        "heroes-sound-effects",
        "GPL-2+",
        ("usr/share/games/heroes/sfx/*.wav",),
        cap=200,
        exclude=(
            "/go.",
            "ho_yeh",
            "/no.",
            "/oh.",
            "finlevel",
            "dream",
            "bonus",
            "/life",
            "lmoins",
            "lplus",
            "menu",
            "invinc",
            "power_up",
        ),
    ),
    NoiseCollection(
        "widelands-noise",
        "widelands-data",
        "GPL-2+",
        ("usr/share/games/widelands/data/sound/*/*.ogg", "usr/share/games/widelands/data/sound/*/*/*.ogg"),
        cap=250,
        exclude=("taverns", "military", "lobby", "message", "click", "construction_site"),
    ),
    NoiseCollection(
        "megaglest-noise",
        "megaglest-data",
        "CC-BY-SA-3.0",
        ("usr/share/games/megaglest/techs/megapack/commondata/sounds/*.*",),
        cap=250,
        # *_ack and *_select are spoken acknowledgements; *_die are cries.
        exclude=("_ack", "_select", "_die", "summon", "heal", "tech_click"),
    ),
    NoiseCollection(
        "minetest-noise",
        "minetest-data",
        "CC-BY-SA-3.0 / CC0 (per file)",
        ("usr/share/games/minetest/games/minetest_game/mods/*/sounds/*.ogg",),
        cap=200,
        exclude=("player_damage",),
    ),
    NoiseCollection(
        "lincity-ng-noise",
        "lincity-ng-data",
        "GPL-2+",
        ("usr/share/games/lincity-ng/sounds/*.*",),
        cap=200,
        # Places full of people may carry intelligible voices.
        exclude=(
            "Click",
            "School",
            "University",
            "Health",
            "Residential",
            "Shanty",
            "Commune",
            "Market",
            "Window",
        ),
    ),
    NoiseCollection(
        "wesnoth-noise",
        "wesnoth-1.16-data",
        "GPL-2+",
        (
            "usr/share/games/wesnoth/1.16/data/core/sounds/*.ogg",
            "usr/share/games/wesnoth/1.16/data/core/sounds/ambient/*.ogg",
        ),
        cap=250,
        exclude=(
            "-die",
            "-hit",
            "ugg",
            "groan",
            "wail",
            "horn-signals",
            "wardrums",
            "magic",
            "heal",
            "petrified",
            "slowed",
            "gryphon-shriek",
        ),
    ),
    NoiseCollection(
        "supertuxkart-noise",
        "supertuxkart-data",
        "CC-BY-SA-3.0 / CC0 / GPL (per file)",
        tuple(
            f"usr/share/games/supertuxkart/data/sfx/{name}.ogg"
            for name in (
                "airplane_jetEngine",
                "anvil",
                "ball_bounce",
                "bowling_roll",
                "bowling_shoot",
                "break",
                "car_accel",
                "car_revup",
                "clock",
                "crash",
                "crash2",
                "crash3",
                "engine_large",
                "engine_small",
                "exotic-birds",
                "exotic-birds_2",
                "explosion",
                "fireworks_show",
                "hammer",
                "machine_sound",
                "metal_clang",
                "rain",
                "river_loop",
                "skid",
                "splash",
                "thunder",
                "waterfall_loop_2",
                "wooden_bridge",
                "static-radio",
                "swatter",
                "plunger",
                "parachute",
                "inflate",
                "shoot",
            )
        ),
        cap=200,
    ),
    NoiseCollection(
        "scorched3d-noise",
        "scorched3d-data",
        "GPL-2+ / CC-BY-SA-3.0 (apoc mod)",
        ("usr/share/games/scorched3d/data/globalmods/*/data/wav/*/*.wav",),
        cap=250,
        exclude=(
            "scream",
            "fight4life",
            "extralife",
            "/text.",
            "/play.",
            "beep",
            "lockon",
            "battery",
            "/shield/",
        ),
    ),
    NoiseCollection(
        "flare-noise",
        "flare-game",
        "CC-BY-SA-3.0+",
        (
            "usr/share/games/flare/mods/fantasycore/soundfx/*.ogg",
            "usr/share/games/flare/mods/fantasycore/soundfx/*/*.ogg",
        ),
        cap=200,
        exclude=("npcs", "female_", "male_", "level_up", "no_mana", "warcry", "_ment"),
    ),
    NoiseCollection(
        "warmux-noise",
        "warmux-data",
        "GPL-2+",
        (
            "usr/share/games/warmux/sound/default/weapons/*.ogg",
            "usr/share/games/warmux/sound/default/misc/*.ogg",
        ),
        cap=200,
        exclude=(
            "frog_music",
            "disco",
            "countdown",
            "newcomer",
            "sherif",
            "homerun",
            "suicide",
            "character_change",
            "/ok.",
            "error",
            "cancel",
            "_turn",
            "clic",
            "polecat",
            "mine_beep",
        ),
    ),
    NoiseCollection(
        "hedgewars-noise",
        "hedgewars-data",
        "GFDL-1.3 / GPL-2",
        ("usr/share/games/hedgewars/Data/Sounds/*.ogg",),
        cap=200,
        exclude=(
            "/1C",
            "/2D",
            "/3E",
            "/4F",
            "/5G",
            "/6A",
            "/7B",
            "/8C",
            "/9D",
            "Hellish",
            "Kiss",
            "Yoohoo",
            "hogchant",
            "valkyries",
            "hell_",
            "countdown",
            "custom",
            "denied",
            "extratime",
            "suddendeath",
            "homerun",
            "/skip",
            "sinegun",
            "Whistle",
            "BirdyLay",
            "CollectCrate",
            "rubberduck_die",
        ),
    ),
    NoiseCollection(
        "etr-noise",
        "extremetuxracer-data",
        "GPL-2+",
        ("usr/share/games/etr/sounds/*.wav",),
        cap=100,
        exclude=("pickup",),
    ),
)

NEW_PACKAGES = (
    "openttd-opensfx",
    "heroes-sound-effects",
    "widelands-data",
    "megaglest-data",
    "minetest-data",
    "wesnoth-1.16-data",
    "scorched3d-data",
    "warmux-data",
    "fretsonfire-songs-muldjord",
    "fretsonfire-songs-sectoid",
    "openttd-openmsx",
    "fluid-soundfont-gm",
    "timgm6mb-soundfont",
)

NOISE_KINDS = (  # first match of a file-name fragment names the kind
    (
        "animal",
        (
            "bird",
            "cow",
            "sheep",
            "horse",
            "wolf",
            "frog",
            "cricket",
            "monkey",
            "lion",
            "pig",
            "boar",
            "coyote",
            "moose",
            "stag",
            "bat",
            "dog",
            "gull",
            "rooster",
            "moo",
            "owl",
            "raven",
            "bee",
            "donkey",
            "ox",
            "farm_animal",
            "growl",
            "hiss",
            "alien",
            "yeti",
            "tusker",
        ),
    ),
    (
        "weather_water",
        (
            "rain",
            "wind",
            "thunder",
            "water",
            "river",
            "waterfall",
            "splash",
            "ocean",
            "droplet",
            "lava",
            "bubble",
            "lightning",
            "sink",
            "storm",
        ),
    ),
    (
        "vehicle",
        (
            "engine",
            "car",
            "airplane",
            "steam",
            "train",
            "plane",
            "jet",
            "bus",
            "truck",
            "helicopter",
            "ship",
            "skid",
            "locomotive",
            "rail",
            "trafic",
            "traffic",
            "aircraft",
            "f16",
            "f18",
            "apache",
            "cessna",
            "tankmove",
            "police",
            "firetruck",
            "maglev",
            "monorail",
            "propeller",
            "ferry",
            "horn",
            "ufo",
            "t38",
            "rocket",
        ),
    ),
    ("crowd", ("applause", "crowd", "croud", "foule", "cheer", "city")),
    ("footsteps", ("footstep", "step", "walk", "canter", "stairs")),
    ("fire", ("fire", "flame", "burn", "embers", "torch", "fuse", "napalm", "blowtorch")),
    (
        "explosion_impact",
        (
            "explo",
            "crash",
            "break",
            "impact",
            "gun",
            "shoot",
            "shot",
            "bomb",
            "grenade",
            "dynamite",
            "mortar",
            "cannon",
            "missile",
            "exp",
            "attack",
            "arrow",
            "bow",
            "sword",
            "axe",
            "club",
            "mace",
            "knife",
            "hit",
            "collision",
            "bump",
            "thud",
            "stomp",
            "crunch",
            "quake",
        ),
    ),
    (
        "machinery",
        (
            "saw",
            "mill",
            "hammer",
            "anvil",
            "drill",
            "machine",
            "jackhammer",
            "mining",
            "smith",
            "factory",
            "furnace",
            "clock",
            "metal",
            "chainsaw",
            "industry",
            "power",
            "spark",
            "dig",
            "tool",
            "mine",
            "cash",
            "coin",
        ),
    ),
    ("door_object", ("door", "chest", "open", "close", "inventory", "glass", "wood", "box")),
)


def _noise_kind(name: str) -> str:
    """Rough kind of a noise from the words of its file name (a word starts with a fragment)."""
    words = [w.lower() for w in re.findall(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])", Path(name).name)]
    for kind, fragments in NOISE_KINDS:
        if any(word.startswith(fragment) for word in words for fragment in fragments):
            return kind
    return "other_sfx"


def _licence_name(text: str) -> str:
    """OpenSFX names its licences in words."""
    text = text.lower()
    if "zero" in text:
        return "CC0-1.0"
    if "sharealike" in text:
        return "CC-BY-SA-3.0"
    if "attribution" in text:
        return "CC-BY-3.0"
    return text


def download(cache: Path, packages=None) -> None:
    """Fetch and unpack every package used (or just ``packages``); packages already
    unpacked are kept."""
    if packages is None:
        packages = (
            {c.package for c in mtt.COLLECTIONS}
            | {c.package for c in NOISE_COLLECTIONS}
            | set(NEW_PACKAGES)
            | set(MORE_PACKAGES)
        )
    packages = sorted(packages)
    assert not RESERVED_PACKAGES & set(packages), "reserved evaluation packages must not be used"
    debs = cache / "debs"
    debs.mkdir(parents=True, exist_ok=True)
    missing = [p for p in packages if not (cache / p / "VERSION").exists()]
    if missing:
        subprocess.run(["apt-get", "download", *missing], cwd=debs, check=True)
    for package in missing:
        (deb,) = debs.glob(f"{package}_*.deb")
        subprocess.run(["dpkg", "-x", str(deb), str(cache / package)], check=True)
        version = deb.name.split("_")[1].replace("%3a", ":")
        (cache / package / "VERSION").write_text(version + "\n")


def _version(cache: Path, package: str) -> str:
    return (cache / package / "VERSION").read_text().strip()


def _resample(waveform: np.ndarray, rate: int) -> np.ndarray:
    import soxr

    waveform = np.asarray(waveform, dtype=np.float32)
    if rate == RATE:
        return waveform
    return soxr.resample(waveform, rate, RATE).astype(np.float32)


def _dbfs(clip: np.ndarray) -> float:
    rms = float(np.sqrt(np.mean(np.asarray(clip, dtype=np.float64) ** 2)))
    return 20 * np.log10(rms + 1e-12)


class Writer:
    """Writes clips and collects manifest rows."""

    def __init__(self, out: Path):
        self.out = out
        self.rows: list[dict] = []
        self.counts: dict[str, int] = {}

    def add(
        self,
        clip: np.ndarray,
        rate: int,
        *,
        label,
        kind,
        collection,
        group,
        package,
        version,
        licence,
        source,
        synthesized=False,
        augmentation="none",
        **extra,
    ):
        import soundfile

        clip = _resample(clip, rate)
        peak = float(np.max(np.abs(clip))) if len(clip) else 0.0
        if peak > 0.999:
            clip = clip * (0.999 / peak)
        index = self.counts.get(collection, 0)
        self.counts[collection] = index + 1
        stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", Path(str(source).split("@")[0]).stem)[:40]
        relative = Path("clips") / collection / f"{index:05d}_{stem}.wav"
        (self.out / relative).parent.mkdir(parents=True, exist_ok=True)
        soundfile.write(self.out / relative, clip, RATE, subtype="PCM_16")
        self.rows.append(
            {
                "path": str(relative),
                "label": label,
                "kind": kind,
                "collection": collection,
                "group": group,
                "package": package,
                "version": version,
                "licence": licence,
                "synthesized": bool(synthesized),
                "augmentation": augmentation,
                "source": source,
                "seconds": round(len(clip) / RATE, 3),
                "level_dbfs": round(_dbfs(clip), 1),
                **extra,
            }
        )
        return clip


# --------------------------------------------------------------------- existing 22


def existing(cache: Path, writer: Writer) -> dict[str, list]:
    """The speech/music clips of ``make_training_table.py``: same rules, same sample."""
    rng = np.random.default_rng(mtt.SEED)
    pool: dict[str, list] = {"Speech": [], "Music": []}

    def add(row: dict, waveform: np.ndarray, rate: int, source: str) -> None:
        name, version = row["Package"].split(" ")
        clip = writer.add(
            waveform,
            rate,
            label=row["Label"],
            kind=EXISTING_KINDS[row["Collection"]],
            collection=row["Collection"],
            group=row["Group"],
            package=name,
            version=version,
            licence=row["Licence"],
            source=source,
        )
        pool[row["Label"]].append((row["Collection"], row["Group"], name, clip))

    for row, waveform, rate, _path in mtt._shared_clips():
        add(row, waveform, rate, f"shared:{row['Filename']}")
    for collection in mtt.COLLECTIONS:
        for row, clip, rate, _ in mtt._package_clips(collection, cache, rng):
            add(row, clip, rate, row["Filename"])
    return pool


# --------------------------------------------------------------------------- noise


def _opensfx_files(path: Path) -> list[tuple[str, object]]:
    """Sounds of OpenTTD's ``.cat`` archive: a table of (offset, size), then name + WAV."""
    data = path.read_bytes()
    count = (struct.unpack_from("<I", data, 0)[0] & 0x7FFFFFFF) // 8
    files: list[tuple[str, object]] = []
    for index in range(count):
        offset, size = struct.unpack_from("<II", data, 8 * index)
        offset &= 0x7FFFFFFF
        length = data[offset]
        name = data[offset + 1 : offset + 1 + length].rstrip(b"\0").decode("latin-1")
        title = name.split('"')[1].replace("/", "-") if '"' in name else name
        licence = re.search(r"License: (.+?)\.(?:\s|$)", name)
        OPENSFX_LICENCES[title] = _licence_name(licence.group(1)) if licence else "CC-BY-SA-3.0"
        files.append((f"opensfx.cat#{index:02d} {title}", data[offset + 1 + length : offset + size]))
    return files


OPENSFX_LICENCES: dict[str, str] = {}  # title -> licence, filled by _opensfx_files


def _decode_any(source) -> tuple[np.ndarray, int]:
    import soundfile

    if isinstance(source, bytes):
        waveform, rate = soundfile.read(io.BytesIO(source), dtype="float32", always_2d=True)
        return waveform.mean(axis=1), int(rate)
    return mtt._decode(source)


def _trim(waveform: np.ndarray, rate: int, floor_dbfs: float = -60.0) -> np.ndarray:
    """Cut leading and trailing 20-ms frames quieter than ``floor_dbfs``."""
    hop = max(1, int(0.02 * rate))
    n = len(waveform) // hop
    if n == 0:
        return waveform
    frames = waveform[: n * hop].reshape(n, hop).astype(np.float64)
    loud = np.flatnonzero(20 * np.log10(np.sqrt((frames**2).mean(axis=1)) + 1e-12) > floor_dbfs)
    if len(loud) == 0:
        return waveform[:0]
    return waveform[loud[0] * hop : (loud[-1] + 1) * hop]


def _noise_clips(waveform: np.ndarray, rate: int) -> list[tuple[float, np.ndarray]]:
    waveform = _trim(waveform, rate)
    total = len(waveform) / rate
    if total < NOISE_MIN_SECONDS:
        return []
    if total <= NOISE_MAX_SECONDS:
        return [(0.0, waveform)]
    window = int(NOISE_MAX_SECONDS * rate)
    starts = list(range(0, len(waveform) - int(NOISE_MIN_SECONDS * rate), window))
    starts = starts[:NOISE_WINDOWS_PER_FILE]
    return [(s / rate, waveform[s : s + window]) for s in starts]


def _noise_group(name: str) -> str:
    """Variants of one effect (``bird1_02``, ``explosion3``) share a group."""
    stem = Path(name.split("#")[0] if "#" not in name else name).name
    stem = re.sub(r"\.[A-Za-z0-9]+$", "", stem)
    stem = re.sub(r"[\s_.\-]*\(?\d+\)?$", "", stem)
    return stem.lower() or "all"


def _sequences(short: dict, rng: np.random.Generator, count: int) -> list:
    """Runs of short effects of one group (footsteps, hits, drips), 1.5-4 s long.

    Effects under 1 s are most of what game packages ship; a run of them with
    0.05-0.4 s gaps at a -70 dBFS floor is what such sounds are in a recording.
    """
    groups = sorted(short)
    out = []
    for _ in range(count if groups else 0):
        group = groups[rng.integers(len(groups))]
        effects = short[group]
        target = rng.uniform(1.5, 4.0) * RATE
        pieces, names, used, total, first = [], [], [], 0, None
        while total < target:
            name, effect = effects[rng.integers(len(effects))]
            gap = rng.standard_normal(int(rng.uniform(0.05, 0.4) * RATE)) * 10 ** (-70 / 20)
            pieces += [effect.astype(np.float64), gap]
            names.append(Path(name.split(" ", 1)[-1] if "#" in name else name).name)
            used.append(name)
            first = first or name
            total += len(effect) + len(gap)
        clip = np.concatenate(pieces)[: int(target)].astype(np.float32)
        source = f"{names[0]} (+{len(names) - 1} more of {group})"
        out.append(
            (
                first if "#" not in effects[0][0] else effects[0][0],
                0.0,
                clip,
                RATE,
                (source, f"sequence_of_{len(names)}_effects", tuple(sorted(set(used)))),
            )
        )
    return out


def noise(cache: Path, writer: Writer, rng: np.random.Generator) -> None:
    for collection in NOISE_COLLECTIONS:
        _add_noise(cache, writer, rng, collection)


def _add_noise(
    cache: Path,
    writer: Writer,
    rng: np.random.Generator,
    collection: NoiseCollection,
    kind_of=None,
    files=None,
    licence_of=None,
    package_of=None,
) -> None:
    """One package's sound effects: whole effects and windows of long ones, plus runs of
    short effects of one group. ``kind_of(file name)`` names the kind (default: from
    the words of the file name); ``files`` ((name, path or bytes) pairs) replaces the
    collection's patterns; ``licence_of(file name)`` replaces its one licence;
    ``package_of(file name)`` its one package (a run's effects must share one)."""
    kind_of = kind_of or _noise_kind
    root = cache / collection.package
    if files is None and collection.package == "openttd-opensfx":
        files = _opensfx_files(root / collection.patterns[0])
    elif files is None:
        paths = sorted({p for pattern in collection.patterns for p in root.glob(pattern)})
        files = [
            (str(p.relative_to(root)), p)
            for p in paths
            if p.suffix.lower() in (".ogg", ".wav", ".flac", ".opus")
        ]
    excluded = tuple(e.lower() for e in collection.exclude + COMMON_EXCLUDE)
    files = [(n, s) for n, s in files if not any(e in ("/" + n).lower() for e in excluded)]
    candidates: list = []
    short: dict[str, list] = {}
    for name, source in files:
        try:
            waveform, rate = _decode_any(source)
        except Exception as error:
            print(f"  skipped {collection.package}:{name}: {error}", file=sys.stderr)
            continue
        for start, clip in _noise_clips(waveform, rate):
            if _dbfs(clip) >= SILENT_DBFS:
                candidates.append((name, start, clip, rate, None))
        effect = _trim(waveform, rate)
        if SHORT_EFFECT_SECONDS <= len(effect) / rate < NOISE_MIN_SECONDS and (_dbfs(effect) >= SILENT_DBFS):
            short.setdefault(_noise_group(name), []).append((name, _resample(effect, rate)))
    n_real = len(candidates)
    candidates += _sequences(
        short, rng, min(2 * sum(map(len, short.values())), max(0, collection.cap - n_real))
    )
    keep = sorted(rng.choice(len(candidates), min(collection.cap, len(candidates)), replace=False))
    print(
        f"{collection.name}: {len(keep)} of {len(candidates)} clips ({n_real} real) from {len(files)} files",
        file=sys.stderr,
    )
    for index in keep:
        name, start, clip, rate, sequence = candidates[index]
        members = sequence[2] if sequence is not None else (name,)
        if "#" in name:  # opensfx: per-sound licence in its name
            shown = name.split(" ", 1)[1]
            group = re.sub(r"\s*\(\d\)", "", shown).lower()
            licence = OPENSFX_LICENCES[shown]
        else:
            group, shown = _noise_group(name), name
            # A run's effects may carry different licences (CC0 and CC-BY hits of one
            # group): the row names them all.
            licence = (
                " and ".join(sorted({licence_of(member) for member in members}))
                if licence_of
                else collection.licence
            )
        (package,) = {package_of(member) for member in members} if package_of else {collection.package}
        writer.add(
            clip,
            rate,
            label="Noise",
            kind=kind_of(shown),
            collection=collection.name,
            group=f"{collection.name}:{group}",
            package=package,
            version=_version(cache, package),
            licence=licence,
            source=f"{shown}@{start:.2f}" if sequence is None else sequence[0],
            synthesized=sequence is not None,
            augmentation="none" if sequence is None else sequence[1],
        )


# ------------------------------------------------------------------------ hard kinds


def _windows(waveform, rate, seconds, count, skip=0.05):
    window = int(seconds * rate)
    if len(waveform) <= window:
        return [(0.0, waveform)]
    first, last = int(skip * len(waveform)), int((1 - skip) * len(waveform)) - window
    last = max(first, last)
    starts = np.linspace(first, last, count).astype(int)
    return [(s / rate, waveform[s : s + window]) for s in starts]


def sung(cache: Path, writer: Writer, rng: np.random.Generator) -> None:
    """Singing voices: the hedgewars "Singer" pack, and rock songs with vocals."""
    package = "hedgewars-data"
    version = _version(cache, package)
    root = cache / package
    for path in sorted(root.glob("usr/share/games/hedgewars/Data/Sounds/voices/Singer/*.ogg")):
        waveform, rate = mtt._decode(path)
        waveform = _trim(waveform, rate)
        if len(waveform) / rate >= mtt.MIN_SECONDS and _dbfs(waveform) >= SILENT_DBFS:
            writer.add(
                waveform[: int(6 * rate)],
                rate,
                label="Music",
                kind="sung",
                collection="hedgewars-singer",
                group="hedgewars-singer:Singer",
                package=package,
                version=version,
                licence="GFDL-1.3",
                source=str(path.relative_to(root)),
            )
    # Frets on Fire song packs: guitar stem + backing stem ("song.ogg") per song;
    # the full mix is their sum. Muldjord is a metal band with a singer, but whether
    # these mixes carry vocals was not verified (no listening here): their mixes and
    # backing stems are kind "rock_maybe_sung", never "sung". Sectoid's songs and
    # all guitar stems are kind "rock".
    for package, licence, vocals in (
        ("fretsonfire-songs-muldjord", "CC-BY-SA-3.0", True),
        ("fretsonfire-songs-sectoid", "Expat", False),
    ):
        version = _version(cache, package)
        root = cache / package
        collection = package.replace("-songs", "")
        for folder in sorted(root.glob("usr/share/games/fretsonfire/data/songs/*/*/")):
            song, rate = mtt._decode(folder / "song.ogg")
            guitar, guitar_rate = mtt._decode(folder / "guitar.ogg")
            n = min(len(song), len(guitar))
            assert guitar_rate == rate
            versions = {"mix": song[:n] + guitar[:n], "backing_stem": song, "guitar_stem": guitar}
            for part, waveform in versions.items():
                count = {"mix": 30, "backing_stem": 20, "guitar_stem": 12}[part]
                kind = "rock_maybe_sung" if vocals and part != "guitar_stem" else "rock"
                for start, clip in _windows(waveform, rate, 3.0, count):
                    if _dbfs(clip) >= SILENT_DBFS:
                        writer.add(
                            clip,
                            rate,
                            label="Music",
                            kind=kind,
                            collection=collection,
                            group=f"{collection}:{folder.name}",
                            package=package,
                            version=version,
                            licence=licence,
                            source=f"{folder.name}/{part}@{start:.2f}",
                            augmentation="none" if part == "mix" else f"stem:{part}",
                        )


SOLO_PROGRAMS = {  # GM program numbers of sparse solo instruments
    0: "piano",
    6: "harpsichord",
    11: "vibraphone",
    12: "marimba",
    13: "xylophone",
    24: "nylon_guitar",
    25: "steel_guitar",
    40: "violin",
    42: "cello",
    45: "pizzicato",
    46: "harp",
    56: "trumpet",
    57: "trombone",
    65: "alto_sax",
    66: "tenor_sax",
    68: "oboe",
    71: "clarinet",
    73: "flute",
    104: "sitar",
    105: "banjo",
    107: "koto",
}


def _solo_midis(path: Path, rng: np.random.Generator, parts: int = 4):
    """One single-part MIDI file per usable channel: ``(description, MidiFile)``."""
    import mido

    midi = mido.MidiFile(path)
    notes: dict[int, int] = {}
    for track in midi.tracks:
        for message in track:
            if message.type == "note_on" and message.velocity > 0:
                notes[message.channel] = notes.get(message.channel, 0) + 1
    channels = [c for c, n in sorted(notes.items(), key=lambda kv: -kv[1]) if n >= 24]
    melodic = [c for c in channels if c != 9][: parts - 1]
    chosen = melodic + ([9] if 9 in channels else [])
    out = []
    for channel in chosen:
        program = None if channel == 9 else int(rng.choice(list(SOLO_PROGRAMS)))
        solo = mido.MidiFile(type=midi.type, ticks_per_beat=midi.ticks_per_beat)
        for track in midi.tracks:
            new, pending = mido.MidiTrack(), 0
            for message in track:
                keep = (
                    message.is_meta and message.type in ("set_tempo", "time_signature", "end_of_track")
                ) or (not message.is_meta and getattr(message, "channel", None) == channel)
                if keep and message.type == "program_change" and program is not None:
                    message = message.copy(program=program)
                if keep:
                    new.append(message.copy(time=message.time + pending))
                    pending = 0
                else:
                    pending += message.time
            solo.tracks.append(new)
        if program is not None:
            solo.tracks[0].insert(0, mido.Message("program_change", channel=channel, program=program, time=0))
        name = "percussion" if program is None else SOLO_PROGRAMS[program]  # None: channel 10
        out.append((f"ch{channel + 1}:{name}", solo))
    return out


def solo_instrument(cache: Path, writer: Writer, rng: np.random.Generator) -> None:
    """MIDI files of OpenMSX, one part at a time, rendered with a GM soundfont."""
    import soundfile

    package = "openttd-openmsx"
    version = _version(cache, package)
    midis = sorted((cache / package).glob("usr/share/games/openttd/baseset/openmsx/*.mid"))
    fonts = (
        ("openmsx-solo-fluidr3", "fluid-soundfont-gm", "usr/share/sounds/sf2/FluidR3_GM.sf2", "MIT"),
        ("openmsx-solo-timgm6mb", "timgm6mb-soundfont", "usr/share/sounds/sf2/TimGM6mb.sf2", "GPL-2"),
    )
    for index, midi_path in enumerate(midis):
        # Each composition is rendered by one soundfont only: no composition is in
        # both collections.
        collection, font_package, font, font_licence = fonts[index % 2]
        for description, solo in _solo_midis(midi_path, rng):
            with tempfile.TemporaryDirectory() as tmp:
                mid, wav = Path(tmp) / "solo.mid", Path(tmp) / "solo.wav"
                solo.save(mid)
                subprocess.run(
                    [
                        "fluidsynth",
                        "-ni",
                        "-q",
                        "-g",
                        "0.6",
                        "-r",
                        str(RATE),
                        "-F",
                        str(wav),
                        str(cache / font_package / font),
                        str(mid),
                    ],
                    check=True,
                    capture_output=True,
                )
                waveform, rate = soundfile.read(wav, dtype="float32", always_2d=True)
            waveform = _trim(waveform.mean(axis=1), rate)
            if len(waveform) < 3 * rate:
                continue
            for start, clip in _windows(waveform, rate, 3.0, 6):
                if _dbfs(clip) >= SILENT_DBFS:
                    writer.add(
                        clip,
                        rate,
                        label="Music",
                        kind="solo_instrument",
                        collection=collection,
                        group=f"openmsx:{midi_path.stem}",
                        package=package,
                        version=version,
                        licence=f"GPL-2 (MIDI) + {font_licence} (soundfont)",
                        source=f"{midi_path.name}/{description}@{start:.2f}",
                        synthesized=True,
                        augmentation=f"rendered:{font_package} {_version(cache, font_package)}",
                    )


def speech_over_music(writer: Writer, pool, rng: np.random.Generator, count: int = 900) -> None:
    """Speech clips over a music window of another package at 6-20 dB SNR (Speech)."""
    speech, music = pool["Speech"], pool["Music"]
    by_collection: dict[str, list[int]] = {}
    for index, item in enumerate(speech):
        by_collection.setdefault(item[0], []).append(index)
    per_collection = count // len(by_collection)
    first_row: dict[str, dict] = {}
    for row in writer.rows:
        first_row.setdefault(row["group"], row)
    for _collection, indices in sorted(by_collection.items()):
        chosen = rng.choice(indices, min(per_collection, len(indices)), replace=False)
        for index in chosen:
            s_collection, s_group, s_package, s_clip = speech[index]
            while True:
                m_collection, m_group, m_package, m_clip = music[rng.integers(len(music))]
                if m_package != s_package:
                    break
            bed = np.resize(m_clip, len(s_clip)).astype(np.float64)  # loop a short window
            snr = float(rng.uniform(6, 20))
            s = s_clip.astype(np.float64)
            gain = np.sqrt(np.mean(s**2)) / (np.sqrt(np.mean(bed**2)) + 1e-12) * 10 ** (-snr / 20)
            mixed = (s + gain * bed).astype(np.float32)
            source_row = first_row[s_group]
            writer.add(
                mixed,
                RATE,
                label="Speech",
                kind="speech_over_music",
                collection=s_collection,
                group=s_group,
                package=s_package,
                version=source_row["version"],
                licence=source_row["licence"],
                source=f"mix of {s_collection} + {m_collection}",
                synthesized=True,
                augmentation=f"music_bed_snr_db={snr:.1f}",
                music_collection=m_collection,
                music_group=m_group,
            )


def music_with_silence(cache: Path, writer: Writer, pool, rng: np.random.Generator, count: int = 300) -> None:
    """Music that opens with ~1 s of silence or a fade-in, or closes with a fade-out."""
    music = pool["Music"]
    versions = {r["group"]: r for r in writer.rows if r["label"] == "Music"}
    chosen = rng.choice(len(music), min(count, len(music)), replace=False)
    for index in chosen:
        collection, group, package, clip = music[index]
        row = versions[group]
        style = str(rng.choice(["silence_lead_in", "fade_in", "fade_out"]))
        lead = float(rng.uniform(0.6, 1.4))
        n_lead = int(lead * RATE)
        body = clip[: len(clip) - n_lead].astype(np.float64)
        if style == "silence_lead_in":
            floor_db = float(rng.uniform(-80, -55))
            level = 10 ** (floor_db / 20)
            floor = rng.standard_normal(n_lead) * level if floor_db > -75 else np.zeros(n_lead)
            out = np.concatenate([floor, body])
            augmentation = f"silence_lead_in={lead:.2f}s floor_dbfs={floor_db:.0f}"
        else:
            ramp = np.ones(len(clip))
            fade = np.linspace(0, 1, n_lead) ** 2
            if style == "fade_in":
                ramp[:n_lead] = fade
            else:
                ramp[-n_lead:] = fade[::-1]
            out = clip.astype(np.float64) * ramp
            augmentation = f"{style}={lead:.2f}s"
        writer.add(
            out.astype(np.float32),
            RATE,
            label="Music",
            kind="music_with_silence",
            collection=collection,
            group=group,
            package=package,
            version=row["version"],
            licence=row["licence"],
            source=f"{row['source']}",
            synthesized=True,
            augmentation=augmentation,
        )
    # Real openings and endings of tracks that start or end quietly.
    for collection in mtt.COLLECTIONS:
        if collection.label != "Music":
            continue
        files = mtt._files(collection, cache)
        picks = rng.choice(len(files), min(12, len(files)), replace=False)
        version = _version(cache, collection.package)
        for pick in sorted(picks):
            name, source = files[pick]
            try:
                waveform, rate = mtt._decode(source)
            except Exception:
                continue
            window = 3 * rate
            if len(waveform) < 4 * window:
                continue
            for where, clip in (("opening", waveform[:window]), ("ending", waveform[-window:])):
                edge = clip[: rate // 2] if where == "opening" else clip[-(rate // 2) :]
                if _dbfs(clip) >= SILENT_DBFS and _dbfs(edge) < _dbfs(clip) - 10:
                    writer.add(
                        clip,
                        rate,
                        label="Music",
                        kind="music_with_silence",
                        collection=collection.name,
                        group=f"{collection.name}:{mtt._group_of(collection, name)}",
                        package=collection.package,
                        version=version,
                        licence=collection.licence,
                        source=f"{name}@{where}",
                        augmentation=f"real_{where}",
                    )


# ------------------------------------------------------------- more collections
#
# Collections added to an existing corpus with ``--only NAME ...`` (their rows are
# appended to OUT/manifest.csv); a full run builds them too.

MORE_SPEECH_MIN_SECONDS = mtt.MIN_SECONDS
MORE_SPEECH_MAX_SECONDS = 5.0


def _speech_clips(waveform: np.ndarray, rate: int) -> list[tuple[float, np.ndarray]]:
    """An utterance trimmed of leading/trailing frames below -60 dBFS: one clip if
    0.8-5 s long, consecutive 5-s clips (the last one at least 0.8 s) if longer."""
    waveform = _trim(waveform, rate)
    window, shortest = int(MORE_SPEECH_MAX_SECONDS * rate), int(MORE_SPEECH_MIN_SECONDS * rate)
    starts = range(0, max(0, len(waveform) - shortest + 1), window)
    clips = [(s / rate, waveform[s : s + window]) for s in starts]
    return [(s, c) for s, c in clips if len(c) >= shortest and mtt._is_audible(c) and _dbfs(c) >= SILENT_DBFS]


def _balanced(candidates: list, rng: np.random.Generator, cap: int) -> list:
    """At most ``cap`` candidates, spread evenly over their groups (``item[0]``)."""
    by_group: dict[str, list] = {}
    for item in candidates:
        by_group.setdefault(item[0], []).append(item)
    queues = [[group[i] for i in rng.permutation(len(group))] for _, group in sorted(by_group.items())]
    chosen: list = []
    while len(chosen) < cap and any(queues):
        for queue in queues:
            if queue and len(chosen) < cap:
                chosen.append(queue.pop())
    return chosen


def _add_speech(cache, writer, rng, *, name, package, licence, kind, files, cap, source_prefix=""):
    """Cut ``files`` (``(group, file name, source)``) into speech clips and keep a
    group-balanced seeded sample of at most ``cap``; identical files count once."""
    import hashlib

    version = _version(cache, package)
    seen, candidates = set(), []
    for group, file_name, source in files:
        data = source.read_bytes() if isinstance(source, Path) else source
        digest = hashlib.sha1(data).hexdigest()
        if digest in seen:
            continue
        seen.add(digest)
        try:
            waveform, rate = _decode_any(data)
        except Exception as error:
            print(f"  skipped {package}:{file_name}: {error}", file=sys.stderr)
            continue
        for start, clip in _speech_clips(waveform, rate):
            candidates.append((group, file_name, start, clip, rate))
    chosen = sorted(_balanced(candidates, rng, cap), key=lambda c: (c[0], c[1], c[2]))
    print(f"{name}: {len(chosen)} of {len(candidates)} clips from {len(seen)} files", file=sys.stderr)
    for group, file_name, start, clip, rate in chosen:
        writer.add(
            clip,
            rate,
            label="Speech",
            kind=kind,
            collection=name,
            group=f"{name}:{group}",
            package=package,
            version=version,
            licence=licence,
            source=f"{source_prefix}{file_name}@{start:.2f}",
        )


def tuxpaint_speech(cache: Path, writer: Writer, rng: np.random.Generator) -> None:
    """Tux Paint's spoken stamp descriptions ("A red apple."): 11 languages, read by
    volunteers, one group per language (a language's files share its readers)."""
    package = "tuxpaint-stamps-default"
    root = cache / package
    files = []
    for path in sorted(root.glob("usr/share/tuxpaint/stamps/**/*_desc*.*")):
        match = re.fullmatch(r".+?_desc(?:_([A-Za-z]{2,3}(?:_[A-Za-z]{2})?))?\.(ogg|wav)", path.name)
        if match is None:
            continue
        language = match.group(1) or "en"
        files.append((language, str(path.relative_to(root / "usr/share/tuxpaint/stamps")), path))
    _add_speech(
        cache,
        writer,
        rng,
        name="tuxpaint-stamps-desc",
        package=package,
        licence="GPL-2+",
        kind="read_speech",
        files=files,
        cap=300,
    )


TUXPAINT_STAMP_SOUNDS = NoiseCollection(
    "tuxpaint-stamps-sfx",
    "tuxpaint-stamps-default",
    "GPL-2+",
    tuple(
        f"usr/share/tuxpaint/stamps/{folder}/**/*.ogg"
        for folder in ("animals", "household", "vehicles", "naturalforces", "seasonal/newyears")
    )
    + ("usr/share/tuxpaint/stamps/hobbies/camera*.ogg",),
    cap=200,
    exclude=("_desc",),  # the spoken descriptions are tuxpaint-stamps-desc
)


def _tuxpaint_stamp_kind(name: str) -> str:
    folder = name.split("/stamps/", 1)[-1].split("/", 1)[0]
    return {"animals": "animal", "vehicles": "vehicle", "naturalforces": "weather_water"}.get(
        folder, _noise_kind(name)
    )


def tuxpaint_noise(cache: Path, writer: Writer, rng: np.random.Generator) -> None:
    """Tux Paint's stamp sounds: recorded animal calls (birds, insects, mammals),
    household sounds (washing machine, vacuum cleaner, saw, kettle), a fire truck,
    a bathyscaphe, thunder and fireworks. Music-hobby, seasonal, space, town and
    military stamps are left out (instruments, voices, radio speech)."""
    _add_noise(cache, writer, rng, TUXPAINT_STAMP_SOUNDS, kind_of=_tuxpaint_stamp_kind)


def _dep5_licence(copyright_file: Path):
    """``licence_of(path)`` from a machine-readable Debian copyright file: the
    ``License`` of the last ``Files`` paragraph whose patterns match the path
    (``*`` and ``?`` are wildcards; nothing else is)."""
    import fnmatch

    paragraphs: list[tuple[list[str], str]] = []
    fields: dict[str, str] = {}
    field: str | None = None
    for line in copyright_file.read_text(encoding="utf-8", errors="replace").splitlines() + [""]:
        if not line.strip():
            if "files" in fields and "license" in fields:
                paragraphs.append((fields["files"].split(), fields["license"].splitlines()[0].strip()))
            fields, field = {}, None
        elif line[0] in " \t":
            if field is not None:
                fields[field] += "\n" + line.strip()
        elif ":" in line:
            field, value = line.split(":", 1)
            field = field.strip().lower()
            fields[field] = value.strip()

    def matches(path: str, pattern: str) -> bool:
        return fnmatch.fnmatchcase(path, pattern.replace("[", "[[]"))

    def licence_of(path: str) -> str:
        found = [licence for globs, licence in paragraphs if any(matches(path, g) for g in globs)]
        return found[-1] if found else "see copyright"

    return licence_of


def _zip_sounds(path: Path, wanted) -> list[tuple[str, bytes]]:
    import zipfile

    with zipfile.ZipFile(path) as archive:
        names = sorted(n for n in archive.namelist() if n.endswith((".ogg", ".wav")) and wanted(n))
        return [(n, archive.read(n)) for n in names]


def _kind_by_stem(kinds: dict[str, tuple[str, ...]]):
    """``kind_of`` naming the kind from the file's stem (first fragment that starts it)."""

    def kind_of(name: str) -> str:
        stem = Path(name).stem.lower()
        for kind, stems in kinds.items():
            if stem.startswith(stems):
                return kind
        return _noise_kind(name)

    return kind_of


# UFO:AI: recorded vehicles, weather, water, fire, machinery, breaks, doors and
# footsteps. Voices (soldiers, civilians, aliens), the radio and TV ambiences,
# music, UI sounds, weapons and the tonal alien drones are left out: bursts of
# gunfire are as periodic as a drum pattern, and taught the network to call
# percussive orchestral music Noise.
UFOAI_FOLDERS = ("ugv/diesel", "seq/", "ambience/", "misc/break", "impact/", "doors/", "footsteps/")
UFOAI_EXCLUDE = (
    "radiomessage",
    "tv_news",
    "disco",
    "jingle",
    "droning",
    "alien",
    "hum",
    "bloodspider",
    "city_abnd",
    "ufo_night",
    "sand-city",
    "minepump",
)


def ufoai_noise(cache: Path, writer: Writer, rng: np.random.Generator) -> None:
    """UFO:AI's sound effects (per-file licences from the package's copyright)."""
    package = "ufoai-sound"
    root = cache / package

    def wanted(member: str) -> bool:
        inside = member.removeprefix("sound/")
        return inside.startswith(UFOAI_FOLDERS) and not any(e in inside.lower() for e in UFOAI_EXCLUDE)

    files = _zip_sounds(root / "usr/share/games/ufoai/base/0snd.pk3", wanted)
    licence_of = _dep5_licence(root / "usr/share/doc/ufoai-sound/copyright")
    collection = NoiseCollection("ufoai-noise", package, "per file", (), cap=250)
    by_stem = _kind_by_stem(
        {
            "vehicle": ("diesel", "humanflyby"),
            "animal": ("cricket",),
            "weather_water": ("arcticwind",),
            "machinery": ("wind_turbine", "steam", "lights_loop", "tv_static"),
            "fire": ("smallfire",),
        }
    )
    by_folder = {"footsteps": "footsteps", "doors": "door_object", "impact": "explosion_impact"}

    def kind_of(name: str) -> str:
        folder = name.removeprefix("sound/").split("/", 1)[0]
        return by_folder.get(folder) or ("explosion_impact" if "/break" in name else by_stem(name))

    _add_noise(
        cache,
        writer,
        rng,
        collection,
        kind_of=kind_of,
        files=files,
        licence_of=lambda name: licence_of("base/" + name),
    )


# Packages whose sounds are plain files: the collection, and the kind of each
# file named by its stem (first fragment that starts it; else from its words).
FILE_NOISE_COLLECTIONS: dict[str, tuple[NoiseCollection, dict[str, tuple[str, ...]]]] = {
    # Recorded vehicles (bus, truck, diesel and steam trains, planes, a boat horn,
    # a level crossing), animals, landscape ambiences and machinery.
    "simutrans-noise": (
        NoiseCollection(
            "simutrans-noise",
            "simutrans-pak64",
            "Artistic-1.0",
            ("usr/share/games/simutrans/pak/sound/*.wav",),
            cap=120,
            exclude=("cash", "click", "boing"),
        ),
        {
            "vehicle": ("bus", "truck", "diesel", "steam", "planelow", "comet-jet", "boat-horn", "crossing"),
            "animal": ("horse", "seagulls"),
            "weather_water": ("water", "arctic", "desert", "forest", "tropic"),
            "machinery": ("buzzsaw", "jackhammer", "tree-cutting", "dock"),
        },
    ),
    # Desert and wind ambiences, dog barks and growls, a hawk, fire, footsteps and
    # impacts. Rabbit attack, chitter and pain calls are voiced by people; Console*
    # and Alarm are UI tones.
    "lugaru-noise": (
        NoiseCollection(
            "lugaru-noise",
            "lugaru-data",
            "CC-BY-SA-3.0",
            ("usr/share/games/lugaru/Sounds/*.ogg",),
            cap=120,
            exclude=("rabbit", "console", "alarm"),
        ),
        {
            "animal": ("bark", "growl", "snarl", "hawk"),
            "weather_water": ("desertambient", "wind"),
            "footsteps": ("footstep", "land", "jump", "skid", "snowskid", "bushrustle"),
        },
    ),
    # A car engine recording.
    "stormbaancoureur-noise": (
        NoiseCollection(
            "stormbaancoureur-noise",
            "stormbaancoureur-data",
            "GPL-3",
            ("usr/share/games/stormbaancoureur/sounds/camaro*.wav",),
            cap=20,
        ),
        {"vehicle": ("camaro",)},
    ),
    # Stadium crowd (boos, cheers) and ball kicks; music, referee whistles and
    # beeps are left out.
    "tuxfootball-noise": (
        NoiseCollection(
            "tuxfootball-noise",
            "tuxfootball",
            "GPL-2+",
            tuple(f"usr/share/games/tuxfootball/sound/{name}.wav" for name in ("crowd*", "kick", "bounce")),
            cap=40,
        ),
        {"crowd": ("crowd",)},
    ),
    # Rain, thunder, waterfall, lava, splashes, fire, a saw, an explosion, a door, a
    # key turning and a locked door. Music, speech, jingles and power-up tunes,
    # grunts, the yeti's roar, the howling tree and the phone are not chosen.
    "supertux-noise": (
        NoiseCollection(
            "supertux-noise",
            "supertux-data",
            "GPL-3+",
            tuple(
                f"usr/share/games/supertux2/sounds/{name}"
                for name in (
                    "rain.wav",
                    "thunder.wav",
                    "waterfall.wav",
                    "lava.wav",
                    "splash.*",
                    "fire.ogg",
                    "saw.wav",
                    "explosion.wav",
                    "door.wav",
                    "turnkey.ogg",
                    "locked.ogg",
                )
            ),
            cap=40,
        ),
        {"door_object": ("door", "turnkey", "locked")},
    ),
    # Tux Paint's magic tools: rain, lightning, a tornado, ripples, and chalk, grass,
    # smudge and block strokes. Left out as strongly pitched: waves, foam, fold.ogg and
    # brick; as under 0.15 s: drip and fold.wav; the rainbows, kaleidoscope, pixels,
    # TV and alien tools are not chosen (tonal, musical or synthetic).
    "tuxpaint-magic-noise": (
        NoiseCollection(
            "tuxpaint-magic-noise",
            "tuxpaint-plugins-default",
            "GPL-2+",
            tuple(
                f"usr/share/tuxpaint/sounds/magic/{name}"
                for name in (
                    "rain.ogg",
                    "lightning.ogg",
                    "tornado*.ogg",
                    "ripples.ogg",
                    "chalk.wav",
                    "grass.wav",
                    "smudge.wav",
                    "blocks.wav",
                )
            ),
            cap=30,
        ),
        {
            "weather_water": ("rain", "lightning", "tornado", "ripples"),
            "other_sfx": ("chalk", "grass", "smudge", "blocks"),
        },
    ),
    # A capuchin monkey (capuch_monkey.wav is the same recording 7 dB quieter), a
    # crash, a crash into sand and a machine loop.
    "trackballs-noise": (
        NoiseCollection(
            "trackballs-noise",
            "trackballs-data",
            "GPL-2+",
            tuple(
                f"usr/share/games/trackballs/sfx/{name}.wav"
                for name in ("capuchmonk", "crash", "sandcrash", "machine_loop")
            ),
            cap=10,
        ),
        {
            "animal": ("capuchmonk",),
            "explosion_impact": ("crash", "sandcrash"),
            "machinery": ("machine_loop",),
        },
    ),
    # Billiard balls (struck, racked, on the table, pocketed, off the table) and
    # applause; the crowd's "ooh" (voices), the bomb and the intro are not chosen.
    "foobillardplus-noise": (
        NoiseCollection(
            "foobillardplus-noise",
            "foobillardplus-data",
            "GPL-2",
            tuple(
                f"usr/share/games/foobillardplus/data/{name}.wav"
                for name in (
                    "applause",
                    "smack",
                    "shuffleballs",
                    "oneballontable",
                    "ballinhole",
                    "balloutoftable",
                )
            ),
            cap=20,
        ),
        {
            "crowd": ("applause",),
            "explosion_impact": ("smack", "shuffleballs", "oneball", "ballinhole", "balloutoftable"),
        },
    ),
    # FlightGear's recorded aircraft: piston, turboprop, turbine and jet engines,
    # rotors, starters, tyres on asphalt and gravel, flaps, doors, keys and levers,
    # crashes, wind, rain, thunder and water. Spoken call-outs (tcas, mk-viii, the
    # checklists), the tonal warnings (stall and gear horns, overspeed clacker,
    # 400-Hz avionics hum, beep) and clicks are not chosen, nor whine and wave
    # (unknown sources).
    "flightgear-noise": (
        NoiseCollection(
            "flightgear-noise",
            "flightgear-data-base",
            "GPL-2+",
            (
                "usr/share/games/flightgear/Sounds/*.wav",
                "usr/share/games/flightgear/Aircraft/c172p/Sounds/*.wav",
            ),
            cap=80,
            exclude=(
                "avionics-400hz",
                "beep",
                "gear-hrn",
                "overspeed",
                "stall",
                "whine",
                "checklist",
                "wave.wav",
                "click",
            ),
        ),
        {
            "vehicle": (
                "engine",
                "exhaust",
                "turbine",
                "turbo",
                "jet",
                "prop",
                "rotor",
                "helicopter",
                "blade",
                "p51d",
                "r-1535",
                "starter",
                "cranking",
                "coughing",
                "rumble",
                "rattleroll",
                "tires",
                "wasp",
                "engstart",
                "gear",
                "squeal",
            ),
            # Before weather_water: "window" starts with "wind".
            "door_object": (
                "door",
                "window",
                "glove",
                "gps",
                "keys",
                "lever",
                "primer",
                "trim",
                "rudder",
                "control",
                "flaps",
                "scroll",
            ),
            "weather_water": ("thunder", "rain", "wind", "water"),
            "explosion_impact": ("crash", "damage"),
            "machinery": ("fan", "gyro", "repair", "scratch"),
        },
    ),
}


def _file_noise_builder(name: str):
    collection, kinds = FILE_NOISE_COLLECTIONS[name]

    def build(cache: Path, writer: Writer, rng: np.random.Generator) -> None:
        _add_noise(cache, writer, rng, collection, kind_of=_kind_by_stem(kinds))

    return build


def trigger_rally_noise(cache: Path, writer: Writer, rng: np.random.Generator) -> None:
    """Trigger Rally's car engine, gear change, gravel and wind (the co-driver's
    spoken pace notes are left out). gear, bang, wind and gravel are CC0, the engine
    GPL-2+ (debian/copyright)."""
    package = "trigger-rally-data"
    files = _zip_sounds(
        cache / package / "usr/share/games/trigger-rally/data.zip",
        lambda member: member.startswith("sounds/") and "/codriver/" not in member,
    )
    collection = NoiseCollection("trigger-rally-noise", package, "CC0", (), cap=40)
    kinds = {"vehicle": ("engine", "gear", "gravel"), "weather_water": ("wind",)}
    _add_noise(
        cache,
        writer,
        rng,
        collection,
        kind_of=_kind_by_stem(kinds),
        files=files,
        licence_of=lambda name: "GPL-2+" if name.endswith("engine.wav") else "CC0",
    )


def warzone2100_noise(cache: Path, writer: Writer, rng: np.random.Generator) -> None:
    """Warzone 2100's vehicles (tracks, hover, VTOL take-off and landing, the
    transporter), buildings (oil pump, steam, power generator), explosions and
    ricochets, and its cannon, mortar, rocket, flamer and welding sounds. Machine-gun
    bursts (periodic, like drum patterns), lasers, the gauss gun and the Nexus tower
    (tonal), interface beeps and the screams are left out."""
    package = "warzone2100-data"
    periodic_or_tonal = ("mg", "asltmg", "rapdcan", "hivelcan", "gaussgun", "nxstower")
    folders = {f"audio/sfx/{kind}" for kind in ("vehicle", "building", "explons", "weapons")}

    def wanted(member: str) -> bool:
        folder, _, name = member.rpartition("/")
        return folder in folders and not name.startswith(periodic_or_tonal) and "lsr" not in name

    files = _zip_sounds(cache / package / "usr/share/games/warzone2100/base.wz", wanted)
    collection = NoiseCollection("warzone2100-noise", package, "GPL-2+", (), cap=50)
    kinds = {  # first match wins: bldfall (a building falling) before bld (building sounds)
        "explosion_impact": (
            "atnkexpl",
            "bldfall",
            "lrgexpl",
            "mpodexpl",
            "nxsexpld",
            "smlexpl",
            "richet",
            "squish",
            "rocket",
        ),
        "vehicle": ("con-", "cyber-move", "hov", "tflight", "thover", "tland", "tread", "tstart", "vtol"),
        "machinery": ("oilpump", "powerhum", "powerspk", "steam", "ecmtower", "bld", "build", "weld"),
        "fire": ("freroar", "flmthrow"),
        "weather_water": ("splash",),
    }

    by_stem = _kind_by_stem(kinds)

    def kind_of(name: str) -> str:
        kind = by_stem(name)
        return "explosion_impact" if kind == "other_sfx" and "/weapons/" in name else kind

    _add_noise(cache, writer, rng, collection, kind_of=kind_of, files=files)


# OpenArena: pk3 archives of three packages, in the order the game loads them (a
# later archive's file replaces an earlier one's: the 0.8.8 patch's platform sounds
# replace pak0's).
OPENARENA_ARCHIVES = {  # archive -> package
    "usr/share/games/openarena/baseoa/pak0.pk3": "openarena-data",
    "usr/share/games/openarena/baseoa/pak6-patch088.pk3": "openarena-088-data",
    "usr/share/games/openarena/baseoa/z_oacmp-volume1-v3.pk3": "openarena-oacmp1",
}
# kind -> members under sound/ (a name ending in "/" is a folder). Left out: voices,
# announcer, feedback and teamplay sounds, moans, music, the tonal drones and
# ambiences (world/ambient/x_*, ambience03, curnt2, tim_drone1, 1shot_greg*), growls,
# and, by measurement, the strongly pitched neonhum, energy footsteps and clank4;
# fan.wav is a 0.3-s loop; gig01/waterfall_plus2db_22k is world/waterfall 2 dB louder.
OPENARENA_SOUNDS = {
    "weather_water": (
        "world/wind1",
        "world/wind2",
        "world/drops",
        "world/waterfall",
        "world/demonwind01",
        "world/cf_blubber01",
        "gig01/fountain2_vol2x_44k",
    ),
    "fire": ("world/fire1", "world/fire2", "world/firesoft"),
    "machinery": (
        "world/fan4",
        "world/tim_machine",
        "world/tim_pump",
        "world/machinerydrone01",
        "world/machinerydrone02",
        "movers/plats/",
    ),
    "footsteps": ("player/footsteps/",),
    "door_object": ("movers/doors/",),
}
OPENARENA_EXCLUDE = ("player/footsteps/energy", "player/footsteps/clank4")


def _openarena_path(member: str) -> str:
    """``world/wind1`` of ``sound/world/wind1.wav`` or ``<archive>:sound/world/wind1.wav``."""
    return member.split(":", 1)[-1].removeprefix("sound/").rsplit(".", 1)[0]


def _openarena_matches(path: str, name: str) -> bool:
    return path == name or (name.endswith("/") and path.startswith(name))


def _openarena_kind(member: str) -> str | None:
    """Kind of an OpenArena sound, None if not chosen."""
    path = _openarena_path(member)
    if path.startswith(OPENARENA_EXCLUDE):
        return None
    kinds = (
        kind for kind, names in OPENARENA_SOUNDS.items() for name in names if _openarena_matches(path, name)
    )
    return next(kinds, None)


def openarena_noise(cache: Path, writer: Writer, rng: np.random.Generator) -> None:
    """OpenArena's world sounds (wind, drops, water, fire, machinery), platforms,
    doors and footsteps from the pk3 archives of openarena-data, openarena-088-data
    and openarena-oacmp1, each file from the archive the game takes it from."""
    chosen: dict[str, tuple[str, bytes]] = {}  # member -> (archive, bytes); later wins
    for archive, package in OPENARENA_ARCHIVES.items():
        for member, data in _zip_sounds(cache / package / archive, _openarena_kind):
            chosen[member] = (archive, data)
    found = [_openarena_path(member) for member in chosen]
    missing = [
        name
        for names in OPENARENA_SOUNDS.values()
        for name in names
        if not any(_openarena_matches(path, name) for path in found)
    ]
    if missing:
        raise ValueError(f"not in the pk3 archives: {missing}")
    files = [(f"{Path(archive).name}:{member}", data) for member, (archive, data) in sorted(chosen.items())]
    packages = {Path(archive).name: package for archive, package in OPENARENA_ARCHIVES.items()}
    licences = {
        package: _dep5_licence(cache / package / f"usr/share/doc/{package}/copyright")
        for package in packages.values()
    }

    def package_of(name: str) -> str:
        return packages[name.split(":", 1)[0]]

    def licence_of(name: str) -> str:
        # debian/copyright names a pk3's files "<pk3 name>/<member>" (all sounds GPL-2+).
        pk3, member = name.split(":", 1)
        return licences[packages[pk3]](f"{Path(pk3).stem}/{member}")

    _add_noise(
        cache,
        writer,
        rng,
        NoiseCollection("openarena-noise", "openarena-data", "per file", (), cap=80),
        kind_of=_openarena_kind,
        files=files,
        licence_of=licence_of,
        package_of=package_of,
    )


def menardi_speech(cache: Path, writer: Writer, rng: np.random.Generator) -> None:
    """Italian telephone prompts of another speaker and studio than asterisk-it
    (Paola Dal Zot for Marco Menardi's set), 8 kHz; one speaker, one group."""
    package = "asterisk-prompt-it-menardi-wav"
    root = cache / package / "usr/share/asterisk/sounds/it_IT_f_Menardi"
    files = [("Menardi", str(p.relative_to(root)), p) for p in sorted(root.glob("**/*.wav"))]
    _add_speech(
        cache,
        writer,
        rng,
        name="asterisk-it-menardi",
        package=package,
        licence="CC-BY-SA-3.0",
        kind="telephone_speech",
        files=files,
        cap=200,
    )


ZEROAD_ARCHIVE = "usr/share/games/0ad/mods/public/public.zip"


def _zip_members(path: Path, prefix: str) -> list[tuple[str, bytes]]:
    import zipfile

    with zipfile.ZipFile(path) as archive:
        names = sorted(n for n in archive.namelist() if n.startswith(prefix) and n.endswith(".ogg"))
        return [(n, archive.read(n)) for n in names]


def zeroad_speech(cache: Path, writer: Writer, rng: np.random.Generator) -> None:
    """0 A.D. unit voices in reconstructed Ancient Greek, Latin, Meroitic
    (Napatan) and Old Persian, credited voice actors; one group per language."""
    package = "0ad-data"
    files = [
        (name.split("/")[2], name, data)
        for name, data in _zip_members(cache / package / ZEROAD_ARCHIVE, "audio/voice/")
        if name.split("/")[2] != "global"
    ]
    _add_speech(
        cache,
        writer,
        rng,
        name="0ad-voices",
        package=package,
        licence="CC-BY-SA-3.0",
        kind="game_voice",
        files=files,
        cap=300,
        source_prefix="public.zip:",
    )


def _add_ambient(cache, writer, rng, *, name, package, licence, files, cap, per_file=8):
    """3-5 s windows spread over long ambience loops (``(file name, source)``)."""
    version = _version(cache, package)
    candidates = []
    for file_name, source in files:
        waveform, rate = _decode_any(source)
        waveform = _trim(waveform, rate)
        total = len(waveform) / rate
        if total < 3.0:
            continue
        count = int(min(per_file, max(1, total // 4)))
        seconds = rng.uniform(3.0, 5.0, count)
        for (start, clip), length in zip(_windows(waveform, rate, 5.0, count), seconds, strict=False):
            clip = clip[: int(length * rate)]
            if len(clip) >= 3 * rate * 0.99 and _dbfs(clip) >= SILENT_DBFS:
                candidates.append((_noise_group(file_name), file_name, start, clip, rate))
    chosen = sorted(_balanced(candidates, rng, cap), key=lambda c: (c[1], c[2]))
    print(f"{name}: {len(chosen)} of {len(candidates)} clips from {len(files)} files", file=sys.stderr)
    for group, file_name, start, clip, rate in chosen:
        writer.add(
            clip,
            rate,
            label="Noise",
            kind=_noise_kind(file_name),
            collection=name,
            group=f"{name}:{group}",
            package=package,
            version=version,
            licence=licence,
            source=f"{file_name}@{start:.2f}",
        )


def zeroad_ambient(cache: Path, writer: Writer, rng: np.random.Generator) -> None:
    """0 A.D. ambience loops: rain, wind, snowstorm, thunder, rivers, waves,
    waterfall, temperate/tropical daytime (birds, insects). The building loops
    (farm, port, trade) are left out: they may carry voices."""
    package = "0ad-data"
    files = [
        (name, data)
        for name, data in _zip_members(cache / package / ZEROAD_ARCHIVE, "audio/ambient/")
        if "/building/" not in name
    ]
    _add_ambient(
        cache, writer, rng, name="0ad-ambient", package=package, licence="CC-BY-SA-3.0", files=files, cap=250
    )


def unknown_horizons_ambient(cache: Path, writer: Writer, rng: np.random.Generator) -> None:
    """Unknown Horizons' long workplace loops (lumberjack, sheep field, windmill).
    Chapel, tavern, main square and warehouse are left out (voices, bells)."""
    package = "unknown-horizons"
    root = cache / package / "usr/share/unknown-horizons/content/audio/sounds"
    names = ("lumberjack_long", "sheepfield", "windmill")
    files = [(f"content/audio/sounds/{n}.ogg", root / f"{n}.ogg") for n in names]
    _add_ambient(
        cache,
        writer,
        rng,
        name="unknown-horizons-ambient",
        package=package,
        licence="CC-BY-SA-3.0",
        files=files,
        cap=60,
    )


# --------------------------------------------------------------- GCompris (rcc)
#
# gcompris-qt-data keeps each activity's resources in a Qt resource file
# (usr/share/gcompris-qt/rcc/<activity>.rcc); members are named by their resource
# path (``src/activities/<activity>/resource/...``, as in debian/copyright).

GCOMPRIS = "gcompris-qt-data"
GCOMPRIS_RCC = "usr/share/gcompris-qt/rcc"
GCOMPRIS_COPYRIGHT = "usr/share/doc/gcompris-qt-data/copyright"


def _gcompris_sounds(cache: Path, members: tuple[str, ...]) -> list[tuple[str, bytes]]:
    """The named members (``<activity>/resource/<file>`` under ``src/activities``,
    or ``core/...`` under ``src``), as ``(src/... path, bytes)``; a missing one fails."""
    wanted = {("src/" if m.startswith("core/") else "src/activities/") + m for m in members}
    found = []
    for rcc in sorted({m.split("/", 1)[0] for m in members}):
        found += rcc_sounds(
            cache / GCOMPRIS / GCOMPRIS_RCC / f"{rcc}.rcc",
            lambda name: name.removeprefix("gcompris/") in wanted,
        )
    files = [(name.removeprefix("gcompris/"), data) for name, data in found]
    missing = wanted - {name for name, _ in files}
    if missing:
        raise ValueError(f"not in the rcc files: {sorted(missing)}")
    return files


# Farm animals (explore_farm_animals; dog.ogg is under 1 s) and the dog barks
# and frogs of memory-sound.
GCOMPRIS_ANIMALS = tuple(
    f"explore_farm_animals/resource/animals/{n}.ogg"
    for n in ("cat", "chickens", "cow", "duck", "horse", "owl", "pig", "sheep")
) + tuple(
    f"memory-sound/resource/{n}.ogg"
    for n in ("LRBark_1_LA_cut", "LRBark_3_LA_cut", "LRFrogsInPondDuringStormLACut")
)
# Recorded effects of at least 1 s: lock gates and water (canal_lock, watercycle,
# core), boat, train, helicopter, arrow, coins, and Lionel Allorge's memory-sound
# recordings. Left out: UI sounds (clicks, bonus, win, crash, bleep), sounds
# under 1 s, chronos' space sounds (possible radio voices), watercycle's
# apert.wav, ballcatch's youcannot.wav, mining's sparkle, the GCompris intro
# tune, and memory-sound's guitar notes, gong, ring, heart beat, "weird" sounds
# and LRLaPause_short (music).
GCOMPRIS_SFX: dict[str, tuple[str, ...]] = {  # kind -> members
    "door_object": ("canal_lock/resource/door_open.wav", "canal_lock/resource/door_close.wav"),
    "machinery": ("canal_lock/resource/lock.wav", "money/resource/money2.wav"),
    "weather_water": (
        "canal_lock/resource/water_fill.wav",
        "core/resource/sounds/water.wav",
        "memory-sound/resource/LRRain_in_garden_01_LA_cut.ogg",
    ),
    "vehicle": (
        "watercycle/resource/harbor1.wav",
        "watercycle/resource/harbor2.wav",
        "railroad/resource/sounds/train.wav",
        "guessnumber/resource/helicopter.wav",
        "memory-sound/resource/LRStartAndStopCarEngine1LACut.ogg",
        "memory-sound/resource/LRTrain_slowing_down_01_LA_cut.ogg",
    ),
    "fire": ("memory-sound/resource/LRFireballs_01_LA.ogg",),
    "explosion_impact": (
        "target/resource/arrow.wav",
        "memory-sound/resource/LRHits_01_LA.ogg",
        "memory-sound/resource/LRObject_falling_01_LA.ogg",
        "memory-sound/resource/LRObject_falling_02_LA.ogg",
    ),
    "crowd": ("memory-sound/resource/LRApplauses_1_LA_cut.ogg",),
}


def _gcompris_noise(cache, writer, rng, *, name, members, kind_of, cap):
    licence_of = _dep5_licence(cache / GCOMPRIS / GCOMPRIS_COPYRIGHT)
    collection = NoiseCollection(name, GCOMPRIS, "per file", (), cap=cap)
    files = _gcompris_sounds(cache, members)
    _add_noise(cache, writer, rng, collection, kind_of=kind_of, files=files, licence_of=licence_of)


def gcompris_animals(cache: Path, writer: Writer, rng: np.random.Generator) -> None:
    """GCompris' farm animal calls, dog barks and pond frogs (per-file licences)."""
    _gcompris_noise(
        cache,
        writer,
        rng,
        name="gcompris-animals",
        members=GCOMPRIS_ANIMALS,
        kind_of=lambda _: "animal",
        cap=40,
    )


def gcompris_sfx(cache: Path, writer: Writer, rng: np.random.Generator) -> None:
    """GCompris' recorded effects, kinds from ``GCOMPRIS_SFX`` (per-file licences)."""
    kind_of = {m.rsplit("/", 1)[1]: kind for kind, members in GCOMPRIS_SFX.items() for m in members}
    _gcompris_noise(
        cache,
        writer,
        rng,
        name="gcompris-sfx",
        members=tuple(m for members in GCOMPRIS_SFX.values() for m in members),
        kind_of=lambda name: kind_of[name.rsplit("/", 1)[1]],
        cap=40,
    )


def _gcompris_music(cache, writer, rng, *, name, members, kind_of, licence_of, cap):
    """3-s windows spread over each track (``make_training_table``'s music rule),
    a seeded sample of at most ``cap``; one group per track."""
    version = _version(cache, GCOMPRIS)
    candidates = []
    for member, data in _gcompris_sounds(cache, members):
        waveform, rate = _decode_any(data)
        for start, clip in mtt._clips(waveform, rate, "Music"):
            if mtt._is_audible(clip) and _dbfs(clip) >= SILENT_DBFS:
                candidates.append((member, start, clip, rate))
    keep = sorted(rng.choice(len(candidates), min(cap, len(candidates)), replace=False))
    print(f"{name}: {len(keep)} of {len(candidates)} clips from {len(members)} files", file=sys.stderr)
    for index in keep:
        member, start, clip, rate = candidates[index]
        writer.add(
            clip,
            rate,
            label="Music",
            kind=kind_of(member),
            collection=name,
            group=f"{name}:{Path(member).stem}",
            package=GCOMPRIS,
            version=version,
            licence=licence_of(member),
            source=f"{member}@{start:.2f}",
        )


# explore_world_music: instrumental recordings, with the licences of the
# activity's own README (debian/copyright covers them only by its GPL-3+
# catch-all). Left out: italy.ogg (Caruso singing), mexico.ogg (a mariachi
# national anthem), middleeast.ogg (a Safiye Ayla song) and america.ogg (a
# rock'n'roll track whose vocals could not be ruled out).
GCOMPRIS_WORLD_MUSIC = {  # file -> (kind, licence, what it is)
    "africa": ("mixed_genre", "CC0-1.0", "djembe accompaniment, Michi Henning"),
    "australia": ("mixed_genre", "public-domain", "didgeridoo, Jouke Kooistra and Rob Tol"),
    "beethoven": ("orchestral", "CC0-1.0", "Symphony No. 9, 2nd movement, Drummyfish"),
    "ireland": ("mixed_genre", "CC-BY-3.0", "The Wind that Shakes the Barley, peakfiddler"),
    "japan": ("mixed_genre", "CC0-1.0", "taiko, Scott Harding"),
}


def gcompris_world_music(cache: Path, writer: Writer, rng: np.random.Generator) -> None:
    """GCompris' "explore world music" recordings (instrumental ones only)."""

    def entry(member: str):
        return GCOMPRIS_WORLD_MUSIC[Path(member).stem]

    _gcompris_music(
        cache,
        writer,
        rng,
        name="gcompris-world-music",
        members=tuple(f"explore_world_music/resource/music/{n}.ogg" for n in GCOMPRIS_WORLD_MUSIC),
        kind_of=lambda member: entry(member)[0],
        licence_of=lambda member: entry(member)[1],
        cap=70,
    )


# instruments: short recorded phrases of one melodic instrument each. The
# unpitched or single-stroke percussion (bongo, castanets, cymbal, drum kit,
# maracas, snare drum, tambourine, timpani, triangle) is left out: neither
# clearly music nor noise.
GCOMPRIS_INSTRUMENTS = (
    "accordion",
    "banjo",
    "cello",
    "clarinet",
    "electric_guitar",
    "flute_traversiere",
    "guitar",
    "harmonica",
    "harp",
    "horn",
    "organ",
    "piano",
    "saxophone",
    "trombone",
    "trumpet",
    "tuba",
    "violin",
)


def gcompris_instruments(cache: Path, writer: Writer, rng: np.random.Generator) -> None:
    """GCompris' recorded solo instruments (real recordings, not rendered MIDI)."""
    _gcompris_music(
        cache,
        writer,
        rng,
        name="gcompris-instruments",
        members=tuple(f"instruments/resource/{n}.ogg" for n in GCOMPRIS_INSTRUMENTS),
        kind_of=lambda _: "solo_instrument",
        licence_of=_dep5_licence(cache / GCOMPRIS / GCOMPRIS_COPYRIGHT),
        cap=70,
    )


# GCompris collections -> (builder, package); part of MORE_BUILDERS
GCOMPRIS_BUILDERS = {
    "gcompris-animals": (gcompris_animals, GCOMPRIS),
    "gcompris-sfx": (gcompris_sfx, GCOMPRIS),
    "gcompris-world-music": (gcompris_world_music, GCOMPRIS),
    "gcompris-instruments": (gcompris_instruments, GCOMPRIS),
}


# ----------------------------------------------------------- OpenClonk (C4Group)

OPENCLONK = "openclonk-data"
OPENCLONK_SOUNDS = "usr/share/games/openclonk/Sound.ocg"
# (pattern on the member path, kind or None to leave out); the first match wins.
# Left out: voices (the Clonk skins, singing included, breathing, munching, a
# group's battle cry), grabbing sounds under 0.1 s, fictional creatures voiced by
# people (Mooq, Puka, Chippie, Monster, and the fish's munch made from a human
# one), and the interface's fanfares and clicks. In the weapons' folders, shots,
# throws, swings and handling (clicks, drawing, loading) are told apart from
# hits by name: a shot is "Shoot<n>", except a gun's "GunShoot<n>", a hit.
OPENCLONK_KINDS: tuple[tuple[str, str | None], ...] = (
    (
        r"^UI\.ocg/|^Clonk\.ocg/Skin\.ocg/|^Clonk\.ocg/Action\.ocg/(Breathing|GroupAttack|Munch|Grab|UnGrab)",
        None,
    ),
    (r"^Animals\.ocg/(Mooq|Puka|Chippie|Monster|Fish)\.ocg/", None),
    (r"^Animals\.ocg/LavaCore", "other_sfx"),
    (r"^Animals\.ocg/|^Environment\.ocg/BirdsLoop", "animal"),
    (r"^Environment\.ocg/(WindLoop|Waterfall|Lightning)|^Liquids\.ocg/|DivingLoop", "weather_water"),
    (r"^Environment\.ocg/(Disasters|Tree)\.ocg/", "explosion_impact"),
    (r"^Fire\.ocg/(Fire|Fuse|Inflame|Smoke|Spark|Blowout|Fireball)", "fire"),
    (
        r"^Fire\.ocg/|^Hits\.ocg/(?!.*WoodCreak)|PlaneCrash|Weapons\.ocg/(?!.*((?<!Gun)Shoot\d|Throw\d|WeaponSwing|Click|Draw|Load|GetArrow|PutAway))",
        "explosion_impact",
    ),
    (r"^Clonk\.ocg/Movement\.ocg/", "footsteps"),
    (r"PropellerLoop", "vehicle"),
    (
        r"^Objects\.ocg/Electrical|^Structures\.ocg/(Elevator|FanLoop|Furnace|Pumpjack|SawmillRipcut|SteamEngine|WheelsTurn|Repair|FinishBuilding)",
        "machinery",
    ),
    (
        r"WoodCreak|Click|Draw|Load|GetArrow|PutAway|^Objects\.ocg/(Lorry|WallKit|Catapult_Launch|Connect)|^Structures\.ocg/(?!EjectionPop)",
        "door_object",
    ),
    (
        r"^Objects\.ocg/(Arrow\.ocg/HitGround|Balloon\.ocg/Pop|Boompack\.ocg/Launch|Clonk|DiamondDigOut|Pickaxe\.ocg/)",
        "explosion_impact",
    ),
    (r".", "other_sfx"),
)
# Sound.ocg/authors.txt: these are CC0; everything else is CC-BY-3.0. (It names
# "LiquidBlast1", taken to be Fire.ocg/BlastLiquid1, the only such file.)
OPENCLONK_CC0 = (
    r"Balloon\.ocg/Pop|Hits\.ocg/(SoftTouch\d|SoftHit2|GeneralHit\d)|Metal\.ocg/DullMetalHit\d|"
    r"Wood\.ocg/DullWoodHit2|Glass\.ocg/GlassHit\d|Catapult_Launch|Fire\.ocg/BlastLiquid1|Rock\.ocg/RockHit\d|"
    r"Fire\.ocg/Fuse|LightMetalHit2|Disasters\.ocg/Earthquake\.|WoodCreak\d|Liquids\.ocg/Boiling|"
    r"Fire\.ocg/Blowout|Structures\.ocg/SteamEngine|Structures\.ocg/Pumpjack|MosquitoBuzz|Furnace\.ocg/|"
    r"SawmillRipcut|LavaCore\.ocg/Fossilize"
)


def _openclonk_kind(member: str) -> str | None:
    return next(kind for pattern, kind in OPENCLONK_KINDS if re.search(pattern, member))


def openclonk_noise(cache: Path, writer: Writer, rng: np.random.Generator) -> None:
    """OpenClonk's recorded effects and ambiences from its C4Group sound archive
    (animals, rain, wind, thunder, water, fire, machines, a propeller, footsteps,
    doors and impacts); authors per file in ``Sound.ocg/authors.txt``."""
    files = [
        (member, data)
        for member, data in c4group_members(cache / OPENCLONK / OPENCLONK_SOUNDS)
        if member.lower().endswith((".ogg", ".wav")) and _openclonk_kind(member)
    ]
    _add_noise(
        cache,
        writer,
        rng,
        NoiseCollection("openclonk-noise", OPENCLONK, "per file", (), cap=250),
        kind_of=_openclonk_kind,
        files=files,
        licence_of=lambda member: "CC0-1.0" if re.search(OPENCLONK_CC0, member) else "CC-BY-3.0",
    )


# collection -> (builder, package or packages)
MORE_BUILDERS = {
    "tuxpaint-stamps-desc": (tuxpaint_speech, "tuxpaint-stamps-default"),
    "0ad-voices": (zeroad_speech, "0ad-data"),
    "asterisk-it-menardi": (menardi_speech, "asterisk-prompt-it-menardi-wav"),
    "0ad-ambient": (zeroad_ambient, "0ad-data"),
    "unknown-horizons-ambient": (unknown_horizons_ambient, "unknown-horizons"),
    "tuxpaint-stamps-sfx": (tuxpaint_noise, "tuxpaint-stamps-default"),
    "ufoai-noise": (ufoai_noise, "ufoai-sound"),
    "trigger-rally-noise": (trigger_rally_noise, "trigger-rally-data"),
    "warzone2100-noise": (warzone2100_noise, "warzone2100-data"),
    **{
        name: (_file_noise_builder(name), FILE_NOISE_COLLECTIONS[name][0].package)
        for name in FILE_NOISE_COLLECTIONS
    },
    **GCOMPRIS_BUILDERS,
    "openclonk-noise": (openclonk_noise, OPENCLONK),
    "openarena-noise": (openarena_noise, tuple(OPENARENA_ARCHIVES.values())),
}


def _packages(name: str) -> tuple[str, ...]:
    """The packages an added collection is built from."""
    packages = MORE_BUILDERS[name][1]
    return (packages,) if isinstance(packages, str) else tuple(packages)


MORE_PACKAGES = tuple(sorted({package for name in MORE_BUILDERS for package in _packages(name)}))


def _more_rng(name: str) -> np.random.Generator:
    """One seeded generator per added collection: the same clips whichever run builds it."""
    import zlib

    return np.random.default_rng([SEED, zlib.crc32(name.encode())])


def more(cache: Path, writer: Writer, names) -> None:
    for name in names:
        assert not RESERVED_PACKAGES & set(_packages(name))
        MORE_BUILDERS[name][0](cache, writer, _more_rng(name))


def append_only(cache: Path, out: Path, names) -> pd.DataFrame:
    """Build just the named added collections and append their rows to
    ``out/manifest.csv``; rows and clips of a collection built before are replaced."""
    import shutil

    path = out / "manifest.csv"
    manifest = pd.read_csv(path, keep_default_na=False) if path.exists() else pd.DataFrame()
    if len(manifest):
        manifest = manifest[~manifest["collection"].isin(names)]
    for name in names:
        shutil.rmtree(out / "clips" / name, ignore_errors=True)
    writer = Writer(out)
    more(cache, writer, names)
    added = pd.DataFrame(writer.rows)
    manifest = pd.concat([manifest, added], ignore_index=True)
    assert not manifest["package"].isin(RESERVED_PACKAGES).any()
    assert not manifest["path"].duplicated().any()
    manifest.to_csv(path, index=False)
    return manifest


def provenance(manifest: pd.DataFrame, out: Path) -> str:
    table = (
        manifest.groupby(["collection", "label", "kind", "package", "version", "licence"], dropna=False)
        .agg(clips=("path", "size"), synthesized=("synthesized", "any"), seconds=("seconds", "sum"))
        .reset_index()
        .sort_values(["label", "collection", "kind"])
    )
    table["seconds"] = table["seconds"].round(0).astype(int)
    lines = [
        "# Audio corpus: provenance",
        "",
        f"{len(manifest)} clips, 22050 Hz mono 16-bit WAV, written by "
        "`scripts/make_audio_corpus.py`. Labels: "
        + ", ".join(f"{k} {v}" for k, v in manifest["label"].value_counts().items())
        + ". Every clip's package, version and licence is in `manifest.csv`; a licence "
        "given per file inside a package (e.g. OpenSFX) is recorded per clip.",
        "",
        "`synthesized` clips are rendered MIDI, mixtures or edited windows (see "
        "`augmentation`). Mixtures (`speech_over_music`) belong to the speech clip's "
        "collection and group; `music_collection`/`music_group` name the bed, so a "
        "held-out music collection can be kept out of training mixtures too.",
        "",
        "Never used: the reserved packages fillets-ng-data, fillets-ng-data-nl, freedroidrpg-data.",
        "",
        "| collection | label | kind | package | version | licence | clips | seconds | synthesized |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in table.itertuples(index=False):
        licence = str(r.licence) if len(str(r.licence)) < 70 else "per sound (see manifest)"
        lines.append(
            f"| {r.collection} | {r.label} | {r.kind} | {r.package} | {r.version} | "
            f"{licence} | {r.clips} | {r.seconds} | {r.synthesized} |"
        )
    text = "\n".join(lines) + "\n"
    (out / "PROVENANCE.md").write_text(text)
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cache", type=Path, help="folder with the unpacked packages")
    parser.add_argument("out", type=Path, help="output folder (clips/, manifest.csv)")
    parser.add_argument("--download", action="store_true", help="fetch missing packages first")
    parser.add_argument(
        "--only",
        nargs="+",
        choices=sorted(MORE_BUILDERS),
        metavar="NAME",
        help="build just these added collections and append them to OUT/manifest.csv "
        f"(choices: {', '.join(sorted(MORE_BUILDERS))})",
    )
    args = parser.parse_args(argv)
    if args.download:
        download(args.cache, {p for n in args.only for p in _packages(n)} if args.only else None)
    args.out.mkdir(parents=True, exist_ok=True)
    if args.only:
        manifest = append_only(args.cache, args.out, args.only)
        print(provenance(manifest, args.out))
        return 0
    writer = Writer(args.out)
    rng = np.random.default_rng(SEED)
    pool = existing(args.cache, writer)
    noise(args.cache, writer, rng)
    sung(args.cache, writer, rng)
    solo_instrument(args.cache, writer, rng)
    speech_over_music(writer, pool, rng)
    music_with_silence(args.cache, writer, pool, rng)
    more(args.cache, writer, MORE_BUILDERS)
    manifest = pd.DataFrame(writer.rows)
    assert not manifest["package"].isin(RESERVED_PACKAGES).any()
    manifest.to_csv(args.out / "manifest.csv", index=False)
    text = provenance(manifest, args.out)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
