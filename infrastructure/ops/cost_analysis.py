#!/usr/bin/env python3
"""Estimate an environment's monthly AWS bill from its configuration and a traffic assumption.

The shape of the environment (function memory and architecture, number of KMS keys, alarms, dashboards,
tables) is read from the deployed resources (``--source live``, the default) or from the environment's
root module (``--source config``: infrastructure/environments/<env>/main.tf, before anything is deployed).
Traffic is an assumption you pass in.
Prices are us-east-1 on-demand list prices (see PRICES); the result is an estimate, not an invoice.

Examples:
  python -m infrastructure.ops.cost_analysis --env prod --source config --requests-per-month 50000000
  python -m infrastructure.ops.cost_analysis --env local --endpoint-url http://127.0.0.1:5000 --json
"""

from __future__ import annotations

import argparse
import json
import re
from dataclasses import asdict, dataclass

from ci.common import contract
from ci.common.paths import REPO_ROOT
from infrastructure.ops.ops_common import Aws, connect, inventory, run_tool, script_parser

# USD, us-east-1 list prices (2025). Free tiers are ignored: the estimate is for a steady-state account.
PRICES = {
    "lambda_request_per_million": 0.20,
    "lambda_gb_second_x86_64": 0.0000166667,
    "lambda_gb_second_arm64": 0.0000133334,
    "apigateway_rest_per_million": 3.50,
    "dynamodb_write_request_unit_per_million": 0.625,
    "dynamodb_read_request_unit_per_million": 0.125,
    "dynamodb_storage_gb_month": 0.25,
    "dynamodb_pitr_gb_month": 0.20,
    "logs_ingestion_gb": 0.50,
    "logs_storage_gb_month": 0.03,
    "kms_key_month": 1.00,
    "kms_request_per_10k": 0.03,
    "cloudwatch_alarm_month": 0.10,
    "cloudwatch_dashboard_month": 3.00,
    "s3_storage_gb_month": 0.023,
    "xray_trace_per_million": 5.00,
}
SECONDS_PER_MONTH = 30 * 24 * 3600
# DynamoDB and Lambda cache data keys, so only a small share of requests reaches KMS.
KMS_CALLS_PER_REQUEST = 0.01


@dataclass(frozen=True)
class Shape:
    """What the environment is made of, as far as the bill is concerned."""

    memory_mb: int
    architecture: str
    tracing: bool
    kms_keys: int
    alarms: int
    dashboards: int
    tables: int


@dataclass(frozen=True)
class LineItem:
    service: str
    basis: str
    monthly_usd: float


def shape_from_live(aws: Aws, env: str) -> Shape:
    resources = inventory(aws, contract.name("env_prefix", env))
    function = aws.client("lambda").get_function_configuration(
        FunctionName=contract.name("api_function", env)
    )
    return Shape(
        memory_mb=int(function["MemorySize"]),
        architecture=function.get("Architectures", ["x86_64"])[0],
        tracing=function.get("TracingConfig", {}).get("Mode") == "Active",
        kms_keys=sum(resource.kind == "kms_alias" for resource in resources),
        alarms=sum(resource.kind == "metric_alarm" for resource in resources),
        dashboards=sum(resource.kind == "dashboard" for resource in resources),
        tables=sum(resource.kind == "dynamodb_table" for resource in resources),
    )


def shape_from_config(env: str) -> Shape:
    """The shape the env's root module asks for (its main.tf arguments), before anything is deployed."""
    text = (REPO_ROOT / "infrastructure" / "environments" / env / "main.tf").read_text()

    def scalar(name: str, default: str) -> str:
        match = re.search(rf'^\s*{name}\s*=\s*"?([^"\n]+?)"?\s*$', text, re.MULTILINE)
        return match.group(1) if match else default

    # The stack's fixed shape: 5 keys (tables, function, access logs, artifacts, alarms), 9 alarms
    # (3 Lambda, 2 API, 2 per table), 1 dashboard, 2 tables.
    return Shape(
        memory_mb=int(scalar("lambda_memory_size", "256")),
        architecture=contract.runtime_target(env).lambda_architecture,
        tracing=scalar("tracing_enabled", "true") == "true",
        kms_keys=5,
        alarms=9,
        dashboards=1,
        tables=2,
    )


