// The Node `ws` twin of the benchmark's JavaScript handlers (bench/js,
// bench/js-warm): each frame goes through the same module,
// bench/js/logic.mjs, with a text frame as a string and a binary frame
// as bytes, as the handlers receive them, and its reply goes back as a
// text frame if it is a string, else as a binary one. Connections are
// anonymous (the echo load is).
//
//   node js-echo.mjs PORT

import http from "node:http";
import { WebSocketServer } from "ws";
import { reply } from "../js/logic.mjs";

const port = Number(process.argv[2] || 9001);

const server = http.createServer((_req, res) => {
  res.writeHead(404);
  res.end();
});
const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });

server.on("upgrade", (req, socket, head) => {
  socket.setNoDelay(true);
  wss.handleUpgrade(req, socket, head, (ws) => {
    ws.on("message", (data, isBinary) => {
      const answer = reply(isBinary ? data : data.toString());
      ws.send(answer, { binary: typeof answer !== "string" });
    });
  });
});

server.listen(port, "127.0.0.1", () => console.log(`listening on 127.0.0.1:${port}`));
