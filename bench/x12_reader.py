"""Throughput of the X12 reader against a bare `str.split` loop.

    deploy/uv run python -m bench.x12_reader

Builds a synthetic ~4 MB 835-like interchange in memory (10,000 claims, each with CAS and
SVC segments) and times, as the median of 3 runs:
  (a) a bare streaming split loop that keeps nothing: the floor for pure-Python parsing,
  (b) iter_segments over the same text,
  (c) iter_segments with every segment fed to EnvelopeValidator.
No assertions: the figures are for reading (the target is >= 15 MB/s for (b)).
"""

from __future__ import annotations

from bench.common import bare_split, timed_median
from rcm_shared.x12.reader import EnvelopeValidator, iter_segments

CLAIMS = 10_000
RUNS = 3


def synthetic_835(claims: int = CLAIMS) -> str:
    """An envelope-valid 835-shaped interchange (structure only, amounts not balanced)."""
    head = [
        "ISA*00*          *00*          *ZZ*PAYERSENDER    *ZZ*PROVIDERRECV   "
        "*240101*1200*^*00501*000000001*0*P*:",
        "GS*HP*PAYERSENDER*PROVIDERRECV*20240101*1200*1*X*005010X221A1",
        "ST*835*0001",
        "BPR*I*1234567.89*C*ACH*CCP*01*999999999*DA*123456789*1512345678**01*999988880*DA*98765*20240102",
        "TRN*1*12345*1512345678",
        "DTM*405*20240101",
        "N1*PR*SYNTHETIC PAYER",
        "N3*1 PAYER WAY",
        "N4*ANYTOWN*CA*900010000",
        "PER*BL*EDI DESK*TE*8005550100",
        "N1*PE*SYNTHETIC CLINIC*XX*1234567893",
        "LX*1",
    ]
    body: list[str] = []
    for n in range(claims):
        body += [
            f"CLP*PCN{n:010d}*1*300.00*210.00*30.00*12*PAYERCLAIM{n:012d}*11*1",
            f"NM1*QC*1*PATIENT{n % 997}*FIRST*M***MI*MEMBER{n:09d}",
            "NM1*82*1*RENDERING*DOCTOR****XX*1234567893",
            "DTM*232*20231215",
            "DTM*233*20231215",
            "CAS*CO*45*60.00",
            "AMT*AU*240.00",
            "SVC*HC:99213:25*200.00*140.00**1",
            "DTM*472*20231215",
            "CAS*CO*45*40.00**253*2.80",
            "CAS*PR*2*17.20",
            "REF*6R*LINE1",
            "AMT*B6*160.00",
            "SVC*HC:85025*100.00*70.00**1",
            "DTM*472*20231215",
            "CAS*CO*45*20.00",
            "CAS*PR*1*10.00",
            "REF*6R*LINE2",
            "AMT*B6*80.00",
        ]
    # ST..SE inclusive: the ST and the 9 header segments after it, the body, the SE.
    se_count = (len(head) - 2) + len(body) + 1
    tail = [f"SE*{se_count}*0001", "GE*1*1", "IEA*1*000000001"]
    return "~\n".join(head + body + tail) + "~\n"


def tokenizer(text: str) -> int:
    """(b) iter_segments, nothing kept."""
    count = 0
    for _ in iter_segments(text):
        count += 1
    return count


def tokenizer_validated(text: str) -> int:
    """(c) iter_segments + EnvelopeValidator."""
    validator = EnvelopeValidator()
    feed = validator.feed
    count = 0
    for seg in iter_segments(text):
        feed(seg)
        count += 1
    validator.finish()
    return count


def main() -> None:
    text = synthetic_835()
    megabytes = len(text.encode("latin-1")) / 1e6
    print(f"synthetic 835: {megabytes:.2f} MB, {CLAIMS:,} claims, median of {RUNS} runs")
    cases = [
        ("(a) bare str.split loop", bare_split),
        ("(b) iter_segments", tokenizer),
        ("(c) iter_segments + EnvelopeValidator", tokenizer_validated),
    ]
    base = 0.0
    print(f"{'':40} {'MB/s':>8} {'segments/s':>12} {'claims/s':>10} {'vs (a)':>7}")
    for name, func in cases:
        seconds, segments = timed_median(RUNS, func, text)
        base = base or seconds
        print(
            f"{name:40} {megabytes / seconds:8.1f} {segments / seconds:12,.0f} "
            f"{CLAIMS / seconds:10,.0f} {base / seconds:7.2f}"
        )


if __name__ == "__main__":
    main()
