// A broker process for the durable-session tests (test/broker/sessions.test.ts): the sessions'
// routes and worker (broker/session-routes.ts) on a node:http server, with a DispatchOne that
// forwards every call to one real HTTP server. Run compiled, as
//   node dist/test/helpers/session-broker.js --state-dir DIR --target http://HOST:PORT
//        [--service NAME] [--capacity N]
// It listens on a free port of 127.0.0.1 and prints `{"port":N}` on stdout once it serves.
import { Agent, createServer, request } from 'node:http';
import { parseArgs } from 'node:util';
import { mountSessions } from '../../broker/session-routes.js';
import type { DispatchOne } from '../../broker/sessions.js';

const { values } = parseArgs({
  options: {
    'state-dir': { type: 'string' },
    target: { type: 'string' },
    service: { type: 'string', default: 'echo' },
    capacity: { type: 'string', default: '8' },
  },
});
const target = new URL(values.target!);
const capacity = Number(values.capacity);
const agent = new Agent({ keepAlive: true, maxSockets: capacity });

/** One call to the target, as the broker's dispatch would send it to an instance. */
const forward: DispatchOne = (_service, call) =>
  new Promise((resolve, reject) => {
    const req = request(
      {
        host: target.hostname,
        port: target.port,
        method: call.method,
        path: call.path,
        headers: call.body ? { ...call.headers, 'content-length': call.body.length } : call.headers,
        agent,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(call.body);
  });

const sessions = mountSessions({
  stateDir: values['state-dir']!,
  dispatch: forward,
  capacity: (service) => (service === values.service ? capacity : 0),
  knows: (service) => service === values.service,
  backoffMs: 50,
});
const server = createServer((req, res) => {
  if (sessions.handle(req, res)) return;
  res.writeHead(404).end();
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`${JSON.stringify({ port: typeof address === 'object' ? address?.port : 0 })}\n`);
});
process.on('SIGTERM', () => {
  sessions.close();
  process.exit(0);
});
