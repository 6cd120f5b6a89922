#!/usr/bin/env node
// `drover`: the admin command (head, agent; node management comes with SSH nodes).
import { homedir } from 'node:os';
import { join } from 'node:path';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { parseSize } from '../core/size.js';

const defaultHome = () => process.env.DROVER_HOME ?? join(homedir(), '.drover');

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
        .option('home', { type: 'string', describe: 'state directory (default $DROVER_HOME or ~/.drover)' })
        .option('local', {
          type: 'boolean',
          default: false,
          describe: 'run jobs on a compute agent on this machine',
        })
        .option('listen', { type: 'string', describe: 'also serve the API on HOST:PORT (TCP)' })
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
        .option('usage-interval', { type: 'number', default: 5, describe: 'seconds between usage samples' }),
    async (a) => {
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
        .option('tmpdir', { type: 'string', default: '/var/tmp', describe: 'where job TMPDIRs are made' })
        .option('ngpus', { type: 'number', default: 0, describe: 'GPUs this node offers' })
        .option('ready-fd', { type: 'number', describe: 'file descriptor to report readiness on' }),
    async (a) => {
      const { runAgent } = await import('../compute-agent/daemon.js');
      const code = await runAgent({
        stateDir: a['state-dir'],
        killDelayMs: a['kill-delay'] * 1000,
        usageIntervalMs: a['usage-interval'] * 1000,
        tmpRoot: a.tmpdir,
        ngpus: a.ngpus,
        ...(a['ready-fd'] !== undefined ? { readyFd: a['ready-fd'] } : {}),
      });
      process.exit(code);
    },
  )
  .demandCommand(1, 'drover: name a command: head or agent')
  .strict()
  .fail((msg, err) => {
    process.stderr.write(`drover: ${err?.message ?? msg}\n`);
    process.exit(2);
  })
  .help()
  .parseAsync();
