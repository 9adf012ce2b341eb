"""
=======================================
Grid search over the network's shape
=======================================

:class:`~sklearn_speechmusic.SpeechMusicClassifier` is an ordinary scikit-learn
estimator, so ``GridSearchCV`` can tune its layers and learning rate through a
Pipeline (``step__parameter`` names). Folds are grouped by game level or music
track, so every score is on recordings the candidate never saw.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.model_selection import GridSearchCV, GroupKFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_speechmusic import SpeechMusicClassifier, load_demo

demo = load_demo()
pipeline = Pipeline(
    [
        ("scale", StandardScaler()),
        ("network", SpeechMusicClassifier(epochs=10, random_state=0)),
    ]
)
grid = {
    "network__hidden_layer_sizes": [(32,), (64, 32), (64, 512, 128, 128, 64)],
    "network__learning_rate": [1e-3, 1e-2],
}
search = GridSearchCV(pipeline, grid, cv=GroupKFold(3))
search.fit(demo.data, demo.target, groups=demo.groups)
print("best:", search.best_params_, f"{search.best_score_:.3f}")

# %%
# Grouped-CV accuracy of every candidate: mean and spread over the 3 folds
results = pd.DataFrame(search.cv_results_)
layer_sizes = results["param_network__hidden_layer_sizes"]
results["Hidden layers"] = [
    " → ".join(map(str, sizes)) for sizes in layer_sizes
]
results["Learning rate"] = results["param_network__learning_rate"].astype(float)
mean = results.pivot(
    index="Hidden layers", columns="Learning rate", values="mean_test_score"
)
spread = results.pivot(
    index="Hidden layers", columns="Learning rate", values="std_test_score"
)
print(mean.round(3))

fig, ax = plt.subplots(figsize=(6.5, 2.6))
rows = np.arange(len(mean.index))
for offset, rate in zip((-0.12, 0.12), mean.columns, strict=True):
    ax.errorbar(
        mean[rate],
        rows + offset,
        xerr=spread[rate],
        fmt="o",
        capsize=3,
        label=f"{rate:g}",
    )
ax.set_yticks(rows, mean.index)
ax.set_ylim(-0.5, len(rows) - 0.5)
ax.set_xlabel("Accuracy on held-out levels and tracks (mean ± sd, 3 folds)")
ax.set_ylabel("Hidden layers")
ax.set_title("Network shape and learning rate", loc="left")
ax.legend(title="Learning rate", loc="upper left", bbox_to_anchor=(1.01, 1.0))
fig.tight_layout()
plt.show()

# %%
# To run the same search on a Dask cluster, wrap ``fit`` in
# ``joblib.parallel_backend("dask")`` with a ``distributed.Client`` (see the
# user guide's "Scaling out" section and
# :func:`~sklearn_speechmusic.worker_environment`).

# sphinx_gallery_thumbnail_number = 1
