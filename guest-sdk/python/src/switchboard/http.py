"""HTTP for `api/` handlers: the request a handler gets, the response it
returns, and outbound requests.

    from switchboard import context, http
    from switchboard.http import Response

    def handle(request):
        upstream = http.fetch("http://127.0.0.1:9000/items", headers={"accept": "application/json"})
        return Response.json({"id": context.params()["id"], "items": upstream.json()})

A route under `handlers/api/` is built with `guest-sdk/python/build --http`
into a standard `wasi:http/incoming-handler` component. This module only
works there: importing it in a socket handler raises ImportError.

Outbound requests go through `wasi:http/outgoing-handler`. The server
denies them unless the destination is allow-listed
(`--allowed-outbound-hosts`); a denied, refused or timed-out request
raises `HttpError`, which a handler may catch like any exception.
"""

import urllib.parse

try:
    from wit_world.imports import outgoing_handler as _outgoing
    from wit_world.imports import streams as _streams
    from wit_world.imports import wasi_http_types as _wasi
except ImportError:
    raise ImportError(
        "switchboard.http works in api/ HTTP handlers only (handlers/api/..., "
        "built with `guest-sdk/python/build --http`)"
    ) from None

from componentize_py_types import Err as _Err

from ._data import dumps as _dumps
from ._data import loads as _loads
from ._errors import HttpError

__all__ = ["Request", "Response", "Headers", "fetch", "HttpError", "WRITE_CHUNK"]

#: The most bytes one blocking-write-and-flush may take (wasi:io's limit).
WRITE_CHUNK = 4096
# How much to ask for per read; the host may return less.
_READ_CHUNK = 65536


class Headers:
    """HTTP header fields: names are case-insensitive (kept in lower
    case), a name may repeat, and order is kept.

        headers = Headers({"Content-Type": "text/plain"})
        headers["content-type"]            # "text/plain"
        headers.get("x-missing")           # None
        headers.add("set-cookie", "a=1")   # another value for the name
        headers.get_all("set-cookie")      # ["a=1"]

    Built from a dict, a list of (name, value) pairs or another Headers.
    Values are str (bytes are accepted and decoded as UTF-8, or as
    Latin-1 when they are not UTF-8).
    """

    __slots__ = ("_items",)

    def __init__(self, items=None):
        self._items = []
        if items is None:
            return
        if isinstance(items, Headers):
            items = items.items()
        elif hasattr(items, "items"):
            items = items.items()
        for name, value in items:
            self.add(name, value)

    def add(self, name, value):
        """Adds a value for `name`, after any it already has."""
        self._items.append((_name(name), _text(value)))

    def set(self, name, value):
        """Replaces every value of `name` with this one."""
        self.delete(name)
        self.add(name, value)

    def delete(self, name):
        """Removes every value of `name` (no error when there is none)."""
        name = _name(name)
        self._items = [item for item in self._items if item[0] != name]

    def get(self, name, default=None):
        """The first value of `name`, or `default`."""
        name = _name(name)
        for key, value in self._items:
            if key == name:
                return value
        return default

    def get_all(self, name):
        """Every value of `name`, in order; [] when there is none."""
        name = _name(name)
        return [value for key, value in self._items if key == name]

    def items(self):
        """Every (name, value) pair, in order, names in lower case."""
        return list(self._items)

    def keys(self):
        """The distinct names, in order of first appearance."""
        return list(dict.fromkeys(key for key, _ in self._items))

    def __getitem__(self, name):
        value = self.get(name)
        if value is None:
            raise KeyError(name)
        return value

    def __setitem__(self, name, value):
        self.set(name, value)

    def __delitem__(self, name):
        if name not in self:
            raise KeyError(name)
        self.delete(name)

    def __contains__(self, name):
        return isinstance(name, (str, bytes)) and self.get(name) is not None

    def __iter__(self):
        return iter(self.keys())

    def __len__(self):
        return len(self.keys())

    def __eq__(self, other):
        if isinstance(other, Headers):
            return self._items == other._items
        return NotImplemented

    def __repr__(self):
        return f"Headers({self._items!r})"

    def _to_fields(self):
        try:
            return _wasi.Fields.from_list([(name, value.encode()) for name, value in self._items])
        except _Err as e:
            raise ValueError(f"bad header: {_case_name(e.value)}") from None

    @classmethod
    def _from_fields(cls, fields):
        headers = cls()
        with fields:
            headers._items = [(name.lower(), _text(value)) for name, value in fields.entries()]
        return headers


def _name(name):
    if isinstance(name, bytes):
        name = name.decode("latin-1")
    return str(name).lower()


