// One instance of the tiny service bench/broker.ts spreads load over: node:http answering every
// request with a small JSON, in a process of its own as a service's instance (a job) would be.
//   node dist/bench/broker-instance.js K
// Listens on a free port of 127.0.0.1 and prints `{"port":N}` once it serves.
import { createServer } from 'node:http';

const body = JSON.stringify({ ok: true, instance: Number(process.argv[2] ?? 0) });
const server = createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`${JSON.stringify({ port: typeof address === 'object' ? address?.port : 0 })}\n`);
});
process.on('SIGTERM', () => process.exit(0));
