"""Clearinghouse connectors: how a built 837 leaves. Infrastructure, not business rules.

Delivery is at least once, made effectively once: the file drop writes a name derived from
the interchange control number atomically (a re-delivery rewrites the same file), and the
HTTP connector sends the submission id as Idempotency-Key (clearinghouses also refuse a
repeated ISA13 from the same sender).
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Protocol

import httpx

from rcm_claims.config import ClaimsSettings
from rcm_shared.mailbox import safe_name


class DeliveryError(Exception):
    def __init__(self, message: str, retryable: bool) -> None:
        super().__init__(message)
        self.retryable = retryable


class Connector(Protocol):
    name: str

    async def deliver(
        self, tenant_id: str, submission_id: str, file_name: str, x12: str
    ) -> None: ...


class FileDropConnector:
    name = "file"

    def __init__(self, outbound: Path) -> None:
        self.outbound = outbound

    async def deliver(self, tenant_id: str, submission_id: str, file_name: str, x12: str) -> None:
        await asyncio.to_thread(self._write, safe_name(tenant_id), file_name, x12)

    def _write(self, tenant: str, file_name: str, x12: str) -> None:
        folder = self.outbound / tenant
        try:
            folder.mkdir(parents=True, exist_ok=True)
            target = folder / file_name
            temporary = folder / f".{file_name}.part"
            with open(temporary, "w", encoding="latin-1", newline="") as handle:
                handle.write(x12)
                handle.flush()
                os.fsync(handle.fileno())
            # rename is atomic: the mailbox never shows a half-written interchange
            os.replace(temporary, target)
        except OSError as exc:
            raise DeliveryError(f"{type(exc).__name__}: {exc.strerror}", retryable=True) from exc


class HttpConnector:
    name = "http"

    def __init__(self, url: str, timeout: float) -> None:
        self.url = url
        self.timeout = timeout

    async def deliver(self, tenant_id: str, submission_id: str, file_name: str, x12: str) -> None:
        try:
            async with httpx.AsyncClient(timeout=self.timeout) as client:
                response = await client.post(
                    self.url,
                    content=x12.encode("latin-1"),
                    headers={
                        "Content-Type": "application/edi-x12",
                        "Idempotency-Key": submission_id,
                        "X-File-Name": file_name,
                        "X-Tenant-Id": tenant_id,
                    },
                )
        except httpx.HTTPError as exc:
            raise DeliveryError(f"{type(exc).__name__}", retryable=True) from exc
        if response.status_code >= 500 or response.status_code in (408, 429):
            raise DeliveryError(f"clearinghouse answered {response.status_code}", True)
        if response.status_code >= 400:
            raise DeliveryError(f"clearinghouse refused: {response.status_code}", False)


class StatusConnector:
    """Real-time claim status: POST a 276, the 277 is the answer (the clearinghouse's
    HTTP endpoint for 276/277, as for 270/271)."""

    def __init__(self, url: str, timeout: float) -> None:
        self.url = url
        self.timeout = timeout

    async def ask(self, tenant_id: str, x276: str) -> str:
        try:
            async with httpx.AsyncClient(timeout=self.timeout) as client:
                response = await client.post(
                    self.url,
                    content=x276.encode("latin-1"),
                    headers={"Content-Type": "application/edi-x12", "X-Tenant-Id": tenant_id},
                )
        except httpx.HTTPError as exc:
            raise DeliveryError(f"{type(exc).__name__}", retryable=True) from exc
        if response.status_code >= 400:
            raise DeliveryError(
                f"clearinghouse answered {response.status_code}",
                retryable=response.status_code >= 500 or response.status_code in (408, 429),
            )
        return response.content.decode("latin-1")


def status_connector_for(settings: ClaimsSettings) -> StatusConnector | None:
    if not settings.status_url:
        return None
    return StatusConnector(settings.status_url, settings.status_timeout_seconds)


def connector_for(settings: ClaimsSettings) -> Connector:
    if settings.connector == "http":
        if not settings.clearinghouse_url:
            raise ValueError("RCM_CLAIMS_CLEARINGHOUSE_URL is required with the http connector")
        return HttpConnector(settings.clearinghouse_url, settings.clearinghouse_timeout_seconds)
    return FileDropConnector(Path(settings.outbound_dir))
