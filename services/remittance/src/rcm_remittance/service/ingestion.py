"""Getting 835s in: from an API upload, from the clearinghouse mailbox folder, and again
after a crash left a stored file unposted."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import tempfile
from collections.abc import AsyncIterable, AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from rcm_remittance.config import RemittanceSettings
from rcm_remittance.models import RemittanceFile
from rcm_remittance.repository import stale_received_files
from rcm_remittance.service import files
from rcm_remittance.service.posting import PostingOutcome, post_file
from rcm_shared.errors import Conflict, RcmError
from rcm_shared.mailbox import file_away, pending_files
from rcm_shared.runtime import Runtime
from rcm_shared.workers import repeat

log = logging.getLogger("rcm.remittance.ingestion")
READ_BYTES = 1024 * 1024


async def ingest(
    sessions: async_sessionmaker[AsyncSession],
    tenant_id: str,
    stream: AsyncIterable[bytes],
    settings: RemittanceSettings,
    *,
    source: str,
    file_name: str | None = None,
) -> tuple[RemittanceFile, PostingOutcome]:
    """Stores the file, then posts it. The spool copy lives on local disk only while
    this runs."""
    with tempfile.TemporaryFile(prefix="rcm-835-") as spool:
        file = await files.receive(
            sessions,
            tenant_id,
            stream,
            spool,
            source=source,
            file_name=file_name,
            max_bytes=settings.max_file_bytes,
        )
        outcome = await post_file(sessions, tenant_id, file.id, spool, settings)
    return file, outcome


async def _read_file(path: Path) -> AsyncIterator[bytes]:
    with path.open("rb") as handle:
        while chunk := await asyncio.to_thread(handle.read, READ_BYTES):
            yield chunk


async def scan_inbound(runtime: Runtime, inbound: Path) -> int:
    """One pass over <inbound>/<tenant>/*: each file ingested, then moved to processed/
    (posted or a duplicate) or failed/ (rejected, quarantined, unreadable). A crash
    between the two ingests the file again next time, which the duplicate rule makes
    harmless."""
    assert runtime.sessions is not None
    settings = runtime.settings
    assert isinstance(settings, RemittanceSettings)
    found = await asyncio.to_thread(pending_files, inbound)
    for tenant, path in found:
        outcome = "failed"
        try:
            _, result = await ingest(
                runtime.sessions,
                tenant,
                _read_file(path),
                settings,
                source="folder",
                file_name=path.name,
            )
            if result.state in ("posted", "duplicate"):
                outcome = "processed"
        except RcmError as exc:
            log.warning("inbound 835 refused", extra={"reason": exc.code})
        await asyncio.to_thread(file_away, path, outcome)
    return len(found)


async def recover(runtime: Runtime, older_than: timedelta) -> int:
    """Posts files stored but left unposted (their poster crashed) for longer than
    `older_than`. Each post locks its file row, so two instances never post one twice."""
    assert runtime.sessions is not None
    settings = runtime.settings
    assert isinstance(settings, RemittanceSettings)
    async with runtime.sessions() as session:
        stale = await stale_received_files(session, datetime.now(UTC) - older_than)
    for tenant, file_id in stale:
        with tempfile.TemporaryFile(prefix="rcm-835-") as spool:
            async with runtime.sessions() as session:
                await files.spool_stored(session, tenant, file_id, spool)
            with contextlib.suppress(Conflict):
                outcome = await post_file(runtime.sessions, tenant, file_id, spool, settings)
                log.info(
                    "stored 835 posted on recovery",
                    extra={"file_id": file_id, "state": outcome.state},
                )
    return len(stale)


async def inbound_worker(runtime: Runtime, stop: asyncio.Event) -> None:
    settings = runtime.settings
    assert isinstance(settings, RemittanceSettings)
    inbound = Path(settings.inbound_dir)
    stale_after = timedelta(seconds=settings.recovery_after_seconds)

    async def step() -> int:
        await scan_inbound(runtime, inbound)
        await recover(runtime, stale_after)
        return 0  # wait for the next poll: a file may still be arriving

    await repeat(step, stop, settings.inbound_poll_seconds, "inbound scan")
