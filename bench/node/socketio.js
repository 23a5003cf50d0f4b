// The Socket.IO cluster peer of the Switchboard benchmark's cross-node
// fan-out: one node of a Socket.IO 4 cluster joined through Redis with
// `@socket.io/redis-adapter`. Start several on one Redis and they behave
// as one server, as `switchboard serve --cluster` nodes do.
//
// Clients connect over the websocket transport only. As in server.js, a
// user comes from an HS256 token in the `token` query parameter
// (`/socket.io/?EIO=4&transport=websocket&token=...`), checked on every
// connection as Switchboard checks its JWT; connections without one are
// anonymous. Each user's sockets join the room named after the user.
//
// Event `fanout` with `{users: [...], t, pad}` is emitted, unchanged, as
// event `m` to the rooms of every named user: `io.to(users).emit(...)`,
// which the adapter publishes to Redis once for the other nodes.
//
//   node socketio.js PORT REDIS_URL SECRET

'use strict';
const crypto = require('node:crypto');
const http = require('node:http');
const { Server } = require('socket.io');
const { createAdapter } = require('@socket.io/redis-adapter');
const { createClient } = require('redis');

const port = Number(process.argv[2] || 9002);
const redisUrl = process.argv[3] || 'redis://127.0.0.1:6380';
const secret = process.argv[4] || '';

// The same check as server.js: null for anonymous, undefined if invalid.
function userOf(token) {
  if (typeof token !== 'string' || token === '') return null;
  const [header, payload, signature] = token.split('.');
  if (!payload) return undefined;
  const expected = crypto
    .createHmac('sha256', secret)
    .update(`${header}.${payload}`)
    .digest('base64url');
  if (signature !== expected) return undefined;
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
  if (typeof claims.exp !== 'number' || claims.exp * 1000 < Date.now()) return undefined;
  return String(claims.sub);
}

async function main() {
  const pub = createClient({ url: redisUrl });
  const sub = pub.duplicate();
  for (const client of [pub, sub]) client.on('error', (err) => console.error('redis:', err));
  await Promise.all([pub.connect(), sub.connect()]);

  const server = http.createServer((_req, res) => {
    res.writeHead(404);
    res.end();
  });
  server.on('connection', (socket) => socket.setNoDelay(true));
  const io = new Server(server, {
    transports: ['websocket'],
    perMessageDeflate: false,
    serveClient: false,
    adapter: createAdapter(pub, sub),
  });

  io.use((socket, next) => {
    const user = userOf(socket.handshake.query.token);
    if (user === undefined) return next(new Error('unauthorized'));
    socket.data.user = user;
    next();
  });

  io.on('connection', (socket) => {
    if (socket.data.user !== null) socket.join(socket.data.user);
    socket.on('fanout', (message) => {
      if (message && Array.isArray(message.users)) io.to(message.users).emit('m', message);
    });
  });

  server.listen(port, '127.0.0.1', () => console.log(`listening on 127.0.0.1:${port}`));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
