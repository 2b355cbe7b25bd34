"""The clearinghouse and its payers: takes 837s (mailbox or HTTP), answers 999s and 277CAs,
adjudicates what was accepted, and sends 835s; answers 270s with 271s. Every decision is
recorded in the state first, with the files it produces in an outbox; the files are then
written (or posted) and taken off the outbox. A crash in between delivers the same files
again, under the same names, which the services' sha256 checks make harmless.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

from deploy.sandbox.config import SandboxSettings
from deploy.sandbox.rules import (
    CENT,
    CROSSOVER_PREFIX,
    ZERO,
    Catalog,
    ClaimFacts,
    Context,
    Decision,
    Payer,
    PriorPayer,
    adjudicate,
    adjudicate_after_prior,
    interest,
    load_catalog,
    member_for,
    money,
)
from deploy.sandbox.store import Store, write_atomic
from deploy.sandbox.x12out import (
    ClaimAck,
    ProviderAdjustment,
    Remit,
    Remittance,
    build_271,
    build_277ca,
    build_835,
    build_999,
    d8,
    read_270,
)
from deploy.sandbox.x276 import build_277, claim_status, read_276
from deploy.sandbox.x837 import Claim837, ElementError, Interchange837, read_837
from rcm_shared.x12.errors import X12SyntaxError

log = logging.getLogger("rcm.sandbox")


class SandboxError(Exception):
    """Input the sandbox refuses (HTTP 4xx); `detail` carries positions, never values."""

    def __init__(self, message: str, detail: dict[str, Any] | None = None, status: int = 422):
        super().__init__(message)
        self.detail = detail or {}
        self.status = status


def folder_name(tenant: str) -> str:
    """A tenant id as a folder name (the claims service names its mailbox folders so)."""
    return re.sub(r"[^A-Za-z0-9_.-]", "_", tenant)[:100] or "_"


def _pccn(payer_id: str, tenant: str, pcn: str, attempt: int) -> str:
    """The payer's claim control number: the same claim always gets the same one."""
    digest = hashlib.sha256(f"{tenant}|{pcn}|{attempt}".encode()).hexdigest()
    return f"{re.sub(r'[^0-9A-Z]', '', payer_id.upper())[:5]}{int(digest[:15], 16) % 10**11:011d}"


def _fingerprint(tenant: str, payer_id: str, claim: Claim837) -> str:
    """Same patient, dates, procedures and charges: what a payer calls a duplicate."""
    person = claim.patient_person
    lines = sorted(
        (line.procedure, str(line.charge), d8(line.service_from)) for line in claim.facts.lines
    )
    key = [tenant, payer_id, claim.facts.member_id, person.last, person.first or "", lines]
    return hashlib.sha256(repr(key).encode()).hexdigest()


@dataclass
class _Received:
    claim: Claim837
    transaction: str  # ST02
    accepted_999: bool
    errors_999: list[str]


