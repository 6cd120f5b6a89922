// `drover queue add|set|remove|default|list`: queues and their limits.
import type { Argv } from 'yargs';

export function queueCommands(y: Argv): Argv {
  return y.command('queue', 'manage queues and their limits', (y) => {
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
  });
}
