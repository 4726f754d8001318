"""Start the app, a fake Bitrix24 and a fake Chat2Desk as real HTTP servers on loopback."""

import threading
import time
from dataclasses import dataclass, field

import requests
from werkzeug.serving import make_server

from .bitrix24 import create_fake_bitrix24
from .chat2desk import create_fake_chat2desk


class _Deferred:
    """A WSGI app whose target is set after the server socket (and port) exists."""

    def __init__(self):
        self.target = None

    def __call__(self, environ, start_response):
        return self.target(environ, start_response)


@dataclass
class Sandbox:
    """The running trio and their addresses."""

    app_url: str
    b24_url: str
    c2d_url: str
    app: object = None
    fake_b24: object = None
    fake_c2d: object = None
    servers: list = field(default_factory=list)
    worker_stop: threading.Event = field(default_factory=threading.Event)
    workers: list = field(default_factory=list)

    @property
    def c2d_api(self) -> str:
        return self.c2d_url + "/v1"

    def portal_url(self, name: str = "demo") -> str:
        return f"{self.b24_url}/p/{name}/"

    def start_worker(self, threads: int | None = None) -> None:
        """The worker loop inside this process (`make run` needs nothing else)."""
        from ..journal.worker import start_threads

        if not self.workers:
            count = threads or self.app.config["WORKER_THREADS"]
            self.workers = start_threads(self.app, self.worker_stop, count)

    def stop_worker(self) -> None:
        self.worker_stop.set()
        for thread in self.workers:
            thread.join(timeout=30)
        self.workers, self.worker_stop = [], threading.Event()

    def stop(self) -> None:
        self.stop_worker()
        for server in self.servers:
            server.shutdown()
            server.server_close()
        if self.app is not None:
            from ..extensions import db

            with self.app.app_context():
                db.engine.dispose()


def _serve(host: str, port: int) -> tuple:
    holder = _Deferred()
    server = make_server(host, port, holder, threaded=True)
    return server, holder


def start(
    *,
    app_port: int = 0,
    b24_port: int = 0,
    c2d_port: int = 0,
    config: dict | None = None,
    app_host: str = "127.0.0.1",
    portal_host: str = "localhost",
    c2d_retry_delays=(0.2, 1.0, 3.0),
    worker: bool = True,
) -> Sandbox:
    """Bind three servers, build the apps with each other's addresses, start serving."""
    from .. import create_app

    app_srv, app_slot = _serve("127.0.0.1", app_port)
    b24_srv, b24_slot = _serve("127.0.0.1", b24_port)
    c2d_srv, c2d_slot = _serve("127.0.0.1", c2d_port)
    app_url = f"http://{app_host}:{app_srv.server_port}"
    b24_url = f"http://{portal_host}:{b24_srv.server_port}"
    c2d_url = f"http://127.0.0.1:{c2d_srv.server_port}"
    settings = {
        "PUBLIC_URL": app_url,
        "B24_OAUTH_HOSTS": f"{portal_host}:{b24_srv.server_port}",
        "B24APP_ALLOW_HTTP": True,
        "B24APP_SANDBOX": True,
        "BX24_JS_URL": f"{b24_url}/bx24.js",
        "CHAT2DESK_API_URL": c2d_url + "/v1",
        **(config or {}),
    }
    app = create_app(settings)
    fake_b24 = create_fake_bitrix24(
        app_url=app_url,
        client_id=app.config["B24_CLIENT_ID"],
        client_secret=app.config["B24_CLIENT_SECRET"],
    )
    fake_c2d = create_fake_chat2desk(retry_delays=c2d_retry_delays)
    app_slot.target, b24_slot.target, c2d_slot.target = app, fake_b24, fake_c2d
    box = Sandbox(app_url, b24_url, c2d_url, app, fake_b24, fake_c2d, [app_srv, b24_srv, c2d_srv])
    for server in box.servers:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    if worker:
        box.start_worker()
    return box


def serve_forever(app_port: int = 5000) -> None:
    """`make run`: the trio on fixed ports with a demo portal; prints the URL to open."""
    from flask_migrate import upgrade

    box = start(app_port=app_port, b24_port=app_port + 1, c2d_port=app_port + 2, worker=False)
    with box.app.app_context():
        upgrade()
    box.start_worker()
    requests.post(f"{box.b24_url}/_control/portals", json={"name": "demo"}, timeout=10)
    print(f"\n  Sandbox portal (open this):  {box.portal_url('demo')}", flush=True)
    print(f"  Sandbox Chat2Desk:           {box.c2d_url}/?token=sandbox-token", flush=True)
    print(f"  Chat2Desk API token to paste: sandbox-token   region: {box.c2d_api}", flush=True)
    print(f"  App:                         {box.app_url}\n", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        box.stop()
