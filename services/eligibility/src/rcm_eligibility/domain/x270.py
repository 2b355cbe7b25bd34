"""Eligibility inquiries as a HIPAA 5010 270 (005010X279A1) interchange. Pure: no I/O.

Layout (loop ids are the implementation guide's):

    ST  BHT
      2000A HL 20  2100A payer (NM1*PR, PI)
        2000B HL 21  2100B provider (NM1*1P, XX NPI)
          2000C HL 22  TRN  2100C subscriber (NM1*IL, MI)  DMG  DTP*291  2110C EQ...
          or, when the patient is a dependent:
          2000C HL 22  2100C subscriber (NM1*IL, MI) only
            2000D HL 23  TRN  2100D dependent (NM1*03)  DMG  DTP*291  2110D EQ...
    SE

The TRN sits in the patient's loop only: it is what the payer echoes back (TRN*2) in the
271, so it must mark the person the answer is about. A dependent with a member id of
their own is a subscriber in the guide's sense and goes in 2000C alone.

Every value goes through `rcm_shared.x12.writer`, which refuses separator characters
(X12ValueError, also a ValueError). What the guide would refuse but a caller could pass
(a wrong NPI, an empty name, an unknown service type) raises `Request270Error`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal

from rcm_shared.npi import is_valid_npi
from rcm_shared.x12.separators import Separators
from rcm_shared.x12.writer import Seg, TransactionSpec, Value, build_interchange

__all__ = [
    "MAX_SERVICE_TYPES",
    "SERVICE_TYPES",
    "VERSION",
    "Envelope270",
    "Person270",
    "Request270",
    "Request270Error",
    "build_270",
]

VERSION = "005010X279A1"  # GS08 = ST03: the 270/271 guide HIPAA adopted
CONTROL_NUMBER = "0001"  # ST02: one transaction per interchange
# The guide repeats the 2110C/2110D EQ loop at most 99 times.
MAX_SERVICE_TYPES = 99

# EQ01 service type codes (X12 element 1365) we let callers ask about: the common ones.
# The guide lists about 190; these cover what a practice asks a payer before a visit.
SERVICE_TYPES: dict[str, str] = {
    "1": "Medical Care",
    "2": "Surgical",
    "3": "Consultation",
    "4": "Diagnostic X-Ray",
    "5": "Diagnostic Lab",
    "6": "Radiation Therapy",
    "7": "Anesthesia",
    "8": "Surgical Assistance",
    "12": "Durable Medical Equipment Purchase",
    "13": "Ambulatory Service Center Facility",
    "18": "Durable Medical Equipment Rental",
    "20": "Second Surgical Opinion",
    "23": "Diagnostic Dental",
    "24": "Periodontics",
    "30": "Health Benefit Plan Coverage",
    "33": "Chiropractic",
    "35": "Dental Care",
    "40": "Oral Surgery",
    "42": "Home Health Care",
    "45": "Hospice",
    "47": "Hospital",
    "48": "Hospital - Inpatient",
    "50": "Hospital - Outpatient",
    "51": "Hospital - Emergency Accident",
    "52": "Hospital - Emergency Medical",
    "53": "Hospital - Ambulatory Surgical",
    "54": "Long Term Care",
    "56": "Medically Related Transportation",
    "60": "General Benefits",
    "61": "In-vitro Fertilization",
    "62": "MRI/CAT Scan",
    "65": "Newborn Care",
    "68": "Well Baby Care",
    "69": "Maternity",
    "73": "Diagnostic Medical",
    "76": "Dialysis",
    "78": "Chemotherapy",
    "80": "Immunizations",
    "81": "Routine Physical",
    "82": "Family Planning",
    "83": "Infertility",
    "84": "Abortion",
    "86": "Emergency Services",
    "88": "Pharmacy",
    "93": "Podiatry",
    "98": "Professional (Physician) Visit - Office",
    "A0": "Professional (Physician) Visit - Outpatient",
    "A3": "Professional (Physician) Visit - Home",
    "A4": "Psychiatric",
    "A6": "Psychotherapy",
    "A7": "Psychiatric - Inpatient",
    "A8": "Psychiatric - Outpatient",
    "AD": "Occupational Therapy",
    "AE": "Physical Medicine",
    "AF": "Speech Therapy",
    "AG": "Skilled Nursing Care",
    "AI": "Substance Abuse",
    "AJ": "Alcoholism",
    "AL": "Vision (Optometry)",
    "BG": "Cardiac Rehabilitation",
    "BH": "Pediatric",
    "BT": "Gynecological",
    "BY": "Physician Visit - Office: Sick",
    "DM": "Durable Medical Equipment",
    "MH": "Mental Health",
    "PT": "Physical Therapy",
    "UC": "Urgent Care",
}


class Request270Error(ValueError):
    """A request that cannot be written as a valid 270."""


def _text(value: str, what: str, high: int, low: int = 1) -> None:
    # Element lengths from the guide (NM103 60, NM104 35, NM105 25, NM109 80, TRN02 50):
    # the writer only guards separators, so an overlong value would reach the payer.
    if not low <= len(value) <= high:
        raise Request270Error(f"{what} must be {low} to {high} characters")
    if not value.strip():
        raise Request270Error(f"{what} must not be blank")


@dataclass(frozen=True)
class Person270:
    first_name: str
    last_name: str
    birth_date: date
    gender: Literal["M", "F", "U"] | None = None
    middle_name: str | None = None

    def __post_init__(self) -> None:
        _text(self.last_name, "last name", 60)
        _text(self.first_name, "first name", 35)
        if self.middle_name is not None:
            _text(self.middle_name, "middle name", 25)
        if self.gender not in (None, "M", "F", "U"):
            raise Request270Error(f"gender {self.gender!r} is not M, F or U")


# Keyword-only: the fields read in the 270's order, defaults mixed in among them.
@dataclass(frozen=True, kw_only=True)
class Request270:
    trace_number: str  # TRN02 of the patient's loop: our check id, echoed in the 271
    payer_id: str
    payer_name: str
    provider_npi: str
    provider_name: str  # organization name, or last name when provider_first_name is set
    provider_first_name: str | None = None  # None: NM102 2 (organization); else 1 (person)
    member_id: str
    subscriber: Person270
    dependent: Person270 | None = None  # the patient, when not the subscriber: 2000D
    service_types: tuple[str, ...] = ("30",)  # EQ01, one EQ loop per code
    service_date: date

    def __post_init__(self) -> None:
        _text(self.trace_number, "trace number (TRN02)", 50)
        _text(self.payer_id, "payer id", 80, low=2)
        _text(self.payer_name, "payer name", 60)
        if not is_valid_npi(self.provider_npi):
            raise Request270Error(
                f"provider NPI {self.provider_npi!r} must be 10 digits with a valid check digit"
            )
        _text(self.provider_name, "provider name", 60)
        if self.provider_first_name is not None:
            _text(self.provider_first_name, "provider first name", 35)
        _text(self.member_id, "member id", 80, low=2)
        if not self.service_types:
            raise Request270Error("at least one service type is needed")
        if len(self.service_types) > MAX_SERVICE_TYPES:
            raise Request270Error(f"at most {MAX_SERVICE_TYPES} service types per request")
        unknown = [code for code in self.service_types if code not in SERVICE_TYPES]
        if unknown:
            raise Request270Error(f"unsupported service type code(s): {', '.join(unknown)}")
        if len(set(self.service_types)) != len(self.service_types):
            # Each EQ gets its own answer; asking twice would make them ambiguous.
            raise Request270Error("service types must not repeat")


@dataclass(frozen=True)
class Envelope270:
    sender_id: str  # ISA06 and GS02 (qualifier ZZ)
    receiver_id: str  # ISA08 and GS03 (qualifier ZZ)
    interchange_control: int
    group_control: int
    timestamp: datetime  # ISA09/10, GS04/05 and BHT04/05
    usage: Literal["P", "T"] = "T"
    separators: Separators = field(default_factory=Separators)
    segment_suffix: str = "\n"


def build_270(request: Request270, envelope: Envelope270) -> str:
    """One interchange, one functional group (HS), one 270 transaction (ST02 0001)."""
    return build_interchange(
        sender_qualifier="ZZ",
        sender_id=envelope.sender_id,
        receiver_qualifier="ZZ",
        receiver_id=envelope.receiver_id,
        interchange_control=envelope.interchange_control,
        usage=envelope.usage,
        ack_requested=False,  # a real-time inquiry is answered by the 271 (or a 999)
        functional_id="HS",
        app_sender=envelope.sender_id,
        app_receiver=envelope.receiver_id,
        group_control=envelope.group_control,
        version=VERSION,
        transactions=[TransactionSpec("270", CONTROL_NUMBER, _body(request, envelope))],
        separators=envelope.separators,
        timestamp=envelope.timestamp,
        segment_suffix=envelope.segment_suffix,
    )


# ---------------------------------------------------------------------------- helpers


def _d8(day: date) -> str:
    return day.strftime("%Y%m%d")


def _person_name(qualifier: str, person: Person270, member_id: str | None = None) -> Seg:
    middle = person.middle_name.upper() if person.middle_name else None
    values: tuple[Value, ...] = (
        qualifier,
        "1",
        person.last_name.upper(),
        person.first_name.upper(),
        middle,
    )
    if member_id is not None:
        values += (None, None, "MI", member_id)
    return Seg("NM1", values)


def _demographics(person: Person270) -> Seg:
    # DMG03 takes F or M only in the 270: "U" is how we say unknown, so leave it out.
    gender = person.gender if person.gender in ("F", "M") else None
    return Seg("DMG", ("D8", _d8(person.birth_date), gender))


def _provider(request: Request270) -> Seg:
    if request.provider_first_name is None:
        names: tuple[Value, ...] = ("2", request.provider_name.upper(), None, None)
    else:
        names = ("1", request.provider_name.upper(), request.provider_first_name.upper(), None)
    return Seg("NM1", ("1P", *names, None, None, "XX", request.provider_npi))


def _patient_segments(request: Request270, patient: Person270, member_id: str | None) -> list[Seg]:
    """TRN, name, DMG, DTP*291 and the EQ loops of the person the inquiry is about."""
    qualifier = "IL" if member_id is not None else "03"
    return [
        # TRN03: 10 characters, the first saying what follows ("9": an id we assign);
        # the provider NPI's nine identifier digits name the originator.
        Seg("TRN", ("1", request.trace_number, "9" + request.provider_npi[:9])),
        _person_name(qualifier, patient, member_id),
        _demographics(patient),
        # DTP*291 at the name level applies to every EQ that follows.
        Seg("DTP", ("291", "D8", _d8(request.service_date))),
        # One EQ loop per code rather than repeated EQ01: every payer takes this form,
        # while EQ01 repetition is optional for an information source to support.
        *(Seg("EQ", (code,)) for code in request.service_types),
    ]


def _body(request: Request270, envelope: Envelope270) -> list[Seg]:
    when = envelope.timestamp
    body: list[Seg] = [
        # BHT02 13 = request; BHT03 comes back in the 271's BHT03: the trace number again.
        Seg("BHT", ("0022", "13", request.trace_number, _d8(when), when.strftime("%H%M"))),
        Seg("HL", ("1", None, "20", "1")),
        Seg(
            "NM1",
            ("PR", "2", request.payer_name.upper(), None, None, None, None, "PI", request.payer_id),
        ),
        Seg("HL", ("2", "1", "21", "1")),
        _provider(request),
    ]
    if request.dependent is None:
        body.append(Seg("HL", ("3", "2", "22", "0")))
        body.extend(_patient_segments(request, request.subscriber, request.member_id))
        return body
    # The subscriber loop only identifies the member: TRN, DMG, DTP and EQ belong to the
    # patient, and the guide says to send the subscriber's DMG only when he is the patient.
    body.append(Seg("HL", ("3", "2", "22", "1")))
    body.append(_person_name("IL", request.subscriber, request.member_id))
    body.append(Seg("HL", ("4", "3", "23", "0")))
    body.extend(_patient_segments(request, request.dependent, None))
    return body
