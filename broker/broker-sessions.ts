// The durable sessions of a broker (broker/session-routes.ts) on its own call path: each request
// of a batch goes through the same queue, policy, retries and counters as a live call
// (broker/call-service.ts), at the capacity of the instances that answer now.

import { BROKER_ANSWER, callService } from './call-service.js';
import type { ServiceTable } from './service-table.js';
import { mountSessions, type SessionsMount } from './session-routes.js';
import type { DispatchOne } from './sessions.js';

/** Calls the service's live instances take at once now (0 while none answers). */
function capacityOf(table: ServiceTable, name: string): number {
  const s = table.get(name);
  return s ? s.instances.reduce((n, i) => n + i.capacity, 0) : 0;
}

export function brokerSessions(table: ServiceTable, stateDir: string): SessionsMount {
  const dispatch: DispatchOne = async (service, r) => {
    const headers = Object.entries(r.headers).flat();
    // a batch's request carries its correlation id as Idempotency-Key: a retry is what it asks for
    const answer = await callService(table, service, {
      method: r.method,
      path: r.path,
      headers,
      idempotent: true,
      ...(r.body ? { body: r.body } : {}),
    });
    // no instance answered (none yet, all busy past the queue's wait, all failed): try later
    if (answer.headers.some((h, i) => i % 2 === 0 && h.toLowerCase() === BROKER_ANSWER))
      throw new Error(`${answer.status}: ${answer.body.toString('utf8')}`);
    const out: Record<string, string | string[]> = {};
    for (let i = 0; i + 1 < answer.headers.length; i += 2) {
      const name = answer.headers[i]!.toLowerCase();
      const value = answer.headers[i + 1]!;
      const had = out[name];
      out[name] = had === undefined ? value : [...(Array.isArray(had) ? had : [had]), value];
    }
    return { status: answer.status, headers: out, body: answer.body };
  };
  const sessions = mountSessions({
    stateDir,
    dispatch,
    capacity: (name) => capacityOf(table, name),
    knows: (name) => table.get(name) !== undefined,
  });
  // new instances (or a service's first) may let waiting work go
  table.on('change', () => sessions.worker.wake());
  return sessions;
}
