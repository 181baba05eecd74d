"""Request-rate limits for the pages open without signing in (the workshop ballot).

Token buckets: `burst` requests at once, refilled at `per_minute`. Two are taken per request:
one per network address, large enough for a whole room behind one Wi-Fi router (a hundred phones
each opening, submitting and re-submitting), and, once a phone carries its ballot cookie, one per
phone. A script hammering the ballot gets 429 and a plain line instead of writes to the store.
Behind a proxy on this machine (JupyterHub's) the address is the first X-Forwarded-For address;
otherwise the peer's.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from tornado import web

from .options import is_loopback
from .voting import DEVICE_COOKIE

# A phone's ballot is a few requests (code, page, vote, a change or two) and a projector's tally one
# every 3 s; a room of 100 phones behind one address (a Wi-Fi router's NAT) is about 600 at once.
BALLOT_BURST = 60
BALLOT_PER_MINUTE = 120
ADDRESS_BURST = 800
ADDRESS_PER_MINUTE = 1_600
_MAX_CLIENTS = 10_000  # buckets kept; the oldest are dropped beyond this


@dataclass
class RateLimiter:
    burst: int = BALLOT_BURST
    per_minute: float = BALLOT_PER_MINUTE
    buckets: dict[str, tuple[float, float]] = field(default_factory=dict)  # client -> (tokens, when)

    def allow(self, client: str, now: float | None = None) -> bool:
        """Take one request from `client`'s bucket; False when it is empty."""
        now = time.monotonic() if now is None else now
        tokens, since = self.buckets.pop(client, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - since) * self.per_minute / 60)
        allowed = tokens >= 1
        self.buckets[client] = (tokens - 1 if allowed else tokens, now)  # re-inserted: newest last
        if len(self.buckets) > _MAX_CLIENTS:
            del self.buckets[next(iter(self.buckets))]
        return allowed


def client_of(request: Any) -> str:
    """The client's address: the peer's, or the first forwarded one when the peer is a local proxy."""
    peer = request.remote_ip or ""
    forwarded = request.headers.get("X-Forwarded-For", "")
    if forwarded and is_loopback(peer):
        return forwarded.split(",")[0].strip() or peer
    return peer


def rate_limited(handler: type[web.RequestHandler], limiter: RateLimiter,
                 per_address: RateLimiter | None = None) -> type[web.RequestHandler]:
    """`handler` with every request first counted against `per_address` (the client's network address)
    and, for a phone that carries its ballot cookie, against `limiter` for that phone; 429 and one
    line beyond either."""
    address_limiter = per_address or RateLimiter(ADDRESS_BURST, ADDRESS_PER_MINUTE)

    class Limited(handler):  # type: ignore[valid-type, misc]
        def prepare(self) -> Any:
            address = client_of(self.request)
            device = self.get_cookie(DEVICE_COOKIE)
            allowed = address_limiter.allow(address)
            if allowed and device:
                allowed = limiter.allow(f"{address} {device[:64]}")
            if not allowed:
                self.set_status(429)
                self.set_header("Retry-After", "30")
                self.set_header("Connection", "close")  # the ballot reads bodies as they stream: end cleanly
                self.set_header("Content-Type", "text/plain; charset=UTF-8")
                self.finish(
                    f"Too many requests from this device (the limit is {limiter.per_minute:.0f} a minute);"
                    " wait half a minute and try again.\n"
                )
                return None
            return super().prepare()

    Limited.__name__ = Limited.__qualname__ = f"RateLimited{handler.__name__}"
    return Limited
