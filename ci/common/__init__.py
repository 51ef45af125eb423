"""Shared tooling used by the pipeline, the local cloud, the ops tools and the tests alike.

Nothing here imports the pipeline (``ci.*`` outside ``ci.common``) or the local cloud (``ci.local``): it is
the bottom layer, so every product may depend on it and it on none of them.
"""
