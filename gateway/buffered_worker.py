"""The gunicorn worker of ``gateway serve``: slow clients cost a socket, never a thread.

gunicorn's ``gthread`` worker hands a connection to a thread as soon as its first byte arrives,
and the thread then blocks until the request line, headers and body are in; a client that sends
a byte a second (or promises a body and sends none) holds that thread for as long as it likes,
and a few such clients hold them all. This worker keeps gthread's model (one event loop that
accepts, a pool of threads that run the application) but receives every request *in the event
loop*, non-blocking, into a buffer, and gives a thread only a request that has arrived in full:

- the TLS handshake and the header block must arrive within ``header_timeout`` seconds of the
  connection (or of a kept-alive connection's next first byte), the body within
  ``body_timeout`` seconds of the headers; otherwise the connection is answered 408 and closed;
- a body above the message-size limit is not buffered: the request goes to the application at
  once, which refuses it (SOAP Fault) without reading, and the connection is closed;
- connections per client address are capped per worker process (addresses of trusted reverse
  proxies are exempt: every client comes through them);
- the bytes buffered by one worker are capped; a request that would pass the cap is answered 503;
- a closed connection lingers in the event loop (never in a thread or a blocking call) for the
  client to read the last answer.

A thread then parses the buffered request with gunicorn's own parser and runs the application;
its socket reads and writes time out after ``body_timeout`` seconds (``sendall`` as a whole).
"""

from __future__ import annotations

import contextlib
import errno
import selectors
import socket
import ssl
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from functools import partial
from ipaddress import ip_address, ip_network
from typing import Any

from gunicorn import http
from gunicorn import sock as gsock
from gunicorn.http import Request
from gunicorn.workers.gthread import TConn, ThreadWorker

from gateway.config import Settings

#: Longest header block buffered (gunicorn's own limits are 4 KiB a line, 100 fields).
MAX_HEADER_BYTES = 64 * 1024
#: Bytes one worker may hold in request buffers, in messages of the size limit.
BUFFER_CAP_MESSAGES = 8
#: How long a closed connection waits for the client to read the last answer and close.
LINGER_SECONDS = 2.0
_RECV = 65536

_408 = b"HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"
_431 = (
    b"HTTP/1.1 431 Request Header Fields Too Large\r\nConnection: close\r\n"
    b"Content-Length: 0\r\n\r\n"
)
_503 = (
    b"HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nRetry-After: 5\r\n"
    b"Content-Length: 0\r\n\r\n"
)
_100 = b"HTTP/1.1 100 Continue\r\n\r\n"


class _TimedSocket(socket.socket):
    """A socket whose blocking mode is blocking with a time-out (gthread sets blocking mode)."""

    io_timeout: float = 30.0

    def setblocking(self, flag: bool) -> None:
        if flag:
            self.settimeout(self.io_timeout)
        else:
            super().setblocking(False)


class _TimedSSLSocket(ssl.SSLSocket):
    io_timeout: float = 30.0

    def setblocking(self, flag: bool) -> None:
        if flag:
            self.settimeout(self.io_timeout)
        else:
            super().setblocking(False)


@dataclass
class _Inbound:
    """A request being received: its bytes so far and how far they have been understood."""

    deadline: float
    handshaking: bool = False
    started: bool = False  # a byte of this request has arrived
    buf: bytearray = field(default_factory=bytearray)
    head_end: int = -1  # index just after the blank line ending the headers
    length: int | None = None  # Content-Length
    chunked: bool = False
    chunk_pos: int = 0  # where the next chunk-size line starts
    expects_continue: bool = False


class _Conn(TConn):
    """gthread's connection, telling the worker when it closes (the per-address count)."""

    on_close: Callable[[_Conn], None] | None = None
    continued = False  # this worker already answered "100 Continue"
    oversized = False  # the body was not received: close after the answer, never drain

    def close(self, graceful: bool = False) -> None:
        callback, self.on_close = self.on_close, None
        try:
            super().close(graceful)
        finally:
            if callback is not None:
                callback(self)


