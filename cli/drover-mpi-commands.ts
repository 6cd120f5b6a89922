// `drover mpiexec` (start a program's ranks, cli/mpi/mpiexec.ts) and the hidden `drover mpi-proxy`
// (the launcher's helper on a job's other nodes, cli/mpi/mpi-proxy.ts). Their own parsers read the
// words after the command name: a program's options (`node prog.js --flag`) are not drover's.
import type { Argv } from 'yargs';

/** The words after the command's name. */
const rest = (name: string): string[] => {
  const args = process.argv.slice(2);
  return args.slice(args.indexOf(name) + 1);
};

export function mpiCommands(y: Argv): Argv {
  return y
    .command(
      'mpiexec',
      "start N ranks of a program (drover/mpi): on the job's slots inside a job, here outside one",
      (z) =>
        z
          .usage('drover mpiexec -n N [--ppn P] [--tag-output] [--oversubscribe] [--] command [args...]')
          .strict(false)
          .help(false)
          .version(false)
          .parserConfiguration({ 'unknown-options-as-args': true, 'halt-at-non-option': true }),
      async () => {
        const { mpiexec } = await import('./mpi/mpiexec.js');
        process.exit(await mpiexec(rest('mpiexec')));
      },
    )
    .command({
      command: 'mpi-proxy',
      describe: false,
      handler: async () => {
        const { mpiProxy } = await import('./mpi/mpi-proxy.js');
        process.exit(await mpiProxy());
      },
    });
}
