// qmove DEST ID…: move waiting jobs to another queue (`queue`, `@server`: its default queue,
// `queue@server`); the destination is checked as at submission.
import { destinationOf } from '../core/pbs/destination.js';
import { VERSION } from '../platform/version.js';
import { codeExit, printError, runCommand } from './command.js';
import { actOnJobs, jobMessage } from './operands.js';

const USAGE = 'usage: qmove destination job_identifier...\n       qmove --version';

async function main(argv: string[]): Promise<number> {
  if (argv.length === 1 && argv[0] === '--version') {
    process.stdout.write(`pbs_version = ${VERSION}\n`);
    return 0;
  }
  const operands = argv.slice(1).filter((o) => o.trim() !== '');
  if (argv.length < 2 || operands.length === 0) {
    process.stderr.write(`${USAGE}\n`);
    return codeExit('USAGE');
  }
  const destination = argv[0]!;
  if (!destinationOf(destination)) {
    printError('qmove', `illegally formed destination: ${destination}`);
    return codeExit('USAGE');
  }
  return actOnJobs('qmove', '/v1/jobs/move', { destination, operands }, (r) =>
    r.error.code === 'FAILED' ? r.error.message : jobMessage(r),
  );
}

runCommand('qmove', main);
