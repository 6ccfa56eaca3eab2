"""The API's blueprint class: flask-smorest's, with arguments read from the body parsed once.

webargs' FlaskParser parses a JSON body again from the raw bytes with its own loader. The
request guard (app/api/request_guard.py) has already parsed it through `request.get_json()`
(depth-limited, cached on the request) and checked every value, so the views read that one.
"""

from __future__ import annotations

from typing import Any

import flask
import flask_smorest
from webargs import core
from webargs.flaskparser import FlaskParser, is_json_request


class GuardedBodyParser(FlaskParser):
    def _raw_load_json(self, req: flask.Request) -> Any:
        if not is_json_request(req):
            return core.missing
        if not req.content_length and not req.get_data(cache=True):
            return core.missing  # an empty body, as webargs treats it
        return req.get_json()


class Blueprint(flask_smorest.Blueprint):
    ARGUMENTS_PARSER = GuardedBodyParser()


def file_responses(description: str, media_type: str = "*/*") -> dict:
    """The OpenAPI answers of a route that sends a file's bytes (for `doc(responses=...)`)."""
    binary = {"schema": {"type": "string", "format": "binary"}}
    return {"200": {"description": description, "content": {media_type: binary}}}
