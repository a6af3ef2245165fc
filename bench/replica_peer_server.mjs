// The peer of ./x bench replica: a Node.js HTTP server (node:http, keep-alive) that reads each
// request body and answers with a canned CBOR body of the size the replica's answer has (a signed
// query reply, a call's certificate), doing no IC work at all: no decoding, no signature checks,
// no execution, no certification. Usage: node replica_peer_server.mjs PORT_FILE
import { createServer } from 'node:http';
import { writeFileSync, renameSync } from 'node:fs';
import { randomBytes } from 'node:crypto';

const portFile = process.argv[2];
const queryReply = randomBytes(190);
const callReply = randomBytes(700);
const server = createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = req.url.endsWith('/call') ? callReply : queryReply;
    res.writeHead(200, { 'content-type': 'application/cbor', 'content-length': body.length });
    res.end(body);
  });
});
server.listen(0, '127.0.0.1', () => {
  writeFileSync(`${portFile}.tmp`, `${server.address().port}\n`);
  renameSync(`${portFile}.tmp`, portFile);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
