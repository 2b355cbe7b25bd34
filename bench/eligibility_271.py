"""Throughput of the 271 reader against the bare X12 tokenizer.

    deploy/uv run python -m bench.eligibility_271 [N]

Builds one realistic 271 (payer, clinic, one subscriber with 25 EB lines: active
coverage, copays, coinsurance, deductibles and out-of-pocket amounts for individual and
family, in and out of network, messages, dates and a primary care provider in LS/LE) and
times, as the median of 3 runs of N responses each:
  (a) iter_segments over the text, nothing kept: the floor for any reader on this stack,
  (b) parse_271: envelope checks, the HL tree, every benefit as a frozen dataclass,
  (c) parse_271 + summarize for service types 30 and 98, which is what a check does.
No assertions: the figures are for reading (the target is >= 2,000 responses/s for (b)).
"""

from __future__ import annotations

import sys
from datetime import datetime

from bench.common import timed_median
from rcm_eligibility.domain.x271 import parse_271, summarize
from rcm_shared.x12.reader import iter_segments
from rcm_shared.x12.writer import Repeated, Seg, TransactionSpec, build_interchange, segment

N = 2_000
RUNS = 3


def eb(info: str, level: str | None, types: list[str], *rest: str | None) -> Seg:
    return segment("EB", info, level, Repeated(types) if types else None, *rest)


def realistic_271() -> str:
    visits = ["98", "UC", "86", "A3"]
    body: list[Seg] = [
        segment("BHT", "0022", "11", "REQ0001", "20250701", "1030"),
        segment("HL", "1", None, "20", "1"),
        segment("NM1", "PR", "2", "ACME HEALTH PLAN", None, None, None, None, "PI", "87726"),
        segment("HL", "2", "1", "21", "1"),
        segment("NM1", "1P", "2", "SPRINGFIELD CLINIC", None, None, None, None, "XX", "1245319599"),
        segment("HL", "3", "2", "22", "0"),
        segment("TRN", "2", "5f0c1d2e3a4b4c5d8e9f0a1b2c3d4e", "9877281234"),
        segment("TRN", "1", "20250701-0001", "9ACMEHEALTH"),
        segment("NM1", "IL", "1", "DOE", "JANE", "Q", None, None, "MI", "W123456789"),
        segment("REF", "6P", "GRP100", "ACME EMPLOYER GROUP"),
        segment("REF", "18", "PLAN77"),
        segment("N3", "100 MAIN ST", "APT 4"),
        segment("N4", "SPRINGFIELD", "IL", "627011234"),
        segment("DMG", "D8", "19800102", "F"),
        segment("INS", "Y", "18", "001", "25"),
        segment("DTP", "346", "D8", "20250101"),
        segment("DTP", "347", "D8", "20251231"),
        segment("DTP", "356", "D8", "20250101"),
        eb(
            "1",
            "FAM",
            ["30", "1", "33", "35", "47", "48", "50", "86", "88", "98", "AL", "MH", "UC"],
            "PR",
            "ACME GOLD PPO",
        ),
        segment("DTP", "291", "RD8", "20250101-20251231"),
        eb("L", None, []),
        segment("LS", "2120"),
        segment("NM1", "P3", "1", "JONES", "MARCUS", None, None, None, "XX", "1003000126"),
        segment("N3", "5 OAK AVE"),
        segment("N4", "SPRINGFIELD", "IL", "62704"),
        segment("PER", "IC", None, "TE", "2175550100"),
        segment("LE", "2120"),
    ]
    for level in ("IND", "FAM"):
        for network, factor in (("Y", 1), ("N", 2)):
            base = 1500 * factor * (2 if level == "FAM" else 1)
            body += [
                eb("C", level, ["30"], None, None, "23", f"{base}.00", *[None] * 4, network),
                eb("C", level, ["30"], None, None, "29", f"{base // 5}.00", *[None] * 4, network),
                eb("G", level, ["30"], None, None, "23", f"{base * 4}.00", *[None] * 4, network),
                eb("G", level, ["30"], None, None, "29", f"{base * 3}.00", *[None] * 4, network),
            ]
    for network, copay, share in (("Y", "25.00", "0.2"), ("N", "60.00", "0.4")):
        body += [
            eb("B", "IND", visits, None, None, "27", copay, *[None] * 4, network),
            segment("MSG", "COPAY APPLIES PER VISIT"),
            eb("A", "IND", ["30", *visits], None, None, "27", None, share, *[None] * 3, network),
        ]
    body += [
        eb("F", "IND", ["33"], None, None, "23", None, None, "VS", "20", "Y", "Y"),
        segment("MSG", "CHIROPRACTIC VISITS PER CALENDAR YEAR"),
        eb("I", None, ["AL"]),
        eb("R", None, ["30"], "MB"),
        segment("LS", "2120"),
        segment("NM1", "PRP", "2", "MEDICARE PART B", None, None, None, None, "PI", "00952"),
        segment("LE", "2120"),
        eb("X", "IND", ["30"], None, None, None, "50.00", *[None] * 4, "Y"),
    ]
    return build_interchange(
        sender_qualifier="PI",
        sender_id="87726",
        receiver_qualifier="ZZ",
        receiver_id="CLINIC01",
        interchange_control=1,
        usage="P",
        ack_requested=False,
        functional_id="HB",
        app_sender="87726",
        app_receiver="CLINIC01",
        group_control=1,
        version="005010X279A1",
        transactions=[TransactionSpec("271", "0001", body)],
        timestamp=datetime(2025, 7, 1, 10, 30),
    )


def tokenize(text: str, n: int) -> int:
    """(a) The bare tokenizer, nothing kept."""
    for _ in range(n):
        for _seg in iter_segments(text):
            pass
    return n


def parse(text: str, n: int) -> int:
    """(b) parse_271."""
    for _ in range(n):
        parse_271(text)
    return n


def parse_and_summarize(text: str, n: int) -> int:
    """(c) parse_271 + summarize."""
    for _ in range(n):
        for response in parse_271(text):
            summarize(response, ("30", "98"))
    return n


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else N
    text = realistic_271()
    (response,) = parse_271(text)
    segments = sum(1 for _ in iter_segments(text))
    print(
        f"271: {len(text):,} bytes, {segments} segments, {len(response.benefits)} EB lines, "
        f"{n:,} responses per run, median of {RUNS} runs"
    )
    cases = [
        ("(a) iter_segments, nothing kept", tokenize),
        ("(b) parse_271", parse),
        ("(c) parse_271 + summarize", parse_and_summarize),
    ]
    base = 0.0
    print(f"{'':36} {'responses/s':>12} {'us/response':>12} {'vs (a)':>7}")
    for name, func in cases:
        seconds = timed_median(RUNS, func, text, n)[0]
        base = base or seconds
        print(f"{name:36} {n / seconds:12,.0f} {seconds / n * 1e6:12.1f} {base / seconds:7.2f}")


if __name__ == "__main__":
    main()
