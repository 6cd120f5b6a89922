// Variable_List: the PBS_O_* list qsub always sends, `-v` entries, `-V` entries.
import { ok, type Result, refuse } from '../errors.js';
import { splitOutsideQuotes, unquote } from './resource-entries.js';

export type Variable = [string, string];
export type Environment = Record<string, string | undefined>;

/** Copied from qsub's environment as PBS_O_<name>, each only when set (HOME defaults to `/`). */
const COPIED = ['LANG', 'LOGNAME', 'PATH', 'MAIL', 'SHELL', 'TZ'];

/** PBS_O_HOME, LANG, LOGNAME, PATH, MAIL, SHELL, TZ, WORKDIR, SYSTEM, HOST, in that order. */
export function basicVariables(env: Environment, cwd: string, host: string): Variable[] {
  const variables: Variable[] = [['PBS_O_HOME', env.HOME ?? '/']];
  for (const name of COPIED) {
    const value = env[name];
    if (value !== undefined) variables.push([`PBS_O_${name}`, value]);
  }
  variables.push(['PBS_O_WORKDIR', cwd], ['PBS_O_SYSTEM', 'Linux'], ['PBS_O_HOST', host]);
  return variables;
}

/** Syntax of a `-v` list: quotes balanced, no entry with an empty name. */
export function checkVariableList(value: string): boolean {
  const items = splitOutsideQuotes(value, ',');
  if (items === undefined) return false;
  return items.every((item) => item === '' || !item.startsWith('='));
}

/**
 * `-v a,b=1,c='x,y'`: `NAME=value` literal (quotes removed), `NAME` alone copied from `env`
 * (refused when unset); empty entries add nothing; names starting with PBS_O_ are dropped.
 */
export function parseVariableList(value: string, env: Environment): Result<Variable[]> {
  const items = splitOutsideQuotes(value, ',');
  if (!items || !checkVariableList(value)) return refuse('USAGE', 'illegal -v value', true);
  const variables: Variable[] = [];
  for (const item of items) {
    if (item === '') continue;
    const eq = item.indexOf('=');
    const name = eq === -1 ? item : item.slice(0, eq);
    const literal = eq === -1 ? undefined : unquote(item.slice(eq + 1));
    const found = literal ?? env[name];
    if (found === undefined) return refuse('FAILED', 'cannot send environment with the job');
    if (!name.startsWith('PBS_O_')) variables.push([name, found]);
  }
  return ok(variables);
}

/** `-V`: every variable of `env` except PBS_O_*, the job cookie and names already `taken`. */
export function exportedVariables(env: Environment, taken: Set<string>): Variable[] {
  const variables: Variable[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined || taken.has(name)) continue;
    if (name.startsWith('PBS_O_') || name === 'PBS_JOBCOOKIE') continue;
    variables.push([name, value]);
  }
  return variables;
}
