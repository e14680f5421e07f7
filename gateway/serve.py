"""``gateway serve``: the gateway under gunicorn, configured from the settings object.

Before anything listens, the start is refused (``StartupError``, exit 2) for plain HTTP on an
address other than loopback unless the deployment allows it (security.md §1: TLS terminated here
or by a reverse proxy), for a certificate that does not load, and for a broken WSDL or schema.
Then the listening socket is bound here and handed to gunicorn by descriptor, so that the
instance's run directory (gunicorn's control socket and the PID file) is named after the port
actually bound: two gateways on one host never share them.

Workers are ``gateway.buffered_worker.BufferedWorker`` (gthread, with requests received in the
event loop under time-outs: slow clients cost a socket, not a thread).
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import socket
import ssl
import sys
import tempfile
from ipaddress import ip_address
from pathlib import Path
from typing import Any

from gunicorn import glogging
from gunicorn.app.base import BaseApplication
from gunicorn.config import Config

from gateway import logs
from gateway.config import PROJECT_ROOT, Settings
from gateway.errors import StartupError

#: Unix socket paths are limited to 108 bytes (sun_path), the terminating NUL included.
_MAX_SOCKET_PATH = 107
CONTROL_SOCKET = "gunicorn.ctl"
PID_FILE = "gateway.pid"


class _Gunicorn(BaseApplication):
    def __init__(self, settings: Settings, listener_fd: int, run_dir: Path) -> None:
        self.settings = settings
        self.listener_fd = listener_fd
        self.run_dir = run_dir
        super().__init__()

    def load_config(self) -> None:
        s = self.settings
        assert isinstance(self.cfg, Config)
        self.cfg.set("bind", [f"fd://{self.listener_fd}"])
        self.cfg.set("workers", s.workers)
        self.cfg.set("worker_class", "gateway.buffered_worker.BufferedWorker")
        self.cfg.set("threads", s.threads)
        self.cfg.set("keepalive", s.keepalive_seconds)
        # The worker's heartbeat: its event loop never waits on a client, so 30 s of silence
        # means a request thread hung inside the application.
        self.cfg.set("timeout", 30)
        self.cfg.set("forwarded_allow_ips", s.forwarded_allow_ips)
        if s.tls:
            self.cfg.set("certfile", s.certfile)
            self.cfg.set("keyfile", s.keyfile or None)
            self.cfg.set("ssl_context", _tls_context_hook)
        self.cfg.set("control_socket", str(self.run_dir / CONTROL_SOCKET))
        self.cfg.set("pidfile", str(self.run_dir / PID_FILE))
        self.cfg.set("accesslog", None)
        # The message-size limit is enforced by the worker and the application; headers stay at
        # gunicorn's limits.
        self.cfg.set("proc_name", "a2a-gateway")
        self._observability()

    def _observability(self) -> None:
        """gunicorn's own log lines in the configured format; a dead worker out of the metrics."""
        settings = self.settings

        class Logger(glogging.Logger):
            def setup(self, cfg: Any) -> None:
                super().setup(cfg)
                logs.adopt(self.error_log, settings)

        def child_exit(_server: Any, worker: Any) -> None:
            # A dead worker's live gauges (pool connections) leave the sums; its counts stay.
            from prometheus_client import multiprocess

            multiprocess.mark_process_dead(worker.pid)  # type: ignore[no-untyped-call]

        self.cfg.set("logger_class", Logger)
        self.cfg.set("child_exit", child_exit)

    def load(self) -> Any:
        # Called in each worker after fork: every process gets its own engine and pool.
        from gateway.app import create_app

        return create_app(self.settings)


def serve(settings: Settings) -> int:
    problem = transport_problem(settings)
    if problem:
        raise StartupError(problem)
    if settings.tls:
        tls_context(settings.certfile, settings.keyfile)  # a bad certificate stops the start
    logs.configure(settings)
    directory, made = _metrics_directory(settings)
    logging.getLogger("gateway.serve").info("metrics: multiprocess directory %s", directory)
    settings = settings.with_overrides(metrics_dir=str(directory))
    master = os.getpid()
    try:
        from gateway.app import create_app

        # Fail fast in the master: bad WSDL, schemas or settings stop the start.
        create_app(settings)
        host, port = split_bind(settings.bind)
        listener = listen(host, port)
        port = listener.getsockname()[1]
        bound = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        run_dir = prepare_run_dir(settings, port)
        fd = listener.detach()  # gunicorn owns the descriptor from here on
        try:
            _Gunicorn(settings.with_overrides(bind=bound), fd, run_dir).run()
        finally:
            if not settings.run_dir and os.getpid() == master:
                with contextlib.suppress(OSError):  # gunicorn removed its socket and PID file
                    run_dir.rmdir()
        return 0
    finally:
        # A worker leaves through here too (gunicorn ends it with SystemExit): only the master
        # removes the directory the others still write to.
        if made and os.getpid() == master:
            shutil.rmtree(directory, ignore_errors=True)