def estimate(shape: Shape, args: argparse.Namespace) -> list[LineItem]:
    requests = args.requests_per_month
    millions = requests / 1_000_000
    gb_seconds = requests * (args.avg_duration_ms / 1000) * (shape.memory_mb / 1024)
    writes = requests * args.write_ratio
    reads = requests - writes
    stored_gb = args.stored_items * args.avg_item_kb / 1024 / 1024
    log_gb = requests * args.log_kb_per_request / 1024 / 1024
    gb_second_price = PRICES[f"lambda_gb_second_{shape.architecture}"]
    items = [
        LineItem(
            "API Gateway (REST)",
            f"{millions:,.2f} M requests",
            millions * PRICES["apigateway_rest_per_million"],
        ),
        LineItem(
            "Lambda requests",
            f"{millions:,.2f} M invocations",
            millions * PRICES["lambda_request_per_million"],
        ),
        LineItem(
            "Lambda compute",
            f"{gb_seconds:,.0f} GB-s ({shape.memory_mb} MB, {shape.architecture})",
            gb_seconds * gb_second_price,
        ),
        LineItem(
            "DynamoDB requests",
            f"{writes / 1e6:,.2f} M writes (x2 with idempotency), {reads / 1e6:,.2f} M reads",
            2 * writes / 1e6 * PRICES["dynamodb_write_request_unit_per_million"]
            + reads / 1e6 * PRICES["dynamodb_read_request_unit_per_million"],
        ),
        LineItem(
            "DynamoDB storage + PITR",
            f"{stored_gb:,.3f} GB",
            stored_gb * (PRICES["dynamodb_storage_gb_month"] + PRICES["dynamodb_pitr_gb_month"]),
        ),
        LineItem(
            "CloudWatch Logs",
            f"{log_gb:,.2f} GB ingested (30-day retention)",
            log_gb * (PRICES["logs_ingestion_gb"] + PRICES["logs_storage_gb_month"]),
        ),
        LineItem(
            "KMS",
            f"{shape.kms_keys} keys",
            shape.kms_keys * PRICES["kms_key_month"]
            + requests * KMS_CALLS_PER_REQUEST / 10_000 * PRICES["kms_request_per_10k"],
        ),
        LineItem(
            "CloudWatch alarms + dashboards",
            f"{shape.alarms} alarms, {shape.dashboards} dashboards",
            shape.alarms * PRICES["cloudwatch_alarm_month"]
            + shape.dashboards * PRICES["cloudwatch_dashboard_month"],
        ),
    ]
    if shape.tracing:
        # X-Ray samples 1 request/s plus 5% by default; the first 100k traces a month are free.
        traced = max(0.0, min(requests, SECONDS_PER_MONTH + 0.05 * requests) - 100_000)
        items.append(
            LineItem(
                "X-Ray", f"{traced / 1e6:,.2f} M traces", traced / 1e6 * PRICES["xray_trace_per_million"]
            )
        )
    return items


def main(argv: list[str] | None = None) -> int:
    parser = script_parser(__doc__)
    parser.add_argument(
        "--source", choices=("live", "config"), default="live", help="where the shape comes from"
    )
    parser.add_argument("--requests-per-month", type=int, default=1_000_000, help="API requests a month")
    parser.add_argument("--avg-duration-ms", type=float, default=120.0, help="average billed Lambda duration")
    parser.add_argument("--write-ratio", type=float, default=0.2, help="share of requests that write (0-1)")
    parser.add_argument("--stored-items", type=int, default=100_000, help="items kept in the table")
    parser.add_argument("--avg-item-kb", type=float, default=1.0, help="average item size in KB")
    parser.add_argument("--log-kb-per-request", type=float, default=1.0, help="log volume per request in KB")
    args = parser.parse_args(argv)
    if not 0 <= args.write_ratio <= 1 or args.requests_per_month < 0:
        parser.error("--write-ratio must be within 0..1 and --requests-per-month not negative")

    shape = shape_from_live(connect(args), args.env) if args.source == "live" else shape_from_config(args.env)
    items = estimate(shape, args)
    total = sum(item.monthly_usd for item in items)
    if args.json:
        print(
            json.dumps(
                {
                    "env": args.env,
                    "shape": asdict(shape),
                    "items": [asdict(item) for item in items],
                    "total_usd": round(total, 2),
                },
                indent=2,
            )
        )
    else:
        assumption = f"{args.requests_per_month:,} requests/month, {args.source} shape"
        print(f"Estimated monthly cost of {args.env} ({assumption})")
        for item in items:
            print(f"  {item.service:32} {item.monthly_usd:>10.2f} USD  {item.basis}")
        print(f"  {'total':32} {total:>10.2f} USD")
    return 0


if __name__ == "__main__":
    run_tool(main)
