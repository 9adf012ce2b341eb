"""Read Qt binary resource files (``*.rcc``) in pure Python.

The training-corpus scripts use this to take sounds out of the Debian package
``gcompris-qt-data``, which keeps each activity's resources in
``usr/share/gcompris-qt/rcc/<activity>.rcc``. Reading only.
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path


def rcc_sounds(path: Path, wanted) -> list[tuple[str, bytes]]:
    """``(resource path, bytes)`` of the ``.ogg``/``.wav`` members of a Qt resource
    file (``rcc`` binary format 1-3) for which ``wanted(resource path)`` is true.

    Header: ``qres``, then big-endian version, tree, data and names offsets (and
    overall flags from version 3). Tree entries (14 bytes, 22 from version 2 with a
    modification time) hold a name offset, flags (0x01 zlib, 0x02 directory,
    0x04 zstd) and either a child count and first child index or a
    territory/language and data offset. Names are a 16-bit length, a 32-bit hash
    and UTF-16BE text; data is a 32-bit length, then the bytes (zlib data has a
    4-byte uncompressed length first).
    """
    data = path.read_bytes()
    if data[:4] != b"qres":
        raise ValueError(f"{path}: not a Qt resource file")
    version, tree, payload, names = struct.unpack_from(">IIII", data, 4)
    entry_size = 14 if version == 1 else 22

    def name_of(node: int) -> str:
        at = names + struct.unpack_from(">I", data, tree + node * entry_size)[0]
        length = struct.unpack_from(">H", data, at)[0]
        return data[at + 6 : at + 6 + 2 * length].decode("utf-16-be")

    def content(flags: int, offset: int) -> bytes:
        at = payload + offset
        blob = data[at + 4 : at + 4 + struct.unpack_from(">I", data, at)[0]]
        if flags & 0x04:
            try:
                import zstandard
            except ImportError as error:
                raise RuntimeError(f"{path}: zstd-compressed member; install zstandard") from error
            return zstandard.ZstdDecompressor().decompressobj().decompress(blob)
        return zlib.decompress(blob[4:]) if flags & 0x01 else blob

    found, stack = [], [(0, "")]  # node 0 is the root directory
    while stack:
        node, prefix = stack.pop()
        at = tree + node * entry_size
        flags = struct.unpack_from(">H", data, at + 4)[0]
        if flags & 0x02:
            count, first = struct.unpack_from(">II", data, at + 6)
            stack += [
                (child, f"{prefix}/{name_of(child)}".lstrip("/")) for child in range(first, first + count)
            ]
        elif prefix.lower().endswith((".ogg", ".wav")) and wanted(prefix):
            found.append((prefix, content(flags, struct.unpack_from(">I", data, at + 10)[0])))
    return sorted(found)
