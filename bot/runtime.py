"""Open what a command needs: the gateway (starting the embedded sandbox first), the state."""

from __future__ import annotations

from types import TracebackType

from bot.config import SANDBOX_CREDENTIALS, Settings
from bot.logs import register_secrets
from bot.reddit import Gateway
from bot.sandbox.client import ensure_sandbox
from bot.sandbox.server import SandboxServer
from bot.state import State


class Runtime:
    """``with Runtime(settings) as rt: rt.gateway, rt.state``.

    Every command that talks to the target opens it through ``gateway``, which starts the
    embedded sandbox first (target ``sandbox``, nothing listening on its port): no command
    can reach the target without it, so none can forget to start it.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.sandbox: SandboxServer | None = None
        self._gateway: Gateway | None = None
        self._state: State | None = None

    @property
    def gateway(self) -> Gateway:
        """The gateway to the target; with target ``sandbox``, the sandbox is up first."""
        if self._gateway is None:
            self.start_sandbox()
            self._gateway = Gateway(self.settings)
            if self._state is not None:
                self._claim()
        return self._gateway

    @property
    def has_gateway(self) -> bool:
        return self._gateway is not None

    @property
    def state(self) -> State:
        """The state database; once the gateway is open too, checked to belong to its target."""
        if self._state is None:
            self._state = State(self.settings.state_db)
            if self._gateway is not None:
                self._claim()
        return self._state

    def _claim(self) -> None:
        assert self._state is not None and self._gateway is not None
        self._state.claim_target(self._gateway.target(), aliases=self._gateway.target_aliases())

    def start_sandbox(self) -> SandboxServer | None:
        """With target ``sandbox``, start it in this process unless one already listens.

        Returns the server started here (stopped on exit), or None. ``gateway`` calls it;
        call it first only to learn whether a server was started (the daemon logs it), or
        for the sandbox's control endpoints, which need no gateway.
        """
        if self.settings.is_sandbox and self.sandbox is None:
            self.sandbox = ensure_sandbox(self.settings)
        return self.sandbox

    def check_target(self) -> None:
        """Open the gateway and the state now, so a state of another target stops here."""
        _ = self.gateway, self.state

    def __enter__(self) -> Runtime:
        credentials = self.settings.credentials
        if credentials is not None and credentials != SANDBOX_CREDENTIALS:
            register_secrets(credentials.secrets())  # the sandbox's are public, not secrets
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._state is not None:
            self._state.close()
        if self.sandbox is not None:
            self.sandbox.stop()
