#!/usr/bin/env python3
"""Check that a deployed environment matches what the Terraform promises (read-only).

Looks at the live resources (real AWS, or the local cloud with --endpoint-url) and checks the security and
operability settings one by one: tables (CMK, PITR, GSI from the schema file, TTL), function (runtime
contract environment, `live` alias on a published version, X-Ray), REST API (routes, stage, access logs,
throttling), log groups (30 days, KMS), artifact bucket (versioning, KMS, public access block) and the
encrypted alarm topic. Exit 0 when every check passes, 1 otherwise.

Examples:
  python -m infrastructure.ops.validate_infrastructure --env dev
  python -m infrastructure.ops.validate_infrastructure --env local --endpoint-url http://127.0.0.1:5000
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass

from botocore.exceptions import ClientError

from ci.common.paths import REPO_ROOT
from infrastructure.ops.ops_common import Aws, ServiceNames, connect, run_tool, script_parser, service_names

REQUIRED_FUNCTION_ENV = (
    "ITEMS_TABLE_NAME",
    "IDEMPOTENCY_TABLE_NAME",
    "ENVIRONMENT",
    "CORS_ALLOWED_ORIGINS",
    "IDEMPOTENCY_TTL_SECONDS",
    "POWERTOOLS_SERVICE_NAME",
    "POWERTOOLS_METRICS_NAMESPACE",
    "POWERTOOLS_LOG_LEVEL",
    "POWERTOOLS_TRACE_DISABLED",
)
LOG_RETENTION_DAYS = 30


@dataclass(frozen=True)
class Check:
    name: str
    passed: bool
    detail: str


CheckFn = Callable[[Aws, ServiceNames], Iterator[Check]]


def check(name: str, passed: bool, detail: str = "") -> Check:
    return Check(name, bool(passed), detail)


def tables(aws: Aws, names: ServiceNames) -> Iterator[Check]:
    dynamodb = aws.client("dynamodb")
    schema = json.loads((REPO_ROOT / "data" / "schemas" / "items_table.json").read_text())
    for table_name in (names.items_table, names.idempotency_table):
        table = dynamodb.describe_table(TableName=table_name)["Table"]
        sse = table.get("SSEDescription", {})
        yield check(f"{table_name}: encrypted with a KMS key", sse.get("SSEType") == "KMS", str(sse))
        backups = dynamodb.describe_continuous_backups(TableName=table_name)["ContinuousBackupsDescription"]
        pitr = backups.get("PointInTimeRecoveryDescription", {}).get("PointInTimeRecoveryStatus")
        yield check(f"{table_name}: point-in-time recovery on", pitr == "ENABLED", f"PITR {pitr}")
        ttl = dynamodb.describe_time_to_live(TableName=table_name)["TimeToLiveDescription"]
        yield check(f"{table_name}: TTL enabled", ttl.get("TimeToLiveStatus") == "ENABLED", str(ttl))
        billing = table.get("BillingModeSummary", {}).get("BillingMode")
        yield check(f"{table_name}: on-demand billing", billing == "PAY_PER_REQUEST", f"billing {billing}")
    items = dynamodb.describe_table(TableName=names.items_table)["Table"]
    deployed = {
        index["IndexName"]: [key["AttributeName"] for key in index["KeySchema"]]
        for index in items.get("GlobalSecondaryIndexes", [])
    }
    for index in schema["globalSecondaryIndexes"]:
        expected = [index["partitionKey"], *([index["sortKey"]] if "sortKey" in index else [])]
        yield check(
            f"{names.items_table}: GSI {index['name']} keyed {expected}",
            deployed.get(index["name"]) == expected,
            f"deployed {deployed}",
        )


def function(aws: Aws, names: ServiceNames) -> Iterator[Check]:
    lambda_client = aws.client("lambda")
    configuration = lambda_client.get_function(FunctionName=names.function)["Configuration"]
    variables = configuration.get("Environment", {}).get("Variables", {})
    missing = [name for name in REQUIRED_FUNCTION_ENV if name not in variables]
    yield check(f"{names.function}: runtime contract environment", not missing, f"missing {missing}")
    yield check(
        f"{names.function}: table names wired",
        variables.get("ITEMS_TABLE_NAME") == names.items_table
        and variables.get("IDEMPOTENCY_TABLE_NAME") == names.idempotency_table,
        str({key: variables.get(key) for key in ("ITEMS_TABLE_NAME", "IDEMPOTENCY_TABLE_NAME")}),
    )
    yield check(f"{names.function}: ENVIRONMENT={names.env}", variables.get("ENVIRONMENT") == names.env, "")
    alias = lambda_client.get_alias(FunctionName=names.function, Name=names.alias)
    yield check(
        f"{names.function}: alias {names.alias} on a published version",
        alias["FunctionVersion"] != "$LATEST",
        f"version {alias['FunctionVersion']}",
    )
    tracing = configuration.get("TracingConfig", {}).get("Mode")
    trace_disabled = variables.get("POWERTOOLS_TRACE_DISABLED") == "true"
    yield check(
        f"{names.function}: X-Ray mode agrees with POWERTOOLS_TRACE_DISABLED",
        (tracing == "Active") != trace_disabled,
        f"mode {tracing}, POWERTOOLS_TRACE_DISABLED={variables.get('POWERTOOLS_TRACE_DISABLED')}",
    )


def rest_api(aws: Aws, names: ServiceNames) -> Iterator[Check]:
    apigateway = aws.client("apigateway")
    apis = [api for api in apigateway.get_rest_apis(limit=500)["items"] if api["name"] == names.api_name]
    yield check(f"REST API {names.api_name} exists once", len(apis) == 1, f"found {len(apis)}")
    if len(apis) != 1:
        return
    api_id = apis[0]["id"]
    resources = {
        item["path"]: set(item.get("resourceMethods", {}))
        for item in apigateway.get_resources(restApiId=api_id, limit=500)["items"]
    }
    yield check(
        "routes /items and /items/{id} with CORS preflight",
        resources.get("/items", set()) >= {"GET", "POST", "OPTIONS"}
        and resources.get("/items/{id}", set()) >= {"GET", "PUT", "DELETE", "OPTIONS"},
        str({path: sorted(methods) for path, methods in resources.items()}),
    )
    stage = apigateway.get_stage(restApiId=api_id, stageName=names.stage)
    destination = stage.get("accessLogSettings", {}).get("destinationArn", "")
    yield check(
        f"stage {names.stage}: access logs to {names.access_log_group}",
        destination.endswith(f":log-group:{names.access_log_group}"),
        destination,
    )
    settings = stage.get("methodSettings", {}).get("*/*", {})
    throttling = names.outputs.get("api_throttling") or {}
    rate, burst = settings.get("throttlingRateLimit"), settings.get("throttlingBurstLimit")
    expected = (throttling.get("rate_limit"), throttling.get("burst_limit")) if throttling else None
    yield check(
        f"stage {names.stage}: throttling set" + (" as planned" if expected else ""),
        rate is not None and burst is not None and (expected is None or (rate, burst) == expected),
        f"deployed rate={rate} burst={burst}, planned {expected}",
    )


def log_groups(aws: Aws, names: ServiceNames) -> Iterator[Check]:
    logs = aws.client("logs")
    for name in (names.lambda_log_group, names.access_log_group):
        groups = [
            group
            for group in logs.describe_log_groups(logGroupNamePrefix=name)["logGroups"]
            if group["logGroupName"] == name
        ]
        group = groups[0] if groups else {}
        yield check(
            f"{name}: {LOG_RETENTION_DAYS}-day retention, KMS-encrypted",
            group.get("retentionInDays") == LOG_RETENTION_DAYS and bool(group.get("kmsKeyId")),
            f"retention {group.get('retentionInDays')}, key {group.get('kmsKeyId')}" if group else "missing",
        )


def artifact_bucket(aws: Aws, names: ServiceNames) -> Iterator[Check]:
    s3 = aws.client("s3")
    bucket = names.artifact_bucket
    versioning = s3.get_bucket_versioning(Bucket=bucket).get("Status")
    yield check(f"{bucket}: versioning enabled", versioning == "Enabled", f"versioning {versioning}")
    rules = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
    algorithm = rules[0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"]
    yield check(f"{bucket}: SSE-KMS by default", algorithm == "aws:kms", f"algorithm {algorithm}")
    block = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    yield check(f"{bucket}: all public access blocked", all(block.values()) and len(block) == 4, str(block))
    logging = s3.get_bucket_logging(Bucket=bucket).get("LoggingEnabled", {})
    yield check(f"{bucket}: server access logging", bool(logging.get("TargetBucket")), str(logging))


def alarm_topic(aws: Aws, names: ServiceNames) -> Iterator[Check]:
    sns = aws.client("sns")
    arn = names.output(
        "alarm_topic_arn", f"arn:aws:sns:{aws.session.region_name}:{names.account_id}:{names.alarm_topic}"
    )
    attributes = sns.get_topic_attributes(TopicArn=arn)["Attributes"]
    yield check(f"{names.alarm_topic}: KMS-encrypted", bool(attributes.get("KmsMasterKeyId")), "")
    alarms = aws.client("cloudwatch").describe_alarms(AlarmNamePrefix=names.prefix)["MetricAlarms"]
    silent = [alarm["AlarmName"] for alarm in alarms if arn not in alarm.get("AlarmActions", [])]
    yield check(
        f"{len(alarms)} alarms notify the topic", bool(alarms) and not silent, f"not notifying: {silent}"
    )


CHECKS: tuple[CheckFn, ...] = (tables, function, rest_api, log_groups, artifact_bucket, alarm_topic)


def run_checks(aws: Aws, names: ServiceNames) -> list[Check]:
    results: list[Check] = []
    for check_group in CHECKS:
        try:
            results.extend(check_group(aws, names))
        except ClientError as error:
            # A missing resource fails its group with the API's own words, and the other groups still run.
            results.append(check(f"{check_group.__name__}: resources readable", False, str(error)))
    return results


def main(argv: list[str] | None = None) -> int:
    parser = script_parser(__doc__)
    args = parser.parse_args(argv)
    aws = connect(args)
    results = run_checks(aws, service_names(args, aws))
    if args.json:
        print(json.dumps([asdict(result) for result in results], indent=2))
    else:
        for result in results:
            mark = "PASS" if result.passed else "FAIL"
            print(f"{mark}  {result.name}" + ("" if result.passed else f"  ({result.detail})"))
        failed = sum(not result.passed for result in results)
        print(f"\n{len(results) - failed} passed, {failed} failed ({args.env})")
    return 0 if all(result.passed for result in results) else 1


if __name__ == "__main__":
    run_tool(main)