def _text(value):
    if isinstance(value, (bytes, bytearray)):
        try:
            return bytes(value).decode()
        except UnicodeDecodeError:
            return bytes(value).decode("latin-1")
    return str(value)


class _Body:
    """What requests and responses share: headers and a body in bytes."""

    __slots__ = ()

    def text(self):
        """The body decoded as UTF-8 (undecodable bytes become U+FFFD)."""
        return self.body.decode("utf-8", "replace")

    def json(self):
        """The body parsed as JSON; raises ValueError when it is not."""
        return _loads(self.body.decode("utf-8"))


class Request(_Body):
    """The HTTP request an `api/` handler receives.

    - `method`: "GET", "POST", ... (upper case as sent).
    - `path`: the path with its query, as received: "/api/echo/7?x=1".
    - `query`: the raw query string, without "?" ("" when none).
    - `query_params`: the decoded query, a list of (name, value) pairs;
      `query_param(name)` gives the first value.
    - `headers`: a `Headers` (case-insensitive).
    - `body`: the whole request body, bytes; `text()` and `json()`
      decode it.
    - `scheme` and `authority`, when the host gives them.

    The route's params and user come from `switchboard.context`.
    """

    __slots__ = ("method", "path", "query", "headers", "body", "scheme", "authority")

    def __init__(self, method="GET", path="/", headers=None, body=b"", scheme=None, authority=None):
        self.method = method
        self.path = path
        self.query = path.partition("?")[2]
        self.headers = Headers(headers)
        self.body = bytes(body)
        self.scheme = scheme
        self.authority = authority

    @property
    def query_params(self):
        return urllib.parse.parse_qsl(self.query, keep_blank_values=True)

    def query_param(self, name, default=None):
        """The first query parameter with this name, or `default`."""
        for key, value in self.query_params:
            if key == name:
                return value
        return default

    def __repr__(self):
        return f"Request({self.method!r}, {self.path!r})"


class _JsonMethod:
    """`Response.json(value, status=200, headers=None)` builds a JSON
    response (the value written as the SDK writes JSON: compact, keys
    sorted; content-type application/json); `response.json()` on an
    instance parses its body, like `request.json()`."""

    def __get__(self, response, cls):
        if response is None:
            return cls._json
        return lambda: _Body.json(response)


class Response(_Body):
    """An HTTP response: what a handler returns, and what `fetch` gives.

        Response("hello")                             # 200, text/plain
        Response(b"\\x00\\x01", headers={"content-type": "application/octet-stream"})
        Response("gone", status=410)
        Response.json({"ok": True}, status=201)       # application/json

    `body` is str (sent as UTF-8, with content-type text/plain unless a
    content-type is given) or bytes; it is kept as bytes. `headers` is a
    dict, a list of pairs or a `Headers`.
    """

    __slots__ = ("status", "headers", "body")

    def __init__(self, body=b"", status=200, headers=None):
        self.headers = Headers(headers)
        if isinstance(body, str):
            body = body.encode()
            if "content-type" not in self.headers:
                self.headers.add("content-type", "text/plain; charset=utf-8")
        elif not isinstance(body, (bytes, bytearray, memoryview)):
            raise TypeError(f"a Response body is str or bytes, not {type(body).__name__}; "
                            "use Response.json(value) for JSON")
        if isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 999:
            raise ValueError(f"status must be an HTTP status code (100-999), not {status!r}")
        self.status = status
        self.body = bytes(body)

    @classmethod
    def _json(cls, value, status=200, headers=None):
        headers = Headers(headers)
        if "content-type" not in headers:
            headers.add("content-type", "application/json")
        return cls(_dumps(value).encode(), status, headers)

    json = _JsonMethod()

    def __repr__(self):
        return f"Response(status={self.status!r}, body={self.body[:40]!r})"


