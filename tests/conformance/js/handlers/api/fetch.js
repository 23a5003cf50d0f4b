// The conformance app's `api/fetch` HTTP route: an outbound GET to the
// `url` query parameter (tests/conformance/README.md).
import { fetch } from "switchboard";

export default async function (request) {
  const target = new URL(request.url).searchParams.get("url");
  try {
    const upstream = await fetch(target);
    return Response.json({ status: upstream.status, body: await upstream.text() });
  } catch (error) {
    return Response.json({ error: error.message }, { status: 502 });
  }
}
