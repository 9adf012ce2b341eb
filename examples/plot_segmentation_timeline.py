"""
================================================
A speech/music timeline of a longer recording
================================================

:class:`~sklearn_speechmusic.SpeechMusicSegmenter` slides a window over a
recording, classifies each window, smooths the labels and merges them into
segments; :class:`~sklearn_speechmusic.SegmentationDisplay` draws the result.
The recording here is stitched from real clips in the repository: Czech speech
and two excerpts of CaveExpress music, with a pause of silence.
"""

# %%
from pathlib import Path

import numpy as np
import soundfile

try:
    here = Path(__file__).resolve().parent
except NameError:  # run interactively
    here = Path.cwd()
data = here.parent / "tests" / "data"
speech = [
    soundfile.read(path, dtype="float32")[0]
    for path in sorted((data / "audio" / "Speech").glob("*.ogg"))
]
music = [
    soundfile.read(path, dtype="float32")[0]
    for path in sorted((data / "long_audio").glob("*.ogg"))
]
rate = 22050
silence = np.zeros(6 * rate, dtype=np.float32)
recording = np.concatenate(
    [*speech[:3], music[0], silence, *speech[3:], music[1]]
)
print(f"{len(recording) / rate:.1f} s of audio")

# %%
# Segment it with the packaged model
from sklearn_speechmusic import SegmentationDisplay, SpeechMusicSegmenter

segmenter = SpeechMusicSegmenter()
segments = segmenter.segment((recording, rate))
print(segments)

# %%
# The timeline: level per window and a band per segment
import matplotlib.pyplot as plt

display = SegmentationDisplay.from_estimator(
    segmenter, (recording, rate), title="Stitched recording"
)
plt.show()

# sphinx_gallery_thumbnail_number = 1
