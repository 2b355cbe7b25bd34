"""Throughput of the streaming 835 reader against a bare `str.split` loop.

    deploy/uv run python -m bench.remittance_835

Builds a balanced ~4 MB 835 in memory (10,000 claims, 2 lines each, CAS at claim and
line level, a PLB every 1,000 claims) and times, as the median of 3 runs:
  (a) a bare streaming split loop that keeps nothing: the floor for pure-Python parsing,
  (b) read_835 consuming every event (envelope validation, amounts, balancing).
No assertions: the figures are for reading (the target for (b) is >= 10 MB/s).
"""

from __future__ import annotations

from bench.common import bare_split, timed_median
from rcm_remittance.domain.x835 import TransactionEnd, read_835

CLAIMS = 10_000
PLB_EVERY = 1_000
RUNS = 3


def synthetic_835(claims: int = CLAIMS) -> str:
    """A balanced 835: per claim 310 - 200 = 10 + 70 + 30; PLB 5.00 per 1,000 claims."""
    plb_count = claims // PLB_EVERY
    total = f"{200 * claims - 5 * plb_count:.2f}"
    head = [
        "ISA*00*          *00*          *ZZ*PAYERSENDER    *ZZ*PROVIDERRECV   "
        "*240101*1200*^*00501*000000001*0*P*:",
        "GS*HP*PAYERSENDER*PROVIDERRECV*20240101*1200*1*X*005010X221A1",
        "ST*835*0001",
        f"BPR*I*{total}*C*ACH*CCP*01*999999999*DA*123456789*1512345678**01*999988880*DA*98765"
        "*20240102",
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
            f"CLP*PCN{n:010d}*1*310.00*200.00*30.00*12*PAYERCLAIM{n:012d}*11*1",
            "CAS*CO*45*10.00",
            f"NM1*QC*1*PATIENT{n % 997}*FIRST*M***MI*MEMBER{n:09d}",
            "NM1*82*1*RENDERING*DOCTOR****XX*1234567893",
            "DTM*232*20231215",
            "DTM*233*20231215",
            "AMT*AU*240.00",
            "SVC*HC:99213:25*200.00*130.00**1",
            "DTM*472*20231215",
            "CAS*CO*45*67.20**253*2.80",
            "REF*6R*LINE1",
            "AMT*B6*160.00",
            "SVC*HC:85025*100.00*70.00**1",
            "DTM*472*20231215",
            "CAS*PR*2*30.00",
            "REF*6R*LINE2",
            "AMT*B6*80.00",
            "LQ*HE*N130",
        ]
    plb = [f"PLB*1234567893*20241231*WO:REF{k}*5.00" for k in range(plb_count)]
    se_count = (len(head) - 2) + len(body) + len(plb) + 1  # ST..SE inclusive
    tail = [f"SE*{se_count}*0001", "GE*1*1", "IEA*1*000000001"]
    return "~\n".join(head + body + plb + tail) + "~\n"


def reader(text: str) -> int:
    """(b) read_835, every event consumed."""
    count = 0
    for event in read_835(text):
        count += 1
        if isinstance(event, TransactionEnd) and event.imbalances:
            raise AssertionError("the synthetic file should balance")
    return count


def main() -> None:
    text = synthetic_835()
    megabytes = len(text.encode("latin-1")) / 1e6
    print(f"synthetic 835: {megabytes:.2f} MB, {CLAIMS:,} claims, median of {RUNS} runs")
    print(f"{'':32} {'MB/s':>8} {'claims/s':>10} {'vs (a)':>7}")
    base = 0.0
    for name, func in [("(a) bare str.split loop", bare_split), ("(b) read_835", reader)]:
        seconds, _ = timed_median(RUNS, func, text)
        base = base or seconds
        print(
            f"{name:32} {megabytes / seconds:8.1f} {CLAIMS / seconds:10,.0f} {base / seconds:7.2f}"
        )


if __name__ == "__main__":
    main()
