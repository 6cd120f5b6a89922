// `drover node add/remove`: a node is recorded only once the head could reach it over SSH with
// a pinned host key (given with --host-key, or learned on this first contact and printed).

import { homedir, userInfo } from 'node:os';
import { join } from 'node:path';
import { ok, type Result, refuse } from '../../core/errors.js';
import type { NodeAdded, NodeInput } from '../../core/record-types.js';
import type { NewNode } from '../db/nodes-table.js';
import type { Store } from '../db/store.js';
import { fingerprint, type HostKey, parseHostKey } from './known-hosts.js';
import type { NodeLinks } from './link-supervisor.js';

/** How long `drover node add` waits for a new node's agent to answer. */
const START_WAIT_MS = 30_000;

/** The record of a node to add, with the defaults filled in. */
function newNode(input: NodeInput): NewNode {
  const node: NewNode = {
    name: input.name,
    kind: 'ssh',
    host: input.host,
    port: input.port ?? 22,
    user: input.user ?? userInfo().username,
    // without a key file: the head's ssh-agent when it has one, else its default key
    identity: input.identity ?? (process.env.SSH_AUTH_SOCK ? '' : join(homedir(), '.ssh', 'id_ed25519')),
    stateDir: input.stateDir ?? '.drover-agent',
    fixed: {
      ...(input.ncpus ? { ncpus: input.ncpus } : {}),
      ...(input.mem ? { mem: input.mem } : {}),
      ...(input.ngpus !== undefined ? { ngpus: input.ngpus } : {}),
    },
    labels: input.labels ?? {},
    lastStateChange: Date.now(),
  };
  if (input.agentCmd) node.agentCmd = input.agentCmd;
  if (input.fenceCmd) node.fenceCmd = input.fenceCmd;
  return node;
}

export async function addNode(store: Store, links: NodeLinks, input: NodeInput): Promise<Result<NodeAdded>> {
  if (store.nodes.get(input.name)) return refuse('BAD_REQUEST', `node ${input.name} already exists`);
  const node = newNode(input);
  const port = node.port;
  let given: HostKey | undefined;
  if (input.hostKey !== undefined) {
    given = parseHostKey(input.hostKey);
    if (!given) return refuse('BAD_REQUEST', '--host-key wants a public key such as "ssh-ed25519 AAAA…"');
    const pinned = links.knownHosts.lookup(input.host, port);
    if (pinned.length > 0 && !pinned.some((k) => k.data === given!.data)) {
      return refuse('BAD_REQUEST', `known_hosts already pins another key for ${input.host}:${port}`);
    }
    if (pinned.length === 0) links.knownHosts.add(input.host, port, given);
  }
  const session = links.sshSession(
    { ...node, ncpus: 0, mem: 0, ngpus: 0, offline: false },
    given === undefined,
  );
  try {
    await session.connect();
  } catch (e) {
    session.close();
    return refuse('FAILED', `cannot reach ${node.user}@${input.host}:${port}: ${(e as Error).message}`);
  }
  const key = session.learned ?? given ?? links.knownHosts.lookup(input.host, port)[0]!;
  if (session.learned) links.knownHosts.add(input.host, port, session.learned);
  store.nodes.upsert(node);
  const stored = store.nodes.get(node.name)!;
  links.start(stored, session);
  const reason = await links.whenStarted(node.name, START_WAIT_MS);
  const now = store.nodes.get(node.name)!;
  return ok({
    name: node.name,
    fingerprint: fingerprint(key),
    keyType: key.type,
    learned: session.learned !== undefined,
    up: reason === undefined,
    ...(reason !== undefined ? { down: { reason, hint: links.startHint(stored) } } : {}),
    ncpus: now.ncpus,
    mem: now.mem,
  });
}

export function removeNode(store: Store, links: NodeLinks, name: string): Result<void> {
  const node = store.nodes.get(name);
  if (!node) return refuse('UNKNOWN_NODE', `Unknown node ${name}`);
  if (store.allocations.onNode(name).length > 0)
    return refuse('BAD_STATE', `node ${name} still has jobs; wait for them or qdel them first`);
  links.stop(name);
  store.nodes.remove(name);
  return ok(undefined);
}
