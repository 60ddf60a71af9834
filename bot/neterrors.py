"""Say in one line why Reddit could not be reached, and what to check. Pure.

prawcore wraps the ``requests``/``urllib3`` exception of a failed connection; its text is a
long ``MaxRetryError(... NameResolutionError ...)`` repr. This reads the exception chain
and names the failure: DNS, connection refused, TLS, or timeout.
"""

from __future__ import annotations

import re
import socket
import ssl

_HOST = re.compile(r"host='([^']+)'(?:, port=(\d+))?")


def _chain(exc: BaseException) -> list[BaseException]:
    """The exception, its causes and contexts, and exceptions held in their args."""
    seen: list[BaseException] = []
    stack = [exc]
    while stack:
        item = stack.pop()
        if item in seen:
            continue
        seen.append(item)
        stack.extend(e for e in (item.__cause__, item.__context__) if e is not None)
        stack.extend(a for a in item.args if isinstance(a, BaseException))
        reason = getattr(item, "reason", None)
        if isinstance(reason, BaseException):
            stack.append(reason)
    return seen


def describe(exc: BaseException, *, timeout: float | None = None) -> str:
    """'DNS lookup of www.reddit.com failed: check ...' and the like, one line."""
    chain = _chain(exc)
    names = {type(e).__name__ for e in chain}
    text = " ".join(str(e) for e in chain)
    match = _HOST.search(text)
    where = (match.group(1) + (f":{match.group(2)}" if match.group(2) else "")) if match else ""
    host = f" {where}" if where else ""
    if names & {"NameResolutionError", "gaierror"} or any(
        isinstance(e, socket.gaierror) for e in chain
    ):
        return (
            f"DNS lookup of{host or ' the host'} failed: check the network connection, "
            "DNS and any proxy settings (HTTPS_PROXY)"
        )
    if names & {"SSLError", "SSLCertVerificationError"} or any(
        isinstance(e, ssl.SSLError) for e in chain
    ):
        return (
            f"TLS handshake with{host or ' the host'} failed: check the system clock, the CA "
            "certificates (REQUESTS_CA_BUNDLE) or a proxy that intercepts HTTPS"
        )
    if names & {"ConnectTimeout", "ReadTimeout", "Timeout", "ConnectTimeoutError", "TimeoutError"}:
        limit = f" within {timeout:g}s (request_timeout)" if timeout else ""
        return (
            f"no answer from{host or ' the host'}{limit}: Reddit may be slow, or a "
            "firewall drops the traffic; it is retried later"
        )
    if "ConnectionRefusedError" in names or "refused" in text.lower():
        return (
            f"connection to{host or ' the host'} refused: nothing listens there; check the "
            "target (sandbox.port, or a proxy) and that the server runs"
        )
    return f"cannot reach{host or ' Reddit'} ({type(exc).__name__}): check the network connection"
