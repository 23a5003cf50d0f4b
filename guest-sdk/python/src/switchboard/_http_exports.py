"""The bridge between `wasi:http/incoming-handler` and an `api/` route
module's `handle(request)`. The build generates the IncomingHandler class
componentize-py calls, which forwards here."""

import sys
import traceback

from componentize_py_types import Ok
from wit_world.imports import wasi_http_types as wasi

from . import http
from ._data import dumps

_route = None


def load(module):
    global _route
    _route = module


def handle(request, response_out):
    """Reads the request, calls the route, and sends what it returns. An
    exception becomes a 500 with {"error": "<str(exception)>"}, and its
    traceback goes to stderr (the server's log)."""
    try:
        response = _respond(_route.handle(_read_request(request)))
        fields = response.headers._to_fields()
    except Exception as e:
        traceback.print_exc(file=sys.stderr)
        response = http.Response(dumps({"error": str(e) or type(e).__name__}).encode(), 500,
                                 {"content-type": "application/json"})
        fields = response.headers._to_fields()
    _send(response, fields, response_out)


def _read_request(request):
    with request:
        method = http._method_name(request.method())
        path = request.path_with_query() or "/"
        scheme = request.scheme()
        if scheme is not None:
            scheme = scheme.value if isinstance(scheme, wasi.Scheme_Other) else type(scheme).__name__[7:].lower()
        authority = request.authority()
        headers = http.Headers._from_fields(request.headers())
        body = http._read_body(request.consume())
    return http.Request(method, path, headers, body, scheme, authority)


def _respond(value):
    """What `handle` may return: a Response; str or bytes (200); a dict
    or list (200, as JSON)."""
    if isinstance(value, http.Response):
        return value
    if isinstance(value, (str, bytes, bytearray, memoryview)):
        return http.Response(value)
    if isinstance(value, (dict, list, tuple)):
        return http.Response.json(value)
    raise TypeError(f"handle returned {type(value).__name__}; return a switchboard.http.Response, "
                    "str, bytes, or a dict or list (JSON)")


def _send(response, fields, response_out):
    outgoing = wasi.OutgoingResponse(fields)
    outgoing.set_status_code(response.status)
    body = outgoing.body()
    wasi.ResponseOutparam.set(response_out, Ok(outgoing))
    try:
        http._write_body(body, response.body)
    except http.HttpError:
        # The status is sent; the client went away mid-body.
        traceback.print_exc(file=sys.stderr)
