"""Unit tests stay on this machine; the repository's client retries throttling before giving up."""

from __future__ import annotations

import socket

import pytest
from api_handler.repository import SDK_TOTAL_ATTEMPTS, DynamoItemRepository

from tests.unit.conftest import NetworkBlocked


def test_connections_off_the_machine_are_blocked() -> None:
    with pytest.raises(NetworkBlocked):
        socket.create_connection(("192.0.2.1", 443), timeout=1)  # TEST-NET-1: would never answer anyway


def test_loopback_stays_reachable() -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        with socket.create_connection(listener.getsockname(), timeout=1):
            pass


def test_client_is_made_once_on_first_use_with_standard_retries(aws: None) -> None:
    repository = DynamoItemRepository("t-items")
    client = repository.client
    assert repository.client is client
    assert client.meta.config.retries == {"mode": "standard", "total_max_attempts": SDK_TOTAL_ATTEMPTS}
