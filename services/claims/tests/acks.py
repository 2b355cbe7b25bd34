"""999 and 277CA files the way a clearinghouse sends them, built with our writer, for
the claims service's tests (and checked against pyx12 where it has a map)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from rcm_shared.x12.writer import TransactionSpec, build_interchange, segment

NOW = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
D8 = NOW.strftime("%Y%m%d")


def _interchange(set_id: str, version: str, functional_id: str, body: list, control: int) -> str:
    return build_interchange(
        sender_qualifier="ZZ",
        sender_id="CLEARINGHOUSE",
        receiver_qualifier="ZZ",
        receiver_id="RCMBACKBONE",
        interchange_control=control,
        usage="T",
        ack_requested=False,
        functional_id=functional_id,
        app_sender="CLEARINGHOUSE",
        app_receiver="RCMBACKBONE",
        group_control=control,
        version=version,
        timestamp=NOW,
        transactions=[TransactionSpec(set_id=set_id, control_number="0001", segments=body)],
    )


def ack_999(group_control: str, transactions: dict[str, bool], control: int = 9001) -> str:
    """A 999 for our group `group_control`: {ST02: accepted?}."""
    body = [segment("AK1", "HC", group_control, "005010X222A1")]
    for st02, accepted in transactions.items():
        body.append(segment("AK2", "837", st02, "005010X222A1"))
        if not accepted:
            body += [segment("IK3", "NM1", "8", "2010", "8"), segment("IK4", "9", "67", "7")]
        body.append(segment("IK5", "A" if accepted else "R", *([] if accepted else ["5"])))
    ok = sum(transactions.values())
    status = "A" if ok == len(transactions) else ("P" if ok else "R")
    body.append(segment("AK9", status, str(len(transactions)), str(len(transactions)), str(ok)))
    return _interchange("999", "005010X231A1", "FA", body, control)


@dataclass
class ClaimAnswer:
    patient_control_number: str
    charge: str
    accepted: bool
    payer_claim_control_number: str | None = None


def ack_277ca(
    answers: list[ClaimAnswer], billing_npi: str = "1245319599", control: int = 9101
) -> str:
    """A 277CA: information source (payer), receiver (us), billing provider, and one
    patient-level claim status per answer."""
    body = [
        segment("BHT", "0085", "08", "BATCH1", D8, "0930", "TH"),
        segment("HL", "1", None, "20", "1"),
        segment("NM1", "PR", "2", "ACME HEALTH PLAN", None, None, None, None, "PI", "87726"),
        segment("TRN", "1", "RECEIPT1"),
        segment("DTP", "050", "D8", D8),
        segment("DTP", "009", "D8", D8),
        segment("HL", "2", "1", "21", "1"),
        segment("NM1", "41", "2", "RCM BACKBONE", None, None, None, None, "46", "RCMBACKBONE"),
        segment("TRN", "2", "OURBATCH"),
        segment("STC", ["A1", "19", "PR"], D8, "WQ", "0"),
        segment("HL", "3", "2", "19", "1"),
        segment(
            "NM1",
            "85",
            "2",
            "SPRINGFIELD FAMILY MEDICINE",
            None,
            None,
            None,
            None,
            "XX",
            billing_npi,
        ),
        segment("TRN", "1", "0"),
        segment("STC", ["A1", "19", "85"], None, "WQ", "0"),
    ]
    for number, answer in enumerate(answers, start=4):
        status = ["A2", "20", "PR"] if answer.accepted else ["A7", "562", "85"]
        body += [
            segment("HL", str(number), "3", "PT"),
            segment("NM1", "QC", "1", "DOE", "JANE", None, None, None, "MI", "M12345"),
            segment("TRN", "2", answer.patient_control_number),
            segment("STC", status, D8, "WQ" if answer.accepted else "U", answer.charge),
        ]
        if answer.payer_claim_control_number:
            body.append(segment("REF", "1K", answer.payer_claim_control_number))
        body.append(segment("DTP", "472", "D8", D8))
    return _interchange("277", "005010X214", "HN", body, control)
