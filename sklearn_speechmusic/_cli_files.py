"""The command line's care for the user's files: checks before any work, atomic writes.

:func:`check_files` refuses, before anything is computed, inputs that are
missing or unreadable, outputs that would overwrite an input, and output
locations that cannot be written. Every output is written atomically (an
interrupted write leaves any previous file untouched): a new file gets the
permissions the user's umask allows, and a replaced file keeps its own.
"""

from __future__ import annotations

import argparse
import os
import stat
from collections.abc import Callable
from pathlib import Path

from ._cli_messages import CommandError


def path_argument(text: str) -> str:
    """argparse ``type`` of every path argument: an empty string is refused.

    ``Path("")`` is the current folder, so an empty argument (usually an unset shell
    variable, as in ``speechmusic segment "$FILE"``) would otherwise be read, or
    written, as ``.``.
    """
    if not text:
        raise argparse.ArgumentTypeError("empty path (is a shell variable unset?)")
    return text


def check_files(*, inputs=(), outputs=(), output_dirs=(), against=()) -> None:
    """Refuse, before any work, unreadable inputs and outputs that overwrite inputs or cannot be written.

    ``against`` lists further files that no output may overwrite but that need
    not exist or be readable (audio files whose failures are reported later).
    """
    inputs = [Path(path) for path in inputs if path is not None]
    for path in inputs:
        if not path.exists():
            raise CommandError(f"{path} does not exist.")
        if path.is_file() and not os.access(path, os.R_OK):
            raise CommandError(f"permission denied: cannot read {path}.")
    protected = [*inputs, *(Path(path) for path in against)]
    seen: dict[Path, Path] = {}
    for path in (Path(p) for p in outputs if p is not None):
        resolved = path.resolve()
        if resolved in seen:
            raise CommandError(f"{seen[resolved]} is given as two different outputs; give each its own path.")
        seen[resolved] = path
        for other in protected:
            if resolved == other.resolve() or (
                other.exists() and path.exists() and os.path.samefile(path, other)
            ):
                raise CommandError(
                    f"the output {path} is also an input ({other}); refusing to overwrite it. "
                    "Choose another output path."
                )
        if path.is_dir():
            raise CommandError(f"output {path} is a folder; give a file path.")
        if path.is_symlink() or (path.exists() and not path.is_file()):
            # A link, a device or a pipe: written through, not replaced.
            if path.exists() and not os.access(path, os.W_OK):
                raise CommandError(f"permission denied: cannot write {path}.")
            continue
        folder = path.parent
        if not folder.is_dir():
            raise CommandError(f"cannot write {path}: folder {folder} does not exist; create it first.")
        if not os.access(folder, os.W_OK | os.X_OK):
            raise CommandError(f"permission denied: cannot write {path} in folder {folder}.")
        if path.exists() and not os.access(path, os.W_OK):
            raise CommandError(f"permission denied: cannot overwrite {path}.")
    for folder in (Path(p) for p in output_dirs if p is not None):
        existing = next(parent for parent in (folder, *folder.absolute().parents) if parent.exists())
        if not existing.is_dir():
            raise CommandError(f"cannot create folder {folder}: {existing} is a file.")
        if not os.access(existing, os.W_OK | os.X_OK):
            raise CommandError(f"permission denied: cannot write in folder {existing}.")


def check_plot_formats(*paths) -> None:
    """Refuse, before any work, a figure path whose extension matplotlib cannot write."""
    for path in (Path(p) for p in paths if p is not None):
        suffix = path.suffix.lower().lstrip(".")
        if not suffix:
            continue  # matplotlib writes its default format, PNG
        from matplotlib.backend_bases import FigureCanvasBase

        formats = FigureCanvasBase.get_supported_filetypes()
        if suffix not in formats:
            raise CommandError(
                f"cannot draw {path}: .{suffix} is not a figure format; use one of "
                f"{', '.join('.' + name for name in sorted(formats))} (e.g. {path.with_suffix('.png')})."
            )


def output_dir(folder) -> Path:
    """The output folder, created with its parents if need be."""
    output = Path(folder)
    output.mkdir(parents=True, exist_ok=True)
    return output


def save_model_file(model, path) -> Path:
    """Save a model atomically with :func:`save_model`; a replaced file keeps its permissions."""
    from ._persistence import save_model

    return _keeping_permissions(Path(path), lambda target: save_model(model, target))


def write_csv(table, path, **kwargs) -> Path:
    """Write a DataFrame as CSV without its index, atomically; ``kwargs`` go to ``to_csv``."""
    return write_text(path, table.to_csv(index=False, **kwargs))


def write_text(path, text: str) -> Path:
    """Write UTF-8 text atomically; a replaced file keeps its permissions."""
    from ._persistence import write_atomically

    return _keeping_permissions(Path(path), lambda target: write_atomically(target, text.encode("utf-8")))


def _keeping_permissions(path: Path, write: Callable[[Path], object]) -> Path:
    """Run ``write(path)``, then give a file it replaced its old permissions back.

    The library's atomic writers create the new file with mode 0666 less the
    umask, as ``open`` would; a file the user had made private or executable
    keeps those permissions when the command line replaces it.
    """
    try:
        status = path.stat()
    except FileNotFoundError:
        status = None
    write(path)
    if status is not None and stat.S_ISREG(status.st_mode):
        os.chmod(path, status.st_mode & 0o7777)
    return path
