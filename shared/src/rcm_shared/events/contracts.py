"""Writes the public event contract from the catalog: one JSON Schema per event type (plus
the envelope) and an AsyncAPI 3.0 document. `--check` fails when the committed files differ.

    python -m rcm_shared.events.contracts [--check] [--out shared/contracts]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import yaml

from rcm_shared.events.catalog import catalog_entries
from rcm_shared.events.envelope import CONTENT_TYPE, CloudEvent

DEFAULT_OUT = Path(__file__).resolve().parents[3] / "contracts"


def _dump(doc: Any) -> str:
    return json.dumps(doc, indent=2, sort_keys=True) + "\n"


def _yaml(doc: dict[str, Any]) -> str:
    return str(yaml.safe_dump(doc, sort_keys=False, width=100, allow_unicode=True))


def render() -> dict[str, str]:
    files: dict[str, str] = {}
    files["schemas/cloudevent.json"] = _dump(
        {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": "cloudevent.json",
            **CloudEvent.model_json_schema(),
        }
    )
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    for event_type, model in catalog_entries():
        name = event_type.replace(".", "_")
        schema_file = f"schemas/{event_type}.json"
        files[schema_file] = _dump(
            {
                "$schema": "https://json-schema.org/draft/2020-12/schema",
                "$id": f"{event_type}.json",
                "description": model.summary,
                **model.model_json_schema(),
            }
        )
        messages[name] = {
            "name": event_type,
            "title": event_type,
            "summary": model.summary,
            "contentType": CONTENT_TYPE,
            "headers": {
                "type": "object",
                "properties": {"content-type": {"type": "string", "const": CONTENT_TYPE}},
            },
            "payload": {
                "allOf": [
                    {"$ref": "./schemas/cloudevent.json"},
                    {
                        "type": "object",
                        "properties": {
                            "type": {"const": event_type},
                            "data": {"$ref": f"./{schema_file}"},
                        },
                    },
                ]
            },
            "bindings": {
                "kafka": {"key": {"type": "string", "description": f"payload.{model.key_field}"}}
            },
        }
        channel = channels.setdefault(
            model.topic.replace(".", "_"),
            {
                "address": model.topic,
                "messages": {},
                "description": f"Kafka topic {model.topic}, keyed by aggregate id",
            },
        )
        channel["messages"][name] = {"$ref": f"#/components/messages/{name}"}
    for chan_id, chan in sorted(channels.items()):
        operations[f"publish_{chan_id}"] = {
            "action": "send",
            "channel": {"$ref": f"#/channels/{chan_id}"},
            "messages": [
                {"$ref": f"#/channels/{chan_id}/messages/{m}"} for m in sorted(chan["messages"])
            ],
        }
    asyncapi = {
        "asyncapi": "3.0.0",
        "info": {
            "title": "RCM backbone events",
            "version": "1.0.0",
            "description": (
                "CloudEvents 1.0 in structured JSON mode on Kafka. Extensions: tenantid, "
                "correlationid, causationid, traceparent. Keys and headers carry ids, never PHI."
            ),
        },
        "defaultContentType": CONTENT_TYPE,
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages},
    }
    files["asyncapi.yaml"] = _yaml(asyncapi)
    return files


def _contract_files(out: Path) -> list[Path]:
    return [*out.rglob("*.json"), *out.rglob("*.yaml")]


def differences(out: Path) -> list[str]:
    expected = render()
    problems = [
        name
        for name, text in expected.items()
        if not (out / name).exists() or (out / name).read_text() != text
    ]
    existing = {str(p.relative_to(out)) for p in _contract_files(out)}
    problems += sorted(existing - set(expected))
    return problems


def write(out: Path) -> None:
    files = render()
    for stale in _contract_files(out):
        if str(stale.relative_to(out)) not in files:
            stale.unlink()
    for name, text in files.items():
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        (out / name).write_text(text)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--check", action="store_true")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args()
    if args.check:
        diff = differences(args.out)
        if diff:
            print("contracts differ from the models: " + ", ".join(diff))
            print("run `make contracts` and commit the result")
            sys.exit(1)
        print("contracts up to date")
        return
    write(args.out)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
