"""Read OpenClonk C4Group archives (``*.ocg``, ``*.ocd``, ``*.ocf``) in pure Python.

The training-corpus scripts use this to take sounds out of the Debian package
``openclonk-data`` (``usr/share/games/openclonk/Sound.ocg``) without the
``c4group`` binary. Reading only; writing is not supported.

Format, as implemented by OpenClonk's engine (``src/c4group/C4Group.h``,
``src/c4group/C4Group.cpp``, ``src/c4group/CStdFile.cpp`` and
``src/zlib/gzio.c`` in https://github.com/openclonk/openclonk):

* A group file on disk is one gzip stream whose first two magic bytes are
  ``0x1e 0x8c`` instead of ``0x1f 0x8b`` (``gz_magic_new`` in ``gzio.c``; the
  reader accepts either pair). The rest is ordinary gzip, so restoring the
  magic lets :func:`gzip.decompress` inflate it.
* The decompressed stream starts with a 204-byte ``C4GroupHeader``
  (little-endian, packed): ``char Id[28]`` = ``"RedWolf Design GrpFolder"``,
  ``int32 Ver1`` (= 1), ``int32 Ver2`` (<= 2), ``int32 Entries`` and 164
  reserved bytes. The header is stored scrambled by ``MemScramble``: every byte
  is XORed with 237, then bytes ``i`` and ``i + 2`` are swapped for
  ``i = 0, 3, 6, ...`` while ``i + 2 < 204``. Unscrambling undoes the swap and
  then the XOR (the swap and the XOR commute, so applying ``MemScramble``
  again is the same).
* ``Entries`` unscrambled 316-byte ``C4GroupEntryCore`` records follow:
  ``char FileName[260]`` (NUL-terminated, UTF-8 in new groups),
  ``int32 Packed``, ``int32 ChildGroup``, ``int32 Size``, three more
  ``int32`` (``__Unused``, ``Offset``, ``Time`` in the older ``C4Group.h``;
  renamed ``Offset``, ``Reserved1``, ``Reserved2`` in the current one),
  ``char``, ``uint32``, ``char Executable`` and 26 reserved bytes.
* Entry data follow the record table back to back, in record order. The
  engine ignores the stored offset when reading and recomputes each offset
  as the sum of the preceding sizes (``C4Group::AddEntry``); this reader does
  the same. (In ``Sound.ocg`` of Debian's openclonk-data 8.1 the running
  offset sits in the fifth ``int32``, the older header's ``Offset``.)
* An entry with ``ChildGroup`` set is a nested group stored *uncompressed*:
  its data are directly a header, a record table and data, as above, with no
  gzip layer (``C4Group::OpenAsChild`` reads the child header straight from
  the mother's decompressed stream, and ``Size`` is the uncompressed size).
"""

from __future__ import annotations

import gzip
import struct
import zlib
from pathlib import Path

__all__ = ["C4GroupError", "c4group_members", "parse_group"]

GROUP_ID = b"RedWolf Design GrpFolder"
HEADER_SIZE = 204
ENTRY_SIZE = 316
_MAGIC_C4 = b"\x1e\x8c"
_MAGIC_GZIP = b"\x1f\x8b"
_ENTRY = struct.Struct("<260s4i")  # FileName, Packed, ChildGroup, Size, (unused)


class C4GroupError(ValueError):
    """Raised when data are not a valid C4Group."""


def _unscramble(header: bytes) -> bytes:
    """Undo OpenClonk's ``MemScramble`` on a group header.

    Parameters
    ----------
    header : bytes
        The scrambled header as stored.

    Returns
    -------
    bytes
        The plain header.
    """
    buf = bytearray(b ^ 237 for b in header)
    for i in range(0, len(buf) - 2, 3):
        buf[i], buf[i + 2] = buf[i + 2], buf[i]
    return bytes(buf)


def parse_group(data: bytes, prefix: str = "") -> list[tuple[str, bytes]]:
    """List the files in an uncompressed group stream, nested groups flattened.

    Parameters
    ----------
    data : bytes
        A decompressed group: header, entry records, then entry data.
    prefix : str, optional
        Prepended to every member name (used for nested groups).

    Returns
    -------
    list of (str, bytes)
        ``(name, content)`` for every file, in stored order; files inside a
        nested group are named ``Group.ocg/File.ogg`` (nesting to any depth).
        The nested groups themselves are not returned.

    Raises
    ------
    C4GroupError
        If the header or the entry table is not valid.
    """
    if len(data) < HEADER_SIZE:
        raise C4GroupError(f"{prefix or 'group'}: too short for a header")
    header = _unscramble(data[:HEADER_SIZE])
    if header[:28].split(b"\0", 1)[0] != GROUP_ID:
        raise C4GroupError(f"{prefix or 'group'}: bad group id")
    ver1, ver2, n_entries = struct.unpack_from("<3i", header, 28)
    if ver1 != 1 or ver2 > 2:
        raise C4GroupError(f"{prefix or 'group'}: unsupported version {ver1}.{ver2}")
    if n_entries < 0:
        raise C4GroupError(f"{prefix or 'group'}: negative entry count {n_entries}")
    table_end = HEADER_SIZE + n_entries * ENTRY_SIZE
    if len(data) < table_end:
        raise C4GroupError(f"{prefix or 'group'}: entry table truncated")

    members: list[tuple[str, bytes]] = []
    pos = table_end
    for k in range(n_entries):
        raw_name, _packed, child, size, _unused = _ENTRY.unpack_from(data, HEADER_SIZE + k * ENTRY_SIZE)
        name = raw_name.split(b"\0", 1)[0].decode("utf-8", errors="replace")
        if size < 0:
            raise C4GroupError(f"{prefix}{name}: negative entry size {size}")
        if pos + size > len(data):
            raise C4GroupError(f"{prefix}{name}: entry data truncated")
        content = data[pos : pos + size]
        pos += size
        if child:
            members.extend(parse_group(content, f"{prefix}{name}/"))
        else:
            members.append((f"{prefix}{name}", content))
    return members


def c4group_members(path: str | Path) -> list[tuple[str, bytes]]:
    """Read every file of a packed C4Group file.

    Parameters
    ----------
    path : str or Path
        A packed group file such as ``Sound.ocg``.

    Returns
    -------
    list of (str, bytes)
        ``(name, content)`` for every file, nested groups flattened as
        ``Group.ocg/Sub.ocg/File.ogg``.

    Raises
    ------
    C4GroupError
        If the file is not a gzip-compressed C4Group.
    """
    raw = Path(path).read_bytes()
    if raw[:2] not in (_MAGIC_C4, _MAGIC_GZIP):
        raise C4GroupError(f"{path}: not a packed C4Group (magic {raw[:2].hex()})")
    try:
        stream = gzip.decompress(_MAGIC_GZIP + raw[2:])
    except (OSError, EOFError, zlib.error) as error:
        raise C4GroupError(f"{path}: the compressed stream is damaged ({error})") from None
    return parse_group(stream)


if __name__ == "__main__":
    import sys

    for member_name, member_data in c4group_members(sys.argv[1]):
        print(f"{len(member_data):10d}  {member_name}")
