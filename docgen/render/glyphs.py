"""Which characters the installed fonts can draw: the ``cmap`` table of an OpenType/TrueType font (or of
one face of a collection), read without any font library.

Used by :mod:`docgen.render.pdf` before Typst lays out a PDF/A: a character no font has would make the
whole render fail ("the text … could not be displayed"), because PDF/A forbids the ``.notdef`` box.
Only the cmap subtables that map Unicode are read: format 4 (BMP) and format 12/13 (all planes).
"""

from __future__ import annotations

import bisect
import struct
from pathlib import Path

__all__ = ["Coverage", "read_coverage"]

# (platform, encoding) of the Unicode cmap subtables, best first: full repertoire before BMP only.
_FULL = ((3, 10), (0, 6), (0, 4))
_BMP = ((3, 1), (0, 3), (0, 2), (0, 1), (0, 0))


class Coverage:
    """The code points one font face maps to a real glyph (not glyph 0), as sorted inclusive ranges."""

    def __init__(self, ranges: list[tuple[int, int]]):
        merged: list[list[int]] = []
        for start, end in sorted(ranges):
            if merged and start <= merged[-1][1] + 1:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        self._starts = [start for start, _ in merged]
        self._ends = [end for _, end in merged]

    def __contains__(self, codepoint: int) -> bool:
        i = bisect.bisect_right(self._starts, codepoint) - 1
        return i >= 0 and codepoint <= self._ends[i]

    def __len__(self) -> int:
        return sum(end - start + 1 for start, end in zip(self._starts, self._ends))


def read_coverage(path: str | Path, index: int = 0) -> Coverage:
    """The coverage of face ``index`` of the font file ``path`` (.ttf/.otf/.ttc/.otc).

    Raises ``ValueError`` (or ``OSError``) for a file that is not a font or has no Unicode cmap."""
    with open(path, "rb") as fh:
        head = fh.read(12)
        if head[:4] == b"ttcf":
            count = struct.unpack(">I", head[8:12])[0]
            if not 0 <= index < count:
                raise ValueError(f"{path}: no face {index} in a collection of {count}")
            fh.seek(12 + 4 * index)
            fh.seek(struct.unpack(">I", fh.read(4))[0])
            head = fh.read(12)
        if head[:4] not in (b"\x00\x01\x00\x00", b"OTTO", b"true"):
            raise ValueError(f"{path}: not an OpenType or TrueType font")
        tables = struct.unpack(">H", head[4:6])[0]
        directory = fh.read(16 * tables)
        cmap_offset = None
        for i in range(tables):
            tag, _checksum, offset, _length = struct.unpack(">4sIII", directory[16 * i:16 * i + 16])
            if tag == b"cmap":
                cmap_offset = offset
        if cmap_offset is None:
            raise ValueError(f"{path}: no cmap table")
        fh.seek(cmap_offset)
        _version, subtables = struct.unpack(">HH", fh.read(4))
        records = {}
        for _ in range(subtables):
            platform, encoding, offset = struct.unpack(">HHI", fh.read(8))
            records.setdefault((platform, encoding), offset)
        for key in _FULL + _BMP:
            if key in records:
                fh.seek(cmap_offset + records[key])
                return Coverage(_subtable_ranges(fh))
    raise ValueError(f"{path}: no Unicode cmap subtable")


def _subtable_ranges(fh) -> list[tuple[int, int]]:
    fmt = struct.unpack(">H", fh.read(2))[0]
    if fmt in (12, 13):
        _reserved, _length, _language, groups = struct.unpack(">HIII", fh.read(14))
        data = fh.read(12 * groups)
        ranges = []
        for i in range(groups):
            start, end, glyph = struct.unpack(">III", data[12 * i:12 * i + 12])
            if fmt == 12 and glyph == 0:
                start += 1  # the first code of the group is mapped to .notdef
            if fmt == 13 and glyph == 0:
                continue  # the whole group is .notdef
            if start <= end:
                ranges.append((start, min(end, 0x10FFFF)))
        return ranges
    if fmt == 4:
        length, _language, segx2 = struct.unpack(">HHH", fh.read(6))
        data = fh.read(length - 8)
        segments = segx2 // 2
        ends = struct.unpack(f">{segments}H", data[6:6 + segx2])
        base = 6 + segx2 + 2  # after endCode[] and reservedPad
        starts = struct.unpack(f">{segments}H", data[base:base + segx2])
        deltas = struct.unpack(f">{segments}h", data[base + segx2:base + 2 * segx2])
        range_at = base + 2 * segx2
        offsets = struct.unpack(f">{segments}H", data[range_at:range_at + segx2])
        ranges = []
        for s in range(segments):
            start, end, delta, offset = starts[s], ends[s], deltas[s], offsets[s]
            if start == 0xFFFF:
                continue
            if offset == 0:  # glyph = code + delta: .notdef only for the one code where that wraps to 0
                notdef = (-delta) & 0xFFFF
                if start <= notdef <= end:
                    ranges += [(start, notdef - 1), (notdef + 1, end)]
                else:
                    ranges.append((start, end))
                continue
            for code in range(start, end + 1):
                at = range_at + 2 * s + offset + 2 * (code - start)
                if at + 2 <= len(data) and struct.unpack(">H", data[at:at + 2])[0]:
                    ranges.append((code, code))
        return ranges
    raise ValueError(f"cmap subtable format {fmt} is not read")
