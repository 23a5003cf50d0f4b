"""Conformance app, `api/fetch`: an outbound GET to the `url` query
parameter."""

from switchboard import http
from switchboard.http import Response


def handle(request):
    try:
        upstream = http.fetch(request.query_param("url"))
    except http.HttpError as e:
        return Response.json({"error": str(e)}, status=502)
    return Response.json({"status": upstream.status, "body": upstream.text()})
