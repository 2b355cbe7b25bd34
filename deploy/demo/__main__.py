"""python -m deploy.demo [--patients N] [--seed S]

Runs a billing company's day through the stack `deploy/stack.py up` started (a new tenant
per run, so it can be run again), prints a KPI report, the API docs URLs and a token. The
stack is left up for exploring.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
import uuid
from datetime import date
from pathlib import Path

import httpx

from deploy.demo.flow import Apis, Outcome, StepFailed, run_day
from deploy.demo.plan import build_day
from deploy.demo.progress import Progress
from deploy.demo.report import gather, render
from rcm_shared.auth import mint_token
from rcm_shared.settings import DEV_JWT_SECRET

REPO = Path(__file__).resolve().parents[2]
DEFAULT_PORTS = {
    "eligibility": 8001,
    "claims": 8002,
    "remittance": 8003,
    "denials": 8004,
    "patients": 8005,
    "sandbox": 8010,
}


def ports() -> dict[str, int]:
    """The stack's ports: stack.env (written by `stack.py up`), then the environment."""
    env: dict[str, str] = {}
    state = Path(os.environ.get("RCM_STATE_DIR", REPO / ".cache" / "stack"))
    if (state / "stack.env").exists():
        for line in (state / "stack.env").read_text().splitlines():
            key, _, value = line.partition("=")
            env[key] = value
    env.update(os.environ)
    return {
        name: int(env.get(f"RCM_{name.upper()}_PORT", default))
        for name, default in DEFAULT_PORTS.items()
    }


async def main(patients: int, seed: int) -> int:
    started = time.monotonic()
    tenant = f"demo-{uuid.uuid4().hex[:8]}"
    secret = os.environ.get("RCM_JWT_SECRET", DEV_JWT_SECRET)
    token = mint_token(secret, tenant, subject="demo")
    headers = {"authorization": f"Bearer {token}"}
    urls = {name: f"http://127.0.0.1:{port}" for name, port in ports().items()}
    clients = {
        name: httpx.AsyncClient(base_url=url, headers=headers, timeout=120)
        for name, url in urls.items()
    }
    day = build_day(tenant, date.today(), patients=patients, seed=seed)
    print(f"A billing day for tenant {tenant} ({patients} patients, seed {seed})\n", flush=True)
    try:
        apis = Apis(**clients)
        outcome = await run_day(apis, day, Progress(), say=lambda s: print(s, flush=True))
        render(await gather(apis, day.today), outcome)
        await save_statement(apis, outcome)
    except (StepFailed, httpx.HTTPError) as exc:
        print(f"\ndemo stopped: {exc}", file=sys.stderr)
        print("is the stack up?  make up  (logs: make logs NAME=claims)", file=sys.stderr)
        return 1
    finally:
        for client in clients.values():
            await client.aclose()
    elapsed = time.monotonic() - started
    steps = ", ".join(f"{k} {v:.1f}s" for k, v in outcome.timings.items())
    print(f"\nthe day took {elapsed:.1f}s ({steps})")
    console = int(os.environ.get("RCM_CONSOLE_PORT", "8020"))
    print(f"\nBiller console: http://127.0.0.1:{console}/ (sign in with the token below)")
    print("\nAPI docs:")
    for name, url in urls.items():
        print(f"  {name:<12} {url}/docs")
    print(f"\nA token for tenant {tenant} (every scope, 12 hours):")
    print(f"  export TOKEN={token}")
    print(f'  curl -s -H "Authorization: Bearer $TOKEN" {urls["denials"]}/v1/denials | head -c 600')
    print("\nThe stack stays up; stop it with: make down")
    return 0


async def save_statement(apis: Apis, outcome: Outcome) -> None:
    """One patient statement of the day as the patient gets it, to look at."""
    side = outcome.patient_side
    if apis.patients is None or side is None or side.first_statement is None:
        return
    pdf = await apis.patients.get(f"/v1/statements/{side.first_statement}/pdf")
    folder = REPO / ".cache" / "demo"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "statement.pdf").write_bytes(pdf.content)
    print(f"a patient statement of the day: {folder / 'statement.pdf'}")


def cli() -> None:
    parser = argparse.ArgumentParser(prog="python -m deploy.demo", description=__doc__)
    parser.add_argument("--patients", type=int, default=300)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    sys.exit(asyncio.run(main(args.patients, args.seed)))


if __name__ == "__main__":
    cli()
