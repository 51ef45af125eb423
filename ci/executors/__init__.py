"""Executors turn a StageSpec into a run: on the host (subprocesses) or in Dagger containers."""
