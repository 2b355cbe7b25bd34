"""Random (version 4) UUIDs in bulk.

`uuid.uuid4()` reads the OS's randomness once per id; each read releases and re-takes the
GIL, which costs milliseconds when another thread holds it (the 835 reader does). One read
for a whole batch avoids that.
"""

from __future__ import annotations

import os


def uuid4_strings(count: int) -> list[str]:
    raw = bytearray(os.urandom(16 * count))
    out = []
    for start in range(0, 16 * count, 16):
        raw[start + 6] = (raw[start + 6] & 0x0F) | 0x40  # version 4
        raw[start + 8] = (raw[start + 8] & 0x3F) | 0x80  # RFC 4122 variant
        h = raw[start : start + 16].hex()
        out.append(f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}")
    return out
