"""The payer connector: a 270 goes out over HTTP, a 271 comes back. Infrastructure."""

from __future__ import annotations

import asyncio

import httpx


class PayerUnavailable(Exception):
    """Timeout, connection failure or a 5xx after every attempt: worth asking again later."""


class HttpPayerConnector:
    def __init__(self, url: str | None, timeout: float, attempts: int) -> None:
        self.url = url
        self.timeout = timeout
        self.attempts = attempts
        self._client = httpx.AsyncClient(timeout=timeout)

    async def exchange(self, x270: str, trace: str) -> str:
        if not self.url:
            raise PayerUnavailable("no payer endpoint configured (RCM_ELIGIBILITY_PAYER_URL)")
        last = ""
        for attempt in range(self.attempts):
            try:
                response = await self._client.post(
                    self.url,
                    content=x270.encode("latin-1"),
                    headers={"Content-Type": "application/edi-x12", "X-Trace-Id": trace},
                )
            except httpx.HTTPError as exc:
                last = type(exc).__name__
            else:
                if response.status_code < 500:
                    if response.status_code >= 400:
                        raise PayerUnavailable(f"payer refused the 270: {response.status_code}")
                    return response.content.decode("latin-1")
                last = f"payer answered {response.status_code}"
            await asyncio.sleep(min(0.2 * 2**attempt, 2.0))
        raise PayerUnavailable(last)

    async def close(self) -> None:
        await self._client.aclose()
