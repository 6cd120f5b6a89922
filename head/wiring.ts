// The head's parts, built over one store and connected: the cluster view, group commit, the
// checkpoint store, the dispatcher, the job features (services with their watch), advance
// reservations, agent messages (and the answers about running jobs' output), fencing and node
// links, and the metrics that observe them (head/metrics/).
import { userInfo } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Requester } from '../core/policy/permissions.js';
import type { AgentMessage } from '../core/protocol/agent-protocol.js';
import { AgentMessages } from './agent-link/agent-messages.js';
import { Checkpoints } from './agent-link/checkpoint-store.js';
import { Delivery } from './agent-link/delivery/workers.js';
import { OutputTails } from './agent-link/output-tails.js';
import { Terminals } from './agent-link/terminals.js';
import { GroupCommit } from './db/group-commit.js';
import type { Store } from './db/store.js';
import { Farms } from './farm/farm-jobs.js';
import { registerFeatures } from './features.js';
import type { HaWired } from './ha/ha-hooks.js';
import type { HeadOptions } from './head-options.js';
import { interactiveFeature } from './jobs/interactive-feature.js';
import { JobControl } from './jobs/job-control.js';
import { purgeMarkedJobs } from './jobs/job-history.js';
import { JobWaits } from './jobs/job-waits.js';
import { submitJob } from './jobs/submit-job.js';
import { mailFeature } from './mail/mail-feature.js';
import { DEFAULT_MAIL, Mailer } from './mail/mailer.js';
import { HeadMetrics } from './metrics/head-metrics.js';
import { Cluster } from './nodes/cluster.js';
import { Fencer } from './nodes/fencer.js';
import { type EpochFencing, storedEpoch } from './nodes/head-epoch.js';
import { NodeLinks } from './nodes/link-supervisor.js';
import { Reservations } from './reservations/reservations.js';
import { Dispatcher } from './scheduling/dispatcher.js';
import { ServiceOps } from './service/service-ops.js';
import { ServiceWatch } from './service/watch-broadcast.js';

export interface Where {
  home: string;
  /** the installation the head runs from (its dist/ and migrations/) */
  root: string;
  server: string;
}

/** `ha`: the head's epoch for the agents (default: the stored one) and what a refusal does; with
 * a standby, the rest of its hooks (head/ha/ha-hooks.ts). */
export function wireHead(
  store: Store,
  where: Where,
  opts: HeadOptions,
  log: Logger,
  ha: EpochFencing & Partial<HaWired> = {},
) {
  const { home, server } = where;
  const cluster = new Cluster(store);
  // messages to agents leave once the standby has what they follow from, and while this head acts
  const { ready, durable, changes } = ha;
  if (ready && durable) cluster.setGate({ ready, wait: durable });
  const group = new GroupCommit(store, durable);
  const changed = changes ? (path: string) => changes.changed(path) : undefined;
  const checkpoints = new Checkpoints(join(home, 'checkpoints'), changed);
  const dispatcher = new Dispatcher(store, cluster, log, Date.now, group, checkpoints);
  const poke = () => dispatcher.poke();
  const farms = farmsOf(store, where, cluster, log);
  const mailer = new Mailer(opts.mail ?? DEFAULT_MAIL, log);
  const terminals = new Terminals({ store, cluster, server, log });
  const { watch, metrics, waits } = withFeatures(store, farms, cluster, ha, { mailer, terminals });
  const services = new ServiceOps({ store, server, cluster, poke, watch, group });
  const reservations = withReservations({ store, server, cluster, dispatcher, group }, log);
  const delivery = new Delivery();
  const messages = new AgentMessages({
    store,
    cluster,
    log,
    poke,
    undeliveredDir: join(home, 'undelivered'),
    ...(changed ? { changed } : {}),
    deliver: (user, umask, files) => delivery.deliver(user, umask, files),
    group,
    checkpoints,
  });
  const { tails, handleAll } = withTails(cluster, messages, terminals);
  const parts = { cluster, messages: { handleAll }, poke, changed };
  const { fencer, links } = wireNodes(store, parts, where, opts, log, ha);
  metrics.scrape({ store, nodes: () => cluster.records(), brokers: () => services.brokerList() });
  metrics.observe({ dispatcher, fencer, links });
  return {
    cluster,
    tails,
    terminals,
    group,
    checkpoints,
    dispatcher,
    farms,
    services,
    reservations,
    watch,
    delivery,
    messages,
    fencer,
    links,
    metrics,
    waits,
  };
}

