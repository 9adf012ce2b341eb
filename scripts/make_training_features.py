"""Extract the training feature table of the shipped model from the audio corpus.

Input: the corpus that ``scripts/make_audio_corpus.py`` writes (clips plus
``manifest.csv`` with label, kind, collection, group, package, version, licence,
whether the clip is synthesised, and its augmentation). Output:
``sklearn_speechmusic/data/training_features.csv.gz`` (the demo's table layout:
``Filename``, ``Label``, one column per feature) and ``training_sources.csv.gz``
(per row: kind, collection, group, package and version, licence, synthesised,
augmentation, seconds, and the music bed's collection for speech over music).
Only features go into the repository, never audio.

Every sounding clip is also passed once through a simulated other recording chain
(``make_training_table._augment``: telephone band, noise at 10-30 dB SNR, low-pass or
room reverberation); the copy keeps its original's collection and group.

Silence is made here, not recorded: the ``Silence`` class holds digital silence, DC
offsets, dither at -100 to -70 dBFS, and real corpus clips of every class turned down
to a peak frame level of -95 to -62 dBFS (a quiet room, a pause between items). The
network tells them apart by ``level_dbfs``, the one feature that is not
level-invariant; ``scripts/train_pretrained.py`` varies the level of the other
classes' rows so that it does not learn anything else from it.

Run from the repository root: ``python scripts/make_training_features.py CORPUS``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from sklearn_speechmusic import AudioFeatureExtractor

ROOT = Path(__file__).resolve().parents[1]
OUTPUT = ROOT / "sklearn_speechmusic" / "data"
RATE = 22050
SEED = 0
SILENCE_SECONDS = 3.0
N_SILENCE = {"digital_silence": 30, "dc_offset": 60, "dither": 150, "quiet_recording": 360}


def _silence_clips(manifest: pd.DataFrame, corpus: Path, rng: np.random.RandomState):
    """(name, waveform, kind, group, source row or None) of every synthetic silence clip."""
    import soundfile as sf

    n = int(SILENCE_SECONDS * RATE)
    for index in range(N_SILENCE["digital_silence"]):
        yield f"silence/digital_{index:03d}", np.zeros(n), "digital_silence", "silence:digital", None
    for index in range(N_SILENCE["dc_offset"]):
        level = rng.choice([-1, 1]) * 10 ** rng.uniform(-4, -0.3)
        yield f"silence/dc_{index:03d}", np.full(n, level), "dc_offset", "silence:dc", None
    for index in range(N_SILENCE["dither"]):
        noise = rng.standard_normal(n)
        if index % 2:  # pink-ish: integrate white noise, remove the drift
            noise = np.cumsum(noise)
            noise -= np.convolve(noise, np.ones(2205) / 2205, mode="same")
        noise *= 10 ** (rng.uniform(-100, -70) / 20) / np.sqrt(np.mean(noise**2))
        yield f"silence/dither_{index:03d}", noise, "dither", "silence:dither", None
    originals = manifest[manifest["augmentation"].astype(str) == "none"]
    for index, row in enumerate(
        originals.sample(N_SILENCE["quiet_recording"], random_state=SEED).itertuples()
    ):
        audio, rate = sf.read(corpus / row.path, dtype="float64", always_2d=True)
        audio = audio.mean(axis=1)
        frames = audio[: len(audio) // 512 * 512].reshape(-1, 512)
        peak_db = 10 * np.log10(max(np.max(np.mean(frames**2, axis=1)), 1e-30))
        gain_db = rng.uniform(-95, -62) - peak_db
        yield (
            f"silence/quiet_{index:03d}",
            audio * 10 ** (gain_db / 20),
            "quiet_recording",
            f"silence:quiet:{row.collection}",
            row,
        )


def _augmented_copies(manifest: pd.DataFrame, corpus: Path, sources: pd.DataFrame):
    """One copy of every clip through another recording chain, and the copies' source rows."""
    import soundfile as sf
    from make_training_table import _augment

    rng = np.random.default_rng(SEED)
    copies, rows = [], []
    for index, path in enumerate(manifest["path"]):
        audio, rate = sf.read(corpus / path, dtype="float32", always_2d=True)
        chain, waveform, rate = _augment(audio.mean(axis=1), rate, rng)
        copies.append((waveform, rate))
        row = sources.iloc[index].to_dict()
        row.update(
            Filename=f"{path}+{chain}",
            Augmentation=chain if row["Augmentation"] == "none" else f"{row['Augmentation']}+{chain}",
        )
        rows.append(row)
    return copies, rows


