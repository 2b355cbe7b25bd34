"""The committed event contract (JSON Schemas + AsyncAPI) must equal what the models make."""

from __future__ import annotations

from pathlib import Path

from rcm_shared.events.contracts import DEFAULT_OUT, differences, write


def test_committed_contract_matches_models() -> None:
    diff = differences(DEFAULT_OUT)
    assert diff == [], (
        f"shared/contracts differs from the event models in {diff}: "
        "run `make contracts` and commit the result"
    )


def test_differences_names_changed_and_stale_files(tmp_path: Path) -> None:
    write(tmp_path)
    assert differences(tmp_path) == []
    schema = tmp_path / "schemas" / "rcm.clinic.registered.v1.json"
    schema.write_text(schema.read_text().replace('"npi"', '"national_provider_id"'))
    (tmp_path / "schemas" / "rcm.clinic.deleted.v1.json").write_text("{}\n")
    (tmp_path / "asyncapi.yaml").unlink()
    assert sorted(differences(tmp_path)) == [
        "asyncapi.yaml",
        "schemas/rcm.clinic.deleted.v1.json",
        "schemas/rcm.clinic.registered.v1.json",
    ]
