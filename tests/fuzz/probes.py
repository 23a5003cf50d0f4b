"""What schemathesis cannot check in the admin API, for tests/fuzz/admin.sh:

- `GET /metrics` must be `text/plain; version=0.0.4` that prometheus-client's
  parser reads without an error;
- `GET /_switchboard/live` (an endless event stream, so excluded from the
  fuzzing) must refuse a request without the token, send its first event at
  once and the next about a second later, each `data: <JSON>` matching the
  `Snapshot` schema of the OpenAPI document;
- the disconnect body's rules at their edges, which generated data misses:
  codes 999, 1001, 1005, 2000, 2999 and 5000 and a reason of 124 bytes in 62
  characters get 400, and so do a valid body as an array and a body sent as
  text/plain (tried on an online user, so that a 404 cannot hide a missing
  check), and code 4999 with a reason of exactly 123 bytes in 62
  characters closes one connection (200). Skipped when no one is online.

The document is $ADMIN_FUZZ_SCHEMA (a URL or a file) when set, else the
server's own. Usage: python probes.py ADMIN_BASE_URL TOKEN. Exits 1 listing
what failed."""

import json
import os
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

import jsonschema_rs
from prometheus_client.parser import text_string_to_metric_families

base, token = sys.argv[1].rstrip("/"), sys.argv[2]
failures = []


def request(path, auth=True, body=None, ctype="application/json"):
    headers = {"Authorization": f"Bearer {token}"} if auth else {}
    data = None
    if body is not None:
        headers["Content-Type"] = ctype
        data = json.dumps(body).encode()
    return urllib.request.Request(base + path, headers=headers, data=data)


def call(path, body=None, ctype="application/json"):
    """Status and parsed JSON body (None when not JSON) of an authorized request."""
    try:
        with urllib.request.urlopen(request(path, body=body, ctype=ctype), timeout=10) as response:
            status, ctype, raw = response.status, response.headers.get("content-type", ""), response.read()
    except urllib.error.HTTPError as err:
        status, ctype, raw = err.code, err.headers.get("content-type", ""), err.read()
    try:
        parsed = json.loads(raw) if ctype.split(";")[0].strip() == "application/json" else None
    except ValueError:
        parsed = None
    return status, parsed, raw


def check(what, ok, detail=""):
    print(f"  {'ok  ' if ok else 'FAIL'} {what}" + (f": {detail}" if detail and not ok else ""), flush=True)
    if not ok:
        failures.append(f"{what}: {detail}")
    return ok


def metrics():
    with urllib.request.urlopen(request("/metrics"), timeout=10) as response:
        ctype = response.headers.get("content-type", "")
        text = response.read().decode("utf-8")
    check("/metrics is text/plain; version=0.0.4",
          ctype.replace(" ", "").startswith("text/plain;version=0.0.4"), f"content-type {ctype!r}")
    try:
        families = list(text_string_to_metric_families(text))
    except Exception as err:  # the parser raises plain ValueErrors and worse
        check("/metrics parses as Prometheus text", False, f"{type(err).__name__}: {err}")
        return
    check("/metrics parses as Prometheus text", True)
    check("/metrics has at least one metric family", bool(families), repr(text[:200]))


def openapi():
    location = os.environ.get("ADMIN_FUZZ_SCHEMA") or base + "/_switchboard/openapi.json"
    if "://" not in location:
        with open(location) as file:
            return json.load(file)
    with urllib.request.urlopen(urllib.request.Request(location, headers=request("").headers), timeout=10) as response:
        return json.load(response)


def snapshot_validator():
    doc = openapi()
    if "Snapshot" not in doc.get("components", {}).get("schemas", {}):
        raise ValueError("the OpenAPI document has no components.schemas.Snapshot (set ADMIN_FUZZ_SCHEMA?)")
    schema = {"allOf": [{"$ref": "#/components/schemas/Snapshot"}], "components": doc["components"]}
    return jsonschema_rs.Draft4Validator(schema)


