// `drover ha status` (each configured head's role, epoch, standby and lag, heartbeats, quorum) and
// `drover ha switchover` (a planned hand-over to the standby, then wait until it is primary).
import type { HaStatus } from '../core/protocol/ha-status.js';
import { bodyOf } from './api-errors.js';
import { api, configuredHeads } from './client.js';
import { askOneHead, replyTimeoutMs } from './failover.js';
import type { Head } from './head-list.js';

type Seen = { head: string; status?: HaStatus; problem?: string };

async function statusOf(head: Head): Promise<Seen> {
  const r = await askOneHead(head, {
    method: 'GET',
    path: '/v1/ha/status',
    payload: undefined,
    requestId: undefined,
    // a paused head must not hold up the report of the others
    replyTimeoutMs: replyTimeoutMs(),
  });
  if ('errno' in r) return { head: head.key, problem: `unreachable (errno=${r.errno})` };
  if (!r.ok) return { head: head.key, problem: r.error.message };
  return { head: head.key, status: r.body as HaStatus };
}

export async function haStatuses(): Promise<Seen[]> {
  return Promise.all(configuredHeads().map(statusOf));
}

const ago = (ms: number | null) => (ms === null ? 'never' : `${(ms / 1000).toFixed(1)} s ago`);

function describe(s: Seen): string {
  if (!s.status) return `${s.head}\n    role = ${s.problem}\n`;
  const h = s.status;
  const lines = [
    `role = ${h.role}`,
    `ha_address = ${h.me}`,
    `epoch = ${h.epoch}`,
    `primary = ${h.primary ?? 'unknown'}`,
    `replication = ${h.sync ? 'synchronous' : 'asynchronous'}`,
  ];
  if (h.role === 'primary') {
    lines.push(`quorum = ${h.quorum ? 'yes' : 'no'} (witness ${ago(h.witnessMs)})`);
    const sb = h.standby;
    lines.push(
      sb
        ? `standby = ${sb.from} ${sb.connected ? 'connected' : 'disconnected'}, ${sb.inSync ? 'in sync' : 'not in sync'}, lag ${sb.lag} batches, heard ${ago(h.lastHeartbeatMs)}`
        : 'standby = none',
    );
  } else lines.push(`last_heartbeat = ${ago(h.lastHeartbeatMs)}`);
  return `${s.head}\n${lines.map((l) => `    ${l}\n`).join('')}`;
}

export async function runHaStatus(json: boolean): Promise<number> {
  const seen = await haStatuses();
  process.stdout.write(json ? `${JSON.stringify(seen, null, 2)}\n` : seen.map(describe).join('\n'));
  return seen.some((s) => s.status?.role === 'primary') ? 0 : 1;
}

/** Ask the primary to hand over, then wait (up to `waitMs`) until a head reports `to` as the
 * primary of a newer epoch (the new primary itself, or the old one now its standby). */
export async function runHaSwitchover(waitMs: number): Promise<number> {
  const before = Math.max(0, ...(await haStatuses()).map((s) => s.status?.epoch ?? 0));
  const { to } = bodyOf(await api<{ to: string }>('POST', '/v1/ha/switchover', {}));
  process.stdout.write(`handing over to ${to}\n`);
  const deadline = Date.now() + waitMs;
  while (Date.now() < deadline) {
    const now = (await haStatuses()).find((s) => s.status?.primary === to && s.status.epoch > before);
    if (now?.status) {
      process.stdout.write(`${to} is primary (epoch ${now.status.epoch})\n`);
      return 0;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  process.stderr.write(`drover: ${to} did not become primary within ${waitMs / 1000} s\n`);
  return 1;
}
