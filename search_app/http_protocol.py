"""uvicorn's HTTP/1.1 protocol with Nagle's algorithm off on every connection.

With several workers uvicorn binds the listening socket itself (protocol number 0), and asyncio
then leaves TCP_NODELAY off on the connections it accepts: every response waited for the
client's delayed ACK, ~40 ms (bench/load.py measured 56 ms p50 at one connection with 2 workers
against 14 ms with 1). A module of its own because uvicorn pickles it into each worker.
"""

from __future__ import annotations

import socket

from uvicorn.protocols.http.h11_impl import H11Protocol


class NoDelayH11Protocol(H11Protocol):
    def connection_made(self, transport):
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().connection_made(transport)
