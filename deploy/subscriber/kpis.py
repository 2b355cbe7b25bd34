"""What the subscriber makes of each public event: the daily KPI increments it adds and the
feed line it prints. Pure functions over the CloudEvent JSON (the contract in
shared/contracts/), so they hold for any consumer in any language."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

ONE = Decimal(1)

# The public topics an analytics team reads (unprefixed names).
TOPICS = ("rcm.claims", "rcm.remittance", "rcm.denials")
# Per claim status reached by rcm.claim.adjudicated.v1
ADJUDICATED = {"paid": "claims_paid", "partially_paid": "claims_partially_paid"}
METRICS = (
    "claims_created",
    "claims_submitted",
    "charges_submitted",
    "claims_accepted",
    "claims_rejected",
    "claims_paid",
    "claims_partially_paid",
    "claims_denied",
    "paid_amount",
    "denials_opened",
    "denied_amount",
    "denials_resolved",
    "recovered_amount",
    "remittances",
    "deposited",
)


def day_of(event: dict[str, Any]) -> date:
    return datetime.fromisoformat(str(event["time"]).replace("Z", "+00:00")).date()


def _adjudicated(data: dict[str, Any]) -> list[tuple[str, Decimal]]:
    """The claim's new state. A reversal (CLP02 22) sends it back to accepted: not a
    decision, so not counted."""
    if data.get("claim_status_code") == "22":
        return []
    return [(ADJUDICATED.get(data.get("status", ""), "claims_denied"), ONE)]


def _posted(data: dict[str, Any]) -> list[tuple[str, Decimal]]:
    """Money comes from the remittance's postings, reversals (negative) included: each
    835 claim payment is posted once, whatever the claim's state by then."""
    return [("paid_amount", Decimal(data["paid_amount"]))]


def _resolved(data: dict[str, Any]) -> list[tuple[str, Decimal]]:
    if data.get("outcome") != "resolved":  # a write-off recovers nothing
        return []
    return [("denials_resolved", ONE), ("recovered_amount", Decimal(data["recovered_amount"]))]


def _remitted(data: dict[str, Any]) -> list[tuple[str, Decimal]]:
    sign = -1 if data.get("credit_debit") == "D" else 1
    return [("remittances", ONE), ("deposited", sign * Decimal(data["payment_amount"]))]


RULES: dict[str, Callable[[dict[str, Any]], list[tuple[str, Decimal]]]] = {
    "rcm.claim.created.v1": lambda _: [("claims_created", ONE)],
    "rcm.claim.submitted.v1": lambda d: [
        ("claims_submitted", ONE),
        ("charges_submitted", Decimal(d["total_charge"])),
    ],
    "rcm.claim.accepted.v1": lambda _: [("claims_accepted", ONE)],
    "rcm.claim.rejected.v1": lambda _: [("claims_rejected", ONE)],
    "rcm.claim.adjudicated.v1": _adjudicated,
    "rcm.remittance.claim_adjudicated.v1": _posted,
    "rcm.denial.opened.v1": lambda d: [
        ("denials_opened", ONE),
        ("denied_amount", Decimal(d["denied_amount"])),
    ],
    "rcm.denial.resolved.v1": _resolved,
    "rcm.remittance.received.v1": _remitted,
}


def increments(event: dict[str, Any]) -> list[tuple[str, Decimal]]:
    """The (metric, amount) pairs one event adds to its tenant's day; other types: none."""
    rule = RULES.get(str(event.get("type")))
    return rule(event.get("data") or {}) if rule else []


def feed_line(event: dict[str, Any]) -> str | None:
    """One line per claim state change: identifiers and codes only, never PHI."""
    kind, data = event.get("type", ""), event.get("data") or {}
    if not kind.startswith("rcm.claim."):
        return None
    extra = ""
    if kind == "rcm.claim.adjudicated.v1":
        extra = f" paid {data['paid_amount']}"
    elif kind == "rcm.claim.rejected.v1":
        extra = f" ({data['source']})"
    return (
        f"{event['time'][:19]} {event['tenantid']:<18} {data.get('patient_control_number', ''):<20}"
        f" {data.get('payer_id', ''):<6} {kind.split('.')[2]:<11} -> {data.get('status', '')}"
        + extra
    )
