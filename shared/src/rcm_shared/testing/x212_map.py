"""A pyx12 map of the 5010 claim status request (276, 005010X212), which pyx12 4.0 does not
ship: its wheel has the 4010 276 and a 5010 X212 277 that it never registers.

The body below is written from the X212 guide's table of loops and segments (usage,
repeats, code values); the interchange and group envelope, identical for every 5010
transaction, is taken at run time from the wheel's own 837P map, so nothing of pyx12's
files is copied into this repository. `build()` returns the map as XML text.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

GUIDE = "005010X212"
FUNCTIONAL_ID = "HR"
FILE_NAME = "276.5010.X212.xml"


@dataclass(frozen=True)
class E:
    """An element: its data dictionary number, name, usage (R, S, N) and code values."""

    data_ele: str
    name: str
    usage: str = "R"
    codes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Composite:
    data_ele: str
    name: str
    usage: str
    parts: tuple[E, ...]


@dataclass(frozen=True)
class Segment:
    id: str
    name: str
    usage: str
    pos: str
    elements: tuple[E | Composite, ...]
    max_use: str = "1"
    syntax: tuple[str, ...] = ()


@dataclass(frozen=True)
class Loop:
    id: str
    name: str
    usage: str
    pos: str
    repeat: str
    children: tuple[Segment | Loop, ...] = field(default=())


def _hl(name: str, level: str, parent: str, child_codes: tuple[str, ...]) -> Segment:
    return Segment(
        "HL",
        name,
        "R",
        "0100",
        (
            E("628", "Hierarchical ID Number"),
            E("734", "Hierarchical Parent ID Number", parent),
            E("735", "Hierarchical Level Code", codes=(level,)),
            E("736", "Hierarchical Child Code", codes=child_codes),
        ),
    )


def _nm1(
    name: str,
    entity: str,
    kinds: tuple[str, ...],
    usages: str,  # NM103..NM107, e.g. "RSSNS"
    qualifiers: tuple[str, ...],
) -> Segment:
    """NM1 with the guide's usage of the name parts and the identifier qualifiers; no id
    (NM108/NM109 not used) when `qualifiers` is empty."""
    parts = ("Last or Organization Name", "First Name", "Middle Name", "Prefix", "Suffix")
    numbers = ("1035", "1036", "1037", "1038", "1039")
    has_id = "R" if qualifiers else "N"
    return Segment(
        "NM1",
        name,
        "R",
        "0500",
        (
            E("98", "Entity Identifier Code", codes=(entity,)),
            E("1065", "Entity Type Qualifier", codes=kinds),
            *(E(n, f"Name {p}", u) for n, p, u in zip(numbers, parts, usages, strict=True)),
            E("66", "Identification Code Qualifier", has_id, qualifiers),
            E("67", "Identification Code", has_id),
            E("706", "Entity Relationship Code", "N"),
            E("98", "Entity Identifier Code", "N"),
            E("1035", "Name Last or Organization Name", "N"),
        ),
        syntax=("P0809", "C1110"),
    )


def _ref(name: str, qualifier: str, pos: str = "1000") -> Segment:
    return Segment(
        "REF",
        name,
        "S",
        pos,
        (
            E("128", "Reference Identification Qualifier", codes=(qualifier,)),
            E("127", "Reference Identification"),
            E("352", "Description", "N"),
        ),
    )


def _dtp(name: str, usage: str, pos: str) -> Segment:
    return Segment(
        "DTP",
        name,
        usage,
        pos,
        (
            E("374", "Date Time Qualifier", codes=("472",)),
            E("1250", "Date Time Period Format Qualifier", codes=("D8", "RD8")),
            E("1251", "Date Time Period"),
        ),
    )


_DMG = Segment(
    "DMG",
    "Demographic Information",
    "S",
    "0400",
    (
        E("1250", "Date Time Period Format Qualifier", codes=("D8",)),
        E("1251", "Birth Date"),
        E("1068", "Gender Code", codes=("F", "M", "U")),
    ),
    syntax=("P0102",),
)


def _claim(level: str) -> Loop:
    """2200D/2200E: the claim asked about, and 2210 its service lines."""
    line = Loop(
        f"2210{level}",
        "Service Line Information",
        "S",
        "1300",
        ">1",
        (
            Segment(
                "SVC",
                "Service Line Information",
                "R",
                "1300",
                (
                    Composite(
                        "C003",
                        "Composite Medical Procedure Identifier",
                        "R",
                        (
                            E(
                                "235",
                                "Product or Service ID Qualifier",
                                codes=("AD", "ER", "HC", "HP", "IV", "N4", "NU", "WK"),
                            ),
                            E("234", "Procedure Code"),
                            *(E("1339", "Procedure Modifier", "S") for _ in range(4)),
                            E("352", "Description", "N"),
                            E("234", "Product/Service ID", "N"),
                        ),
                    ),
                    E("782", "Line Item Charge Amount"),
                    E("782", "Monetary Amount", "N"),
                    E("234", "Revenue Code", "S"),
                    E("380", "Quantity", "N"),
                    Composite("C003", "Composite Medical Procedure Identifier", "N", ()),
                    E("380", "Units of Service Count", "S"),
                ),
            ),
            _ref("Service Line Item Identification", "FJ", "1400"),
            _dtp("Service Line Date", "R", "1500"),
        ),
    )
    return Loop(
        f"2200{level}",
        "Claim Status Tracking Number",
        "S",  # D: only when the subscriber is the patient
        "0900",
        ">1",
        (
            Segment(
                "TRN",
                "Claim Status Tracking Number",
                "R",
                "0900",
                (
                    E("481", "Trace Type Code", codes=("1",)),
                    E("127", "Current Transaction Trace Number"),
                    E("509", "Originating Company Identifier", "N"),
                    E("127", "Reference Identification", "N"),
                ),
            ),
            _ref("Payer Claim Control Number", "1K"),
            _ref("Institutional Bill Type Identification", "BLT"),
            _ref("Application or Location System Identifier", "LU"),
            _ref("Group Number", "6P"),
            _ref("Patient Control Number", "EJ"),
            _ref("Pharmacy Prescription Number", "XZ"),
            _ref("Claim Identification Number For Clearinghouses", "D9"),
            Segment(
                "AMT",
                "Claim Submitted Charges",
                "S",
                "1100",
                (
                    E("522", "Amount Qualifier Code", codes=("T3",)),
                    E("782", "Total Claim Charge Amount"),
                    E("478", "Credit/Debit Flag Code", "N"),
                ),
            ),
            _dtp("Claim Service Date", "S", "1200"),
            line,
        ),
    )


def body() -> tuple[Segment | Loop, ...]:
    """Table 1 (BHT) and Table 2 (the HL levels, each nested in its parent)."""
    header = Loop(
        "HEADER",
        "Table 1 - Header",
        "R",
        "0100",
        "1",
        (
            Segment(
                "BHT",
                "Beginning of Hierarchical Transaction",
                "R",
                "0200",
                (
                    E("1005", "Hierarchical Structure Code", codes=("0010",)),
                    E("353", "Transaction Set Purpose Code", codes=("13",)),
                    E("127", "Originator Application Transaction Identifier"),
                    E("373", "Transaction Set Creation Date"),
                    E("337", "Transaction Set Creation Time", "S"),
                    E("640", "Transaction Type Code", "N"),
                ),
            ),
        ),
    )
    dependent = Loop(
        "2000E",
        "Dependent Level",
        "S",
        "1600",
        ">1",
        (
            _hl("Dependent Level", "23", "R", ("0",)),
            _DMG,
            Loop(
                "2100E",
                "Dependent Name",
                "R",
                "0500",
                "1",
                (_nm1("Dependent Name", "QC", ("1",), "RSSNS", ()),),
            ),
            _claim("E"),
        ),
    )
    subscriber = Loop(
        "2000D",
        "Subscriber Level",
        "R",
        "1600",
        ">1",
        (
            _hl("Subscriber Level", "22", "R", ("0", "1")),
            _DMG,
            Loop(
                "2100D",
                "Subscriber Name",
                "R",
                "0500",
                "1",
                (_nm1("Subscriber Name", "IL", ("1", "2"), "RSSNS", ("II", "MI")),),
            ),
            _claim("D"),
            dependent,
        ),
    )
    provider = Loop(
        "2000C",
        "Service Provider Level",
        "R",
        "1600",
        ">1",
        (
            _hl("Service Provider Level", "19", "R", ("1",)),
            Loop(
                "2100C",
                "Provider Name",
                "R",
                "0500",
                "1",
                (_nm1("Provider Name", "1P", ("1", "2"), "SSSNS", ("FI", "SV", "XX")),),
            ),
            subscriber,
        ),
    )
    receiver = Loop(
        "2000B",
        "Information Receiver Level",
        "R",
        "1600",
        ">1",
        (
            _hl("Information Receiver Level", "21", "R", ("1",)),
            Loop(
                "2100B",
                "Information Receiver Name",
                "R",
                "0500",
                "1",
                (_nm1("Information Receiver Name", "41", ("1", "2"), "RSSNN", ("46", "FI", "XX")),),
            ),
            provider,
        ),
    )
    source = Loop(
        "2000A",
        "Information Source Level",
        "R",
        "0100",
        ">1",
        (
            _hl("Information Source Level", "20", "N", ("1",)),
            Loop(
                "2100A",
                "Payer Name",
                "R",
                "0500",
                "1",
                (_nm1("Payer Name", "PR", ("2",), "RNNNN", ("46", "FI", "NI", "PI", "XV")),),
            ),
            receiver,
        ),
    )
    detail = Loop("DETAIL", "Table 2 - Detail", "R", "0200", ">1", (source,))
    return header, detail


def _text(parent: ET.Element, tag: str, value: str) -> None:
    ET.SubElement(parent, tag).text = value


def _element(parent: ET.Element, item: E, xid: str, seq: int) -> None:
    node = ET.SubElement(parent, "element", xid=xid)
    _text(node, "data_ele", item.data_ele)
    _text(node, "name", item.name)
    _text(node, "usage", item.usage)
    _text(node, "seq", f"{seq:02d}")
    if item.codes:
        codes = ET.SubElement(node, "valid_codes")
        for code in item.codes:
            _text(codes, "code", code)


def _segment(parent: ET.Element, seg: Segment) -> None:
    node = ET.SubElement(parent, "segment", xid=seg.id)
    _text(node, "name", seg.name)
    _text(node, "usage", seg.usage)
    _text(node, "pos", seg.pos)
    _text(node, "max_use", seg.max_use)
    for rule in seg.syntax:
        _text(node, "syntax", rule)
    for seq, item in enumerate(seg.elements, start=1):
        xid = f"{seg.id}{seq:02d}"
        if isinstance(item, E):
            _element(node, item, xid, seq)
            continue
        composite = ET.SubElement(node, "composite")
        _text(composite, "data_ele", item.data_ele)
        _text(composite, "name", item.name)
        _text(composite, "usage", item.usage)
        _text(composite, "seq", f"{seq:02d}")
        for part_seq, part in enumerate(item.parts, start=1):
            _element(composite, part, f"{xid}-{part_seq:02d}", part_seq)


def _loop(parent: ET.Element, loop: Loop, *, wrapper: bool = False) -> None:
    attributes = {"xid": loop.id, **({"type": "wrapper"} if wrapper else {})}
    node = ET.SubElement(parent, "loop", attributes)
    _text(node, "name", loop.name)
    _text(node, "usage", loop.usage)
    _text(node, "pos", loop.pos)
    _text(node, "repeat", loop.repeat)
    for child in loop.children:
        if isinstance(child, Segment):
            _segment(node, child)
        else:
            _loop(node, child)


def _codes(tree: ET.Element, xid: str, codes: tuple[str, ...]) -> None:
    element = tree.find(f".//element[@xid='{xid}']")
    assert element is not None, xid
    old = element.find("valid_codes")
    if old is not None:
        element.remove(old)
    valid = ET.SubElement(element, "valid_codes")
    for code in codes:
        _text(valid, "code", code)


def build(shipped_maps: Path) -> str:
    """The 276 map, on the envelope of the wheel's 837P map in `shipped_maps`."""
    # the installed wheel's own file, not input from outside
    root = ET.parse(shipped_maps / "837.5010.X222.A1.xml").getroot()  # noqa: S314
    root.set("xid", "276")
    name = root.find("name")
    assert name is not None
    name.text = "HIPAA Health Care Claim Status Request X212-276"
    _codes(root, "GS01", (FUNCTIONAL_ID,))
    _codes(root, "GS08", (GUIDE,))
    _codes(root, "ST01", ("276",))
    _codes(root, "ST03", (GUIDE,))
    st_loop = root.find(".//loop[@xid='ST_LOOP']")
    assert st_loop is not None
    tables = [c for c in st_loop if c.tag == "loop"]
    at = list(st_loop).index(tables[0])
    for old in tables:
        st_loop.remove(old)
    scratch = ET.Element("scratch")
    for table in body():
        assert isinstance(table, Loop)
        _loop(scratch, table, wrapper=True)
    for offset, node in enumerate(scratch):
        st_loop.insert(at + offset, node)
    ET.indent(root)
    return '<?xml version="1.0"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
