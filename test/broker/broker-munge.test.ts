// A broker that reaches its head over TCP sends a MUNGE credential (a real munged) bound to each
// request: the stream's GET and each report's POST with its body.

import { EventEmitter, once } from 'node:events';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Broker, startBroker } from '../../broker/main.js';
import { requestText } from '../../core/protocol/request-binding.js';
import { isMungeFailure, verifyCredential } from '../../head/auth/munge-verify.js';
import { instanceServer, serviceView, type TestInstance, until } from '../helpers/broker-fixture.js';
import { TestMunged } from '../helpers/munged.js';

let munged: TestMunged;
let instance: TestInstance;
const before = process.env.DROVER_MUNGE_SOCKET;

beforeAll(async () => {
  munged = await TestMunged.start();
  process.env.DROVER_MUNGE_SOCKET = munged.socket;
  instance = await instanceServer();
});

afterAll(async () => {
  if (before === undefined) delete process.env.DROVER_MUNGE_SOCKET;
  else process.env.DROVER_MUNGE_SOCKET = before;
  await instance.close();
  await munged.stop();
});

describe('a broker reaching its head over TCP', () => {
  it('sends credentials that decode to the request they came with', async () => {
    const payloads: string[] = [];
    const events = new EventEmitter();
    const check = async (req: IncomingMessage, body: string) => {
      const cred = /^MUNGE (\S+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
      const id = await verifyCredential(cred, munged.socket);
      if (isMungeFailure(id)) return false;
      const ok = id.payload.equals(requestText(req.method!, req.url!, body)) && id.uid === process.getuid!();
      payloads.push(`${req.method} ${req.url} ${ok}`);
      events.emit('checked');
      return ok;
    };
    const head = createServer(async (req, res) => {
      let body = '';
      for await (const c of req) body += c;
      if (!(await check(req, body))) return void res.writeHead(401).end('{}');
      if (req.url !== '/v1/services/watch') return void res.writeHead(200).end('{}');
      res.writeHead(200);
      res.write(`${JSON.stringify({ t: 'snapshot', services: [serviceView('web', [instance.port])] })}\n`);
    });
    head.listen(0, '127.0.0.1');
    await once(head, 'listening');
    let broker: Broker | undefined;
    try {
      broker = await startBroker({
        listen: '127.0.0.1:0',
        head: { host: '127.0.0.1', port: (head.address() as AddressInfo).port },
        stateDir: join(munged.dir, 'broker'),
        reportIntervalMs: 100,
        log: () => {},
      });
      await until(broker.table, 'change', () => broker!.table.get('web') !== undefined);
      expect((await fetch(`http://127.0.0.1:${broker.port}/svc/web/`)).status).toBe(200);
      await until(events, 'checked', () => payloads.some((p) => p.startsWith('POST')));
      expect(payloads).toContain('GET /v1/services/watch true');
      expect(payloads).toContain('POST /v1/brokers/report true');
      expect(payloads.filter((p) => p.endsWith('false'))).toEqual([]);
    } finally {
      await broker?.close();
      head.closeAllConnections();
      head.close();
    }
  });
});
