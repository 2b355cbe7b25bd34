"""An independent judge of the X12 we write: pyx12 (BSD, on PyPI) validates a file against
the HIPAA implementation guide that its GS08 names (loops, segment order and repeats,
element usage and lengths, code lists, dates, envelope counts).

pyx12's wheel carries the maps of 837P X222A1, 837I X223A2, 835 X221A1, 999 X231A1 and
277CA X214; the 276 X212 map is written by `x212_map` from the guide. The 270/271 X279A1
maps are not in it; they come from an unmerged pyx12 branch that the workplace keeps in
`../shared/x12-oracle/extra-maps` (or wherever RCM_X12_EXTRA_MAPS points). Without them
a check of a 270/271 skips, with that reason; every other check runs on a clone with
nothing beside it."""

from __future__ import annotations

import atexit
import functools
import io
import json
import logging
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from rcm_shared.testing import x212_map
from rcm_shared.testing.fixtures import REPO

# guide (GS08) -> functional id (GS01) -> map file, for the maps the wheel lacks
EXTRA_MAPS = {"005010X279A1": {"HS": "270.5010.X279.A1.xml", "HB": "271.5010.X279.A1.xml"}}
TRANSACTION_OF = {"HS": "270", "HB": "271"}


@dataclass(frozen=True)
class Finding:
    """One complaint of pyx12: its level (ISA, GS, ST, SEG, ELE), code, text and where."""

    level: str
    code: str
    text: str
    where: str

    def __str__(self) -> str:
        return f"{self.where}: [{self.level} {self.code}] {self.text}"


@dataclass(frozen=True)
class Verdict:
    """A file passes only when pyx12 says so, raised nothing and reported nothing: a
    malformed ISA, for one, returns "not ok" with no finding at all."""

    ok: bool
    exception: str | None
    findings: tuple[Finding, ...]

    def explain(self) -> str:
        lines = [self.exception] if self.exception else []
        return "\n".join([*lines, *map(str, self.findings)]) or "pyx12 found nothing"


def extra_maps_dir() -> Path | None:
    configured = os.environ.get("RCM_X12_EXTRA_MAPS")
    folder = Path(configured) if configured else REPO.parent / "shared/x12-oracle/extra-maps"
    return folder if folder.is_dir() else None


def guide_of(text: str) -> tuple[str, str] | None:
    """(GS08, GS01) of the first functional group, read with the separators the ISA
    declares; None when the envelope is too broken to say (pyx12 will say why)."""
    if len(text) < 106 or not text.startswith("ISA"):
        return None
    element, terminator = text[3], text[105]
    for raw in text[106:].split(terminator):
        fields = raw.strip().split(element)
        if fields[0] == "GS" and len(fields) > 8:
            return fields[8], fields[1]
    return None


@functools.cache
def _map_folder(with_extra: bool) -> str:
    """A copy of the wheel's maps, with the 276 X212 map that x212_map writes and, when
    asked, the extra maps, registered in the copy's maps.xml."""
    import pyx12  # noqa: PLC0415 - a dev dependency, loaded by the tests that judge X12

    shipped = Path(pyx12.__file__).parent / "map"
    folder = Path(tempfile.mkdtemp(prefix="rcm-x12-maps-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    for item in shipped.iterdir():
        if item.is_file():
            shutil.copy(item, folder)
    (folder / x212_map.FILE_NAME).write_text(x212_map.build(shipped), encoding="utf-8")
    entries = _entry(x212_map.GUIDE, x212_map.FUNCTIONAL_ID, "276", x212_map.FILE_NAME)
    if with_extra:
        extra = extra_maps_dir()
        assert extra is not None
        for guide, files in EXTRA_MAPS.items():
            for functional_id, name in files.items():
                shutil.copy(extra / name, folder)
                entries += _entry(guide, functional_id, TRANSACTION_OF[functional_id], name)
    index = (folder / "maps.xml").read_text(encoding="utf-8")
    at = index.rindex("</version>")  # the last version block is 00501, the 5010 guides
    (folder / "maps.xml").write_text(index[:at] + entries + "  " + index[at:], encoding="utf-8")
    return str(folder)


def _entry(guide: str, functional_id: str, abbr: str, name: str) -> str:
    return f'    <map vriic="{guide}" fic="{functional_id}" abbr="{abbr}">{name}</map>\n'


def _findings(document: dict[str, Any]) -> list[Finding]:
    found: list[Finding] = []

    def note(level: str, node: dict[str, Any], where: str) -> None:
        found.extend(Finding(level, e["err_cde"], e["err_str"], where) for e in node["errors"])

    for isa in document.get("interchanges", []):
        note("ISA", isa, f"line {isa['cur_line']}")
        for gs in isa["groups"]:
            note("GS", gs, f"line {gs['cur_line']}")
            for st in gs["transactions"]:
                note("ST", st, f"line {st['cur_line']}")
                for seg in st["segments"]:
                    at = f"segment {seg['seg_count']} {seg['seg_id']} (line {seg['cur_line']})"
                    note("SEG", seg, at)
                    for ele in seg["elements"]:
                        note("ELE", ele, f"{at} {seg['seg_id']}{ele['ele_pos']:02d}")
    return found


def validate(text: str) -> Verdict:
    """pyx12's verdict on one interchange. Skips the calling test when the guide's map is
    one of the extra maps and they are absent."""
    import pyx12.params  # noqa: PLC0415
    import pyx12.x12n_document  # noqa: PLC0415

    guide = guide_of(text)
    needs_extra = guide is not None and guide[0] in EXTRA_MAPS
    if needs_extra and extra_maps_dir() is None:
        pytest.skip(
            f"pyx12 ships no {guide[0] if guide else ''} map: put the workplace's "
            "shared/x12-oracle/extra-maps beside the clone, or set RCM_X12_EXTRA_MAPS"
        )
    quiet = logging.getLogger("pyx12")  # it logs every finding; we return them instead
    quiet.setLevel(logging.CRITICAL)
    quiet.propagate = False
    out = io.StringIO()
    try:
        ok = pyx12.x12n_document.x12n_document(
            param=pyx12.params.params(),
            src_file=io.StringIO(text),
            fd_997=None,
            fd_html=None,
            fd_json=out,
            map_path=_map_folder(needs_extra),
        )
        exception = None
    except Exception as exc:  # a missing map, an unreadable ISA, a bad control number
        ok, exception = False, f"{type(exc).__name__}: {exc}"
    findings = tuple(_findings(json.loads(out.getvalue()))) if out.getvalue() else ()
    return Verdict(bool(ok) and exception is None and not findings, exception, findings)
