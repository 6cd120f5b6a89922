#!/usr/bin/env node
// `drover`: the admin command (head, agent; node management comes with SSH nodes).
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { parseSize } from '../core/pbs/size.js';
import { defaultHome } from './client.js';

function sizeOption(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const size = parseSize(value);
  if (!size) throw new Error(`not a size: ${value} (e.g. 8gb)`);
  return size.bytes;
}

await yargs(hideBin(process.argv))
  .scriptName('drover')
  .command(
    'head',
    'run the head node in the foreground',
    (y) =>
      y
        .option('home', {
          type: 'string',
          describe:
            'state directory (default $DROVER_HOME, else /var/spool/drover for root, ~/.drover for others)',
        })
        .option('local', {
          type: 'boolean',
          default: false,
          describe: 'run jobs on a compute agent on this machine',
        })
        .option('listen', { type: 'string', describe: 'also serve the API on HOST:PORT (TCP)' })
        .option('auth', {
          choices: ['munge', 'none'] as const,
          describe:
            'how TCP requests prove who sends them: munge (default), or none (a non-root head: callers act as its user)',
        })
        .option('munge-socket', {
          type: 'string',
          describe: "munged's socket on this host (default /run/munge/munge.socket.2)",
        })
        .option('socket-group', {
          type: 'string',
          describe: 'only this group may use head.sock (default: every local user)',
        })
        .option('acl-roots', {
          type: 'string',
          describe: 'set acl_roots (user@host,…: owners whose jobs may run as root), as qmgr would',
        })
        .option('server-name', {
          type: 'string',
          describe: 'server name in job ids (default: short host name)',
        })
        .option('local-ncpus', { type: 'number', describe: 'CPUs the local node offers (default: all)' })
        .option('local-mem', {
          type: 'string',
          describe: 'memory the local node offers, e.g. 8gb (default: all)',
        })
        .option('kill-delay', {
          type: 'number',
          default: 10,
          describe: 'seconds between SIGTERM and SIGKILL',
        })
        .option('usage-interval', { type: 'number', default: 5, describe: 'seconds between usage samples' })
        .option('torque', {
          type: 'boolean',
          describe:
            'Torque compatibility: qstat -x prints XML, finished jobs stay visible as C (--no-torque: off)',
        })
        .option('keep-completed', {
          type: 'number',
          describe: 'with --torque: seconds finished jobs stay visible as C (default 300)',
        })
        .option('heartbeat', {
          type: 'number',
          default: 1,
          describe: 'seconds between heartbeats to each agent',
        })
        .option('node-timeout', {
          type: 'number',
          default: 10,
          describe: 'seconds of silence after which a node is down and its running jobs are fenced and rerun',
        })
        .option('fence-timeout', {
          type: 'number',
          default: 60,
          describe: "seconds a node's fence command may take",
        }),
    async (a) => {
      if (!(a.heartbeat > 0) || !(a['node-timeout'] > a.heartbeat) || !(a['fence-timeout'] > 0)) {
        process.stderr.write(
          'drover: --heartbeat, --node-timeout and --fence-timeout want positive seconds, the timeout longer than the heartbeat\n',
        );
        process.exit(2);
      }
      const { runHead } = await import('../head/main.js');
      const code = await runHead({
        home: a.home ?? defaultHome(),
        local: a.local,
        ...(a.listen ? { listen: a.listen } : {}),
        ...(a['server-name'] ? { serverName: a['server-name'] } : {}),
        ...(a['local-ncpus'] ? { localNcpus: a['local-ncpus'] } : {}),
        ...(a['local-mem'] ? { localMem: sizeOption(a['local-mem'])! } : {}),
        killDelay: a['kill-delay'],
        usageInterval: a['usage-interval'],
        ...(a.torque !== undefined ? { torque: a.torque } : {}),
        ...(a['keep-completed'] !== undefined ? { keepCompleted: a['keep-completed'] } : {}),
        heartbeat: a.heartbeat,
        nodeTimeout: a['node-timeout'],
        fenceTimeout: a['fence-timeout'],
        ...(a.auth ? { auth: a.auth } : {}),
        ...(a['munge-socket'] ? { mungeSocket: a['munge-socket'] } : {}),
        ...(a['socket-group'] ? { socketGroup: a['socket-group'] } : {}),
        ...(a['acl-roots'] !== undefined ? { aclRoots: a['acl-roots'].split(',').filter(Boolean) } : {}),
      });
      process.exit(code);
    },
  )
  .command(
    'agent',
    'run a compute agent daemon (the head starts it for you)',
    (y) =>
      y
        .option('state-dir', { type: 'string', demandOption: true, describe: 'agent state directory' })
        .option('kill-delay', {
          type: 'number',
          default: 10,
          describe: 'seconds between SIGTERM and SIGKILL',
        })
        .option('usage-interval', { type: 'number', default: 5, describe: 'seconds between usage reports' })
        .option('checkpoint-wait', {
          type: 'number',
          default: 5,
          describe: 'seconds a job told to checkpoint has before its directory is shipped as it is',
        })
        .option('tmpdir', { type: 'string', default: '/var/tmp', describe: 'where job TMPDIRs are made' })
        .option('ngpus', { type: 'number', default: 0, describe: 'GPUs this node offers' })
        .option('ready-fd', { type: 'number', describe: 'file descriptor to report readiness on' })
        .option('connect', {
          type: 'boolean',
          default: false,
          describe: 'relay stdin/stdout to the daemon (what the head runs over SSH), starting it if needed',
        })
        .option('ensure', {
          type: 'boolean',
          default: false,
          describe:
            'start the daemon if it is not running, then print "ready SOCKET" (what the head runs over SSH)',
        }),
    async (a) => {
      if (a.connect || a.ensure) {
        const { ensureAgent, runRelay } = await import('../compute-agent/relay.js');
        const daemon = [
          process.execPath,
          process.argv[1]!,
          ...process.argv.slice(2).filter((w) => w !== '--connect' && w !== '--ensure'),
        ];
        process.exit(await (a.ensure ? ensureAgent : runRelay)(a['state-dir'], daemon));
      }
      const { runAgent } = await import('../compute-agent/daemon.js');
      const code = await runAgent({
        stateDir: a['state-dir'],
        killDelayMs: a['kill-delay'] * 1000,
        usageIntervalMs: a['usage-interval'] * 1000,
        checkpointWaitMs: a['checkpoint-wait'] * 1000,
        tmpRoot: a.tmpdir,
        ngpus: a.ngpus,
        ...(a['ready-fd'] !== undefined ? { readyFd: a['ready-fd'] } : {}),
      });
      process.exit(code);
    },
  )
  .command('node', 'manage compute nodes reached over SSH', (y) =>
    y
      .command(
        'add <name>',
        'add a node: connect over SSH, pin its host key, start its agent',
        (z) =>
          z
            .positional('name', { type: 'string', demandOption: true })
            .option('host', { type: 'string', demandOption: true, describe: 'host name or address' })
            .option('port', { type: 'number', describe: 'SSH port (22)' })
            .option('user', { type: 'string', describe: 'SSH user (the head user)' })
            .option('identity', { type: 'string', describe: 'private key file (~/.ssh/id_ed25519)' })
            .option('ncpus', { type: 'number', describe: 'CPUs to offer (default: discovered)' })
            .option('mem', { type: 'string', describe: 'memory to offer, e.g. 8gb (default: discovered)' })
            .option('ngpus', { type: 'number', describe: 'GPUs to offer' })
            .option('labels', { type: 'string', describe: 'k=v,... usable in select (gpu=true)' })
            .option('agent-cmd', {
              type: 'string',
              describe:
                "how to run drover on the node (default: this head's node and drover.js when the node has them at the same paths, else drover from the node's PATH)",
            })
            .option('state-dir', {
              type: 'string',
              describe: 'agent state directory on the node (default: ~/.drover-agent)',
            })
            .option('host-key', {
              type: 'string',
              describe: 'the node\'s public host key ("ssh-ed25519 AAAA...") instead of learning it',
            })
            .option('fence-cmd', {
              type: 'string',
              describe:
                'command the head runs (with a timeout) to fence the node before its jobs run elsewhere',
            }),
        async (a) => {
          const { nodeAdd } = await import('./node-command.js');
          process.exit(
            await nodeAdd({
              name: a.name,
              host: a.host,
              ...(a.port !== undefined ? { port: a.port } : {}),
              ...(a.user !== undefined ? { user: a.user } : {}),
              ...(a.identity !== undefined ? { identity: a.identity } : {}),
              ...(a.ncpus !== undefined ? { ncpus: a.ncpus } : {}),
              ...(a.mem !== undefined ? { mem: a.mem } : {}),
              ...(a.ngpus !== undefined ? { ngpus: a.ngpus } : {}),
              ...(a.labels !== undefined ? { labels: a.labels } : {}),
              ...(a['agent-cmd'] !== undefined ? { agentCmd: a['agent-cmd'] } : {}),
              ...(a['fence-cmd'] !== undefined ? { fenceCmd: a['fence-cmd'] } : {}),
              ...(a['state-dir'] !== undefined ? { stateDir: a['state-dir'] } : {}),
              ...(a['host-key'] !== undefined ? { hostKey: a['host-key'] } : {}),
            }),
          );
        },
      )
      .command(
        'remove <name>',
        'remove a node that runs no jobs',
        (z) => z.positional('name', { type: 'string', demandOption: true }),
        async (a) => {
          const { nodeRemove } = await import('./node-command.js');
          process.exit(await nodeRemove(a.name));
        },
      )
      .command('list', 'list nodes', {}, async () => {
        const { nodeList } = await import('./node-command.js');
        process.exit(await nodeList());
      })
      .demandCommand(1, 'name a node command: add, remove or list'),
  )
  .command('queue', 'manage queues and their limits', (y) => {
    const limits = (z: typeof y) =>
      z
        .positional('name', { type: 'string', demandOption: true })
        .option('priority', { type: 'number', describe: 'queue priority: its jobs are considered first' })
        .option('max-run', { type: 'string', describe: 'most running jobs (or none)' })
        .option('max-run-per-user', { type: 'string', describe: 'most running jobs of one user (or none)' })
        .option('max-walltime', { type: 'string', describe: 'largest walltime a job may ask (or none)' })
        .option('default-walltime', { type: 'string', describe: 'walltime of jobs that ask none (or none)' })
        .option('enabled', { type: 'boolean', describe: 'accept new jobs' })
        .option('disabled', { type: 'boolean', describe: 'refuse new jobs' })
        .option('started', { type: 'boolean', describe: 'run its jobs' })
        .option('stopped', { type: 'boolean', describe: 'run none of its jobs (they stay queued)' })
        .option('fairshare', {
          type: 'boolean',
          describe: "order its jobs by their users' recent usage (--no-fairshare: off)",
        });
    const flags = (a: Record<string, unknown>) => ({
      ...(a.priority !== undefined ? { priority: a.priority as number } : {}),
      ...(a['max-run'] !== undefined ? { maxRun: String(a['max-run']) } : {}),
      ...(a['max-run-per-user'] !== undefined ? { maxRunPerUser: String(a['max-run-per-user']) } : {}),
      ...(a['max-walltime'] !== undefined ? { maxWalltime: String(a['max-walltime']) } : {}),
      ...(a['default-walltime'] !== undefined ? { defaultWalltime: String(a['default-walltime']) } : {}),
      ...(a.enabled !== undefined ? { enabled: a.enabled as boolean } : {}),
      ...(a.disabled !== undefined ? { disabled: a.disabled as boolean } : {}),
      ...(a.started !== undefined ? { started: a.started as boolean } : {}),
      ...(a.stopped !== undefined ? { stopped: a.stopped as boolean } : {}),
      ...(a.fairshare !== undefined ? { fairshare: a.fairshare as boolean } : {}),
    });
    return y
      .command('add <name>', 'add a queue', limits, async (a) => {
        const { queueAddOrSet } = await import('./queue-command.js');
        process.exit(await queueAddOrSet('create', a.name, flags(a)));
      })
      .command('set <name>', "change a queue's settings", limits, async (a) => {
        const { queueAddOrSet } = await import('./queue-command.js');
        process.exit(await queueAddOrSet('set', a.name, flags(a)));
      })
      .command(
        'remove <name>',
        'remove an empty queue',
        (z) => z.positional('name', { type: 'string', demandOption: true }),
        async (a) => {
          const { queueAction } = await import('./queue-command.js');
          process.exit(await queueAction('drover', 'delete', a.name));
        },
      )
      .command(
        'default <name>',
        'make a queue the default one',
        (z) => z.positional('name', { type: 'string', demandOption: true }),
        async (a) => {
          const { queueAction } = await import('./queue-command.js');
          process.exit(await queueAction('drover', 'default', a.name));
        },
      )
      .command('list', 'list queues (as qstat -Q)', {}, async () => {
        const { queueList } = await import('./queue-command.js');
        process.exit(await queueList());
      })
      .demandCommand(1, 'name a queue command: add, set, remove, default or list');
  })
  .command(
    'checkpoint',
    'inside a checkpointable job: ship PBS_CHECKPOINT_DIR to the head now; returns once it is safe',
    {},
    async () => {
      const { checkpointNow } = await import('./checkpoint-command.js');
      process.exit(await checkpointNow());
    },
  )
  .demandCommand(1, 'drover: name a command: head, agent, node, queue or checkpoint')
  .strict()
  .fail((msg, err) => {
    process.stderr.write(`drover: ${err?.message ?? msg}\n`);
    process.exit(2);
  })
  .help()
  .parseAsync();
