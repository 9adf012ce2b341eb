"""
==========
Quickstart
==========

The demo's workflow on the bundled real recordings: load the feature table,
hold out whole game levels and music tracks, train the demo's network, look at
its training curves, then use the model that ships already trained.
"""

# %%
# The bundled feature table
# -------------------------
# 598 real clips (Czech voice acting, orchestral game music) described by the
# 66 features of :class:`~sklearn_speechmusic.AudioFeatureExtractor`.
from sklearn.model_selection import GroupShuffleSplit

from sklearn_speechmusic import load_demo

demo = load_demo()
print(demo.data.shape, demo.target.value_counts().to_dict())

# Clips of one level or track are not independent: split by group.
splitter = GroupShuffleSplit(test_size=0.25, random_state=0)
train, test = next(splitter.split(demo.data, groups=demo.groups))
X_train, X_test = demo.data.iloc[train], demo.data.iloc[test]
y_train, y_test = demo.target.iloc[train], demo.target.iloc[test]

# %%
# Train the demo's network
# ------------------------
# Dense 64 → 512 → 128 → 128 → 64 → softmax, Adam, 20 epochs, batch 32,
# behind a StandardScaler. The 20 % validation hold-out takes whole levels and
# tracks too (``classifier__groups``), so the validation curve measures
# generalisation to recordings the network never saw.
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_speechmusic import SpeechMusicClassifier

model = Pipeline(
    [
        ("scale", StandardScaler()),
        ("classifier", SpeechMusicClassifier(random_state=0)),
    ]
)
model.fit(X_train, y_train, classifier__groups=demo.groups.iloc[train])
accuracy = model.score(X_test, y_test)
print(
    f"accuracy on {len(test)} clips of unseen levels and tracks: {accuracy:.3f}"
)

# %%
# Training and validation loss
# ----------------------------
import matplotlib.pyplot as plt

from sklearn_speechmusic import TrainingHistoryDisplay

TrainingHistoryDisplay.from_estimator(model, metric="loss")
plt.show()

# %%
# Training and validation accuracy
# --------------------------------
TrainingHistoryDisplay.from_estimator(model, metric="accuracy")
plt.show()

# %%
# The pretrained model
# --------------------
# :func:`~sklearn_speechmusic.load_pretrained` returns the recommended audio
# pipeline trained on 65 collections of speech, music, noise and silence. It
# takes audio file paths or ``(waveform, sample_rate)`` pairs; here, three
# seconds of a synthetic chord.
import numpy as np

from sklearn_speechmusic import load_pretrained

rate = 22050
t = np.arange(3 * rate) / rate
chord = sum(np.sin(2 * np.pi * f * t) for f in (262, 330, 392))
pretrained = load_pretrained()
print(pretrained.predict([(chord, rate)]))
print(pretrained.predict_proba([(chord, rate)]).round(3))

# sphinx_gallery_thumbnail_number = 2
