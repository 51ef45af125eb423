"""`python -m ci local` argument handling and failure paths that need no deployment."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

from ci.local.cli import source_fingerprint
from tests.local.working_tree import copy_of_working_tree


def test_up_on_a_busy_port_fails_with_a_clear_message_and_no_traceback(
    repo_root: Path, tmp_path: Path
) -> None:
    tree = copy_of_working_tree(repo_root, tmp_path / "tree")
    # Given a port somebody else listens on
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        # When the local cloud is asked to serve there
        result = subprocess.run(
            [sys.executable, "-m", "ci", "local", "up", "--port", str(port)],
            cwd=tree,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    # Then it exits non-zero, says why, and prints no API_URL
    assert result.returncode == 1
    assert "cannot serve the API" in result.stderr
    assert "Traceback" not in result.stderr
    assert "API_URL=" not in result.stdout


def test_reload_fingerprint_changes_with_sources_but_not_with_bytecode(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "module.py").write_text("x = 1\n")
    before = source_fingerprint(tmp_path)
    (tmp_path / "pkg" / "__pycache__").mkdir()
    (tmp_path / "pkg" / "__pycache__" / "module.cpython-311.pyc").write_bytes(b"compiled")
    assert source_fingerprint(tmp_path) == before
    (tmp_path / "pkg" / "module.py").write_text("x = 2\n")
    assert source_fingerprint(tmp_path) != before
