"""python -m deploy.sandbox serve | run | truth [--tenant T]

serve   the HTTP sandbox with its mailbox and 835 schedules (RCM_SANDBOX_* settings)
run     one pass without the server: read the mailbox, send every pending 835
truth   print the ground truth as JSON
"""

from __future__ import annotations

import argparse
import json
import logging

from deploy.sandbox.clearinghouse import Sandbox
from deploy.sandbox.config import SandboxSettings


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m deploy.sandbox",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="cmd", required=True)
    sub.add_parser("serve")
    sub.add_parser("run")
    truth = sub.add_parser("truth")
    truth.add_argument("--tenant")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    settings = SandboxSettings()
    if args.cmd == "serve":
        import uvicorn

        from deploy.sandbox.app import create_app

        uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_level="info")
    elif args.cmd == "run":
        print(json.dumps(Sandbox(settings).run(), indent=1))
    else:
        print(json.dumps(Sandbox(settings).truth(args.tenant), indent=1))


if __name__ == "__main__":
    main()
