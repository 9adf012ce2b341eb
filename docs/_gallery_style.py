"""sphinx-gallery hook: each example's figures are drawn in the package's figure style."""

from sklearn_speechmusic._plot_style import apply_style


def reset_style(gallery_conf, fname):
    """Apply the package's matplotlib settings before an example runs."""
    apply_style()