def fetch(url, method="GET", headers=None, body=None):
    """Sends an HTTP request and returns the whole response, a `Response`
    (status, headers, body, text(), json()), whatever its status.

    `body` is str (UTF-8), bytes, or None; `headers` a dict, a list of
    pairs or a `Headers`. Raises `HttpError` when the request cannot be
    made or gets no response: the server does not allow this host, the
    connection is refused, it times out. Its `code` is the wasi:http error
    code ("HTTP-request-denied" for a host that is not allow-listed).
    """
    method = str(method).upper()
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"fetch needs an absolute http:// or https:// URL, not {url!r}")
    if isinstance(body, str):
        body = body.encode()
    headers = Headers(headers)

    request = _wasi.OutgoingRequest(headers._to_fields())
    request.set_method(_method(method))
    request.set_scheme(_wasi.Scheme_Https() if parts.scheme == "https" else _wasi.Scheme_Http())
    request.set_authority(parts.netloc)
    path = parts.path or "/"
    request.set_path_with_query(path + "?" + parts.query if parts.query else path)
    outgoing_body = request.body()
    where = f"{method} {url}"
    try:
        future = _outgoing.handle(request, None)
    except _Err as e:
        raise _http_error(where, e.value) from None
    _write_body(outgoing_body, body or b"")

    with future:
        with future.subscribe() as ready:
            ready.block()
        result = future.get()
    # option<result<result<incoming-response, error-code>>>: ready, so
    # `some`; the outer result errs only when taken twice.
    if result is None or isinstance(result, _Err):
        raise HttpError(f"{where}: the response was already taken", "internal-error")
    if isinstance(result.value, _Err):
        raise _http_error(where, result.value.value)
    with result.value.value as response:
        status = response.status()
        response_headers = Headers._from_fields(response.headers())
        try:
            response_body = _read_body(response.consume())
        except _Err as e:
            raise _http_error(where, e.value) from None
    return Response(response_body, status, response_headers)


def _method(method):
    known = {
        "GET": _wasi.Method_Get, "HEAD": _wasi.Method_Head, "POST": _wasi.Method_Post,
        "PUT": _wasi.Method_Put, "DELETE": _wasi.Method_Delete, "CONNECT": _wasi.Method_Connect,
        "OPTIONS": _wasi.Method_Options, "TRACE": _wasi.Method_Trace, "PATCH": _wasi.Method_Patch,
    }
    return known[method]() if method in known else _wasi.Method_Other(method)


def _method_name(method):
    if isinstance(method, _wasi.Method_Other):
        return method.value
    return type(method).__name__.partition("_")[2].upper()


def _read_body(incoming_body):
    """Reads an incoming-body to its end and finishes it."""
    chunks = []
    with incoming_body.stream() as stream:
        while True:
            try:
                chunks.append(stream.blocking_read(_READ_CHUNK))
            except _Err as e:
                if isinstance(e.value, _streams.StreamError_Closed):
                    break
                raise HttpError(f"reading the body failed: {_stream_error(e.value)}") from None
    _wasi.IncomingBody.finish(incoming_body).__exit__(None, None, None)
    return b"".join(chunks)


def _write_body(outgoing_body, data):
    """Writes `data` to an outgoing-body, at most WRITE_CHUNK bytes per
    blocking-write-and-flush, and finishes it."""
    view = memoryview(data)
    with outgoing_body.write() as stream:
        for start in range(0, len(view), WRITE_CHUNK):
            try:
                stream.blocking_write_and_flush(bytes(view[start:start + WRITE_CHUNK]))
            except _Err as e:
                raise HttpError(f"writing the body failed: {_stream_error(e.value)}") from None
    try:
        _wasi.OutgoingBody.finish(outgoing_body, None)
    except _Err as e:
        raise _http_error("finishing the body", e.value) from None


def _stream_error(error):
    if isinstance(error, _streams.StreamError_Closed):
        return "the stream is closed"
    return "the last operation failed"


# WIT spells these acronyms in upper case: DNS-timeout, TLS-alert-received,
# HTTP-request-denied, destination-IP-prohibited, HTTP-request-URI-invalid.
_ACRONYMS = {"Dns": "DNS", "Tls": "TLS", "Http": "HTTP", "Ip": "IP", "Uri": "URI"}


def _case_name(value):
    """The WIT case name of a variant value: ErrorCode_HttpRequestDenied
    -> "HTTP-request-denied"."""
    camel = type(value).__name__.partition("_")[2] or type(value).__name__
    words, word = [], ""
    for ch in camel:
        if ch.isupper() and word:
            words.append(word)
            word = ""
        word += ch
    words.append(word)
    return "-".join(_ACRONYMS.get(w, w.lower()) for w in words)


def _http_error(where, code):
    name = _case_name(code)
    detail = getattr(code, "value", None)
    if isinstance(detail, str) and detail:
        text = f"{where}: {name}: {detail}"
    elif detail is not None and not isinstance(detail, str):
        fields = ", ".join(f"{k}={v!r}" for k, v in vars(detail).items() if v is not None) \
            if hasattr(detail, "__dict__") else repr(detail)
        text = f"{where}: {name}" + (f" ({fields})" if fields else "")
    else:
        text = f"{where}: {name}"
    return HttpError(text, name)