class Sandbox:
    def __init__(
        self,
        settings: SandboxSettings,
        catalog: Catalog | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.settings = settings
        self.catalog = catalog or load_catalog(settings.payers_file)
        self.store = Store(settings.data_dir)
        self._clock = clock

    # ------------------------------------------------------------------------- clock

    def now(self) -> datetime:
        if self._clock is not None:
            return self._clock()
        now = datetime.now(UTC)
        if self.settings.today is not None:
            return datetime.combine(self.settings.today, now.time(), UTC)
        return now

    def _next_control(self, state: dict[str, Any]) -> int:
        state["control"] = int(state["control"]) % 999_999_999 + 1
        return int(state["control"])

    # --------------------------------------------------------------------------- 271

    def answer_270(self, text: str) -> str:
        when = self.now()
        try:
            inquiry = read_270(text, when.date())
        except X12SyntaxError as exc:
            raise SandboxError(f"270 does not parse: {exc}", exc.to_dict()) from exc
        with self.store.transaction() as state:
            control = self._next_control(state)
        member = member_for(inquiry.member_id)
        payer = self.catalog.payers.get(inquiry.payer_id)
        return build_271(inquiry, member, payer, control, when)

    # --------------------------------------------------------------------------- 276

    def answer_276(self, tenant: str, text: str) -> str:
        """A 277 for each claim a 276 asks about, from what this payer knows of it."""
        when = self.now()
        try:
            inquiry = read_276(text)
        except X12SyntaxError as exc:
            raise SandboxError(f"276 does not parse: {exc}", exc.to_dict()) from exc
        state = self.store.read()
        known = state["claims"].get(folder_name(tenant), {})
        answers = [
            (asked, claim_status(known.get(asked.patient_control_number, [None])[-1], when))
            for asked in inquiry.claims
        ]
        with self.store.transaction() as changing:
            control = self._next_control(changing)
        return build_277(inquiry, answers, control, when)

    # --------------------------------------------------------------------------- 837

    def receive_837(self, tenant: str, file_name: str, text: str) -> dict[str, Any]:
        """Acknowledge one 837 interchange (999 + 277CA into the tenant's inbound folder)
        and adjudicate its accepted claims. The same interchange again (same sender and
        ISA13) is answered from the record, not processed twice."""
        try:
            received = read_837(text)
        except X12SyntaxError as exc:
            raise SandboxError(f"837 does not parse: {exc}", exc.to_dict()) from exc
        tenant = folder_name(tenant)
        digest = hashlib.sha256(text.encode("latin-1", "replace")).hexdigest()
        key = f"{tenant}/{received.sender_id}/{received.control_number}"
        with self.store.transaction() as state:
            seen = state["interchanges"].get(key)
            if seen is not None:
                if seen["sha256"] != digest:
                    raise SandboxError(
                        "interchange control number already used by this sender",
                        {"isa13": received.control_number},
                        status=409,
                    )
                return {**seen["summary"], "duplicate": True}
            summary = self._acknowledge(state, tenant, file_name, received)
            state["interchanges"][key] = {"sha256": digest, "summary": summary}
        self.flush()
        log.info(
            "837 %s from tenant %s: %d claims accepted, %d rejected",
            received.control_number,
            tenant,
            summary["claims_accepted"],
            summary["claims_rejected"],
        )
        return {**summary, "duplicate": False}

    def _acknowledge(
        self, state: dict[str, Any], tenant: str, file_name: str, received: Interchange837
    ) -> dict[str, Any]:
        when = self.now()
        extra: dict[str, list[ElementError]] = {}
        for tx in received.transactions:
            for claim in tx.claims:
                if member_for(claim.facts.member_id).reject_999:
                    # A front-end edit on the member id's format: IK403 I12 (pattern).
                    extra.setdefault(tx.control_number, []).append(
                        ElementError("NM1", claim.member_position, "2010BA", "8", 9, "67", "I12")
                    )
        control_999 = self._next_control(state)
        x999, verdicts = build_999(received, extra, control_999, when, received.sender_id)
        files = [self._queue(state, "inbound", tenant, f"{control_999:09d}-999.x12", x999)]
        truth = state["claims"].setdefault(tenant, {})
        accepted = rejected = 0
        for tx in received.transactions:
            if verdicts[tx.control_number]:
                continue
            errors = [
                f"{e.segment_id} {e.position} {e.loop or ''} {e.segment_code}".strip()
                for e in [*tx.errors, *extra.get(tx.control_number, [])]
            ]
            for claim in tx.claims:
                rejected += 1
                truth.setdefault(claim.patient_control_number, []).append(
                    self._record(claim, tenant, received, tx.control_number, when)
                    | {"ack_999": "R", "ack_999_errors": errors, "scenario": "rejected_999"}
                )
        for tx in received.transactions:
            if not verdicts[tx.control_number] or not tx.claims:
                continue
            acks = []
            for claim in tx.claims:
                record = self._record(claim, tenant, received, tx.control_number, when)
                ack = self._decide(state, tenant, claim, record, when)
                acks.append(ack)
                truth.setdefault(claim.patient_control_number, []).append(record)
                if ack.accepted:
                    accepted += 1
                else:
                    rejected += 1
            control_277 = self._next_control(state)
            x277 = build_277ca(
                received,
                tx.reference,
                (tx.submitter_name, tx.submitter_id or received.sender_id),
                acks,
                control_277,
                when,
                received.sender_id,
            )
            files.append(
                self._queue(state, "inbound", tenant, f"{control_277:09d}-277ca.x12", x277)
            )
        return {
            "tenant_id": tenant,
            "file_name": file_name,
            "interchange": received.control_number,
            "transactions": verdicts,
            "claims_accepted": accepted,
            "claims_rejected": rejected,
            "files": files,
        }

    def _record(
        self,
        claim: Claim837,
        tenant: str,
        received: Interchange837,
        transaction: str,
        when: datetime,
    ) -> dict[str, Any]:
        facts = claim.facts
        return {
            "tenant_id": tenant,
            "patient_control_number": facts.patient_control_number,
            "payer_id": claim.payer_id,
            "billing_npi": claim.billing_npi,
            "member_pattern": member_for(facts.member_id).pattern,
            "frequency": facts.frequency,
            "replaces": claim.replaces,
            "interchange": f"{received.sender_id}/{received.control_number}",
            "transaction": transaction,
            "received": when.date().isoformat(),
            "charge": str(facts.charge),
            "ack_999": "A",
            "ack_999_errors": [],
            "ack_277ca": None,
            "ack_277ca_status": None,
            "payer_claim_control_number": None,
            "scenario": None,
            "claim_status": None,
            "categories": [],
            "allowed": None,
            "paid": None,
            "patient_responsibility": None,
            "carcs": [],
            "rarcs": [],
            "interest": "0.00",
            "remittance": None,
            "reversed": None,
        }

    def _reject_reason(
        self, state: dict[str, Any], tenant: str, claim: Claim837, received_on: date
    ) -> tuple[str, str, str] | None:
        """The 277CA rejection (STC01) of a claim the payer will not take in, if any: the
        first check that fails, in the README's order."""
        facts = claim.facts
        member = member_for(facts.member_id)
        original = state["pccn"].get(tenant, {}).get(claim.replaces or "")
        checks: list[tuple[bool, tuple[str, str, str]]] = [
            # the member id is invalid (164) or not on file (33)
            (member.reject_277ca is not None, ("A7", *(member.reject_277ca or ("", "")))),
            # sent to a payer the clearinghouse does not know
            (claim.payer_id not in self.catalog.payers, ("A7", "116", "PR")),
            # the claim is out of balance (CLM02 is not the sum of the lines)
            (facts.charge != sum((ln.charge for ln in facts.lines), ZERO), ("A7", "400", "")),
            # a deleted procedure code
            (
                any(ln.procedure in self.catalog.deleted_procedures for ln in facts.lines),
                ("A7", "454", ""),
            ),
            # a service in the future
            (facts.last_date > received_on, ("A7", "510", "")),
            # a replacement or void naming a claim the payer never took in
            (
                facts.frequency in ("7", "8")
                and (original is None or original["payer_id"] != claim.payer_id),
                ("A7", "464", ""),
            ),
        ]
        return next((status for failed, status in checks if failed), None)

    def _decide(
        self,
        state: dict[str, Any],
        tenant: str,
        claim: Claim837,
        record: dict[str, Any],
        when: datetime,
    ) -> ClaimAck:
        reason = self._reject_reason(state, tenant, claim, when.date())
        if reason is not None:
            record.update(
                ack_277ca="rejected",
                ack_277ca_status=":".join(p for p in reason if p),
                scenario="rejected_277ca",
            )
            return ClaimAck(claim, False, reason, None)
        payer = self.catalog.payers[claim.payer_id]
        pcn = claim.patient_control_number
        attempts = sum(
            1
            for r in state["claims"].get(tenant, {}).get(pcn, [])
            if r["payer_claim_control_number"]
        )
        pccn = _pccn(payer.payer_id, tenant, pcn, attempts)
        record.update(
            ack_277ca="accepted", ack_277ca_status="A2:20:PR", payer_claim_control_number=pccn
        )
        pccns = state["pccn"].setdefault(tenant, {})
        if member_for(claim.facts.member_id).lost:
            record.update(scenario="lost")  # accepted, and never adjudicated
            return ClaimAck(claim, True, ("A2", "20", "PR"), pccn)
        if claim.facts.frequency in ("7", "8"):
            self._reverse_original(state, tenant, claim.replaces or "", record)
        if claim.facts.frequency == "8":
            record.update(scenario="voided", claim_status=None, paid="0.00")
            pccns[pccn] = {
                "tenant": tenant,
                "payer_id": payer.payer_id,
                "pcn": pcn,
                "paid": "0.00",
                "remit": None,
            }
            return ClaimAck(claim, True, ("A2", "20", "PR"), pccn)
        fingerprint = _fingerprint(tenant, payer.payer_id, claim)
        duplicates = state["duplicates"].setdefault(tenant, {})
        ctx = Context(
            received=when.date(),
            duplicate=claim.facts.frequency == "1" and fingerprint in duplicates,
        )
        decision = adjudicate(claim.facts, payer, ctx)
        duplicates.setdefault(fingerprint, pccn)
        supplement = self._crossover_to(claim, payer, decision)
        if supplement is not None:
            decision = replace(decision, processed_as="19")  # primary, forwarded on
        remit = _remit(claim, payer, pccn, decision)
        self._record_decision(record, decision)
        where = {
            "tenant": tenant,
            "payer_id": payer.payer_id,
            "payee": [claim.billing_npi, claim.billing_name, claim.billing_tax_id],
            "receiver": record["interchange"].split("/")[0],
            "first_date": d8(claim.facts.first_date),
        }
        if supplement is not None:
            to, member_id = supplement
            remit.crossover = [to.name, to.payer_id]
            self._forward(state, tenant, claim, payer, decision, to, member_id, where, record)
        pccns[pccn] = {
            **where,
            "pcn": pcn,
            "paid": remit.paid,
            "remit": remit.to_json(),
            "reversed": False,
        }
        state["pending"].append({**where, "remit": remit.to_json(), "reverse": False})
        return ClaimAck(claim, True, ("A2", "20", "PR"), pccn)

    def _crossover_to(
        self, claim: Claim837, payer: Payer, decision: Decision
    ) -> tuple[Payer, str] | None:
        """The supplement Medicare forwards this claim to (README, "Crossovers"), if any."""
        if payer.claim_filing_indicator != "MB" or decision.patient_responsibility <= 0:
            return None
        for other in claim.facts.others:
            to = self.catalog.payers.get(other.payer_id)
            if (
                to is not None
                and other.responsibility == "S"
                and other.member_id.upper().startswith(CROSSOVER_PREFIX)
            ):
                return to, other.member_id
        return None

    def _forward(
        self,
        state: dict[str, Any],
        tenant: str,
        claim: Claim837,
        payer: Payer,
        decision: Decision,
        to: Payer,
        member_id: str,
        where: dict[str, Any],
        record: dict[str, Any],
    ) -> None:
        """The supplement adjudicates the forwarded claim with Medicare's decision and
        remits in an 835 of its own, under the claim's own CLP01 (no claim from the
        provider: a second claim would be a duplicate)."""
        facts = replace(
            claim.facts,
            member_id=member_id,
            responsibility="S",
            others=(
                PriorPayer(
                    payer_id=payer.payer_id,
                    responsibility="P",
                    paid=decision.paid,
                    lines=tuple((i, r.paid, r.adjustments) for i, r in enumerate(decision.lines)),
                ),
            ),
        )
        received = Context(received=date.fromisoformat(record["received"]))
        second = adjudicate_after_prior(facts, to, received)
        pcn = facts.patient_control_number
        pccn = _pccn(to.payer_id, tenant, pcn, 0)
        remit = _remit(claim, to, pccn, second)
        remit.member_id = member_id
        record["crossover"] = {
            "payer_id": to.payer_id,
            "payer_claim_control_number": pccn,
            "claim_status": second.status,
            "scenario": second.scenario,
            "paid": str(second.paid),
            "patient_responsibility": str(second.patient_responsibility),
        }
        forwarded = {**where, "payer_id": to.payer_id}
        state["pccn"].setdefault(tenant, {})[pccn] = {
            **forwarded,
            "pcn": pcn,
            "paid": remit.paid,
            "remit": remit.to_json(),
            "reversed": False,
        }
        state["pending"].append({**forwarded, "remit": remit.to_json(), "reverse": False})

    def _record_decision(self, record: dict[str, Any], decision: Decision) -> None:
        totals: dict[tuple[str, str], Decimal] = {}
        for line in decision.lines:
            for adj in line.adjustments:
                key = (adj.group, adj.reason)
                totals[key] = totals.get(key, ZERO) + adj.amount
        record.update(
            scenario=decision.scenario,
            claim_status=decision.status,
            categories=decision.categories,
            allowed=str(decision.allowed),
            paid=str(decision.paid),
            patient_responsibility=str(decision.patient_responsibility),
            carcs=[{"group": g, "code": c, "amount": str(v)} for (g, c), v in totals.items()],
            rarcs=decision.rarcs,
        )

    def _reverse_original(
        self, state: dict[str, Any], tenant: str, pccn: str, record: dict[str, Any]
    ) -> None:
        """A replacement or void takes back what the original was paid (CLP02 22)."""
        original = state["pccn"][tenant][pccn]
        remit = original.get("remit")
        if remit is None or original.get("reversed") or Decimal(remit["paid"]) == 0:
            return
        original["reversed"] = True
        state["pending"].append({**_where(original), "remit": remit, "reverse": True})
        for earlier in state["claims"][tenant].get(original["pcn"], []):
            if earlier["payer_claim_control_number"] == pccn:
                earlier["reversed"] = {"by": record["patient_control_number"], "remittance": None}

    # ------------------------------------------------------------------------ mailbox

    def scan_mailbox(self) -> list[dict[str, Any]]:
        """Every 837 waiting in <outbound>/<tenant>/: acknowledged, then moved to
        processed/ (or failed/, with the reason in a .error.json beside it)."""
        outbound = self.settings.outbound_dir
        done: list[dict[str, Any]] = []
        if not outbound.exists():
            return done
        for tenant_dir in sorted(p for p in outbound.iterdir() if p.is_dir()):
            for path in sorted(tenant_dir.iterdir()):
                if not path.is_file() or path.name.startswith("."):
                    continue
                text = path.read_text(encoding="latin-1")
                try:
                    result = self.receive_837(tenant_dir.name, path.name, text)
                except SandboxError as exc:
                    log.warning("837 %s of tenant %s refused: %s", path.name, tenant_dir.name, exc)
                    _file_away(path, "failed")
                    write_atomic(
                        path.parent / "failed" / f"{path.name}.error.json",
                        _json({"error": str(exc), "detail": exc.detail}),
                    )
                    done.append({"file_name": path.name, "error": str(exc)})
                    continue
                _file_away(path, "processed")
                done.append(result)
        return done

    # ----------------------------------------------------------------------- outbox

    def _queue(self, state: dict[str, Any], box: str, tenant: str, name: str, text: str) -> str:
        state["outbox"].append({"box": box, "tenant": tenant, "name": name, "text": text})
        return name

    def flush(self) -> int:
        """Deliver every file of the outbox; what fails stays for the next attempt."""
        delivered = 0
        while True:
            with self.store.transaction(write=False) as state:
                if not state["outbox"]:
                    return delivered
                item = dict(state["outbox"][0])
            try:
                self._deliver(item)
            except (OSError, httpx.HTTPError, SandboxError) as exc:
                log.warning("delivery of %s failed, kept for later: %s", item["name"], exc)
                return delivered
            with self.store.transaction() as state:
                state["outbox"] = [
                    o
                    for o in state["outbox"]
                    if (o["box"], o["tenant"], o["name"])
                    != (item["box"], item["tenant"], item["name"])
                ]
            delivered += 1

    def _deliver(self, item: dict[str, Any]) -> None:
        if item["box"] == "remittance" and self.settings.remittance_url:
            from rcm_shared.auth import mint_token
            from rcm_shared.settings import DEV_JWT_SECRET

            token = mint_token(
                os.environ.get("RCM_JWT_SECRET", DEV_JWT_SECRET),
                item["tenant"],
                subject="clearinghouse-sandbox",
            )
            response = httpx.post(
                self.settings.remittance_url,
                content=item["text"].encode("latin-1"),
                headers={
                    "Authorization": f"Bearer {token}",
                    "Content-Type": "application/edi-x12",
                    "X-File-Name": item["name"],
                },
                timeout=30,
            )
            if response.status_code >= 500:
                raise SandboxError(f"remittance service answered {response.status_code}")
            if response.status_code >= 400:
                # Refused for good (a 4xx): keeping it would block every later file.
                log.error("remittance service refused %s: %s", item["name"], response.status_code)
            return
        folder = {
            "inbound": self.settings.inbound_dir,
            "remittance": self.settings.remittance_dir,
        }[item["box"]]
        write_atomic(folder / item["tenant"] / item["name"], item["text"], encoding="latin-1")

    # ------------------------------------------------------------------------- 835s

    def deliver_remittances(self) -> list[dict[str, Any]]:
        """One 835 per tenant, payer and payee (billing NPI) with everything pending."""
        when = self.now()
        sent: list[dict[str, Any]] = []
        with self.store.transaction() as state:
            groups: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
            for item in state["pending"]:
                groups.setdefault((item["tenant"], item["payer_id"], item["payee"][0]), []).append(
                    item
                )
            state["pending"] = []
            for (tenant, payer_id, npi), items in groups.items():
                sent.append(self._remittance(state, tenant, payer_id, npi, items, when))
        self.flush()
        return sent

    def _remittance(
        self,
        state: dict[str, Any],
        tenant: str,
        payer_id: str,
        npi: str,
        items: list[dict[str, Any]],
        when: datetime,
    ) -> dict[str, Any]:
        payer = self.catalog.payers[payer_id]
        control = self._next_control(state)
        trace = f"SBX{control:09d}"
        name = f"{control:09d}-{payer_id}.835"
        # Reversals first: the reader sees the take-back before the new payment.
        items = sorted(items, key=lambda i: not i["reverse"])
        claims = [(Remit.from_json(i["remit"]), bool(i["reverse"])) for i in items]
        adjustments: list[ProviderAdjustment] = []
        truth = state["claims"].get(tenant, {})
        for item, (remit, reverse) in zip(items, claims, strict=True):
            if reverse:
                continue
            owed = interest(
                Decimal(remit.paid),
                datetime.strptime(item["first_date"], "%Y%m%d").date(),
                when.date(),
                self.catalog.clearinghouse,
            )
            if owed:
                # Interest adds to the payment: a negative provider-level adjustment.
                adjustments.append(ProviderAdjustment("L6", remit.pccn, -owed))
            for record in truth.get(remit.pcn, []):
                if record["payer_claim_control_number"] == remit.pccn:
                    record["interest"] = str(owed)
                    record["remittance"] = {"file": name, "trace": trace}
        for remit, reverse in claims:
            if not reverse:
                continue
            original = state["pccn"][tenant][remit.pccn]
            for record in truth.get(original["pcn"], []):
                if record["payer_claim_control_number"] == remit.pccn and record["reversed"]:
                    record["reversed"]["remittance"] = {"file": name, "trace": trace}
        waiting = [
            p
            for p in state["plb"]
            if (p["tenant"], p["payer_id"], p["payee_npi"]) == (tenant, payer_id, npi)
        ]
        state["plb"] = [p for p in state["plb"] if p not in waiting]
        adjustments += [
            ProviderAdjustment(p["reason"], p["reference"], Decimal(p["amount"])) for p in waiting
        ]
        payee = items[0]["payee"]
        remittance = Remittance(payer, npi, payee[1], payee[2], trace, claims, adjustments)
        if remittance.total < 0:
            # A payment cannot be negative: the balance is carried to the next 835 (FB).
            owed_back = -remittance.total
            remittance.adjustments.append(ProviderAdjustment("FB", trace, -owed_back))
            state["plb"].append(
                {
                    "tenant": tenant,
                    "payer_id": payer_id,
                    "payee_npi": npi,
                    "reason": "FB",
                    "reference": trace,
                    "amount": str(owed_back),
                }
            )
        text = build_835(remittance, control, when, items[0]["receiver"])
        self._queue(state, "remittance", tenant, name, text)
        summary = {
            "tenant_id": tenant,
            "payer_id": payer_id,
            "payee_npi": npi,
            "file": name,
            "trace": trace,
            "total": str(remittance.total),
            "claims": [r.pcn for r, reverse in claims if not reverse],
            "reversals": [r.pcn for r, reverse in claims if reverse],
            "adjustments": [
                {"reason": a.reason, "reference": a.reference, "amount": str(a.amount)}
                for a in remittance.adjustments
            ],
        }
        state["remittances"].append(summary)
        return summary

    # ------------------------------------------------------------------ on demand

    def run(self) -> dict[str, Any]:
        """Everything pending now: the mailbox, then every 835."""
        self.flush()
        received = self.scan_mailbox()
        remittances = self.deliver_remittances()
        return {"received": received, "remittances": remittances}

    def reprocess(self, tenant: str, pcn: str) -> dict[str, Any]:
        """The payer re-prices a paid claim after a fee schedule correction (+10% allowed):
        the next 835 reverses the payment (CLP02 22) and pays the claim again."""
        tenant = folder_name(tenant)
        with self.store.transaction() as state:
            original, remit = self._paid_claim(state, tenant, pcn)
            raised = _reprice(remit)
            original["remit"] = raised
            original["paid"] = raised["paid"]
            state["pending"] += [
                {**_where(original), "remit": remit, "reverse": True},
                {**_where(original), "remit": raised, "reverse": False},
            ]
            record = state["claims"][tenant][pcn][-1]
            record["reversed"] = {"by": pcn, "remittance": None, "reprocessed": True}
            record["paid"] = raised["paid"]
            record["allowed"] = str(
                sum((Decimal(line["allowed"]) for line in raised["lines"]), ZERO)
            )
            record["carcs"] = _carc_totals(raised)
            return {"tenant_id": tenant, "patient_control_number": pcn, "paid": raised["paid"]}

    def recover(self, tenant: str, pcn: str, amount: Decimal | None) -> dict[str, Any]:
        """The payer recovers an overpayment on a paid claim from the payee's next 835
        (PLB WO, positive: it reduces the payment). Default: 10% of what was paid."""
        tenant = folder_name(tenant)
        with self.store.transaction() as state:
            original, remit = self._paid_claim(state, tenant, pcn)
            value = money(amount if amount is not None else Decimal(remit["paid"]) / 10)
            if not CENT <= value <= Decimal(remit["paid"]):
                raise SandboxError(
                    "the recovery must be between 0.01 and what was paid",
                    {"path": "body.amount"},
                )
            state["plb"].append(
                {
                    "tenant": tenant,
                    "payer_id": original["payer_id"],
                    "payee_npi": original["payee"][0],
                    "reason": "WO",
                    "reference": remit["pccn"],
                    "amount": str(value),
                }
            )
            record = state["claims"][tenant][pcn][-1]
            record["recovered"] = str(value)
            return {"tenant_id": tenant, "patient_control_number": pcn, "recovery": str(value)}

    def _paid_claim(
        self, state: dict[str, Any], tenant: str, pcn: str
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        records = state["claims"].get(tenant, {}).get(pcn)
        if not records or not records[-1]["payer_claim_control_number"]:
            raise SandboxError("no accepted claim with this patient control number", status=404)
        pccn = records[-1]["payer_claim_control_number"]
        original = state["pccn"][tenant][pccn]
        remit = original.get("remit")
        if remit is None or Decimal(remit["paid"]) <= 0 or original.get("reversed"):
            raise SandboxError("the claim has no payment to act on", status=409)
        if any(i["remit"]["pccn"] == pccn for i in state["pending"]):
            raise SandboxError("the claim's last payment has not been sent yet", status=409)
        return original, remit

    # ----------------------------------------------------------------- ground truth

    def truth(self, tenant: str | None = None) -> list[dict[str, Any]]:
        """Per claim (tenant, CLM01): its latest submission's expected outcome, with the
        earlier submissions of the same CLM01 under "history"."""
        state = self.store.read()
        out = []
        tenants = [folder_name(tenant)] if tenant else sorted(state["claims"])
        for t in tenants:
            for _, records in sorted(state["claims"].get(t, {}).items()):
                out.append({**records[-1], "history": records[:-1]})
        return out


def _where(original: dict[str, Any]) -> dict[str, Any]:
    """Where a claim's payments go: tenant, payer, payee, receiver."""
    keys = ("tenant", "payer_id", "payee", "receiver", "first_date")
    return {key: original[key] for key in keys}


def _json(value: Any) -> str:
    return json.dumps(value, indent=1, sort_keys=True, default=str)


def _file_away(path: Path, outcome: str) -> None:
    target = path.parent / outcome
    target.mkdir(exist_ok=True)
    shutil.move(str(path), target / path.name)


def _remit(claim: Claim837, payer: Payer, pccn: str, decision: Decision) -> Remit:
    facts: ClaimFacts = claim.facts
    patient = claim.patient_person
    remit = Remit(
        pcn=facts.patient_control_number,
        status=decision.status,
        charge=str(decision.charge),
        paid=str(decision.paid),
        patient_responsibility=str(decision.patient_responsibility),
        filing=payer.claim_filing_indicator,
        pccn=pccn,
        place_of_service=claim.place_of_service or "11",
        frequency=facts.frequency,
        patient=[patient.last, patient.first],
        subscriber=[claim.subscriber.last, claim.subscriber.first]
        if claim.patient is not None
        else None,
        member_id=facts.member_id,
        start=d8(facts.first_date),
        end=d8(facts.last_date),
        remarks=list(decision.remarks),
        lines=[
            {
                "procedure": r.line.procedure,
                "modifiers": list(r.line.modifiers),
                "charge": str(r.line.charge),
                "paid": str(r.paid),
                "allowed": str(r.allowed),
                "units": _units(r.line.units),
                "from": d8(r.line.service_from),
                "to": d8(r.line.service_to),
                "control": r.line.control_number,
                "adjustments": [[a.group, a.reason, str(a.amount)] for a in r.adjustments],
                "remarks": list(r.remarks),
            }
            for r in decision.lines
        ],
    )
    return remit


def _units(value: Decimal) -> str:
    return format(value.normalize(), "f")


def _carc_totals(remit: dict[str, Any]) -> list[dict[str, str]]:
    totals: dict[tuple[str, str], Decimal] = {}
    for line in remit["lines"]:
        for group, code, value in line["adjustments"]:
            totals[(group, code)] = totals.get((group, code), ZERO) + Decimal(value)
    return [{"group": g, "code": c, "amount": str(v)} for (g, c), v in totals.items()]


def _reprice(remit: dict[str, Any]) -> dict[str, Any]:
    """The remit after a 10% allowed increase on every paid line (within the charge)."""
    out = {**remit, "lines": []}
    paid_total = ZERO
    for before in remit["lines"]:
        line = {**before, "adjustments": [list(a) for a in before["adjustments"]]}
        allowed = Decimal(line["allowed"])
        if Decimal(line["paid"]) > 0:
            raised = min(money(allowed * Decimal("1.10")), Decimal(line["charge"]))
            increase = raised - allowed
            if increase:
                line["allowed"] = str(raised)
                line["paid"] = str(Decimal(line["paid"]) + increase)
                for adj in line["adjustments"]:
                    if adj[0] == "CO" and adj[1] == "45":
                        adj[2] = str(Decimal(adj[2]) - increase)
                line["adjustments"] = [a for a in line["adjustments"] if Decimal(a[2]) != 0]
        paid_total += Decimal(line["paid"])
        out["lines"].append(line)
    out["paid"] = str(paid_total)
    return out
