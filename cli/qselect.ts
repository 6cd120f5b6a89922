// qselect: the ids of the jobs that pass every test of the command line, one a line, as
// `qdel $(qselect -u $USER)` takes them; nothing (and 0) when none does.
import { sameServer } from '../core/pbs/jobid.js';
import { parseQselectCommandLine, QSELECT_USAGE } from '../core/pbs/qselect-command-line.js';
import { compileTests } from '../core/pbs/select-criteria.js';
import { VERSION } from '../platform/version.js';
import { bodyOf } from './api-errors.js';
import { api } from './client.js';
import { codeExit, printError, report, runCommand } from './command.js';

async function main(argv: string[]): Promise<number> {
  const parsed = parseQselectCommandLine(argv, Math.floor(Date.now() / 1000));
  if (!parsed.ok) {
    if (parsed.error.message !== '') printError('qselect', parsed.error.message);
    if (parsed.after !== undefined) process.stderr.write(`${parsed.after}\n`);
    if (parsed.error.usage) process.stderr.write(`${QSELECT_USAGE}\n`);
    return codeExit(parsed.error.code);
  }
  if (parsed.value === 'version') {
    process.stdout.write(`pbs_version = ${VERSION}\n`);
    return 0;
  }
  const { tests, history, subjobs, server: named } = parsed.value;
  // what the head would refuse of a test (an unknown resource, a value of the wrong kind)
  const checked = compileTests(tests);
  if (!checked.ok) return report('qselect', checked.error);
  const { server, ids } = bodyOf(
    await api<{ server: string; ids: string[] }>('POST', '/v1/jobs/select', { tests, history, subjobs }),
  );
  if (named !== undefined && !sameServer(named, server)) {
    printError('qselect', `cannot connect to server ${named}`);
    return codeExit('NO_SERVER');
  }
  process.stdout.write(ids.map((id) => `${id}\n`).join(''));
  return 0;
}

runCommand('qselect', main);
