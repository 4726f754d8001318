"""A foreign server on loopback that records every request: the attacker's host."""

import threading

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response


class Foreign:
    """Answers like a Bitrix24 portal/OAuth server would, and remembers what reached it."""

    def __init__(
        self, body: str = '{"result": true, "access_token": "evil", "refresh_token": "evil"}'
    ):
        self.hits: list[dict] = []
        self.body = body
        self.server = make_server("127.0.0.1", 0, self._app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def _app(self, environ, start_response):
        req = Request(environ)
        self.hits.append(
            {
                "path": req.path,
                "query": req.query_string.decode(),
                "body": req.get_data(as_text=True),
            }
        )
        return Response(self.body, mimetype="application/json")(environ, start_response)

    def saw(self, text: str) -> bool:
        return any(text in h["query"] or text in h["body"] for h in self.hits)

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
