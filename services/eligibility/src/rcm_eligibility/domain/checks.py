"""What a check's outcome means, and when a stored answer may be reused. Pure."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any


def cache_key(
    patient_key: str, payer_id: str, service_date: date, service_types: Sequence[str]
) -> str:
    """Same patient, payer, date of service and service types: the same question."""
    material = "|".join(
        [patient_key, payer_id, service_date.isoformat(), ",".join(sorted(service_types))]
    )
    return hashlib.sha256(material.encode()).hexdigest()


@dataclass(frozen=True)
class Outcome:
    state: str  # complete or error
    coverage_status: str  # active, inactive, unknown
    retryable: bool | None
    error: dict[str, Any] | None


def from_answer(status: str, rejections: Sequence[Any]) -> Outcome:
    """A 271 that rejects the question (AAA) is an error a biller must act on; its codes
    say whether asking again later can help (42 unable to respond) or not (72, 75)."""
    if rejections:
        return Outcome(
            "error",
            "unknown",
            any(r.retryable for r in rejections),
            {
                "code": "payer_rejected",
                "rejections": [
                    {
                        "code": r.code,
                        "reason": r.reason,
                        "follow_up": r.follow_up,
                        "level": r.level,
                        "retryable": r.retryable,
                    }
                    for r in rejections
                ],
            },
        )
    return Outcome("complete", status, None, None)


def unreachable(reason: str) -> Outcome:
    return Outcome("error", "unknown", True, {"code": "payer_unavailable", "reason": reason})


def unreadable(detail: dict[str, Any]) -> Outcome:
    return Outcome("error", "unknown", False, {"code": "malformed_271", **detail})
