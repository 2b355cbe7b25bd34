"""A pseudonymous patient reference every service computes the same way, so coverage,
claims and denials can be joined without passing names or member ids around as keys."""

from __future__ import annotations

import hashlib
from datetime import date


def patient_key(tenant_id: str, payer_id: str, member_id: str, birth_date: date) -> str:
    material = "|".join(
        [tenant_id, payer_id.strip().upper(), member_id.strip().upper(), birth_date.isoformat()]
    )
    return hashlib.sha256(material.encode()).hexdigest()[:32]
