// The environment of a running job, built as PBS's MoM builds it:
// the agent's own PATH/LANG/TZ, then the node's pbs_environment file (NAME=VALUE lines in the
// agent's state directory, as MoM's $PBS_HOME/pbs_environment), then Variable_List and the
// head's job-level variables, then the fixed per-host list, which overrides user values.
// Drover's commands come first on PATH (compute-agent/command-shims.ts): in the environment, and
// again after the login shell's profile, which on Debian sets PATH anew (scriptInput).
import { basename } from 'node:path';
import type { RunRequest } from '../core/protocol/agent-protocol.js';
import { shellQuote } from '../core/shell-words.js';
import type { Account } from '../native/native.js';

export interface HostPaths {
  nodefile: string;
  tmpdir: string;
  /** the directory of Drover's commands, put first on PATH */
  commands?: string;
}

const INHERITED = ['PATH', 'LANG', 'LC_ALL', 'TZ'];

/** PBS_MOMPORT: MoM's resource-manager port, PBS's default (Drover has no TM server there). */
const MOM_PORT = '15003';

export function jobEnvironment(
  req: RunRequest,
  account: Account,
  shell: string,
  paths: HostPaths,
  agentEnv: Record<string, string | undefined>,
  site: Record<string, string> = {},
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of INHERITED) {
    const value = agentEnv[name];
    if (value !== undefined) env[name] = value;
  }
  Object.assign(env, site);
  if (env.PATH === undefined) env.PATH = '/usr/local/bin:/usr/bin:/bin';
  for (const [name, value] of req.env) env[name] = value;
  Object.assign(env, {
    HOME: account.home,
    LOGNAME: account.name,
    USER: account.name,
    SHELL: shell,
    PBS_ENVIRONMENT: 'PBS_BATCH',
    ENVIRONMENT: 'BATCH',
    PBS_NODEFILE: paths.nodefile,
    PBS_NODENUM: '0',
    PBS_TASKNUM: '1',
    PBS_MOMPORT: MOM_PORT,
    PBS_JOBDIR: account.home,
    NCPUS: String(req.ncpus),
    OMP_NUM_THREADS: String(req.ncpus),
    TMPDIR: paths.tmpdir,
  });
  if (req.gpus.length > 0) env.CUDA_VISIBLE_DEVICES = req.gpus.join(',');
  if (paths.commands) env.PATH = `${paths.commands}:${env.PATH}`;
  return env;
}

/**
 * What the job's login shell reads on stdin: the script's path, after a line that puts Drover's
 * commands first on PATH again (the profile the shell has read may have set PATH anew). Only
 * for shells whose syntax is known (sh-like and csh-like); others keep the profile's PATH.
 */
export function scriptInput(shell: string, script: string, commands?: string): string {
  const run = `${shellQuote(script)}\n`;
  if (!commands) return run;
  const dir = shellQuote(commands);
  const name = basename(shell);
  if (/^(sh|ash|dash|bash|ksh|ksh93|mksh|pdksh|zsh|yash)$/.test(name))
    return `PATH=${dir}:"$PATH"; export PATH\n${run}`;
  if (/^t?csh$/.test(name)) return `setenv PATH ${dir}:"$PATH"\n${run}`;
  return run;
}

/** A pbs_environment file: `NAME=VALUE` lines; blank lines, `#` comments and bad names skipped. */
export function parseEnvironmentFile(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (m && !line.trimStart().startsWith('#')) env[m[1]!] = m[2]!;
  }
  return env;
}
