"""``gateway serve``: the gateway under gunicorn, configured from the settings object."""

from __future__ import annotations

import logging
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from gunicorn import glogging
from gunicorn.app.base import BaseApplication

from gateway import logs
from gateway.config import Settings
from gateway.errors import StartupError


class _Gunicorn(BaseApplication):
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        super().__init__()

    def load_config(self) -> None:
        self.cfg.set("bind", [self.settings.bind])
        self.cfg.set("workers", self.settings.workers)
        self.cfg.set("worker_class", "sync")
        self.cfg.set("timeout", 60)
        self.cfg.set("accesslog", None)
        # The message-size limit is enforced by the application; headers stay at gunicorn's.
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
    logs.configure(settings)
    directory, made = _metrics_directory(settings)
    logging.getLogger("gateway.serve").info("metrics: multiprocess directory %s", directory)
    settings = settings.with_overrides(metrics_dir=str(directory))
    master = os.getpid()
    try:
        from gateway.app import create_app

        # Fail fast in the master: bad WSDL, schemas or settings stop the start.
        create_app(settings)
        _Gunicorn(settings).run()
        return 0
    finally:
        # A worker leaves through here too (gunicorn ends it with SystemExit): only the master
        # removes the directory the others still write to.
        if made and os.getpid() == master:
            shutil.rmtree(directory, ignore_errors=True)


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
