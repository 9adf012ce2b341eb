"""Tell speech from music with a dense Keras network that behaves like a scikit-learn classifier.

Heavy dependencies (TensorFlow/Keras, scikit-learn, pandas, matplotlib) load on first use, so
``import sklearn_speechmusic`` stays fast.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._datasets import example_audio, load_demo, load_training_data
from ._distributed import worker_environment
from ._feature_table import InconsistentLabelsWarning, MissingValuesWarning, load_feature_table

if TYPE_CHECKING:  # pragma: no cover - typing only
    from ._audio_io import InvalidAudioError
    from ._classifier import SpeechMusicClassifier
    from ._feature_extractor import (
        AudioFeatureExtractor,
        SkippedAudioWarning,
        extract_feature_table,
        extract_feature_table_from_folder,
    )
    from ._feature_importance_display import FeatureImportanceDisplay
    from ._history_display import TrainingHistoryDisplay, plot_training_history
    from ._input_checks import TrainingDivergedError
    from ._persistence import ModelFormatError, load_model, save_model
    from ._pretrained import load_pretrained, make_default_pipeline
    from ._seed_ensemble import SeedEnsembleClassifier
    from ._segmentation_display import SegmentationDisplay
    from ._segmenter import SpeechMusicSegmenter

__version__ = "0.1.0"

# Public names whose modules import TensorFlow/Keras or scikit-learn, loaded on
# first attribute access.
_LAZY_ATTRIBUTES = {
    "AudioFeatureExtractor": "._feature_extractor",
    "FeatureImportanceDisplay": "._feature_importance_display",
    "InvalidAudioError": "._audio_io",
    "ModelFormatError": "._persistence",
    "load_model": "._persistence",
    "load_pretrained": "._pretrained",
    "make_default_pipeline": "._pretrained",
    "save_model": "._persistence",
    "SkippedAudioWarning": "._feature_extractor",
    "extract_feature_table": "._feature_extractor",
    "extract_feature_table_from_folder": "._feature_extractor",
    "SpeechMusicClassifier": "._classifier",
    "SpeechMusicSegmenter": "._segmenter",
    "SeedEnsembleClassifier": "._seed_ensemble",
    "SegmentationDisplay": "._segmentation_display",
    "TrainingHistoryDisplay": "._history_display",
    "TrainingDivergedError": "._input_checks",
    "plot_training_history": "._history_display",
}

__all__ = [
    "AudioFeatureExtractor",
    "FeatureImportanceDisplay",
    "InconsistentLabelsWarning",
    "InvalidAudioError",
    "MissingValuesWarning",
    "ModelFormatError",
    "SeedEnsembleClassifier",
    "SegmentationDisplay",
    "SkippedAudioWarning",
    "SpeechMusicClassifier",
    "SpeechMusicSegmenter",
    "TrainingDivergedError",
    "TrainingHistoryDisplay",
    "example_audio",
    "extract_feature_table",
    "extract_feature_table_from_folder",
    "load_demo",
    "load_feature_table",
    "load_model",
    "load_pretrained",
    "load_training_data",
    "make_default_pipeline",
    "plot_training_history",
    "save_model",
    "worker_environment",
    "__version__",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY_ATTRIBUTES:
        module = importlib.import_module(_LAZY_ATTRIBUTES[name], __name__)
        value = getattr(module, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
