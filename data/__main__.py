"""`python -m data migrate|seed|openapi` — see `python -m data --help`."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from data.migrations import MIGRATIONS, Target, default_idempotency_table, migrate
from data.openapi import OPENAPI_PATH, render_openapi
from data.seeds import DEFAULT_COUNT, seed

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

DEFAULT_REGION = "us-east-1"


def _dynamodb_client(args: argparse.Namespace) -> DynamoDBClient:
    import boto3  # noqa: PLC0415 - `openapi` and `--help` do not need boto3

    return boto3.client("dynamodb", endpoint_url=args.endpoint_url, region_name=args.region)


def _add_connection_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--endpoint-url",
        default=os.environ.get("AWS_ENDPOINT_URL"),
        help="DynamoDB endpoint, e.g. a moto server http://127.0.0.1:5000 (default: AWS_ENDPOINT_URL, else "
        "AWS itself). Credentials come from the usual AWS environment variables or profile.",
    )
    parser.add_argument(
        "--region",
        default=os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or DEFAULT_REGION,
        help=f"AWS region (default: AWS_REGION, else {DEFAULT_REGION})",
    )
    parser.add_argument(
        "--table", required=True, help="items table name (the env's items_table_name terraform output)"
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m data", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    migrate_parser = commands.add_parser(
        "migrate",
        help="apply pending table migrations (ordered, recorded, idempotent)",
        description="Migrations: " + "; ".join(f"{m.id} ({m.description})" for m in MIGRATIONS),
    )
    _add_connection_arguments(migrate_parser)
    migrate_parser.add_argument(
        "--idempotency-table",
        help="idempotency table name (default: the items table name with -items replaced by -idempotency)",
    )
    migrate_parser.add_argument("--dry-run", action="store_true", help="list what would run, change nothing")

    seed_parser = commands.add_parser("seed", help="insert deterministic development items (idempotent)")
    _add_connection_arguments(seed_parser)
    seed_parser.add_argument(
        "--count", type=int, default=DEFAULT_COUNT, help="how many items (default: %(default)s)"
    )

    openapi_parser = commands.add_parser("openapi", help=f"write the OpenAPI document to {OPENAPI_PATH.name}")
    openapi_parser.add_argument(
        "--check",
        action="store_true",
        help="exit 1 if the committed document is not what the schema generates",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "migrate":
        target = Target(args.table, args.idempotency_table or default_idempotency_table(args.table))
        for outcome in migrate(_dynamodb_client(args), target, dry_run=args.dry_run):
            print(f"{outcome.action:>15}  {outcome.migration_id}  {outcome.description}")
        return 0
    if args.command == "seed":
        result = seed(_dynamodb_client(args), args.table, count=args.count)
        print(f"seeded {args.table}: {result.inserted} inserted, {result.already_present} already present")
        return 0
    document = render_openapi()
    if args.check:
        if not OPENAPI_PATH.exists() or OPENAPI_PATH.read_text(encoding="utf-8") != document:
            print(f"{OPENAPI_PATH} is out of date: run `python -m data openapi`", file=sys.stderr)
            return 1
        print(f"{OPENAPI_PATH} is up to date")
        return 0
    OPENAPI_PATH.write_text(document, encoding="utf-8")
    print(f"wrote {OPENAPI_PATH}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