# ----------------------------------------------------------------------------- transport
def split_bind(bind: str) -> tuple[str, int]:
    """``HOST:PORT`` or ``[V6]:PORT`` as (host, port); an empty host means every address."""
    host, sep, port_text = bind.rpartition(":")
    if not sep or not port_text.isdigit():
        raise StartupError(f"bind {bind!r} is not HOST:PORT")
    return host.strip("[]"), int(port_text)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ip_address(host).is_loopback
    except ValueError:
        return False  # a host name or every address: not provably loopback


def transport_problem(settings: Settings) -> str | None:
    """Why ``settings`` may not serve (security.md §1), or None."""
    if settings.keyfile and not settings.certfile:
        return "a keyfile without a certfile: give both (--certfile, --keyfile)"
    host, _ = split_bind(settings.bind)
    if settings.tls or settings.allow_plain_http or is_loopback(host):
        return None
    return (
        f"plain HTTP on {settings.bind}, which is not a loopback address: give --certfile and "
        "--keyfile, or, behind a TLS-terminating proxy, --allow-plain-http "
        "(GATEWAY_ALLOW_PLAIN_HTTP=1)"
    )


def tls_context(certfile: str, keyfile: str | None) -> ssl.SSLContext:
    """The server's TLS context: TLS 1.2 or later, Python's default ciphers."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    try:
        context.load_cert_chain(certfile, keyfile or None)
    except (OSError, ssl.SSLError) as exc:
        raise StartupError(f"cannot load the TLS certificate {certfile}: {exc}") from exc
    return context


def _tls_context_hook(conf: Config, _default_factory: Any) -> ssl.SSLContext:
    # gunicorn's ssl_context setting: ours, not gunicorn's default (which allows TLS 1.0).
    return tls_context(conf.certfile, conf.keyfile)


def listen(host: str, port: int) -> socket.socket:
    """The listening socket, bound before gunicorn starts (the run directory needs the port)."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
        sock = socket.socket(family, kind, proto)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(2048)
    except OSError as exc:
        raise StartupError(f"cannot listen on {host}:{port}: {exc}") from exc
    sock.set_inheritable(True)
    return sock


# ---------------------------------------------------------------------------- run directory
def run_dir_for(settings: Settings, port: int) -> Path:
    return Path(settings.run_dir) if settings.run_dir else PROJECT_ROOT / "var" / "run" / str(port)


def prepare_run_dir(settings: Settings, port: int) -> Path:
    """The instance's run directory, made private; refused if another live gateway uses it."""
    run_dir = run_dir_for(settings, port).resolve()
    if len(str(run_dir / CONTROL_SOCKET)) > _MAX_SOCKET_PATH:
        raise StartupError(f"run directory {run_dir} is too long for a Unix socket path")
    try:
        run_dir.mkdir(parents=True, exist_ok=True)
        run_dir.chmod(0o700)
    except OSError as exc:
        raise StartupError(f"cannot make the run directory {run_dir}: {exc}") from exc
    pid_file = run_dir / PID_FILE
    try:
        pid = int(pid_file.read_text().strip())
    except (OSError, ValueError):
        return run_dir
    if pid != os.getpid() and _alive(pid):
        raise StartupError(f"gateway PID {pid} is already running with run directory {run_dir}")
    return run_dir


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _metrics_directory(settings: Settings) -> tuple[Path, bool]:
    """Point prometheus-client's multiprocess mode at an empty directory of this instance, so
    that ``/metrics`` sums the counts of every worker. Returns it, and whether it was made here
    (a temporary directory, removed at exit) rather than named by ``GATEWAY_METRICS_DIR``."""
    if "prometheus_client" in sys.modules:  # it reads the variable once, when imported
        raise StartupError(
            "prometheus_client was imported before its multiprocess directory was set"
        )
    if settings.metrics_dir:
        directory = Path(settings.metrics_dir)
        directory.mkdir(parents=True, exist_ok=True)
        for stale in directory.glob("*.db"):  # an earlier instance's counts
            stale.unlink()
        made = False
    else:
        directory = Path(tempfile.mkdtemp(prefix="gateway-metrics-"))
        made = True
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(directory)  # read by prometheus-client
    return directory, made
