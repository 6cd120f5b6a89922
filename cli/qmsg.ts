// qmsg [-E] [-O] MESSAGE ID…: a line into running jobs' stderr (-E, the default), stdout (-O) or
// both, written where the job's output is spooled on its node.
import { getopt } from '../core/pbs/getopt.js';
import { VERSION } from '../platform/version.js';
import { codeExit, report, runCommand } from './command.js';
import { actOnJobs, jobMessage } from './operands.js';

const USAGE = 'usage: qmsg [-O] [-E] msg_string job_identifier...\n       qmsg --version';
/** PBS's qmsg sends at most this many characters of the message */
const MAX_MESSAGE = 256;

async function main(argv: string[]): Promise<number> {
  if (argv.length === 1 && argv[0] === '--version') {
    process.stdout.write(`pbs_version = ${VERSION}\n`);
    return 0;
  }
  const parsed = getopt(argv, 'EO');
  if (parsed.error !== undefined)
    return report('qmsg', { code: 'USAGE', message: parsed.error, usage: true }, USAGE);
  const [message, ...rest] = parsed.operands;
  const operands = rest.filter((o) => o.trim() !== '');
  if (message === undefined || operands.length === 0) {
    process.stderr.write(`${USAGE}\n`);
    return codeExit('USAGE');
  }
  const letters = parsed.options.map((o) => o.letter);
  const streams = [
    ...(letters.includes('O') ? ['out'] : []),
    ...(letters.includes('E') || !letters.includes('O') ? ['err'] : []),
  ];
  const text = [...message].slice(0, MAX_MESSAGE).join('');
  return actOnJobs('qmsg', '/v1/jobs/message', { operands, text, streams }, (r) =>
    r.error.code === 'FAILED' ? r.error.message : jobMessage(r),
  );
}

runCommand('qmsg', main);
