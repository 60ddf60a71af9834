"""Opening what a command needs: the gateway and the state start no server by themselves."""

from __future__ import annotations

import socket

from bot.runtime import Runtime
from bot.sandbox.client import is_listening
from conftest import Scenario


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def test_reading_the_gateway_does_not_start_the_sandbox(offline: Scenario) -> None:
    offline.configure(sandbox={"port": free_port()})
    settings = offline.settings
    with Runtime(settings) as runtime:
        runtime.check_target()  # opens the gateway and the state
        assert runtime.gateway.target().api_url == f"sandbox:{settings.sandbox.state_file}"
        assert runtime.sandbox is None
        assert not is_listening(settings.sandbox.host, settings.sandbox.port)
