"""Replaying a run's cloud stages when they last passed against a fresh local cloud with the same inputs.

A cloud stage's result depends on the cloud it acts on. A cloud that outlives the run (dev, staging, prod,
a running `python -m ci local up`) holds state no key can cover, so against it these stages always run.
The ephemeral local cloud a run starts for itself is different: it comes up empty, from the locked
emulator, every time, so plan -> apply -> deploy -> smoke -> contract against it is a function of their
inputs alone. The host cache therefore keeps that block when it passed and replays it without starting the
cloud: all of it or none, because no stage can run against a cloud in which its predecessors were only
replayed.

A stage's key covers its own definition and inputs (``ci.cache.cache_key``), the keys of the stages whose
outputs it reads (or, for a producer outside the run, that file's content), the values of the non-secret
settings it takes from the caller and which of its secrets are set.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from ci.cache import StageCache, cache_key
from ci.dag import ancestors
from ci.spec import StageSpec

# Part of every key, so a replay is never confused with a run against another cloud.
FRESH_LOCAL_CLOUD = "fresh ephemeral local cloud"


@dataclass(frozen=True)
class CloudBlock:
    """The run's cloud stages against a fresh local cloud: their keys, and whether all can be replayed."""

    keys: Mapping[str, str]
    replay: bool


def _file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "missing"


def block_keys(
    specs: Sequence[StageSpec], selected: Sequence[str], root: Path, environ: Mapping[str, str]
) -> dict[str, str] | None:
    """Each selected cloud stage's key, or None when the block cannot be judged by its inputs.

    That is the case when no cloud stage is selected, when a cloud stage's cloud predecessor is not in the
    run (it would act on whatever an earlier run left), or when it reads a file that a stage of this run
    produces without a key of its own.
    """
    by_name = {spec.name: spec for spec in specs}
    chosen = set(selected)
    cloud = [by_name[name] for name in selected if by_name[name].needs_cloud]
    if not cloud:
        return None
    for spec in cloud:
        if any(by_name[name].needs_cloud and name not in chosen for name in ancestors(specs, spec.name)):
            return None
    keys: dict[str, str] = {}
    for spec in cloud:  # selected is in run order: producers come first
        parts = [FRESH_LOCAL_CLOUD, cache_key(spec, root)]
        for upstream in sorted(spec.upstream, key=lambda upstream: (upstream.stage, upstream.path)):
            producer = by_name[upstream.stage]
            if producer.name in keys:
                source = keys[producer.name]
            elif producer.name not in chosen:
                source = _file_digest(root / upstream.path)  # left by an earlier run, read as it is now
            elif producer.reusable:
                source = cache_key(producer, root)  # reproducible: its key decides the file
            else:
                return None
            parts.append(f"{upstream.stage}:{upstream.path}:{source}")
        parts.append(json.dumps({name: environ.get(name) for name in sorted(spec.passthrough_env)}))
        parts.append(json.dumps(sorted(name for name in spec.secrets if environ.get(name))))
        keys[spec.name] = hashlib.sha256("\0".join(parts).encode()).hexdigest()
    return keys


def plan_block(
    specs: Sequence[StageSpec],
    selected: Sequence[str],
    root: Path,
    environ: Mapping[str, str],
    cache: StageCache,
) -> CloudBlock | None:
    """The block for a run that starts its own local cloud; None when it cannot be cached."""
    keys = block_keys(specs, selected, root, environ)
    if keys is None:
        return None
    by_name = {spec.name: spec for spec in specs}
    return CloudBlock(keys, replay=all(cache.has(by_name[name], key) for name, key in keys.items()))
