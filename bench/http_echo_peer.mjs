// The peer of chorus-http-echo: Node's http module answering every request with its own body.
// node bench/http_echo_peer.mjs PORT
import http from 'node:http';

const port = Number(process.argv[2] ?? 8081);
const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length });
    res.end(body);
  });
});
server.keepAliveTimeout = 60000;
server.listen(port, '127.0.0.1', () => console.log(`listening on 127.0.0.1:${port}`));
