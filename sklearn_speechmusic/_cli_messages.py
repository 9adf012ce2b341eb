"""What the command line writes to standard error: one-line errors, and no TensorFlow start-up noise.

A :class:`CommandError` is a problem with the user's data or files; the
command line prints it, like any other error, as one line naming the file (never
an object's ``repr``). TensorFlow 2.21 prints absl, oneDNN and CUDA lines while
it starts, even with ``TF_CPP_MIN_LOG_LEVEL=3``; :func:`silence_tensorflow_import`
drops them, in the command-line program only.
"""

from __future__ import annotations

import importlib.abc
import importlib.util
import os
import re
import sys
from contextlib import contextmanager

_OBJECT_REPR = re.compile(r"<[^<>]*\bobject at 0x[0-9a-fA-F]+>")


class CommandError(Exception):
    """A problem with the user's data or files, reported in one line."""


def one_line(message) -> str:
    """The message with its white space, line breaks included, folded to single spaces."""
    return " ".join(str(message).split())


def describe_error(error: BaseException) -> str:
    """An error as the one line the user sees: the file named, no object addresses."""
    if isinstance(error, PermissionError) and error.filename is not None:
        return f"permission denied: {error.filename}"
    if isinstance(error, OSError) and error.filename is not None and error.strerror:
        return f"{error.strerror.lower()}: {error.filename}"
    message = _OBJECT_REPR.sub("the file", one_line(error))
    return message or type(error).__name__


@contextmanager
def stderr_silenced():
    """Point file descriptor 2 at /dev/null, where C++ libraries write their logs."""
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


class _QuietLoader(importlib.abc.Loader):
    def __init__(self, loader):
        self._loader = loader

    def create_module(self, spec):
        return self._loader.create_module(spec)

    def exec_module(self, module):
        with stderr_silenced():
            self._loader.exec_module(module)
            # Device discovery (and its "failed call to cuInit" line on machines without
            # a GPU) would otherwise happen at the first operation, outside this window.
            module.config.list_physical_devices()

    def __getattr__(self, name):
        return getattr(self._loader, name)


class _QuietTensorFlowImport(importlib.abc.MetaPathFinder):
    """Silence standard error while TensorFlow's runtime starts (absl, oneDNN and CUDA lines).

    TensorFlow 2.21 prints them even with ``TF_CPP_MIN_LOG_LEVEL=3``. Only the
    first import is affected, and only in the command-line program.
    """

    def find_spec(self, fullname, path, target=None):
        if fullname != "tensorflow":
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(fullname)
        if spec is not None and spec.loader is not None:
            spec.loader = _QuietLoader(spec.loader)
        return spec


def silence_tensorflow_import() -> None:
    """Make TensorFlow's first import, if it has not happened yet, write nothing to standard error."""
    if "tensorflow" not in sys.modules and not any(
        isinstance(finder, _QuietTensorFlowImport) for finder in sys.meta_path
    ):
        sys.meta_path.insert(0, _QuietTensorFlowImport())
