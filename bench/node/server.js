// The Node `ws` baseline of the Switchboard benchmark: the same behaviour
// as bench/app, in one process. Every frame is echoed to its sender,
// except JSON `{"action": "fanout", "to": [users]}`, which goes unchanged
// to every connection of each named user. Users come from an HS256 token
// in the `token` query parameter; connections without one are anonymous.
//
//   node server.js PORT SECRET

'use strict';
const crypto = require('node:crypto');
const http = require('node:http');
const { WebSocketServer } = require('ws');

const port = Number(process.argv[2] || 9001);
const secret = process.argv[3] || '';
const byUser = new Map();

function userOf(url) {
  const token = new URL(url, 'http://localhost').searchParams.get('token');
  if (!token) return null;
  const [header, payload, signature] = token.split('.');
  const expected = crypto
    .createHmac('sha256', secret)
    .update(`${header}.${payload}`)
    .digest('base64url');
  if (signature !== expected) return undefined;
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
  if (typeof claims.exp !== 'number' || claims.exp * 1000 < Date.now()) return undefined;
  return String(claims.sub);
}

const server = http.createServer((_req, res) => {
  res.writeHead(404);
  res.end();
});
const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });

server.on('upgrade', (req, socket, head) => {
  const user = userOf(req.url);
  if (user === undefined) {
    socket.end('HTTP/1.1 401 Unauthorized\r\n\r\n');
    return;
  }
  socket.setNoDelay(true);
  wss.handleUpgrade(req, socket, head, (ws) => serve(ws, user));
});

function serve(ws, user) {
  if (user !== null) {
    if (!byUser.has(user)) byUser.set(user, new Set());
    byUser.get(user).add(ws);
  }
  ws.on('message', (data, isBinary) => {
    if (!isBinary) {
      let message;
      try {
        message = JSON.parse(data);
      } catch {
        message = null;
      }
      if (message && message.action === 'fanout' && Array.isArray(message.to)) {
        // One buffer for every recipient, as the hub shares one message.
        for (const to of new Set(message.to)) {
          for (const peer of byUser.get(to) || []) peer.send(data, { binary: false });
        }
        return;
      }
    }
    ws.send(data, { binary: isBinary });
  });
  ws.on('close', () => {
    if (user === null) return;
    const peers = byUser.get(user);
    peers.delete(ws);
    if (peers.size === 0) byUser.delete(user);
  });
}

server.listen(port, '127.0.0.1', () => console.log(`listening on 127.0.0.1:${port}`));
