"""Source of the probe Lambda the local data plane tests deploy into the emulator (zipped by conftest.py).

It reports what it saw (event, context, environment, process) so tests can assert on the runtime the data
plane gave it, and it misbehaves on request (crash, raise, sleep, malformed result) to exercise API
Gateway's error paths.
"""

import base64
import importlib.util
import json
import logging
import os
import sys
import time

import boto3

INIT_PID = os.getpid()
LOGGER = logging.getLogger("probe")
LOGGER.setLevel(logging.INFO)
INVOCATIONS = 0


def lambda_handler(event, context):
    global INVOCATIONS  # noqa: PLW0603 - counts warm invocations of this execution environment
    INVOCATIONS += 1
    action = (event.get("pathParameters") or {}).get("proxy", "")
    query = event.get("queryStringParameters") or {}
    print(
        f"probe handled {event['httpMethod']} {event['path']} request {event['requestContext']['requestId']}"
    )
    LOGGER.info("probe used the logging module")
    if action == "crash":
        os._exit(3)
    if action == "raise":
        raise RuntimeError("the probe was asked to fail")
    slept = None
    if action == "sleep":
        slept = [time.time()]
        time.sleep(float(query.get("seconds", "5")))
        slept.append(time.time())
    if action == "malformed":
        return "not a proxy response"
    if action == "binary":
        return {
            "statusCode": 200,
            "headers": {"Content-Type": "application/octet-stream"},
            "body": base64.b64encode(bytes(range(256))).decode(),
            "isBase64Encoded": True,
        }
    if action == "buckets":
        names = [b["Name"] for b in boto3.client("s3").list_buckets()["Buckets"]]
        return {"statusCode": 200, "body": json.dumps(names)}
    report = {
        "event": event,
        "pid": os.getpid(),
        "initPid": INIT_PID,
        "invocations": INVOCATIONS,
        "remainingMs": context.get_remaining_time_in_millis(),
        "memoryLimitInMb": context.memory_limit_in_mb,
        "functionName": context.function_name,
        "functionVersion": context.function_version,
        "invokedFunctionArn": context.invoked_function_arn,
        "awsRequestId": context.aws_request_id,
        "logStreamName": context.log_stream_name,
        "environment": dict(os.environ),
        "cwd": os.getcwd(),
        "canImportDevOnlyPackage": importlib.util.find_spec("pytest") is not None,
        "python": list(sys.version_info[:2]),
        "slept": slept,
    }
    return {
        "statusCode": int(query.get("status", "200")),
        "headers": {"Content-Type": "application/json", "X-Probe": "single"},
        "multiValueHeaders": {"Set-Cookie": ["a=1", "b=2"]},
        "body": json.dumps(report),
    }


def authorizer_handler(event, context):
    """A TOKEN authorizer: 'allow-<principal>' is let in with a context, 'deny' is denied, others refused."""
    token = event["authorizationToken"]
    if token == "deny":
        effect, principal = "Deny", "denied-user"
    elif token.startswith("allow-"):
        effect, principal = "Allow", token.removeprefix("allow-")
    else:
        raise Exception("Unauthorized")
    return {
        "principalId": principal,
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [{"Action": "execute-api:Invoke", "Effect": effect, "Resource": event["methodArn"]}],
        },
        "context": {"tier": "gold", "verified": True},
    }
