"""The 277 claim status response (005010X212) and what its STC says about a claim. Pure.

A 277 answers each 276 claim in loop 2200D/E: TRN*2 (the inquiry's trace), STC (category
code : status code : entity, the date, the charge and what was paid), REF*1K and REF*EJ.
The category code (STC01-1) is the answer; the status code says why:

- A4, D0: the payer cannot find the claim (not found)
- A0-A3, A5-A8 acknowledgment: received, accepted into adjudication (pending) or returned
- P0-P5: pending (in process, in review, waiting for information)
- F1: finalized and paid; F2: finalized and denied; F0, F3, F4: finalized otherwise
- R0-R16: the payer wants more information
- E0-E4: the payer could not answer now
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Literal

from rcm_shared.x12.errors import X12SyntaxError
from rcm_shared.x12.reader import Segment, read_interchange

VERSION = "005010X212"
Outcome = Literal[
    "pending",
    "finalized_paid",
    "finalized_denied",
    "finalized",
    "information_requested",
    "not_found",
    "returned",
    "no_answer",
]
# answers that need a person: the payer wants something, lost the claim, or sent it back
NEEDS_FOLLOW_UP = frozenset({"information_requested", "not_found", "returned"})


# STC01-1 codes with a meaning of their own; the rest go by their first letter
_BY_CODE: dict[str, Outcome] = {
    "A4": "not_found",
    "D0": "not_found",
    "F1": "finalized_paid",
    "F2": "finalized_denied",
    "A0": "pending",
    "A1": "pending",
    "A2": "pending",
    "A5": "pending",
}
_BY_LETTER: dict[str, Outcome] = {
    "F": "finalized",
    "R": "information_requested",
    "P": "pending",
    "A": "returned",  # A3 returned as unprocessable, A6-A8 rejected
}


def outcome_of(category: str) -> Outcome:
    """STC01-1 (the Claim Status Category Code) as what it means for the claim; E0-E4
    (system status: try again later) and anything unknown are no answer."""
    return _BY_CODE.get(category) or _BY_LETTER.get(category[:1], "no_answer")


@dataclass(frozen=True)
class StatusAnswer:
    trace: str | None  # TRN02 of loop 2200: the 276's trace
    patient_control_number: str | None  # REF*EJ
    payer_claim_control_number: str | None  # REF*1K
    category: str  # STC01-1
    status_code: str  # STC01-2
    entity: str | None  # STC01-3
    effective: date | None  # STC02
    charge: Decimal | None  # STC04
    paid: Decimal | None  # STC05
    segment_number: int  # of the STC, for messages

    @property
    def outcome(self) -> Outcome:
        return outcome_of(self.category)


def parse_277(text: str) -> list[StatusAnswer]:
    """Every claim-level answer (the first STC after each TRN*2 of a 2200 loop) of
    every 277 in the interchange. Raises X12SyntaxError naming the segment."""
    interchange = read_interchange(text)
    answers: list[StatusAnswer] = []
    for group in interchange.groups:
        for transaction in group.transactions:
            if transaction.transaction_set != "277":
                raise transaction.st.error("ST01 must be 277", 1)
            answers += _answers(transaction.body)
    return answers


def _answers(segments: list[Segment]) -> list[StatusAnswer]:
    out: list[StatusAnswer] = []
    trace: str | None = None
    stc: Segment | None = None
    refs: dict[str, str] = {}

    def close() -> None:
        if stc is not None:
            out.append(_answer(trace, stc, refs))

    for seg in segments:
        if seg.id == "HL" or (seg.id == "TRN" and seg.get(1) == "2"):
            close()
            stc, refs = None, {}
            trace = seg.get(2) if seg.id == "TRN" else None
        elif seg.id == "STC" and stc is None and trace is not None:
            stc = seg
        elif seg.id == "REF" and stc is not None:
            refs.setdefault(seg.get(1), seg.get(2))
        elif seg.id == "SVC":  # line-level answers follow: the claim's is complete
            close()
            stc, refs, trace = None, {}, None
    close()
    return out


def _answer(trace: str | None, stc: Segment, refs: dict[str, str]) -> StatusAnswer:
    parts = stc.components(1)
    if len(parts) < 2 or not parts[0] or not parts[1]:
        raise stc.error("STC01 needs a category and a status code", 1)
    return StatusAnswer(
        trace=trace,
        patient_control_number=refs.get("EJ"),
        payer_claim_control_number=refs.get("1K"),
        category=parts[0],
        status_code=parts[1],
        entity=parts[2] if len(parts) > 2 and parts[2] else None,
        effective=_date(stc, 2),
        charge=stc.decimal(4) if stc.get(4) else None,
        paid=stc.decimal(5) if stc.get(5) else None,
        segment_number=stc.number,
    )


def _date(seg: Segment, pos: int) -> date | None:
    text = seg.get(pos)
    if not text:
        return None
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:8]))
    except ValueError:
        raise seg.error("not a CCYYMMDD date", pos) from None


__all__ = [
    "NEEDS_FOLLOW_UP",
    "VERSION",
    "Outcome",
    "StatusAnswer",
    "X12SyntaxError",
    "outcome_of",
    "parse_277",
]
