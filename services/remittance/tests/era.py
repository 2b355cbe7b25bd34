"""Hand-built 835s for the service tests: claims with lines, adjustments that balance
unless told otherwise, PLB, reversals."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

ISA = (
    "ISA*00*          *00*          *ZZ*PAYERSENDER    *ZZ*PROVIDERRECV   "
    "*240105*1200*^*00501*000000042*0*T*:"
)


@dataclass
class Line:
    code: str = "99213"
    charge: str = "100.00"
    paid: str = "80.00"
    # (group, reason, amount); default: CO-45 for charge - paid
    cas: Sequence[tuple[str, str, str]] | None = None
    modifiers: Sequence[str] = ()
    remarks: Sequence[str] = ()


@dataclass
class Clp:
    pcn: str
    status: str = "1"
    lines: Sequence[Line] = field(default_factory=lambda: [Line()])
    ccn: str | None = None  # CLP07; default derived from the pcn
    claim_cas: Sequence[tuple[str, str, str]] = ()
    patient_responsibility: str = "0"
    charge: str | None = None  # default: the sum of the lines
    paid: str | None = None

    def totals(self) -> tuple[Decimal, Decimal]:
        charge = Decimal(self.charge) if self.charge else sum(Decimal(x.charge) for x in self.lines)
        paid = Decimal(self.paid) if self.paid else sum(Decimal(x.paid) for x in self.lines)
        return Decimal(charge), Decimal(paid)

    def segments(self) -> list[str]:
        charge, paid = self.totals()
        ccn = self.ccn or f"ICN{self.pcn}"
        out = [
            f"CLP*{self.pcn}*{self.status}*{charge:.2f}*{paid:.2f}*{self.patient_responsibility}"
            f"*12*{ccn}*11*1"
        ]
        out += [f"CAS*{g}*{r}*{a}" for g, r, a in self.claim_cas]
        out += [
            "NM1*QC*1*DOE*JANE****MI*M123456",
            "NM1*82*1*SMITH*ANN****XX*1234567893",
            "DTM*232*20240101",
        ]
        for n, line in enumerate(self.lines, 1):
            composite = ":".join(["HC", line.code, *line.modifiers])
            out += [f"SVC*{composite}*{line.charge}*{line.paid}**1", "DTM*472*20240101"]
            cas = line.cas
            if cas is None:
                diff = Decimal(line.charge) - Decimal(line.paid)
                cas = [("CO", "45", f"{diff:.2f}")] if diff else []
            out += [f"CAS*{g}*{r}*{a}" for g, r, a in cas]
            out.append(f"REF*6R*{self.pcn}-{n}")
            if line.remarks:
                out.append("LQ*HE*" + line.remarks[0])
        return out


def transaction(
    claims: Sequence[Clp],
    *,
    trace: str,
    payer_id: str = "PAYER01",
    control: str = "0001",
    plbs: Sequence[tuple[str, str]] = (),
    amount: str | None = None,
) -> list[str]:
    """ST..SE; BPR02 = sum of CLP04 - sum of PLB unless `amount` says otherwise."""
    plb_total = sum((Decimal(a) for _, a in plbs), Decimal(0))
    total = sum((c.totals()[1] for c in claims), Decimal(0)) - plb_total
    bpr = amount if amount is not None else f"{total:.2f}"
    body = [
        f"BPR*I*{bpr}*C*ACH*CCP*01*999999999*DA*12345*1512345678**01*999988880*DA*98765*20240105",
        f"TRN*1*{trace}*1512345678",
        "DTM*405*20240104",
        "N1*PR*TEST PAYER",
        "N3*1 MAIN ST",
        "N4*ANYTOWN*CA*90001",
        f"REF*2U*{payer_id}",
        "PER*BL*EDI*TE*8005550100",
        "N1*PE*TEST CLINIC*XX*1234567893",
        "LX*1",
    ]
    for clp in claims:
        body += clp.segments()
    if plbs:
        pairs = "*".join(f"{reason}:REF{n}*{a}" for n, (reason, a) in enumerate(plbs))
        body.append(f"PLB*1234567893*20241231*{pairs}")
    return [f"ST*835*{control}", *body, f"SE*{len(body) + 2}*{control}"]


def interchange(*transactions: list[str]) -> str:
    segments = [ISA, "GS*HP*PAYERSENDER*PROVIDERRECV*20240105*1200*7*X*005010X221A1"]
    for t in transactions:
        segments += t
    segments += [f"GE*{len(transactions)}*7", "IEA*1*000000042"]
    return "~\n".join(segments) + "~\n"


def era(claims: Sequence[Clp], **kwargs: object) -> str:
    return interchange(transaction(claims, **kwargs))  # type: ignore[arg-type]
