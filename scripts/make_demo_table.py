"""Regenerate the bundled demo feature table from the shared real clips.

Reads ``../shared/data/speech_music/manifest.csv`` (300 Czech voice-acting lines,
300 orchestral music windows; GPL-2+, see that folder's PROVENANCE.md), extracts
features with the package's own ``AudioFeatureExtractor`` and writes

* ``sklearn_speechmusic/data/demo_features.csv`` — the demo's "MasterData.csv"
  format: ``Filename``, ``Label``, feature columns;
* ``sklearn_speechmusic/data/demo_sources.csv`` — ``Filename``, ``Source`` (game
  level or music track, for group splits), ``Seconds``.

Run from the repository root: ``python scripts/make_demo_table.py``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

from sklearn_speechmusic import extract_feature_table

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data" / "speech_music"
OUTPUT = ROOT / "sklearn_speechmusic" / "data"


def main() -> int:
    # The shared manifest lists two music windows twice; one row per recording.
    manifest = pd.read_csv(SHARED / "manifest.csv").drop_duplicates("path").reset_index(drop=True)
    table = extract_feature_table(
        [SHARED / path for path in manifest["path"]], manifest["label"], n_jobs=2, progress=True
    )
    table["Filename"] = manifest["path"]
    table.to_csv(OUTPUT / "demo_features.csv", index=False, float_format="%.8g")
    sources = pd.DataFrame(
        {"Filename": manifest["path"], "Source": manifest["source"], "Seconds": manifest["seconds"]}
    )
    sources.to_csv(OUTPUT / "demo_sources.csv", index=False)
    print(f"wrote {len(table)} rows × {table.shape[1] - 2} features to {OUTPUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
