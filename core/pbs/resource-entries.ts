// `-l` entries: `name=value[,name=value...]` as typed, and PBS's rule for merging the entries of
// the command line with those of `#PBS` lines.
import { ok, type Result, refuse } from '../errors.js';

export interface ResourceEntry {
  name: string;
  value: string;
}

/** Splits `-l` values on commas outside quotes into `name=value` entries (quotes removed). */
export function parseResourceArgs(values: string[]): Result<ResourceEntry[]> {
  const entries: ResourceEntry[] = [];
  for (const value of values) {
    const items = splitOutsideQuotes(value, ',');
    if (!items) return refuse('USAGE', 'illegal -l value', true);
    for (const item of items) {
      const match = /^([A-Za-z_][A-Za-z0-9_.-]*)=(.+)$/s.exec(item);
      if (!match) return refuse('USAGE', 'illegal -l value', true);
      entries.push({ name: match[1] as string, value: unquote(match[2] as string) });
    }
  }
  return ok(entries);
}

/** Splits on `separator` outside '...' and "..."; undefined on an unterminated quote. */
export function splitOutsideQuotes(text: string, separator: string): string[] | undefined {
  const items: string[] = [];
  let quote: string | undefined;
  let current = '';
  for (const ch of text) {
    if (quote) quote = ch === quote ? undefined : quote;
    else if (ch === '"' || ch === "'") quote = ch;
    else if (ch === separator) {
      items.push(current);
      current = '';
      continue;
    }
    current += ch;
  }
  items.push(current);
  return quote ? undefined : items;
}

/**
 * command-line entries are always taken (a later duplicate replaces an earlier one);
 * a directive entry is taken only when its name is not present yet, so the first directive for
 * a name wins and the command line beats every directive.
 */
export function mergeResourceEntries(cmdline: ResourceEntry[], directives: ResourceEntry[]): ResourceEntry[] {
  const merged: ResourceEntry[] = [];
  const indexOf = (name: string) => merged.findIndex((e) => e.name.toLowerCase() === name.toLowerCase());
  for (const entry of cmdline) {
    const at = indexOf(entry.name);
    if (at === -1) merged.push({ ...entry });
    else merged[at] = { ...entry };
  }
  for (const entry of directives) {
    if (indexOf(entry.name) === -1) merged.push({ ...entry });
  }
  return merged;
}

/** Removes quote pairs the way a shell would: `'A,B,C'` → `A,B,C`, `"it's"` → `it's`. */
export function unquote(text: string): string {
  let quote: string | undefined;
  let result = '';
  for (const ch of text) {
    if (quote !== undefined && ch === quote) quote = undefined;
    else if (quote === undefined && (ch === '"' || ch === "'")) quote = ch;
    else result += ch;
  }
  return result;
}
