"""The ``speechmusic explain`` command: which features a model relies on, by physical family.

Shuffles each feature column of a labelled table in turn
(:func:`sklearn.inspection.permutation_importance`) and reports how much the
model's score drops; the figure is a
:class:`~sklearn_speechmusic.FeatureImportanceDisplay`.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ._cli_files import check_files, check_plot_formats, path_argument, write_csv
from ._cli_inputs import (
    check_known_labels,
    load_model_argument,
    load_table,
    matching_columns,
    model_files,
    model_input,
    without_extractor,
)

#: Scores ``--scoring`` accepts, and how a change in each is reported.
SCORINGS = {
    "neg_log_loss": "rise in log-loss",
    "accuracy": "drop in accuracy",
    "balanced_accuracy": "drop in balanced accuracy",
}


def explain(args: argparse.Namespace) -> int:
    """Print (and optionally save and draw) the permutation importance of every feature."""
    import numpy as np
    import pandas as pd
    from sklearn.inspection import permutation_importance

    from ._feature_importance_display import feature_family, scorer_for

    check_files(inputs=[*model_files(args.model), args.features], outputs=[args.output, args.plot])
    check_plot_formats(args.plot)
    full_model = load_model_argument(args.model)
    model = without_extractor(full_model)
    X, y = load_table(args)
    columns = matching_columns(args.features, X.columns, full_model)
    check_known_labels(model, y, args.features)
    result = permutation_importance(
        model,
        model_input(model, X[columns]),
        y,
        scoring=scorer_for(model, args.scoring),
        n_repeats=args.n_repeats,
        random_state=args.random_state,
    )
    table = pd.DataFrame(
        {
            "feature": columns,
            "family": [feature_family(name) for name in columns],
            "importance_mean": result.importances_mean,
            "importance_std": result.importances_std,
        }
    ).sort_values("importance_mean", ascending=False, kind="stable")
    change = SCORINGS[args.scoring]
    print(
        f"Permutation importance on {len(y)} clips of {args.features} ({args.n_repeats} shuffles per "
        f"feature): the {change} when a feature is shuffled. Top {min(args.top, len(table))}:\n"
    )
    width = max(len(name) for name in columns) + 2
    for rank, row in enumerate(table.head(args.top).itertuples(index=False), start=1):
        print(
            f"{rank:>3}  {row.feature:<{width}}{row.family:<21}"
            f"{row.importance_mean:+.4f} ± {row.importance_std:.4f}"
        )
    families = table.groupby("family", sort=False)["importance_mean"].agg(["sum", "size"])
    print("\nBy family (sum over its features):")
    for family, row in families.sort_values("sum", ascending=False).iterrows():
        print(f"     {family:<{width + 21}}{row['sum']:+.4f}  ({int(row['size'])} features)")
    written = []
    if args.output is not None:
        written.append(write_csv(table, args.output, float_format="%.6f"))
    if args.plot is not None:
        written.append(_importance_png(np.asarray(result.importances), columns, args, Path(args.plot)))
    if written:
        print("\nWrote:", *(f"  {path}" for path in written), sep="\n")
    return 0


def add_explain_parser(command) -> None:
    """Add the ``explain`` subcommand; ``command(name, help)`` makes a subparser."""
    explain_parser = command(
        "explain", "which features a model relies on: permutation importance on a labelled feature table"
    )
    explain_parser.add_argument(
        "model", type=path_argument, help="model file (.skm), or 'pretrained' for the packaged model"
    )
    explain_parser.add_argument(
        "features",
        type=path_argument,
        help="labelled feature table (CSV in the demo's format); clips the model was not trained on "
        "show what generalises",
    )
    explain_parser.add_argument(
        "--plot",
        type=path_argument,
        metavar="PNG",
        default=None,
        help="also draw the importances by family (default: none)",
    )
    explain_parser.add_argument(
        "-o",
        "--output",
        type=path_argument,
        metavar="CSV",
        default=None,
        help="also write every feature's importance (default: none)",
    )
    explain_parser.add_argument(
        "--scoring",
        choices=list(SCORINGS),
        default="neg_log_loss",
        help="score whose change is measured; 'neg_log_loss' also sees the model growing less sure "
        "when accuracy stays perfect",
    )
    explain_parser.add_argument(
        "--n-repeats", type=_positive, default=5, metavar="N", help="shuffles per feature"
    )
    explain_parser.add_argument(
        "--top", type=_positive, default=15, metavar="N", help="features listed and drawn"
    )
    explain_parser.add_argument(
        "--random-state", type=int, default=0, metavar="SEED", help="seed of the shuffles"
    )


def _importance_png(importances, names, args: argparse.Namespace, path: Path) -> Path:
    from . import _plot_style
    from ._feature_importance_display import FeatureImportanceDisplay

    model_name = Path(args.model).name if model_files(args.model) else "the packaged model"
    with _plot_style.style():
        figure = _plot_style.figure(width=7, height=1.2 + 0.26 * min(args.top, len(names)))
        FeatureImportanceDisplay.from_importances(
            importances,
            names,
            scoring=args.scoring,
            name=f"What {model_name} listens to",
            ax=figure.add_subplot(),
            max_features=args.top,
        )
        _plot_style.save(figure, path)
    return path


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer; got {text!r}")
    return value