class BufferedWorker(ThreadWorker):
    """gthread, with requests received in the event loop (see the module)."""

    def init_process(self) -> None:
        settings: Settings = self.app.settings  # type: ignore[attr-defined]  # serve._Gunicorn
        self.header_timeout = float(settings.header_timeout)
        self.body_timeout = float(settings.body_timeout)
        self.max_body = settings.max_message_bytes
        self.per_client_limit = settings.max_connections_per_client
        self.buffer_cap = BUFFER_CAP_MESSAGES * max(settings.max_message_bytes, 1 << 20)
        proxies = self.cfg.forwarded_allow_ips
        self.trust_all = "*" in proxies
        self.trusted = [ip_network(a, strict=False) for a in proxies if a != "*"]
        self.inbound: dict[_Conn, _Inbound] = {}
        self.lingering: dict[_Conn, float] = {}
        self.per_client: Counter[str] = Counter()
        self.buffered = 0
        _TimedSocket.io_timeout = _TimedSSLSocket.io_timeout = self.body_timeout
        self.tls: ssl.SSLContext | None = None
        if self.cfg.is_ssl:
            self.tls = gsock.ssl_context(self.cfg)
            self.tls.sslsocket_class = _TimedSSLSocket
        super().init_process()

    # ------------------------------------------------------------------------- connections
    def accept(self, listener: socket.socket) -> None:
        try:
            raw, client = listener.accept()
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.ECONNABORTED, errno.EWOULDBLOCK):
                raise
            return
        address = client[0] if isinstance(client, tuple) else ""
        if self._over_limit(address):
            raw.setblocking(False)
            if self.tls is None:
                _send_quietly(raw, _503)
            raw.close()
            return
        sock: socket.socket = _TimedSocket(raw.family, raw.type, raw.proto, fileno=raw.detach())
        sock.setblocking(False)
        inbound = _Inbound(deadline=time.monotonic() + self.header_timeout)
        if self.tls is not None:
            sock = self.tls.wrap_socket(
                sock,
                server_side=True,
                do_handshake_on_connect=False,
                suppress_ragged_eofs=self.cfg.suppress_ragged_eofs,
            )
            inbound.handshaking = True
        conn = _Conn(self.cfg, sock, client, listener.getsockname())
        conn.initialized = True  # the parser is made here, on the (wrapped) socket
        conn.data_ready = True
        conn.parser = http.get_parser(self.cfg, sock, client)
        self.nr_conns += 1
        self.per_client[address] += 1
        conn.on_close = partial(self._forget, address)
        self._receive(conn, inbound)

    def _over_limit(self, address: str) -> bool:
        if not self.per_client_limit or not address:
            return False
        if self.per_client[address] < self.per_client_limit:
            return False
        try:
            ip = ip_address(address)
        except ValueError:
            return True
        return not (self.trust_all or any(ip in network for network in self.trusted))

    def _forget(self, address: str, _conn: _Conn) -> None:
        self.per_client[address] -= 1
        if self.per_client[address] <= 0:
            del self.per_client[address]

    def _receive(self, conn: _Conn, inbound: _Inbound) -> None:
        conn.sock.setblocking(False)
        self.inbound[conn] = inbound
        self.poller.register(conn.sock, selectors.EVENT_READ, partial(self._on_readable, conn))
        if inbound.buf:  # bytes pipelined behind the last request
            self._on_readable(conn, conn.sock, fresh=False)

    def _on_readable(self, conn: _Conn, _sock: Any, fresh: bool = True) -> None:
        inbound = self.inbound[conn]
        try:
            if inbound.handshaking:
                conn.sock.do_handshake()  # type: ignore[attr-defined]
                inbound.handshaking = False
            while fresh:
                data = conn.sock.recv(_RECV)
                if not data:
                    self._drop(conn)
                    return
                if self.buffered + len(data) > self.buffer_cap:
                    self._drop(conn, _503)
                    return
                self._take(conn, inbound, data)
                fresh = isinstance(conn.sock, ssl.SSLSocket) and conn.sock.pending() > 0
        except (ssl.SSLWantReadError, ssl.SSLWantWriteError, BlockingIOError):
            if not inbound.buf:
                return
        except (OSError, ValueError):
            self._drop(conn)
            return
        self._advance(conn, inbound)

    def _take(self, conn: _Conn, inbound: _Inbound, data: bytes) -> None:
        if not inbound.started:
            inbound.started = True
            inbound.deadline = time.monotonic() + self.header_timeout
        inbound.buf += data
        self.buffered += len(data)

    def _advance(self, conn: _Conn, inbound: _Inbound) -> None:
        """Hand the request to a thread once it is in; answer what cannot become a request."""
        if inbound.head_end < 0:
            end = inbound.buf.find(b"\r\n\r\n")
            if end < 0:
                if len(inbound.buf) > MAX_HEADER_BYTES:
                    self._drop(conn, _431)
                return
            if end > MAX_HEADER_BYTES:
                self._drop(conn, _431)
                return
            inbound.head_end = inbound.chunk_pos = end + 4
            if not _frame(inbound):
                self._dispatch(conn, inbound)  # gunicorn's parser answers 400
                return
            inbound.deadline = time.monotonic() + self.body_timeout
            if inbound.length is not None and inbound.length > self.max_body:
                conn.oversized = True
                self._dispatch(conn, inbound)  # refused by the application, unread
                return
        body = len(inbound.buf) - inbound.head_end
        if inbound.chunked:
            done = _chunks_done(inbound)
            if done is None or (not done and body > self.max_body + MAX_HEADER_BYTES):
                conn.oversized = not done
                self._dispatch(conn, inbound)
                return
        else:
            done = body >= (inbound.length or 0)
        if done:
            self._dispatch(conn, inbound)
        elif inbound.expects_continue and not conn.continued:
            conn.continued = True
            _send_quietly(conn.sock, _100)

    def _dispatch(self, conn: _Conn, inbound: _Inbound) -> None:
        self._unwatch(conn)
        assert conn.parser is not None
        conn.parser.unreader.unread(bytes(inbound.buf))  # type: ignore[union-attr]
        conn.sock.setblocking(True)
        self.enqueue_req(conn)

    def _unwatch(self, conn: _Conn) -> None:
        inbound = self.inbound.pop(conn, None)
        if inbound is not None:
            self.buffered -= len(inbound.buf)
        with contextlib.suppress(KeyError, ValueError, OSError):
            self.poller.unregister(conn.sock)

    def _drop(self, conn: _Conn, answer: bytes | None = None) -> None:
        self._unwatch(conn)
        if answer is not None:
            _send_quietly(conn.sock, answer)
        self._linger(conn)

    def _linger(self, conn: _Conn) -> None:
        """Close without blocking the loop: half-close, then wait a little for the client's FIN."""
        try:
            conn.sock.setblocking(False)
            socket.socket.shutdown(conn.sock, socket.SHUT_WR)
            self.poller.register(conn.sock, selectors.EVENT_READ, partial(self._on_linger, conn))
        except (OSError, ValueError, KeyError):
            self._close(conn)
            return
        self.lingering[conn] = time.monotonic() + LINGER_SECONDS

    def _on_linger(self, conn: _Conn, _sock: Any) -> None:
        try:
            if socket.socket.recv(conn.sock, _RECV):
                return
        except BlockingIOError:
            return
        except OSError:
            pass
        self._close(conn)

    def _close(self, conn: _Conn) -> None:
        if self.lingering.pop(conn, None) is not None:
            with contextlib.suppress(KeyError, ValueError, OSError):
                self.poller.unregister(conn.sock)
        self.nr_conns -= 1
        conn.close()

    # ------------------------------------------------------------------ gthread's hooks
    def murder_pending(self) -> None:
        """Called by gthread's loop about once a second: enforce the deadlines."""
        super().murder_pending()
        now = time.monotonic()
        for conn, inbound in list(self.inbound.items()):
            if inbound.deadline <= now:
                self._drop(conn, _408 if inbound.started else None)
        for conn, until in list(self.lingering.items()):
            if until <= now:
                self._close(conn)

    def finish_request(self, conn: TConn, fs: Future[bool]) -> None:
        assert isinstance(conn, _Conn)
        try:
            keep = bool(fs.result()) if not fs.cancelled() else False
        except Exception:
            keep = False
        if keep and self.alive and not conn.oversized:
            conn.continued = False
            assert conn.parser is not None
            left = conn.parser.unreader.take_buffered()  # type: ignore[union-attr]
            inbound = _Inbound(deadline=time.monotonic() + self.cfg.keepalive)
            if left:
                self._take(conn, inbound, left)
            self._receive(conn, inbound)
        else:
            self._linger(conn)

    def handle_request(self, req: Request, conn: TConn) -> bool:
        if isinstance(conn, _Conn) and conn.continued:
            req._expected_100_continue = False  # type: ignore[attr-defined]  # answered it already
        keep: bool = super().handle_request(req, conn)
        # An unread body is never drained: the connection closes after the answer.
        return keep and not getattr(conn, "oversized", False)


