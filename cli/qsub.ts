// qsub: parse the command line and the script's #PBS directives (core/qsub), read the script
// content now (the file may be deleted right after), submit, print exactly the job id.

import { readFileSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import type { Refusal } from '../core/errors.js';
import { asksInteractive } from '../core/pbs/interactive.js';
import { buildJobSpec } from '../core/pbs/job-spec.js';
import { parseQsubCommandLine, QSUB_USAGE, refusesTorqueOption } from '../core/pbs/qsub-command-line.js';
import { VERSION } from '../platform/version.js';
import { api } from './client.js';
import { report, runCommand, submitPlace } from './command.js';
import { blockUntilEnd } from './qsub-block.js';
import { submitInteractive } from './qsub-interactive.js';

const SYS_ERRORS: Record<string, string> = {
  ENOENT: 'No such file or directory',
  EACCES: 'Permission denied',
  EISDIR: 'Is a directory',
};

function readScript(path: string): { script: string } | { error: Refusal } {
  try {
    if (!statSync(path).isFile()) return { error: { code: 'FAILED', message: 'script not a file' } };
    return { script: readFileSync(path, 'utf8') };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? '';
    return {
      error: { code: 'FAILED', message: `script file:: ${SYS_ERRORS[code] ?? (e as Error).message}` },
    };
  }
}

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY)
    process.stdout.write('Job script will be read from standard input. Submit with CTRL+D.\n');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Torque mode (README "Programs that drive PBS, and Torque mode"): DROVER_COMPAT=torque here, or
 * a head started with --torque. The head is asked only when -t was refused, once.
 */
class TorqueMode {
  private head: Promise<boolean> | undefined;
  readonly env = process.env.DROVER_COMPAT === 'torque';

  /** Whether a refusal of -t should give way to a second reading in Torque mode. */
  async retry(error: Refusal): Promise<boolean> {
    if (this.env || !refusesTorqueOption(error)) return false;
    this.head ??= api<{ torque?: unknown }>('GET', '/v1/server').then(
      (reply) => reply.ok && reply.body.torque !== undefined,
    );
    return this.head;
  }
}

async function main(argv: string[]): Promise<number> {
  const mode = new TorqueMode();
  let torque = mode.env;
  let cmdline = parseQsubCommandLine(argv, { torque });
  if (!cmdline.ok && (await mode.retry(cmdline.error))) {
    torque = true;
    cmdline = parseQsubCommandLine(argv, { torque });
  }
  if (!cmdline.ok) return report('qsub', cmdline.error, QSUB_USAGE);
  if (cmdline.value.version) {
    process.stdout.write(`pbs_version = ${VERSION}\n`);
    return 0;
  }
  const source = cmdline.value.source;
  let script: string | undefined;
  let scriptName = 'STDIN';
  if (source.kind === 'file') {
    const read = readScript(source.path);
    if ('error' in read) return report('qsub', read.error);
    script = read.script;
    scriptName = basename(source.path);
  } else if (source.kind === 'stdin' && !asksInteractive(cmdline.value.options)) {
    // (qsub -I reads no script from stdin: stdin is the job's terminal)
    script = await readStdin();
  }
  const build = (inTorqueMode: boolean) =>
    buildJobSpec({
      cmdline: cmdline.value,
      ...(script !== undefined ? { script } : {}),
      scriptName,
      env: process.env,
      ...submitPlace(),
      argv,
      torque: inTorqueMode,
    });
  let spec = build(torque);
  if (!spec.ok && !torque && (await mode.retry(spec.error))) spec = build(true);
  if (!spec.ok) return report('qsub', spec.error, QSUB_USAGE);
  if (spec.value.interactive) return submitInteractive(spec.value, cmdline.value.options);
  const reply = await api<{ id: string }>('POST', '/v1/jobs', { spec: spec.value });
  if (!reply.ok) return report('qsub', reply.error);
  if (!cmdline.value.suppressId) process.stdout.write(`${reply.body.id}\n`);
  return spec.value.block && !spec.value.cron ? blockUntilEnd(reply.body.id) : 0;
}

runCommand('qsub', main);
