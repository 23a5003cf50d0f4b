// The conformance app's `api/echo/[id]` HTTP route: echoes the request,
// its route param and user (tests/conformance/README.md).
import { context, socket, SwitchboardError } from "switchboard";

const LANG = "js";

export default async function (request) {
  const body = await request.text();
  if (request.headers.has("x-send")) {
    try {
      await socket.send({ from: LANG, via: "http" });
    } catch (error) {
      if (!(error instanceof SwitchboardError)) throw error;
      return Response.json({ error: error.message }, { status: 400 });
    }
  }
  const url = new URL(request.url);
  return Response.json(
    {
      lang: LANG,
      method: request.method,
      path: url.pathname + url.search,
      id: context.params().id,
      user: context.user()?.id ?? null,
      header: request.headers.get("x-probe"),
      body,
    },
    { headers: { "x-lang": LANG } },
  );
}
