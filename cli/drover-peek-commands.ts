// `drover peek JOB [-f] [-e]`: the live output of a running job (cli/peek-command.ts).
import type { Argv } from 'yargs';

export function peekCommands(y: Argv): Argv {
  return y.command(
    'peek <job>',
    'print the output a running job has written so far (as Torque qpeek); -f follows it until the job ends',
    (z) =>
      z
        .positional('job', { type: 'string', demandOption: true, describe: 'job id (12, 12.server, 3[2])' })
        .option('f', { alias: 'follow', type: 'boolean', describe: 'follow the output until the job ends' })
        .option('e', {
          alias: 'stderr',
          type: 'boolean',
          describe: 'standard error instead of standard output',
        }),
    async (a) => {
      const { peek } = await import('./peek-command.js');
      process.exit(await peek(a.job, { follow: a.f === true, stderr: a.e === true }));
    },
  );
}
