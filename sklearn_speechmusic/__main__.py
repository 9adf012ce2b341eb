"""``python -m sklearn_speechmusic`` runs the ``speechmusic`` command line."""

from ._cli import console_script

if __name__ == "__main__":
    console_script()
