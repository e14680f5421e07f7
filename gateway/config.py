"""Settings: one frozen object, built once from the environment (``GATEWAY_*``) or a TOML file.

Nothing below this module reads ``os.environ``; the app factory and the CLI build ``Settings`` and
pass it in. A config file (``GATEWAY_CONFIG=/etc/gateway.toml`` or ``--config``) holds the same keys
in lower case without the prefix (``database_url = "postgresql+psycopg://..."``); environment
variables win over the file.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from gateway.domain.services import Service
from gateway.errors import StartupError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SQLITE = PROJECT_ROOT / "var" / "gateway.db"


@dataclass(frozen=True)
class Settings:
    database_url: str = f"sqlite:///{DEFAULT_SQLITE}"
    public_base_url: str = ""  # empty: http://<bind>, or https://<bind> with TLS
    bind: str = "127.0.0.1:8080"
    workers: int = 2
    legacy_endpoints: bool = False
    max_message_bytes: int = 10 * 1024 * 1024
    access_token_seconds: int = 3600
    refresh_token_seconds: int = 86400
    max_token_families: int = 20
    rta_current_release: str = "R7"
    elpl_current_release: str = "R6"
    password_expiry_days: int = 90
    inactivity_days: int = 90
    lockout_attempts: int = 5
    lockout_minutes: int = 30
    require_client_id: bool = False
    message_retention_days: int = 30
    sandbox: bool = False
    # Rate limits (security.md section 7; gateway.service.rate_limits). Requests per A2A user:
    # at most rate_limit_per_user in any rate_limit_seconds (a sliding window; 0 turns it off),
    # 50 a second as the spec decides. Failed logins (getToken, refreshToken, changePassword,
    # legacy userAuth) per source address: at most failed_logins_per_address in any
    # failed_logins_seconds, so the lockout of section 2.3 (5 per user id) cannot be used to
    # learn which user ids exist faster than that; the spec sets no figure, this is ours. On
    # PostgreSQL the counters are shared by every process and host; on SQLite each process
    # counts alone (README "Rate limits").
    rate_limit_per_user: int = 50
    rate_limit_seconds: int = 1
    failed_logins_per_address: int = 20
    failed_logins_seconds: int = 600
    wsdl_dir: Path = PROJECT_ROOT / "wsdl"
    schemas_dir: Path = PROJECT_ROOT / "schemas"
    # Argon2id cost; the defaults are argon2-cffi's RFC 9106 "low memory" profile. Tests lower them.
    argon2_time_cost: int = 3
    argon2_memory_kib: int = 65536
    # --- gateway serve: worker model, read time-outs, TLS, per-instance run directory (README,
    # "Production"). Each worker process receives requests in its event loop and runs complete
    # ones on `threads` threads (gateway/buffered_worker.py).
    threads: int = 8
    header_timeout: int = 10  # seconds for the TLS handshake and header block to arrive
    body_timeout: int = 30  # seconds for the body once the headers are in; also socket writes
    keepalive_seconds: int = 5  # an idle kept-alive connection is closed after this
    max_connections_per_client: int = 100  # per worker process and client address; 0: no cap
    certfile: str = ""  # TLS certificate chain (PEM); with keyfile, the gateway speaks HTTPS
    keyfile: str = ""
    allow_plain_http: bool = False  # plain HTTP on a non-loopback bind (behind a TLS proxy)
    forwarded_allow_ips: str = ""  # proxies trusted for X-Forwarded-*; exempt from the cap
    run_dir: str = ""  # control socket and PID file; empty: <repo>/var/run/<port>
    # Observability (README "Metrics and logs"): the log line format, text or json (one JSON
    # object per line, with the request's correlation id); and prometheus-client's multiprocess
    # directory, which `gateway serve` empties at start and its workers' /metrics reads (empty:
    # serve makes a temporary one; a single process keeps its metrics in memory).
    log_format: str = "text"
    metrics_dir: str = ""
    # Attachments (security.md 7): an optional virus scan, a command given each file on its
    # standard input (exit status 0 accepts it, anything else refuses it as ATTACHMENT_TYPE), and
    # the seconds it may take (a scan that does not finish refuses the file).
    attachment_scan_command: str = ""
    attachment_scan_timeout: float = 30.0
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def base_url(self) -> str:
        """The URL clients reach the gateway at: written into every served WSDL."""
        scheme = "https" if self.tls else "http"
        return (self.public_base_url or f"{scheme}://{self.bind}").rstrip("/")

    @property
    def tls(self) -> bool:
        """Whether ``gateway serve`` terminates TLS itself (a certificate is configured)."""
        return bool(self.certfile)

    def current_release(self, service: Service) -> str:
        return self.rta_current_release if service is Service.RTA else self.elpl_current_release

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def with_overrides(self, **changes: Any) -> Settings:
        return replace(self, **changes)

    @classmethod
    def load(cls, environ: Mapping[str, str], config_file: Path | None = None) -> Settings:
        """Settings from an optional TOML file, then the ``GATEWAY_*`` variables of ``environ``."""
        values: dict[str, Any] = {}
        path = config_file or (
            Path(environ["GATEWAY_CONFIG"]) if "GATEWAY_CONFIG" in environ else None
        )
        if path is not None:
            try:
                values.update(tomllib.loads(path.read_text(encoding="utf-8")))
            except (OSError, tomllib.TOMLDecodeError) as exc:
                raise StartupError(f"cannot read config file {path}: {exc}") from exc
        for f in fields(cls):
            key = f"GATEWAY_{f.name.upper()}"
            if key in environ:
                values[f.name] = environ[key]
        return cls._coerce(values)

    @classmethod
    def _coerce(cls, values: Mapping[str, Any]) -> Settings:
        known = {f.name: f for f in fields(cls)}
        unknown = sorted(set(values) - set(known))
        if unknown:
            raise StartupError(f"unknown setting(s): {', '.join(unknown)}")
        defaults = cls()
        out: dict[str, Any] = {}
        for name, raw in values.items():
            default = getattr(defaults, name)
            try:
                out[name] = _coerce_value(raw, default)
            except ValueError as exc:
                raise StartupError(f"setting {name}: {exc}") from exc
        settings = cls(**out)
        for service in Service:
            if not settings.current_release(service).startswith("R"):
                raise StartupError(f"{service.value}_current_release must look like R7")
        return settings


def _coerce_value(raw: Any, default: Any) -> Any:
    if isinstance(default, bool):
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in {"1", "true", "yes", "on"}:
            return True
        if text in {"0", "false", "no", "off", ""}:
            return False
        raise ValueError(f"expected a boolean, got {raw!r}")
    if isinstance(default, int):
        return int(raw)
    if isinstance(default, Path):
        return Path(raw)
    return raw