def describe(sources: pd.DataFrame) -> str:
    """``TRAINING.md``: what the table holds, one row per collection, with package and licence."""
    originals = sources[~sources["Filename"].str.contains(r"\+(?:telephone|noise|lowpass|reverb)$")]
    counts = originals["Label"].value_counts()
    quiet_copy = originals["Collection"].str.startswith("silence-quiet-")
    lines = [
        "Training corpus of the shipped model (features only)",
        "=" * 52,
        "",
        f"The feature table behind ``load_pretrained()``: {len(originals)} clips "
        f"({', '.join(f'{label} {count}' for label, count in counts.items())}) from "
        f"{originals.loc[~quiet_copy, 'Collection'].nunique()} collections of Debian packages "
        f"({originals['Collection'].nunique()} values of ``collections``: each source's clips turned "
        "down into Silence are a collection of their own, ``silence-quiet-<source>``, held out with "
        "their source),",
        f"each described by the {len(AudioFeatureExtractor().get_feature_names_out())} features of "
        "``AudioFeatureExtractor``,",
        "plus one copy of every sounding clip through a simulated other recording chain "
        f"({len(sources)} rows).",
        "No audio is shipped, only features derived from it. Clips come from Debian packages",
        "(never the reserved ``fillets-ng-data``, ``fillets-ng-data-nl`` and ``freedroidrpg-data``);",
        "``synthesized`` clips are soundfont renderings of MIDI files, speech mixed over a music bed",
        "of another collection at 6-20 dB, music windows edited to open with silence or fade, and",
        "the Silence class (digital silence, DC, dither, real clips turned down below -60 dBFS).",
        "Every row's package, version and licence is in ``load_training_data().sources``.",
        "Made by ``scripts/make_audio_corpus.py`` (audio) and ``scripts/make_training_features.py``.",
        "",
        "| collection | label | kinds (clips) | package | licence |",
        "|---|---|---|---|---|",
    ]
    for collection, group in originals.groupby(["Label", "Collection"]):
        kinds = ", ".join(f"{kind} ({n})" for kind, n in group["Kind"].value_counts().items())
        packages = ", ".join(sorted(set(group["Package"])))
        licences = " / ".join(sorted(set(group["Licence"])))
        lines.append(f"| {collection[1]} | {collection[0]} | {kinds} | {packages} | {licences} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("corpus", type=Path, help="folder with manifest.csv and the clips")
    parser.add_argument("--n-jobs", type=int, default=2)
    args = parser.parse_args(argv)
    manifest = pd.read_csv(args.corpus / "manifest.csv", keep_default_na=False)
    rng = np.random.RandomState(SEED)

    sources = pd.DataFrame(
        {
            "Filename": manifest["path"],
            "Label": manifest["label"],
            "Kind": manifest["kind"],
            "Collection": manifest["collection"],
            "Group": manifest["group"],
            "Package": manifest["package"] + " " + manifest["version"].astype(str),
            "Licence": manifest["licence"],
            "Synthesized": manifest["synthesized"].astype(str) == "True",
            "Augmentation": manifest["augmentation"],
            "Seconds": manifest["seconds"],
            # Speech over a music bed: the bed's collection, held out with it in evaluations
            # (for quiet copies made into Silence below: their source collection).
            "BedCollection": manifest["music_collection"],
        }
    )
    clips: list = [str(args.corpus / path) for path in manifest["path"]]
    silence_rows = []
    for name, waveform, kind, group, source in _silence_clips(manifest, args.corpus, rng):
        clips.append((waveform, RATE))
        silence_rows.append(
            {
                "Filename": name,
                "Label": "Silence",
                "Kind": kind,
                # A quiet copy belongs with its source collection in held-out evaluations.
                "Collection": "silence-synthetic" if source is None else f"silence-quiet-{source.collection}",
                "Group": group,
                "Package": "synthetic" if source is None else f"{source.package} {source.version}",
                "Licence": "CC0-1.0" if source is None else source.licence,
                "Synthesized": True,
                "Augmentation": "none",
                "Seconds": len(waveform) / RATE,
                "BedCollection": "" if source is None else source.collection,
            }
        )
    sources = pd.concat([sources, pd.DataFrame(silence_rows)], ignore_index=True)
    extractor = AudioFeatureExtractor(n_jobs=args.n_jobs, on_error="skip", progress=True)
    features = pd.DataFrame(extractor.fit_transform(clips), columns=extractor.get_feature_names_out())
    copies, copy_rows = _augmented_copies(manifest, args.corpus, sources)
    copy_features = pd.DataFrame(extractor.fit_transform(copies), columns=features.columns)
    sources = pd.concat([sources, pd.DataFrame(copy_rows)], ignore_index=True)
    features = pd.concat([features, copy_features], ignore_index=True)
    keep = features.notna().all(axis=1).to_numpy()
    print(f"{(~keep).sum()} clips could not be read and are left out", file=sys.stderr)
    table = pd.concat([sources[["Filename", "Label"]], features], axis=1)[keep]
    table.to_csv(OUTPUT / "training_features.csv.gz", index=False, float_format="%.7g")
    sources[keep].to_csv(OUTPUT / "training_sources.csv.gz", index=False)
    (OUTPUT / "TRAINING.md").write_text(describe(sources[keep]), encoding="utf-8")
    print(table.groupby("Label").size().to_string())
    return 0


if __name__ == "__main__":
    sys.exit(main())
