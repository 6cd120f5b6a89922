// Commands that act on job ids (qdel, qhold, qrls, qrerun, qalter): one request for all operands,
// then PBS's message for each failure, naming the job one way for all of them (jobMessage); the
// exit status is that of the last failure.

import type { ErrorCode } from '../core/errors.js';
import { getopt } from '../core/pbs/getopt.js';
import { VERSION } from '../platform/version.js';
import { api } from './client.js';
import { codeExit, printError, report } from './command.js';

export interface OperandResult {
  operand: string;
  id?: string;
  /** qstat: the records an operand stands for when not just `id` (a range, an array with -t) */
  ids?: string[];
  error?: { code: ErrorCode; message: string };
}

export type MessageFor = (result: OperandResult & { error: { code: ErrorCode; message: string } }) => string;

export async function actOnJobs(
  cmd: string,
  path: string,
  body: object,
  messageFor: MessageFor = jobMessage,
): Promise<number> {
  const reply = await api<{ results: OperandResult[] }>('POST', path, body);
  if (!reply.ok) return report(cmd, reply.error);
  let rc = 0;
  for (const r of reply.body.results) {
    if (!r.error) continue;
    printError(cmd, messageFor(r as Parameters<MessageFor>[0]));
    rc = codeExit(r.error.code);
  }
  return rc;
}

/**
 * PBS's line for one operand's refusal, as its commands print it: the
 * server's words, then the job's full id `SEQ.server` as the head expanded it (`88` and
 * `88.server` alike, as get_server expands what was typed); a finished job's message
 * (PBSE_HISTJOBID) has no id. An operand that is no job id has none either: the head's message
 * names it as typed. qhold, qrls, qrerun and qalter print these as they are; qdel adds to them.
 */
export const jobMessage: MessageFor = (r) => {
  if (r.id === undefined) return r.error.message;
  if (r.error.code === 'UNKNOWN_JOB') return `Unknown Job Id ${r.id}`;
  if (r.error.code === 'JOB_FINISHED') return 'Job has finished';
  return `${r.error.message} ${r.id}`;
};

/**
 * The command line of qdel-like commands: `--version`, the options of `optstring` (accepted),
 * then at least one job id. The operands and the options' letters, or the exit status when there
 * is nothing to do.
 */
export function jobOperands(
  cmd: string,
  argv: string[],
  optstring: string,
  usage: string,
): { operands: string[]; letters: Set<string> } | number {
  if (argv.length === 1 && argv[0] === '--version') {
    process.stdout.write(`pbs_version = ${VERSION}\n`);
    return 0;
  }
  const parsed = getopt(argv, optstring);
  if (parsed.error !== undefined)
    return report(cmd, { code: 'USAGE', message: parsed.error, usage: true }, usage);
  const operands = parsed.operands.filter((o) => o.trim() !== '');
  if (operands.length === 0)
    return report(cmd, { code: 'USAGE', message: 'job identifier required', usage: true }, usage);
  return { operands, letters: new Set(parsed.options.map((o) => o.letter)) };
}
