// `drover node add|remove|list`: manage compute nodes through the head's API.
import { parseSize } from '../core/pbs/size.js';
import type { NodeAdded, NodeInput, NodeRecord } from '../core/record-types.js';
import { api } from './client.js';
import { report } from './command.js';

/** What `drover node add` takes: the head's NodeInput, with size and labels still as typed. */
export type AddArgs = Omit<NodeInput, 'mem' | 'labels'> & { mem?: string; labels?: string };

function parseLabels(text: string): Record<string, string> | undefined {
  const labels: Record<string, string> = {};
  for (const pair of text.split(',').filter(Boolean)) {
    const [k, v, ...rest] = pair.split('=');
    if (!k || v === undefined || rest.length > 0) return undefined;
    labels[k] = v;
  }
  return labels;
}

export async function nodeAdd(a: AddArgs): Promise<number> {
  const body: Record<string, unknown> = { name: a.name, host: a.host };
  for (const k of [
    'port',
    'user',
    'ncpus',
    'ngpus',
    'agentCmd',
    'fenceCmd',
    'stateDir',
    'hostKey',
  ] as const) {
    if (a[k] !== undefined) body[k] = a[k];
  }
  if (a.identity !== undefined)
    body.identity = a.identity.startsWith('/') ? a.identity : `${process.cwd()}/${a.identity}`;
  if (a.mem !== undefined) {
    const size = parseSize(a.mem);
    if (!size)
      return report('drover', { code: 'USAGE', message: `--mem wants a size such as 8gb, not ${a.mem}` });
    body.mem = size.bytes;
  }
  if (a.labels !== undefined) {
    const labels = parseLabels(a.labels);
    if (!labels)
      return report('drover', { code: 'USAGE', message: `--labels wants k=v,k2=v2, not ${a.labels}` });
    body.labels = labels;
  }
  const r = await api<NodeAdded>('POST', '/v1/nodes', body);
  if (!r.ok) return report('drover', r.error);
  const v = r.body;
  if (v.learned)
    process.stdout.write(
      `learned the host key of ${a.host} on first contact: ${v.keyType} ${v.fingerprint}\n`,
    );
  else process.stdout.write(`host key of ${a.host} matches the pinned ${v.keyType} ${v.fingerprint}\n`);
  if (!v.up) {
    // the node stays, down with the reason (pbsnodes shows it), and comes up once its agent does
    const { reason, hint } = v.down ?? { reason: 'its agent did not answer', hint: '' };
    process.stderr.write(`drover: node ${a.name} added, but it is down: ${reason}\n`);
    if (hint) process.stderr.write(`drover: ${hint}\n`);
    return 1;
  }
  process.stdout.write(`node ${a.name} added (${v.ncpus} CPUs, ${Math.round(v.mem / 1024 ** 2)} MiB)\n`);
  return 0;
}

export async function nodeRemove(name: string): Promise<number> {
  const r = await api('POST', '/v1/nodes/remove', { name });
  return r.ok ? 0 : report('drover', r.error);
}

export async function nodeList(): Promise<number> {
  const r = await api<{ nodes: NodeRecord[] }>('GET', '/v1/nodes');
  if (!r.ok) return report('drover', r.error);
  const rows = r.body.nodes.map((n) => [
    n.name,
    n.host,
    n.state,
    `${n.assignedNcpus}/${n.ncpus}`,
    `${Math.round(n.mem / 1024 ** 2)}MiB`,
    Object.entries(n.labels)
      .map(([k, v]) => `${k}=${v}`)
      .join(',') || '-',
    n.comment ?? '',
  ]);
  const head = ['NAME', 'HOST', 'STATE', 'CPUS', 'MEM', 'LABELS', 'COMMENT'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  for (const row of [head, ...rows])
    process.stdout.write(
      `${row
        .map((c, i) => c.padEnd(widths[i]!))
        .join('  ')
        .trimEnd()}\n`,
    );
  return 0;
}
