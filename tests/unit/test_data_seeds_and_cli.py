"""Seed data and the `python -m data` command line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import boto3
import pytest
from api_handler import schema

from data.__main__ import main
from data.seeds import seed, seed_items
from tests.unit.conftest import ITEMS_TABLE, CallApi


def test_seed_items_are_deterministic_and_valid_items() -> None:
    first, second = seed_items(), seed_items()
    assert first == second
    assert len({item["id"] for item in first}) == len(first) == 24
    for item in first:
        schema.validate("Item", item)
    assert {item["status"] for item in first} == {"active", "inactive", "archived"}


def test_seeding_twice_inserts_once_and_keeps_edits(call_api: CallApi) -> None:
    dynamodb = boto3.client("dynamodb")
    assert seed(dynamodb, ITEMS_TABLE, count=5).inserted == 5
    # Given a developer edited a seeded item through the API
    first = seed_items(5)[0]
    call_api("PUT", f"/items/{first['id']}", body={"name": "edited", "version": 1})
    # When seeding runs again
    again = seed(dynamodb, ITEMS_TABLE, count=5)
    # Then nothing is inserted or overwritten
    assert (again.inserted, again.already_present) == (0, 5)
    assert call_api("GET", f"/items/{first['id']}").json()["name"] == "edited"


def test_seeded_items_are_served_by_the_api(call_api: CallApi) -> None:
    seed(boto3.client("dynamodb"), ITEMS_TABLE, count=6)
    archived = call_api("GET", "/items", query={"status": "archived"}).json()
    expected = sorted((i for i in seed_items(6) if i["status"] == "archived"), key=lambda i: i["createdAt"])
    assert archived["items"] == list(reversed(expected))


def test_cli_migrate_seed_and_dry_run(aws: None, capsys: pytest.CaptureFixture[str]) -> None:
    # Given an empty account / When the CLI previews, migrates, then seeds
    assert main(["migrate", "--table", "cli-items", "--dry-run"]) == 0
    assert "would apply  001_create_items_table" in capsys.readouterr().out
    assert main(["migrate", "--table", "cli-items"]) == 0
    assert main(["seed", "--table", "cli-items", "--count", "3"]) == 0
    # Then tables exist with the default idempotency name and the items are there
    out = capsys.readouterr().out
    assert "applied  002_create_idempotency_table" in out
    assert "seeded cli-items: 3 inserted, 0 already present" in out
    assert set(boto3.client("dynamodb").list_tables()["TableNames"]) == {
        "cli-items",
        "cli-idempotency",
        "cli-items-migrations",
    }


def test_cli_help_works_without_aws(repo_root: Path) -> None:
    for argv in (["--help"], ["migrate", "--help"], ["seed", "--help"], ["openapi", "--help"]):
        done = subprocess.run(
            [sys.executable, "-m", "data", *argv],
            cwd=repo_root,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        assert "usage: python -m data" in done.stdout


def test_cli_requires_a_table(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as raised:
        main(["migrate"])
    assert raised.value.code == 2
    assert "--table" in capsys.readouterr().err
