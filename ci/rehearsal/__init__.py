"""The deployment rehearsal: the real-AWS path (bootstrap, global, an environment on the S3 backend, driven
with the OIDC roles' credentials) run end to end against an emulator that enforces IAM (docs/REHEARSAL.md)."""
