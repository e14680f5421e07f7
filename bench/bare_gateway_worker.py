"""The bare app of the SOAP benchmark served by ``gateway serve``'s own gunicorn set-up (its
``BufferedWorker``: requests received in the event loop, a thread pool, lingering closes) instead
of gunicorn's sync worker: what the worker's slow-client protections cost a request, apart from
everything the gateway does inside it.

    python bench/bare_gateway_worker.py   (prints gunicorn's "Listening at" line, port 0)
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from gateway import serve  # noqa: E402
from gateway.config import Settings  # noqa: E402


class _BareGunicorn(serve._Gunicorn):
    def load(self) -> Any:
        from bare_app import app

        return app


def main() -> int:
    settings = Settings.load(os.environ).with_overrides(workers=2)
    listener = serve.listen("127.0.0.1", 0)
    print(f"Listening at: http://127.0.0.1:{listener.getsockname()[1]}", flush=True)
    _BareGunicorn(settings, listener.detach(), Path(tempfile.mkdtemp())).run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
