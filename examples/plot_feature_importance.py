"""
================================
What does the network listen to?
================================

A dense network is not read by looking at its weights. It can be read by what
it loses when it is denied a cue: shuffle one feature's column across the
clips, so that the feature no longer goes with its clip, and measure how much
worse the model predicts. :class:`~sklearn_speechmusic.FeatureImportanceDisplay`
does this for every named feature (scikit-learn's permutation importance) and
groups the features by the physics they measure.

Three physical differences between speech and music are behind the features:

* **Syllabic rhythm.** Speech switches its energy on and off about four times
  a second, once per syllable; music's envelope rarely has that 4 Hz beat.
  (``modulation_4hz_*``, and ``low_energy_share``: the pauses between words.)
* **Held partials.** A sung or played note holds its harmonics at fixed
  frequencies for hundreds of milliseconds; speech glides from one formant
  to the next. (``tonal_persistence*``.)
* **The flux of onsets.** The short-time spectrum of speech changes in bursts,
  at every consonant; music changes at note onsets, more regularly.
  (``spectral_flux_*``.)
"""

# %%
# The demo's network, tested on recordings it never saw
# -----------------------------------------------------
# Whole game levels and music tracks are held out for testing, and the
# network's own validation hold-out takes whole recordings too.
import matplotlib.pyplot as plt
import pandas as pd
from sklearn.model_selection import GroupShuffleSplit
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_speechmusic import SpeechMusicClassifier, load_demo

demo = load_demo()
splitter = GroupShuffleSplit(test_size=0.3, random_state=0)
train, test = next(splitter.split(demo.data, groups=demo.groups))
X_train, X_test = demo.data.iloc[train], demo.data.iloc[test]
y_train, y_test = demo.target.iloc[train], demo.target.iloc[test]

model = Pipeline(
    [
        ("scale", StandardScaler()),
        ("classifier", SpeechMusicClassifier(random_state=0)),
    ]
)
model.fit(X_train, y_train, classifier__groups=demo.groups.iloc[train])
print(
    f"accuracy on {len(test)} held-out clips: {model.score(X_test, y_test):.3f}"
)

# %%
# Permutation importance, grouped by family
# -----------------------------------------
# Accuracy is nearly perfect, so shuffling one feature rarely flips a label;
# the log-loss also sees the network becoming less sure, and so measures
# reliance on a feature even where the decision survives.
from sklearn_speechmusic import FeatureImportanceDisplay

display = FeatureImportanceDisplay.from_estimator(
    model,
    X_test,
    y_test,
    scoring="neg_log_loss",
    n_repeats=3,
    random_state=0,
    max_features=15,
)
plt.show()

# %%
# On recordings it never saw, the network leans most on the MFCC statistics.
# They describe the same physics in another coordinate system: the means give
# the spectral envelope (timbre, the formant region of a voice), the spreads
# say how much that envelope moves (speech articulates, held notes do not), and
# the spreads of their frame-to-frame change follow the rate of articulation,
# which is the syllabic rhythm and the flux of onsets again.
#
# Summed per family, over all 66 features. A family of many correlated features
# (39 MFCC statistics) shares its weight among them, so each member looks less
# important than the family is; shuffling one feature of a redundant pair costs
# little, because the other still carries the cue.
summary = pd.DataFrame(
    {
        "family": display.feature_families_,
        "importance": display.importances.mean(axis=1),
    }
)
summary = summary.groupby("family")["importance"].agg(["sum", "count"])
print(summary.sort_values("sum", ascending=False).round(4))

# %%
# Negative importances: shuffling these features makes the held-out
# predictions *better*. The overall level of a clip (``rms_db_mean``, and
# ``mfcc_0_mean``, the log energy) is among them: how loud a track was
# mastered or a voice recorded is a property of the recording chain, not of
# speech or music, and a network that learned it from the training recordings
# is misled on new ones. A level-independent feature set is one way to a model
# that generalises better.
mean_importance = pd.Series(
    display.importances.mean(axis=1), index=display.feature_names
)
print(mean_importance.sort_values().head(6).round(4))

# %%
# What the top features measure
# -----------------------------
# :meth:`~sklearn_speechmusic.AudioFeatureExtractor.describe_features` says
# what each column is, in physical terms.
from sklearn_speechmusic import AudioFeatureExtractor

descriptions = AudioFeatureExtractor().describe_features()
for name in display.shown_features_[:6]:
    print(f"{name:24s} {descriptions[name]}")

# %%
# The physics, seen in the data
# -----------------------------
# One feature of each physical cue, per class, on all 598 clips: speech has the
# stronger 4 Hz envelope, music holds its partials far longer, and speech's
# spectrum changes in bursts (a higher variance of the flux).
cues = {
    "modulation_4hz_ratio": "Syllabic rhythm\n(4 Hz modulation ratio)",
    "tonal_persistence_long": "Held partials\n(long tonal persistence)",
    "spectral_flux_var": "Flux of onsets\n(spectral flux variance)",
}
fig, axes = plt.subplots(1, len(cues), figsize=(9, 3))
for ax, (name, title) in zip(axes, cues.items(), strict=True):
    values = [
        demo.data.loc[demo.target == label, name]
        for label in ("Speech", "Music")
    ]
    ax.boxplot(values, tick_labels=["Speech", "Music"], showfliers=False)
    ax.set_title(title, loc="left")
fig.tight_layout()
plt.show()

# sphinx_gallery_thumbnail_number = 1
