"""Conformance app, `api/echo/[id]`: an HTTP handler that echoes the
request, its route param and its user, and sends over the socket when
asked to."""

from switchboard import SendError, context, socket
from switchboard.http import Response


def handle(request):
    if "x-send" in request.headers:
        try:
            socket.send({"from": "python", "via": "http"})
        except SendError as e:
            return Response.json({"error": str(e)}, status=400, headers={"x-lang": "python"})
    user = context.user()
    return Response.json(
        {
            "lang": "python",
            "method": request.method,
            "path": request.path,
            "id": context.params()["id"],
            "user": user.id if user else None,
            "header": request.headers.get("x-probe"),
            "body": request.text(),
        },
        headers={"x-lang": "python"},
    )
