"""``gateway serve``: the gateway under gunicorn, configured from the settings object."""

from __future__ import annotations

from typing import Any

from gunicorn.app.base import BaseApplication

from gateway.config import Settings


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

    def load(self) -> Any:
        # Called in each worker after fork: every process gets its own engine and pool.
        from gateway.app import create_app

        return create_app(self.settings)


def serve(settings: Settings) -> int:
    from gateway.app import create_app

    create_app(settings)  # fail fast in the master: bad WSDL, schemas or settings stop the start
    _Gunicorn(settings).run()
    return 0
