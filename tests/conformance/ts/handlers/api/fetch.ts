// The conformance app's `api/fetch` HTTP route: an outbound GET to the
// `url` query parameter (tests/conformance/README.md).
import { fetch, Response, URL, type FetchRequest } from "switchboard";

export default async function (request: FetchRequest): Promise<Response> {
  const target = new URL(request.url).searchParams.get("url") ?? "";
  try {
    const upstream = await fetch(target);
    return Response.json({ status: upstream.status, body: await upstream.text() });
  } catch (error) {
    return Response.json({ error: (error as Error).message }, { status: 502 });
  }
}
