"""The project's pipeline as code: stage specs, DAG, executors, cache, reports, CLI and the local cloud."""
