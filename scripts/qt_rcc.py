"""Read Qt binary resource files (``*.rcc``) in pure Python.

The training-corpus scripts use this to take sounds out of the Debian package
``gcompris-qt-data``, which keeps each activity's resources in
``usr/share/gcompris-qt/rcc/<activity>.rcc``. Reading only.

Format (Qt's ``rcc`` binary output, versions 1-3): ``qres``, then big-endian
version, tree, data and names offsets (and overall flags from version 3). Tree
entries (14 bytes; 22 from version 2, with a modification time) hold a name
offset, flags (0x01 zlib, 0x02 directory, 0x04 zstd) and either a child count
and first child index or a territory/language and data offset. Names are a
16-bit length, a 32-bit hash and UTF-16BE text; data is a 32-bit length, then
the bytes (zlib data has a 4-byte uncompressed length first). Children are
stored after their directory, so a valid tree has every first child index
above its directory's.
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

__all__ = ["RccError", "rcc_sounds"]

_DIRECTORY, _ZLIB, _ZSTD = 0x02, 0x01, 0x04


class RccError(ValueError):
    """The file is not a Qt resource file this reader understands."""


def rcc_sounds(path: str | Path, wanted) -> list[tuple[str, bytes]]:
    """The ``.ogg``/``.wav`` members whose resource path ``wanted`` accepts.

    Parameters
    ----------
    path : str or Path
        A Qt binary resource file.
    wanted : callable
        Takes a member's resource path (``dir/sub/file.ogg``), returns whether to read it.

    Returns
    -------
    list of (str, bytes)
        Sorted by resource path.

    Raises
    ------
    RccError
        If the header, the tree, a name or a member's data is not valid.
    """
    data = Path(path).read_bytes()

    def unpack(layout: str, at: int, what: str) -> tuple:
        if at < 0 or at + struct.calcsize(layout) > len(data):
            raise RccError(f"{path}: {what} lies outside the file")
        return struct.unpack_from(layout, data, at)

    if data[:4] != b"qres":
        raise RccError(f"{path}: not a Qt resource file")
    version, tree, payload, names = unpack(">IIII", 4, "the header")
    if version not in (1, 2, 3):
        raise RccError(f"{path}: unsupported rcc version {version}")
    entry_size = 14 if version == 1 else 22
    n_nodes = (len(data) - tree) // entry_size if tree < len(data) else 0

    def name_of(node: int) -> str:
        at = names + unpack(">I", tree + node * entry_size, "a tree entry")[0]
        (length,) = unpack(">H", at, "a name")
        if at + 6 + 2 * length > len(data):
            raise RccError(f"{path}: a name runs past the end of the file")
        return data[at + 6 : at + 6 + 2 * length].decode("utf-16-be", errors="replace")

    def content(flags: int, offset: int, member: str) -> bytes:
        at = payload + offset
        (length,) = unpack(">I", at, f"the data of {member}")
        if at + 4 + length > len(data):
            raise RccError(f"{path}: the data of {member} runs past the end of the file")
        blob = data[at + 4 : at + 4 + length]
        if flags & _ZSTD:
            try:
                import zstandard
            except ImportError as error:
                raise RuntimeError(f"{path}: {member} is zstd-compressed; install zstandard") from error
            return zstandard.ZstdDecompressor().decompressobj().decompress(blob)
        if flags & _ZLIB:
            try:
                return zlib.decompress(blob[4:])
            except zlib.error as error:
                raise RccError(f"{path}: {member} does not decompress ({error})") from None
        return blob

    found, stack = [], [(0, "")]  # node 0 is the root directory
    while stack:
        node, prefix = stack.pop()
        at = tree + node * entry_size
        (flags,) = unpack(">H", at + 4, "a tree entry")
        if flags & _DIRECTORY:
            count, first = unpack(">II", at + 6, "a tree entry")
            # Children follow their directory: this also rules out cycles.
            if first <= node or first + count > n_nodes:
                raise RccError(f"{path}: directory {prefix or '/'} has children outside the tree")
            stack += [
                (child, f"{prefix}/{name_of(child)}".lstrip("/")) for child in range(first, first + count)
            ]
        elif prefix.lower().endswith((".ogg", ".wav")) and wanted(prefix):
            found.append((prefix, content(flags, unpack(">I", at + 10, "a tree entry")[0], prefix)))
    return sorted(found)
