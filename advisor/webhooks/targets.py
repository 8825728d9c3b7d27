"""Which hosts advisor may POST webhooks to: a guard against server-side request forgery.

A target is refused when its host is, or resolves to, an address that is not publicly routable
(loopback, private, link-local, unique-local, unspecified, multicast, reserved, an IPv4-mapped IPv6
form of one of those) or is a cloud metadata / internal host name, unless an operator allow-listed
it (``ADVISOR_WEBHOOKS__ALLOW_TARGETS``: CIDRs and host names). Registration checks what the URL
says; delivery checks every address the name resolves to, then connects to a checked address only
(``GuardedTransport``), so a name that re-binds to an internal address between the check and the
connection is still refused.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import ssl
from collections.abc import Iterable
from urllib.parse import urlsplit

import httpcore
import httpx

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

# Cloud metadata services and names that only ever point inside the host or its network.
BLOCKED_NAMES = frozenset(
    {
        "localhost",
        "metadata",
        "metadata.google.internal",
        "metadata.goog",
        "instance-data",
        "instance-data.ec2.internal",
    }
)
BLOCKED_SUFFIXES = (".localhost", ".internal", ".local", ".home.arpa")


class TargetRefused(Exception):
    """The webhook target is not allowed; the message says why without probing it."""


def _parse_ip(host: str) -> IPAddress | None:
    """Return the address a host literally is, including legacy forms (2130706433, 0x7f000001, 0177.0.0.1)."""
    try:
        return ipaddress.ip_address(host.strip("[]").split("%")[0])
    except ValueError:
        pass
    # inet_aton accepts the decimal, octal and hex forms that resolvers also accept.
    if host and all(c in "0123456789abcdefx." for c in host.lower()) and host[0].isdigit():
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    return None


def _kind(ip: IPAddress) -> str | None:
    """Return why an address may not be a target (None when it is publicly routable)."""
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if embedded is not None:
            inner = _kind(embedded)
            return f"IPv6 form of a {inner} address" if inner else None
    checks = (
        ("unspecified", ip.is_unspecified),
        ("loopback", ip.is_loopback),
        ("link-local", ip.is_link_local),
        ("multicast", ip.is_multicast),
        ("private", ip.is_private),
        ("reserved", ip.is_reserved or not ip.is_global),
    )
    return next((name for name, hit in checks if hit), None)


class TargetPolicy:
    """Decide whether a host or address may receive webhooks; ``allow`` lists CIDRs and host names."""

    def __init__(self, allow: Iterable[str] = ()) -> None:
        self.networks: list[Network] = []
        self.names: set[str] = set()
        for entry in allow:
            try:
                self.networks.append(ipaddress.ip_network(entry.strip(), strict=False))
            except ValueError:
                self.names.add(_normal(entry))

    def allows_address(self, ip: IPAddress) -> bool:
        """Return whether ``ip`` may be connected to."""
        return _kind(ip) is None or any(ip in net for net in self.networks)

    def check_address(self, host: str, ip: IPAddress) -> None:
        """Raise ``TargetRefused`` when ``ip`` (what ``host`` is or resolves to) may not be a target."""
        if not self.allows_address(ip):
            raise TargetRefused(
                f"{host} is a {_kind(ip)} address ({ip}); internal receivers must be allow-listed "
                "in ADVISOR_WEBHOOKS__ALLOW_TARGETS"
            )

    def check_host(self, host: str) -> IPAddress | None:
        """Check what a host says without resolving it; return its address when it is an IP literal."""
        name = _normal(host)
        if not name:
            raise TargetRefused("the URL has no host")
        if name in self.names:
            return None
        ip = _parse_ip(name)
        if ip is not None:
            self.check_address(host, ip)
            return ip
        if name in BLOCKED_NAMES or name.endswith(BLOCKED_SUFFIXES):
            raise TargetRefused(
                f"{host} names the local machine, its network or a cloud metadata service; "
                "internal receivers must be allow-listed in ADVISOR_WEBHOOKS__ALLOW_TARGETS"
            )
        return None

    def check_url(self, url: str) -> None:
        """Check a URL at registration (no DNS lookup: delivery checks what the name resolves to)."""
        self.check_host(urlsplit(url).hostname or "")

    async def addresses(self, host: str, port: int) -> list[str]:
        """Resolve ``host`` and return the addresses that may be connected to; raise when none may."""
        ip = self.check_host(host)
        if ip is not None or _normal(host) in self.names:
            return [str(ip) if ip is not None else host]
        try:
            found = await resolve(host, port)
        except OSError as exc:
            raise httpcore.ConnectError(f"{host} does not resolve") from exc
        if not found:
            raise httpcore.ConnectError(f"{host} does not resolve")
        # Every address must pass: a name that mixes public and internal answers is refused outright.
        for address in found:
            self.check_address(host, ipaddress.ip_address(address))
        return found


def _normal(host: str) -> str:
    return host.strip().strip("[]").rstrip(".").lower()


async def resolve(host: str, port: int) -> list[str]:
    """Return the addresses ``host`` resolves to (tests replace this function, not the network)."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


class _GuardedBackend(httpcore.AsyncNetworkBackend):
    """Open TCP connections only to addresses the policy checked, resolved once per connection."""

    def __init__(self, policy: TargetPolicy) -> None:
        self.policy = policy
        self.inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        last: Exception | None = None
        for address in await self.policy.addresses(host, port):
            try:
                # TLS still verifies the certificate against the URL's host name (httpcore's origin).
                return await self.inner.connect_tcp(address, port, timeout, local_address, socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last = exc
        raise last or httpcore.ConnectError(f"cannot connect to {host}")

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)


class GuardedTransport(httpx.AsyncHTTPTransport):
    """An httpx transport whose connections go only to checked addresses (no proxy from the environment)."""

    def __init__(self, policy: TargetPolicy, ssl_context: ssl.SSLContext | None = None) -> None:
        super().__init__(trust_env=False)
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=ssl_context or httpx.create_ssl_context(),
            network_backend=_GuardedBackend(policy),
        )


def guarded_client(policy: TargetPolicy, timeout: httpx.Timeout) -> httpx.AsyncClient:
    """Return the HTTP client webhook deliveries use: checked addresses, no redirects, no env proxies."""
    return httpx.AsyncClient(
        transport=GuardedTransport(policy), timeout=timeout, follow_redirects=False, trust_env=False
    )