/** The render farms: their logs under the home, their post jobs submitted as any job. */
function farmsOf(store: Store, { home, server }: Where, cluster: Cluster, log: Logger): Farms {
  return new Farms({
    store,
    logsDir: join(home, 'farm-logs'),
    submit: (spec) => submitJob({ store, server, nodes: () => cluster.schedNodes() }, spec),
    warn: (message) => log.warn(message),
  });
}

/** The job features, the services' watch, and what observes the jobs: their mail, the commands
 * that wait for them (qsub -W block=true, qsub -I's terminals), the metrics. */
function withFeatures(
  store: Store,
  farms: Farms,
  cluster: Cluster,
  ha: Partial<HaWired>,
  { mailer, terminals }: { mailer: Mailer; terminals: Terminals },
) {
  const watch = new ServiceWatch(store);
  const metrics = new HeadMetrics(ha.api ? () => ha.api!.status() : undefined);
  const services = { touch: (name: string) => watch.touch(name), nodes: () => cluster.schedNodes() };
  const waits = new JobWaits(store);
  const observers = [mailFeature(mailer), waits.feature(), interactiveFeature(terminals)];
  registerFeatures(store, farms, services, [...observers, metrics.jobs.feature()]);
  // histories asked to go (qdel -x) whose deletion had not committed when the head stopped
  purgeMarkedJobs(store);
  return { watch, metrics, waits };
}

/** Advance reservations; at their end the head deletes their jobs itself, as a manager. */
function withReservations(
  d: { store: Store; server: string; cluster: Cluster; dispatcher: Dispatcher; group: GroupCommit },
  log: Logger,
) {
  const control = new JobControl(d);
  const me = userInfo();
  const head: Requester = { user: me.username, uid: me.uid, host: d.server, local: true, role: 'manager' };
  return new Reservations({
    ...d,
    log,
    poke: () => d.dispatcher.poke(),
    deleteJobs: (ids) => void control.delete(ids, head),
  });
}

/** Answers to `tail?` and terminal bytes are taken out of each batch of an agent's messages
 * before its facts are handled. */
function withTails(cluster: Cluster, messages: AgentMessages, terminals: Terminals) {
  const tails = new OutputTails(cluster);
  const handleAll = (node: string, batch: AgentMessage[]) => {
    const rest = terminals.take(node, tails.take(node, batch));
    if (rest.length > 0) messages.handleAll(node, rest);
  };
  return { tails, handleAll };
}

/** The fencer and the node links (with the epoch the agents check, head/nodes/head-epoch.ts). */
function wireNodes(
  store: Store,
  parts: {
    cluster: Cluster;
    messages: Pick<AgentMessages, 'handleAll'>;
    poke: () => void;
    changed?: ((path: string) => void) | undefined;
  },
  where: Where,
  opts: HeadOptions,
  log: Logger,
  ha: EpochFencing & Partial<HaWired>,
) {
  const { cluster, messages, poke, changed } = parts;
  const timeoutMs = (opts.nodeTimeout ?? 10) * 1000;
  const commandTimeoutMs = (opts.fenceTimeout ?? 60) * 1000;
  const acting = ha.acting ? { acting: ha.acting } : {};
  const fencer = new Fencer(store, cluster, log, { timeoutMs, commandTimeoutMs, ...acting }, poke);
  const links = new NodeLinks(cluster, messages, log, where.home, {
    killDelay: opts.killDelay,
    usageInterval: opts.usageInterval,
    heartbeat: { heartbeatMs: (opts.heartbeat ?? 1) * 1000, timeoutMs },
    localCommand: [process.execPath, join(where.root, 'dist', 'cli', 'drover.js')],
    epoch: ha.epoch ?? (() => storedEpoch(store)),
    ...(ha.onStaleEpoch ? { onStaleEpoch: ha.onStaleEpoch } : {}),
    ...(changed ? { homeChanged: changed } : {}),
  });
  return { fencer, links };
}

export type Head = ReturnType<typeof wireHead>;
