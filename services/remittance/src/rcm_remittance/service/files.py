"""Received 835 files, kept raw before anything is posted from them.

The bytes go two ways while they arrive: into the database in 1 MiB chunks (so the file
survives whatever happens next and can be downloaded as it came) and into a local spool
file the parser reads back. Neither holds the whole file in memory.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import AsyncIterable, AsyncIterator
from typing import BinaryIO

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from rcm_remittance.models import RemittanceFile
from rcm_remittance.repository import RemittanceRepository
from rcm_shared.errors import InvalidInput, NotFound, PayloadTooLarge

CHUNK_BYTES = 1024 * 1024


async def _rechunk(stream: AsyncIterable[bytes], size: int) -> AsyncIterator[bytes]:
    """Request bodies arrive in pieces of any size; storage wants `size`-byte chunks."""
    pending = bytearray()
    async for piece in stream:
        pending += piece
        while len(pending) >= size:
            yield bytes(pending[:size])
            del pending[:size]
    if pending:
        yield bytes(pending)


async def receive(
    sessions: async_sessionmaker[AsyncSession],
    tenant_id: str,
    stream: AsyncIterable[bytes],
    spool: BinaryIO,
    *,
    source: str,
    file_name: str | None,
    max_bytes: int,
) -> RemittanceFile:
    """Stores the file (state `received`) and copies it to `spool`; one transaction, so a
    file too large or a broken upload leaves nothing behind."""
    digest = hashlib.sha256()
    size = 0
    file = RemittanceFile(
        id=str(uuid.uuid4()),
        tenant_id=tenant_id,
        state="received",
        source=source,
        file_name=file_name,
        sha256="",
        size=0,
        remittance_count=0,
    )
    async with sessions() as session, session.begin():
        repo = RemittanceRepository(session, tenant_id)
        await repo.add_file(file)
        seq = 0
        async for chunk in _rechunk(stream, CHUNK_BYTES):
            size += len(chunk)
            if size > max_bytes:
                raise PayloadTooLarge(f"an 835 file may be at most {max_bytes} bytes")
            digest.update(chunk)
            spool.write(chunk)
            seq += 1
            await repo.add_chunk(file.id, seq, chunk)
        if size == 0:
            # an empty file lacks its first segment, the ISA: said as other X12 errors are
            missing = {"segment_number": 1, "segment_id": "ISA", "element_position": None}
            raise InvalidInput(
                "empty file", [{"path": "body", "message": "no 835 in the body", **missing}]
            )
        file.sha256, file.size = digest.hexdigest(), size
    spool.flush()
    spool.seek(0)
    return file


async def spool_stored(
    session: AsyncSession, tenant_id: str, file_id: str, spool: BinaryIO
) -> None:
    """Copies a stored file back to a spool file (recovery, reprocessing)."""
    repo = RemittanceRepository(session, tenant_id)
    for seq in await repo.chunk_numbers(file_id):
        spool.write(await repo.chunk(file_id, seq))
    spool.flush()
    spool.seek(0)


async def raw_chunks(
    sessions: async_sessionmaker[AsyncSession], tenant_id: str, file_id: str
) -> tuple[RemittanceFile, AsyncIterator[bytes]]:
    """The stored file and its bytes, one chunk in memory at a time (for downloads)."""
    async with sessions() as session:
        repo = RemittanceRepository(session, tenant_id)
        file = await repo.file(file_id)
        if file is None:
            raise NotFound("remittance file not found")
        numbers = await repo.chunk_numbers(file_id)

    async def chunks() -> AsyncIterator[bytes]:
        for seq in numbers:
            async with sessions() as session:
                yield await RemittanceRepository(session, tenant_id).chunk(file_id, seq)

    return file, chunks()
