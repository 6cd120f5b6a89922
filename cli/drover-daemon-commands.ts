// `drover head` and `drover agent`: the daemons, run in the foreground.
import { isAbsolute } from 'node:path';
import type { Argv } from 'yargs';
import { DEFAULT_MAIL_FROM, DEFAULT_MAILER, parseMailUsers } from '../core/pbs/job-mail.js';
import { parseSize } from '../core/pbs/size.js';
import { defaultHome } from './client.js';
import { haHeadOptions } from './drover-ha-commands.js';
import { webHeadOptions } from './drover-web-commands.js';

function sizeOption(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const size = parseSize(value);
  if (!size) throw new Error(`not a size: ${value} (e.g. 8gb)`);
  return size.bytes;
}

/** `--mail-command` (an absolute path: run without a shell or PATH) and `--mail-from`, or why not. */
function mailOptions(command: string | undefined, from: string | undefined) {
  if (command === undefined && from === undefined) return undefined;
  if (command !== undefined && !isAbsolute(command))
    return `--mail-command wants an absolute path, got ${command}`;
  if (from !== undefined && parseMailUsers(from)?.length !== 1)
    return `--mail-from wants one address, got ${from}`;
  return { command: command ?? DEFAULT_MAILER, from: from ?? DEFAULT_MAIL_FROM };
}

/** `drover head` and `drover agent`. */
export function daemonCommands(y: Argv): Argv {
  return y
    .command(
      'head',
      'run the head node in the foreground',
      (y) =>
        webHeadOptions(haHeadOptions(y))
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
            describe:
              'seconds of silence after which a node is down and its running jobs are fenced and rerun',
          })
          .option('fence-timeout', {
            type: 'number',
            default: 60,
            describe: "seconds a node's fence command may take",
          })
          .option('mail-command', {
            type: 'string',
            describe:
              "the mailer of job mail (-m/-M), run as 'PATH -f FROM RECIPIENT…' (default /usr/sbin/sendmail)",
          })
          .option('mail-from', { type: 'string', describe: 'the sender of job mail (default adm)' })
          .option('metrics-listen', {
            type: 'string',
            describe: 'serve GET /metrics (Prometheus) on HOST:PORT, a listener of its own',
          })
          .option('metrics-token-file', {
            type: 'string',
            describe:
              'scrapes must send the first line of FILE as a bearer token (FILE not readable by others)',
          }),
      async (a) => {
        if (!(a.heartbeat > 0) || !(a['node-timeout'] > a.heartbeat) || !(a['fence-timeout'] > 0)) {
          process.stderr.write(
            'drover: --heartbeat, --node-timeout and --fence-timeout want positive seconds, the timeout longer than the heartbeat\n',
          );
          process.exit(2);
        }
        const { haOptionsFrom, runHaHead } = await import('../head/ha/ha-main.js');
        const ha = await haOptionsFrom(a);
        if (typeof ha === 'string') {
          process.stderr.write(`drover: ${ha}\n`);
          process.exit(2);
        }
        const { runHead, headLog, metricsOptionsFrom } = await import('../head/main.js');
        const metrics = metricsOptionsFrom(a);
        if (typeof metrics === 'string') {
          process.stderr.write(`drover: ${metrics}\n`);
          process.exit(2);
        }
        const mail = mailOptions(a['mail-command'], a['mail-from']);
        if (typeof mail === 'string') {
          process.stderr.write(`drover: ${mail}\n`);
          process.exit(2);
        }
        const opts = {
          home: a.home ?? defaultHome(),
          local: a.local,
          ...(a.listen ? { listen: a.listen } : {}),
          ...(a['web-listen'] ? { webListen: a['web-listen'] } : {}),
          ...(a.web ? { web: true } : {}),
          ...(a['web-url'] ? { webUrl: a['web-url'] } : {}),
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
          ...(metrics ? { metrics } : {}),
          ...(mail ? { mail } : {}),
        };
        if (!ha) process.exit(await runHead(opts));
        process.exit(await runHaHead(opts, ha, headLog()));
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
    );
}
