"""`terraform init` for one environment root, completing a partial S3 backend configuration.

    python -m ci.steps.terraform_init infrastructure/environments/dev

The AWS environments keep their state in ``items-service-tfstate-<ACCOUNT_ID>`` (created by
infrastructure/global); the bucket is left out of backend.tf because it carries the account id. This
step supplies it: ``$TF_STATE_BUCKET`` when set, otherwise derived from the caller's account (STS).
Roots without an S3 backend (env local) are initialised as they are.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from ci.common import contract

STATE_BUCKET_ENV_VAR = "TF_STATE_BUCKET"
S3_BACKEND = re.compile(r'backend\s+"s3"')


def uses_s3_backend(root: Path) -> bool:
    return any(S3_BACKEND.search(path.read_text()) for path in sorted(root.glob("*.tf")))


def caller_account_id() -> str:
    import boto3  # noqa: PLC0415 - only the AWS environments need it

    return str(boto3.client("sts").get_caller_identity()["Account"])


def init_argv(
    root: Path, environ: Mapping[str, str], account_id: Callable[[], str] = caller_account_id
) -> list[str]:
    argv = ["terraform", f"-chdir={root}", "init", "-input=false", "-no-color"]
    if uses_s3_backend(root):
        bucket = environ.get(STATE_BUCKET_ENV_VAR) or contract.name("state_bucket", account_id=account_id())
        argv.append(f"-backend-config=bucket={bucket}")
    return argv


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m ci.steps.terraform_init", description=__doc__.split("\n")[0]
    )
    parser.add_argument("root", type=Path, help="environment root, e.g. infrastructure/environments/dev")
    args = parser.parse_args(argv)
    from botocore.exceptions import BotoCoreError, ClientError  # noqa: PLC0415 - with boto3, only when used

    try:
        command = init_argv(args.root, os.environ)
    except (BotoCoreError, ClientError) as error:
        # The account id names the state bucket; without credentials there is no account to ask.
        print(
            f"error: cannot find the state bucket's account ({error}); configure AWS credentials or set "
            f"{STATE_BUCKET_ENV_VAR}",
            file=sys.stderr,
        )
        return 1
    print("$ " + " ".join(command), flush=True)
    return subprocess.run(command, check=False).returncode  # noqa: S603 - terraform with our own arguments


if __name__ == "__main__":
    sys.exit(main())
