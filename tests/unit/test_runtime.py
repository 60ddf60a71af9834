"""Opening what a command needs: the gateway starts the embedded sandbox, the state does not."""

from __future__ import annotations

from bot.runtime import Runtime
from bot.sandbox.client import is_listening
from conftest import Scenario, free_port


def test_the_gateway_starts_the_embedded_sandbox_and_exit_stops_it(offline: Scenario) -> None:
    offline.configure(sandbox={"port": free_port()})
    settings = offline.settings
    host, port = settings.sandbox.host, settings.sandbox.port
    with Runtime(settings) as runtime:
        _ = runtime.state
        assert runtime.sandbox is None and not is_listening(host, port)
        assert runtime.gateway.target().api_url == f"sandbox:{settings.sandbox.state_file}"
        assert runtime.sandbox is not None and is_listening(host, port)
    assert not is_listening(host, port)
