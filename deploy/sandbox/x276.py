"""The payer's side of claim status (005010X212): read a 276, answer each claim with a 277
STC from what the sandbox knows of it (its ground truth record). Pure: no I/O.

| what the sandbox knows of the claim (CLM01) | STC01 |
|---|---|
| nothing, or a member the payer lost (LST) | A4:35 not found |
| rejected by the 277CA | A3:21 returned, missing or invalid information |
| adjudicated, its 835 sent, paid | F1:65 finalized, paid (STC04 charge, STC05 paid) |
| adjudicated, its 835 sent, nothing paid | F2:1 finalized, denied (see the remittance advice) |
| accepted, its 835 not sent yet | P1:20 pending, in process |
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from deploy.sandbox.x12out import amount, d8
from rcm_shared.x12.reader import read_interchange
from rcm_shared.x12.writer import Seg, TransactionSpec, Value, build_interchange

VERSION = "005010X212"


@dataclass
class AskedClaim:
    trace: str  # TRN02 of the 276, echoed
    patient_control_number: str  # REF*EJ
    payer_claim_control_number: str | None  # REF*1K
    charge: Decimal | None  # AMT*T3
    dates: str | None  # DTP*472 RD8
    subscriber: tuple[Value, ...]  # NM1*IL NM102..NM109
    dependent: tuple[Value, ...] | None  # NM1*QC NM102..


@dataclass
class Inquiry276:
    sender: str  # ISA06: who asks, whom the 277 goes back to
    reference: str  # BHT03
    payer: tuple[Value, ...]  # NM1*PR NM102..NM109
    submitter: tuple[Value, ...]  # NM1*41
    provider: tuple[Value, ...]  # NM1*1P
    claims: list[AskedClaim] = field(default_factory=list)


def read_276(text: str) -> Inquiry276:
    """The claims one 276 asks about (X12SyntaxError for a broken envelope)."""
    interchange = read_interchange(text)
    group = interchange.groups[0]
    if group.functional_id != "HR":
        raise group.gs.error("GS01 must be HR (claim status inquiry)", 1)
    out = Inquiry276(interchange.isa.get(6).strip(), "", (), (), ())
    subscriber: tuple[Value, ...] = ()
    dependent: tuple[Value, ...] | None = None
    current: AskedClaim | None = None
    for transaction in group.transactions:
        for seg in transaction.body:
            rest = tuple(seg.elements[2:])
            if seg.id == "BHT":
                out.reference = seg.get(3)
            elif seg.id == "HL" and seg.get(3) == "22":
                dependent = None
            elif seg.id == "NM1":
                entity = seg.get(1)
                if entity == "PR":
                    out.payer = rest
                elif entity == "41":
                    out.submitter = rest
                elif entity == "1P":
                    out.provider = rest
                elif entity == "IL":
                    subscriber = rest
                elif entity == "QC":
                    dependent = rest
            elif seg.id == "TRN":
                current = AskedClaim(seg.get(2), "", None, None, None, subscriber, dependent)
                out.claims.append(current)
            elif current is not None and seg.id == "REF":
                if seg.get(1) == "EJ":
                    current.patient_control_number = seg.get(2)
                elif seg.get(1) == "1K":
                    current.payer_claim_control_number = seg.get(2)
            elif current is not None and seg.id == "AMT" and seg.get(1) == "T3":
                current.charge = seg.decimal(2)
            elif current is not None and seg.id == "DTP" and seg.get(1) == "472":
                current.dates = seg.get(3)
    return out


@dataclass(frozen=True)
class StatusOf:
    category: str
    code: str
    paid: Decimal | None = None


def claim_status(record: dict[str, Any] | None, when: datetime) -> StatusOf:
    """The STC for a claim from the sandbox's record of its latest submission."""
    if record is None or record.get("scenario") == "lost":
        return StatusOf("A4", "35")
    if record.get("ack_277ca") == "rejected" or record.get("ack_999") == "R":
        return StatusOf("A3", "21")
    if record.get("claim_status") is None or record.get("remittance") is None:
        return StatusOf("P1", "20")  # decided only once its 835 has gone out
    paid = Decimal(record.get("paid") or "0")
    return StatusOf("F1", "65", paid) if paid > 0 else StatusOf("F2", "1", paid)


def build_277(
    inquiry: Inquiry276,
    answers: list[tuple[AskedClaim, StatusOf]],
    control: int,
    when: datetime,
) -> str:
    body: list[Seg] = [
        Seg("BHT", ("0010", "08", inquiry.reference or "SANDBOX", d8(when), "0800", "DG")),
        Seg("HL", ("1", None, "20", "1")),
        Seg("NM1", ("PR", *inquiry.payer)),
        Seg("HL", ("2", "1", "21", "1")),
        Seg("NM1", ("41", *inquiry.submitter)),
        Seg("HL", ("3", "2", "19", "1")),
        Seg("NM1", ("1P", *inquiry.provider)),
    ]
    hl = 3
    for asked, status in answers:
        hl += 1
        parent = hl
        body.append(Seg("HL", (str(hl), "3", "22", "1" if asked.dependent else "0")))
        body.append(Seg("NM1", ("IL", *asked.subscriber)))
        if asked.dependent:
            hl += 1
            body.append(Seg("HL", (str(hl), str(parent), "23", "0")))
            body.append(Seg("NM1", ("QC", *asked.dependent)))
        charge = amount(asked.charge) if asked.charge is not None else None
        paid = amount(status.paid) if status.paid is not None else None
        body.append(Seg("TRN", ("2", asked.trace)))
        body.append(Seg("STC", ((status.category, status.code), d8(when), None, charge, paid)))
        if asked.payer_claim_control_number:
            body.append(Seg("REF", ("1K", asked.payer_claim_control_number)))
        body.append(Seg("REF", ("EJ", asked.patient_control_number)))
        if asked.dates:
            body.append(Seg("DTP", ("472", "RD8", asked.dates)))
    return build_interchange(
        sender_qualifier="ZZ",
        sender_id="SANDBOXCH",
        receiver_qualifier="ZZ",
        receiver_id=inquiry.sender or "RCMBACKBONE",
        interchange_control=control,
        usage="T",
        ack_requested=False,
        functional_id="HN",
        app_sender="SANDBOXCH",
        app_receiver=inquiry.sender or "RCMBACKBONE",
        group_control=control,
        version=VERSION,
        transactions=[TransactionSpec("277", "0001", body)],
        timestamp=when,
    )
