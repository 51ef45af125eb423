"""Data layer tooling for the items service: table schemas, migrations, seed data and the OpenAPI document.

`python -m data --help` lists the commands. The schemas under `data/schemas/` are the single source that
Terraform, the Lambda's validation, the OpenAPI document and the tests read.
"""
