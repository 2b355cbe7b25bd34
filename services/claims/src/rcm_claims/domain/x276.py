"""Claim status inquiries as a HIPAA 5010 276 (005010X212). Pure: no I/O.

Layout (the guide's loops): 2000A information source (the payer), 2000B information
receiver (us, the submitter), 2000C service provider (the billing provider), 2000D
subscriber, 2000E dependent when the patient is not the subscriber; the claim itself
(2200D/E) is TRN (our trace, echoed in the 277), REF*1K payer claim control number,
REF*EJ patient account number (CLM01), AMT*T3 total charge and DTP*472 dates of service.
One transaction per payer and billing provider: each has its own 2000A and 2000C.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal

from rcm_claims.domain.claim import ClaimData
from rcm_shared.x12.separators import Separators
from rcm_shared.x12.writer import Seg, TransactionSpec, build_interchange

VERSION = "005010X212"


@dataclass(frozen=True)
class Inquiry276:
    trace: str  # TRN02: comes back in the 277 beside the answer
    data: ClaimData
    patient_control_number: str
    payer_claim_control_number: str | None
    payer_id: str
    payer_name: str
    billing_name: str
    billing_npi: str


@dataclass(frozen=True)
class Envelope276:
    sender_id: str
    receiver_id: str
    submitter_name: str
    interchange_control: int
    group_control: int
    timestamp: datetime
    usage: Literal["P", "T"] = "P"
    separators: Separators = field(default_factory=Separators)


def _d8(day: date) -> str:
    return day.strftime("%Y%m%d")


def _money(value: object) -> str:
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def build_276(inquiries: Sequence[Inquiry276], envelope: Envelope276) -> str:
    if not inquiries:
        raise ValueError("a 276 needs at least one claim")
    groups: dict[tuple[str, str], list[Inquiry276]] = {}
    for inquiry in inquiries:
        groups.setdefault((inquiry.payer_id, inquiry.billing_npi), []).append(inquiry)
    specs = [
        TransactionSpec("276", f"{n:04d}", _transaction(batch, envelope, n))
        for n, batch in enumerate(groups.values(), start=1)
    ]
    return build_interchange(
        sender_qualifier="ZZ",
        sender_id=envelope.sender_id,
        receiver_qualifier="ZZ",
        receiver_id=envelope.receiver_id,
        interchange_control=envelope.interchange_control,
        usage=envelope.usage,
        ack_requested=False,
        functional_id="HR",
        app_sender=envelope.sender_id,
        app_receiver=envelope.receiver_id,
        group_control=envelope.group_control,
        version=VERSION,
        transactions=specs,
        separators=envelope.separators,
        timestamp=envelope.timestamp,
    )


def _transaction(batch: list[Inquiry276], envelope: Envelope276, number: int) -> list[Seg]:
    first = batch[0]
    when = envelope.timestamp
    body = [
        Seg(
            "BHT",
            (
                "0010",
                "13",  # request
                f"{envelope.interchange_control:09d}{number:04d}",
                when.strftime("%Y%m%d"),
                when.strftime("%H%M"),
            ),
        ),
        Seg("HL", ("1", None, "20", "1")),
        Seg(
            "NM1",
            ("PR", "2", first.payer_name.upper(), None, None, None, None, "PI", first.payer_id),
        ),
        Seg("HL", ("2", "1", "21", "1")),
        Seg(
            "NM1",
            (
                "41",
                "2",
                envelope.submitter_name.upper(),
                None,
                None,
                None,
                None,
                "46",
                envelope.sender_id,
            ),
        ),
        Seg("HL", ("3", "2", "19", "1")),
        Seg(
            "NM1",
            (
                "1P",
                "2",
                first.billing_name.upper(),
                None,
                None,
                None,
                None,
                "XX",
                first.billing_npi,
            ),
        ),
    ]
    hl = 3
    for inquiry in batch:
        data = inquiry.data
        subscriber = data.subscriber
        dependent = data.patient
        hl += 1
        subscriber_hl = hl
        body.append(Seg("HL", (str(hl), "3", "22", "1" if dependent else "0")))
        if dependent is None:
            body.append(Seg("DMG", ("D8", _d8(subscriber.birth_date), subscriber.gender)))
        body.append(
            Seg(
                "NM1",
                (
                    "IL",
                    "1",
                    subscriber.last_name.upper(),
                    subscriber.first_name.upper(),
                    None,
                    None,
                    None,
                    "MI",
                    subscriber.member_id,
                ),
            )
        )
        if dependent is not None:
            hl += 1
            body.append(Seg("HL", (str(hl), str(subscriber_hl), "23", "0")))
            body.append(Seg("DMG", ("D8", _d8(dependent.birth_date), dependent.gender)))
            body.append(
                Seg("NM1", ("QC", "1", dependent.last_name.upper(), dependent.first_name.upper()))
            )
        body += _claim(inquiry)
    return body


def _claim(inquiry: Inquiry276) -> list[Seg]:
    data = inquiry.data
    out = [Seg("TRN", ("1", inquiry.trace))]
    if inquiry.payer_claim_control_number:
        out.append(Seg("REF", ("1K", inquiry.payer_claim_control_number)))
    out.append(Seg("REF", ("EJ", inquiry.patient_control_number)))
    out.append(Seg("AMT", ("T3", _money(data.total_charge))))
    first, last = data.first_date, data.last_date
    out.append(Seg("DTP", ("472", "RD8", f"{_d8(first)}-{_d8(last)}")))
    return out