def live():
    try:
        urllib.request.urlopen(request("/_switchboard/live", auth=False), timeout=5).close()
        check("/_switchboard/live without the token is 401", False, "it answered 2xx")
    except urllib.error.HTTPError as err:
        check("/_switchboard/live without the token is 401", err.code == 401, f"status {err.code}")
    validator = snapshot_validator()
    started = time.monotonic()
    arrivals = []
    with urllib.request.urlopen(request("/_switchboard/live"), timeout=5) as response:
        ctype = response.headers.get("content-type", "")
        check("/_switchboard/live is text/event-stream",
              ctype.split(";")[0].strip() == "text/event-stream", f"content-type {ctype!r}")
        data = []
        while len(arrivals) < 2:
            line = response.readline()
            if not line:
                check("/_switchboard/live keeps streaming", False, "the stream ended")
                return
            line = line.decode("utf-8").rstrip("\r\n")
            if line.startswith("data:"):
                data.append(line[5:].removeprefix(" "))
            elif line == "" and data:
                arrivals.append((time.monotonic() - started, "\n".join(data)))
                data = []
    for n, (at, text) in enumerate(arrivals, 1):
        try:
            event = json.loads(text)
        except ValueError as err:
            check(f"event {n} is JSON", False, f"{err}: {text[:200]!r}")
            continue
        errors = [f"{e.message} at {'/'.join(map(str, e.instance_path))}" for e in validator.iter_errors(event)]
        check(f"event {n} matches the Snapshot schema", not errors, "; ".join(errors))
    check("the first event comes at once (within 1 s)", arrivals[0][0] < 1.0, f"after {arrivals[0][0]:.2f} s")
    gap = arrivals[1][0] - arrivals[0][0]
    check("the second comes about a second later (0.5..2 s)", 0.5 <= gap <= 2.0, f"after {gap:.2f} s")


def is_error(body):
    return isinstance(body, dict) and list(body) == ["error"] and isinstance(body["error"], str)


def targets():
    """The disconnect routes of an online user and of one of their
    connections, or None when no one is online."""
    status, page, _ = call("/_switchboard/users?limit=1000")
    users = [row.get("user") for row in (page or {}).get("users", [])] if status == 200 else []
    if not users:
        return None
    user = urllib.parse.quote(users[0], safe="")
    status, detail, raw = call(f"/_switchboard/users/{user}")
    if not check(f"GET /_switchboard/users/{user} of a user listed online is 200", status == 200,
                 f"status {status}: {raw[:200]!r}"):
        return None
    connection = urllib.parse.quote(detail["connections"][0]["id"], safe="")
    return [f"/_switchboard/users/{user}/disconnect", f"/_switchboard/connections/{connection}/disconnect"]


def close_rules():
    paths = targets()
    if paths is None:
        print("  skip the close code and reason rules: no user is online", flush=True)
        return
    refused = [({"code": code}, f"code {code}") for code in (999, 1001, 1005, 2000, 2999, 5000)]
    refused.append(({"reason": "\u00e9" * 62}, "a reason of 124 bytes in 62 characters"))
    for path in paths:
        for body, what in refused:
            status, answer, raw = call(path, body)
            check(f"POST {path} with {what} is 400 {{\"error\"}}", status == 400 and is_error(answer),
                  f"status {status}: {raw[:200]!r}")
    # Valid values in the wrong shape: serde's derive takes a struct as an
    # array too, and a body under another content type must not be ignored.
    # A server that gets these wrong disconnects, so each probe looks up
    # someone online again (the test keeps its users reconnecting).
    shapes = [([4000, "as an array"], "application/json", "the body [4000, \"as an array\"]"),
              ({"code": 2000}, "text/plain", "{\"code\": 2000} as text/plain")]
    for n in (0, 1):
        for body, ctype, what in shapes:
            time.sleep(0.2)
            paths = targets()
            if paths is None:
                print(f"  skip {what}: no user is online", flush=True)
                continue
            status, answer, raw = call(paths[n], body, ctype=ctype)
            check(f"POST {paths[n]} with {what} is 400 or 415 {{\"error\"}}",
                  status in (400, 415) and is_error(answer), f"status {status}: {raw[:200]!r}")
    time.sleep(0.2)
    paths = targets()
    if paths is None:
        print("  skip a reason of exactly 123 bytes: no user is online", flush=True)
        return
    body = {"code": 4999, "reason": "\u00e9" * 61 + "a"}
    status, answer, raw = call(paths[1], body)
    check(f"POST {paths[1]} with code 4999 and a reason of 123 bytes is 200 {{\"disconnected\": 1}}",
          status == 200 and answer == {"disconnected": 1}, f"status {status}: {raw[:200]!r}")


for name, step in [("metrics", metrics), ("live", live), ("close rules", close_rules)]:
    try:
        step()
    except Exception as err:
        check(f"{name} answers", False, f"{type(err).__name__}: {err}")

if failures:
    print(f"probes.py: {len(failures)} failure(s)", flush=True)
    sys.exit(1)
