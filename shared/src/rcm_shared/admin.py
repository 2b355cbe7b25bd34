"""`rcm-admin`: operator commands.

rcm-admin token --tenant acme [--scope claims:read ...] [--clinic CLINIC_ID ...]
rcm-admin replay-dlq --topic rcm.reference.denials.dlq [--bootstrap HOST:PORT]
"""

from __future__ import annotations

import argparse
import asyncio
import os

from rcm_shared.auth import ALL_SCOPES, mint_token
from rcm_shared.messaging.dlq import replay_dlq
from rcm_shared.settings import DEV_JWT_SECRET


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="rcm-admin", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="cmd", required=True)
    tok = sub.add_parser("token", help="print a bearer token for a tenant")
    tok.add_argument("--tenant", required=True)
    tok.add_argument(
        "--scope",
        action="append",
        choices=ALL_SCOPES,
        help="repeat to grant several; default: all scopes",
    )
    tok.add_argument("--clinic", action="append", help="limit to these clinic ids")
    tok.add_argument("--subject", default=None)
    tok.add_argument("--ttl", type=int, default=12 * 3600, help="seconds")
    rep = sub.add_parser("replay-dlq", help="put a dead-letter topic's messages back")
    rep.add_argument("--topic", required=True, help="<topic>.<group>.dlq")
    rep.add_argument(
        "--bootstrap", default=os.environ.get("RCM_KAFKA_BOOTSTRAP", "127.0.0.1:59092")
    )
    args = parser.parse_args(argv)
    if args.cmd == "token":
        secret = os.environ.get("RCM_JWT_SECRET", DEV_JWT_SECRET)
        print(
            mint_token(
                secret,
                args.tenant,
                scopes=args.scope or ALL_SCOPES,
                clinic_ids=args.clinic,
                subject=args.subject,
                ttl_seconds=args.ttl,
                issuer=os.environ.get("RCM_JWT_ISSUER", "rcm"),
            )
        )
    elif args.cmd == "replay-dlq":
        count = asyncio.run(replay_dlq(args.bootstrap, args.topic))
        print(f"replayed {count} message(s) from {args.topic}")


if __name__ == "__main__":
    main()