def _frame(inbound: _Inbound) -> bool:
    """Read the body's framing from the header block; False if it is not one we can follow."""
    head = bytes(inbound.buf[: inbound.head_end]).decode("latin-1")
    lines = head.split("\r\n")
    version = lines[0].rsplit(" ", 1)[-1].upper()
    lengths: set[str] = set()
    for line in lines[1:]:
        name, _, value = line.partition(":")
        name, value = name.strip().lower(), value.strip().lower()
        if name == "content-length":
            lengths.add(value)
        elif name == "transfer-encoding":
            inbound.chunked = inbound.chunked or "chunked" in value
        elif name == "expect" and value == "100-continue" and version == "HTTP/1.1":
            inbound.expects_continue = True
    if inbound.chunked:
        return not lengths
    if len(lengths) > 1:
        return False
    text = lengths.pop() if lengths else "0"
    if not text.isdigit():
        return False
    inbound.length = int(text)
    return True


def _chunks_done(inbound: _Inbound) -> bool | None:
    """Whether the chunked body has arrived in full; None if its framing is broken."""
    buf, pos = inbound.buf, inbound.chunk_pos
    while True:
        eol = buf.find(b"\r\n", pos)
        if eol < 0:
            return False
        size_text = bytes(buf[pos:eol]).split(b";", 1)[0].strip()
        try:
            size = int(size_text, 16)
        except ValueError:
            return None
        if size == 0:
            return buf.find(b"\r\n\r\n", eol) >= 0  # after the trailers, if any
        after = eol + 2 + size + 2
        if len(buf) < after:
            return False
        pos = inbound.chunk_pos = after


def _send_quietly(sock: socket.socket, data: bytes) -> None:
    """A short answer on a non-blocking socket, if it fits; a client that does not read loses it."""
    with contextlib.suppress(OSError, ValueError):
        sock.send(data)
