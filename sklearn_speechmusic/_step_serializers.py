"""How each kind of pipeline step is written to and read from a model file: one serializer per step type.

A step is stored as its kind, its constructor parameters (plain JSON), its fitted
statistics (plain JSON) and named float arrays (the network's weights). Adding a
step type means adding one entry to :data:`SERIALIZERS`.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["SERIALIZERS", "check_widths_chain", "describe_steps", "rebuild_step"]


@dataclass(frozen=True)
class _Serializer:
    """How one step type is written to and read from a model file."""

    load_class: Callable[[], type]
    dump_state: Callable[[Any], tuple[dict[str, Any], dict[str, np.ndarray]]]
    restore_state: Callable[[Any, dict[str, Any], dict[str, np.ndarray]], None]
    #: Parameters not stored as plain constructor arguments (they go into the state).
    params_in_state: tuple[str, ...] = ()


def _extractor_class():
    from ._feature_extractor import AudioFeatureExtractor

    return AudioFeatureExtractor


def _scaler_class():
    from sklearn.preprocessing import StandardScaler

    return StandardScaler


def _classifier_class():
    from ._classifier import SpeechMusicClassifier

    return SpeechMusicClassifier


_SCALER_ARRAYS = ("mean_", "var_", "scale_")


def _dump_scaler(scaler) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    from sklearn.utils.validation import check_is_fitted

    check_is_fitted(scaler)
    state = {
        key: _to_json(getattr(scaler, key))
        for key in _SCALER_ARRAYS
        if getattr(scaler, key, None) is not None
    }
    state["n_samples_seen_"] = _to_json(scaler.n_samples_seen_)
    state["n_features_in_"] = int(scaler.n_features_in_)
    if hasattr(scaler, "feature_names_in_"):
        state["feature_names_in_"] = scaler.feature_names_in_.tolist()
    return state, {}


def _restore_scaler(scaler, state: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
    width = state["n_features_in_"]
    if isinstance(width, bool) or not isinstance(width, int) or width < 1:
        raise ValueError(f"n_features_in_ must be a positive integer, not {width!r}")
    for key, value in state.items():
        if key in _SCALER_ARRAYS:
            value = np.asarray(value, dtype=np.float64)
            if value.shape != (width,):
                raise ValueError(f"{key} has {value.size} values for {width} features")
            if not np.isfinite(value).all() or (key == "scale_" and not (value > 0).all()):
                # A fitted scaler's scale is positive (1 for a constant feature).
                raise ValueError(
                    f"{key} holds values no fitted StandardScaler has (NaN, inf or a scale <= 0)"
                )
        elif key == "feature_names_in_":
            value = np.asarray(value, dtype=object)
            if value.shape != (width,):
                raise ValueError(f"{value.size} feature names for {width} features")
        elif key == "n_samples_seen_" and isinstance(value, list):
            value = np.asarray(value, dtype=np.int64)
        elif key not in ("n_samples_seen_", "n_features_in_"):
            raise ValueError(f"unknown StandardScaler attribute {key!r}")
        setattr(scaler, key, value)


def _restore_classifier(classifier, state: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
    classifier._restore_fitted_state(state, arrays)


def _ensemble_class():
    from ._seed_ensemble import SeedEnsembleClassifier

    return SeedEnsembleClassifier


#: Most copies a model file's ensemble may hold (the shipped model has 5).
MAX_ENSEMBLE_COPIES = 100


def _dump_ensemble(ensemble) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """The copied classifier's parameters, each fitted copy's state and arrays (``member<i>/``),
    and the classes the ensemble answers (fewer than its copies' in a two-class view)."""
    from sklearn.utils.validation import check_is_fitted

    from ._classifier import SpeechMusicClassifier

    check_is_fitted(ensemble)
    members = ensemble.estimators_
    if not all(type(member) is SpeechMusicClassifier for member in members):
        raise ValueError(
            "the safe format stores a SeedEnsembleClassifier of SpeechMusicClassifier copies only; "
            f"got {sorted({type(member).__name__ for member in members})}. Use joblib.dump."
        )
    state: dict[str, Any] = {
        "estimator_params": _params_as_json("estimator", ensemble._template()),
        "estimator_given": ensemble.estimator is not None,
        "seeds": _to_json(ensemble.seeds_),
        "classes": _to_json(ensemble.classes_),
        "members": [],
    }
    arrays = {}
    for index, member in enumerate(members):
        member_state, member_arrays = member._fitted_state()
        state["members"].append(member_state)
        arrays.update({f"member{index}/{key}": value for key, value in member_arrays.items()})
    return state, arrays


def _restore_ensemble(ensemble, state: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
    params = _classifier_params(state["estimator_params"])
    seeds, member_states = list(state["seeds"]), list(state["members"])
    if not 1 <= ensemble.n_estimators <= MAX_ENSEMBLE_COPIES:
        raise ValueError(f"n_estimators={ensemble.n_estimators} is outside 1..{MAX_ENSEMBLE_COPIES}")
    if len(seeds) != len(member_states) or len(seeds) != ensemble.n_estimators:
        raise ValueError(
            f"{len(member_states)} fitted copies and {len(seeds)} seeds "
            f"for n_estimators={ensemble.n_estimators}"
        )
    if not all(type(seed) is int and 0 <= seed < 2**32 for seed in seeds):
        raise ValueError("seeds must be integers in [0, 2**32)")
    classifier_class = _classifier_class()
    template = classifier_class(**params)
    template._validate_params()
    by_member: dict[str, dict[str, np.ndarray]] = {}
    for key, value in arrays.items():
        member_name, _, name = key.partition("/")
        by_member.setdefault(member_name, {})[name] = value
    if set(by_member) - {f"member{index}" for index in range(len(seeds))}:
        raise ValueError(f"arrays of unknown copies: {sorted(set(by_member))[:3]}")
    ensemble.set_params(estimator=template if state.get("estimator_given", True) else None)
    members = []
    for index, (seed, member_state) in enumerate(zip(seeds, member_states, strict=True)):
        member = classifier_class(**{**params, "random_state": seed})
        member._restore_fitted_state(member_state, by_member.get(f"member{index}", {}))
        members.append(member)
    ensemble.seeds_ = np.asarray(seeds, dtype=np.int64)
    ensemble.estimators_ = members
    ensemble._take_attributes_of_members()
    classes = state.get("classes")
    if classes is not None and list(classes) != ensemble.classes_.tolist():
        ensemble._answer_only(classes)


def _classifier_params(params: dict[str, Any]) -> dict[str, Any]:
    params = dict(params)
    if isinstance(params.get("hidden_layer_sizes"), list):
        params["hidden_layer_sizes"] = tuple(params["hidden_layer_sizes"])
    return params


#: One serializer per step type; the keys are the ``kind`` names written to files.
SERIALIZERS: dict[str, _Serializer] = {
    "AudioFeatureExtractor": _Serializer(
        _extractor_class, lambda step: ({}, {}), lambda step, state, arrays: None
    ),
    "StandardScaler": _Serializer(_scaler_class, _dump_scaler, _restore_scaler),
    "SpeechMusicClassifier": _Serializer(
        _classifier_class, lambda step: step._fitted_state(), _restore_classifier
    ),
    "SeedEnsembleClassifier": _Serializer(
        _ensemble_class, _dump_ensemble, _restore_ensemble, params_in_state=("estimator",)
    ),
}


def describe_steps(estimator) -> tuple[list[dict[str, Any]], dict[str, np.ndarray]]:
    """JSON descriptions of a classifier's or pipeline's steps, and their arrays by ``<index>/<name>``."""
    from ._classifier import SpeechMusicClassifier
    from ._seed_ensemble import SeedEnsembleClassifier

    if hasattr(estimator, "best_estimator_"):
        raise ValueError(
            f"save_model stores the model itself, not a {type(estimator).__name__}: "
            "save its best_estimator_ (refit=True keeps one fitted on all the data)."
        )
    steps = list(estimator.steps) if hasattr(estimator, "steps") else [("classifier", estimator)]
    if not isinstance(steps[-1][1], (SpeechMusicClassifier, SeedEnsembleClassifier)):
        raise ValueError(
            f"save_model stores a SpeechMusicClassifier, a SeedEnsembleClassifier or a Pipeline ending "
            f"in one; got {type(steps[-1][1]).__name__} last. Use joblib.dump for other estimators."
        )
    try:
        check_widths_chain(steps, loaded=False)
    except ValueError as error:
        # Refused before writing: a file that load_model would reject is no save.
        raise ValueError(f"cannot save this pipeline: {error}. Refit it end to end and save again.") from None
    described, arrays = [], {}
    for index, (name, step) in enumerate(steps):
        kind = type(step).__name__
        serializer = SERIALIZERS.get(kind)
        if serializer is None or type(step) is not serializer.load_class():
            raise ValueError(
                f"Step {name!r} ({kind}) cannot be stored in the safe format, which holds "
                f"{', '.join(SERIALIZERS)} steps. Use joblib.dump for other pipelines."
            )
        state, step_arrays = serializer.dump_state(step)
        arrays.update({f"{index}/{key}": value for key, value in step_arrays.items()})
        params = _params_as_json(name, step, leave_out=serializer.params_in_state)
        described.append({"name": name, "kind": kind, "params": params, "state": state})
    return described, arrays


def _params_as_json(name: str, step, leave_out: tuple[str, ...] = ()) -> dict[str, Any]:
    params = {}
    for key, value in step.get_params(deep=False).items():
        if key in leave_out:
            continue
        if isinstance(value, os.PathLike):
            value = os.fspath(value)
        elif isinstance(value, tuple):
            value = list(value)
        if not _is_plain(value):
            raise ValueError(
                f"{name}: parameter {key}={value!r} is a Python object and cannot be stored in the "
                f"safe format. Set it to a plain value first, e.g. {name}.set_params({key}=None), "
                "or use joblib.dump."
            )
        params[key] = _to_json(value)
    return params


def _is_plain(value) -> bool:
    """True for JSON scalars and lists of them: values the safe format can hold."""
    if isinstance(value, list):
        return all(_is_plain(item) for item in value)
    return value is None or isinstance(value, (bool, int, float, str, np.generic))


def _to_json(value):
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    return value


def rebuild_step(step: dict, arrays: dict[str, np.ndarray]):
    """The fitted step that ``step`` (parsed JSON) and ``arrays`` describe; ValueError if invalid."""
    kind = step.get("kind")
    serializer = SERIALIZERS.get(str(kind))
    if serializer is None:
        raise ValueError(f"unknown step kind {kind!r}; expected one of {sorted(SERIALIZERS)}")
    params = step.get("params") or {}
    if not isinstance(params, dict):
        raise ValueError(f"the parameters of {kind} must be a JSON object, not {type(params).__name__}")
    params = dict(params)
    if kind == "SpeechMusicClassifier":
        params = _classifier_params(params)
    if set(params) & set(serializer.params_in_state):
        raise ValueError(f"{kind} keeps {sorted(serializer.params_in_state)} in its state, not its params")
    try:
        estimator = serializer.load_class()(**params)
        estimator._validate_params()
    except (TypeError, ValueError) as error:
        raise ValueError(f"invalid parameters for {kind} ({error})") from None
    try:
        serializer.restore_state(estimator, step.get("state") or {}, arrays)
    except (KeyError, TypeError, ValueError, ArithmeticError, AttributeError) as error:
        raise ValueError(f"the fitted state of {kind} is incomplete or inconsistent ({error})") from None
    return estimator


def check_widths_chain(steps: list[tuple[str, Any]], *, loaded: bool = True) -> None:
    """Each step takes as many features as the one before it gives.

    ``loaded``: the steps come from a file, so a mismatch after the extractor
    most likely means another version of it wrote the file, and the error says so.
    """
    width = None
    previous = None
    for step_name, step in steps:
        takes = getattr(step, "n_features_in_", None)
        if width is not None and takes is not None and takes != width:
            hint = ""
            # By name: importing the extractor here would load the audio stack.
            if loaded and type(previous).__name__ == "AudioFeatureExtractor":
                hint = (
                    f": it was probably fitted on the {takes} features of another version of "
                    f"AudioFeatureExtractor, and this version computes {width}; refit the "
                    "pipeline on audio (or on a feature table of this version), or load it "
                    "with the version that saved it"
                )
            raise ValueError(
                f"step {step_name!r} takes {takes} features but the step before it gives {width}{hint}"
            )
        previous = step
        try:
            # An extractor's output width is its own (it takes one column of recordings).
            width = len(step.get_feature_names_out())
        except (AttributeError, ValueError):  # no such method, or not fitted
            width = takes
