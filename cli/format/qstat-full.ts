// `qstat -f`: the attribute listing, its 78-column wrapping, and `-F json`.
// The cJSON-style printer here is shared with the queue, server and pbsnodes formatters.
import type { JobRecord } from '../../core/record-types.js';
import { jobAttributes } from './job-attributes.js';

const LINE_LIMIT = 78;

/**
 * One `    name = value` line as OpenPBS's qstat prints it: the value is split at commas and a
 * piece that would reach column 78 starts a new line (the comma stays at the end of the previous
 * one, the new line starts with a TAB); a piece that is longer than a line is broken mid-piece.
 */
export function wrapAttribute(name: string, value: string): string {
  let out = `    ${name} = `;
  let column = name.length + 7;
  const pieces = value.split(',').filter((piece) => piece !== '');
  pieces.forEach((piece, i) => {
    if (piece.length + column < LINE_LIMIT) {
      out += piece;
      column += piece.length;
    } else {
      if (i > 0) {
        out += '\n\t';
        column = 9;
      }
      for (const ch of piece) {
        out += ch;
        if (++column > LINE_LIMIT) {
          column = 8;
          out += '\n\t';
        }
      }
    }
    if (i < pieces.length - 1) out += ',';
  });
  return out;
}

/** `-w`: the whole attribute on one line, newlines and form feeds shown as `\n` and `\f`. */
export function oneLineAttribute(name: string, value: string): string {
  return `    ${name} = ${value.replace(/\n/g, '\\n').replace(/\f/g, '\\f')}`;
}

/** `Job Id: <id>`, one line per attribute, a blank line after each job. */
export function formatFull(
  jobs: JobRecord[],
  opts: { wide?: boolean; names?: (job: JobRecord) => [string, string][] },
): string {
  const line = opts.wide ? oneLineAttribute : wrapAttribute;
  const attributes = opts.names ?? jobAttributes;
  return jobs
    .map((job) => {
      const lines = attributes(job).map(([name, value]) => line(name, value));
      return `Job Id: ${job.id}\n${lines.map((l) => `${l}\n`).join('')}\n`;
    })
    .join('');
}

// ---- JSON (`-F json`) -------------------------------------------------------------------------

/** Objects are Maps so that keys keep their order even when they look like integers. */
export type JsonValue = string | number | boolean | null | JsonValue[] | JsonObject;
export type JsonObject = Map<string, JsonValue>;

const JSON_NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

/** A value that reads as a JSON number becomes a number; anything else stays a string. */
export function jsonScalar(value: string): string | number {
  if (!JSON_NUMBER.test(value)) return value;
  const n = Number(value);
  return Number.isFinite(n) ? n : value;
}

/**
 * Attributes to a JSON object: `prefix.key` names become nested objects (`Resource_List: {...}`),
 * values become numbers where they can, except for the names in `strings`.
 */
export function attributesJson(attrs: [string, string][], strings: ReadonlySet<string>): JsonObject {
  const obj: JsonObject = new Map();
  for (const [name, value] of attrs) {
    const dot = name.indexOf('.');
    if (dot < 0) {
      obj.set(name, strings.has(name) ? value : jsonScalar(value));
      continue;
    }
    let group = obj.get(name.slice(0, dot));
    if (!(group instanceof Map)) {
      group = new Map();
      obj.set(name.slice(0, dot), group);
    }
    group.set(name.slice(dot + 1), jsonScalar(value));
  }
  return obj;
}

/** `{"timestamp":..,"pbs_version":..,"pbs_server":..,"<key>":{...}}` printed like cJSON, with a newline. */
export function jsonDocument(
  server: { name: string; version: string; now: number },
  key: string,
  body: JsonObject,
): string {
  const doc: JsonObject = new Map<string, JsonValue>([
    ['timestamp', Math.floor(server.now)],
    ['pbs_version', server.version],
    ['pbs_server', server.name],
    [key, body],
  ]);
  return `${cjson(doc)}\n`;
}

const ALWAYS_STRINGS = new Set(['Job_Name', 'project', 'Account_Name']);

function jobJson(job: JobRecord): JsonObject {
  const obj = attributesJson(jobAttributes(job), ALWAYS_STRINGS);
  if (obj.has('Variable_List')) {
    const vars: JsonObject = new Map(job.spec.variables.map(([k, v]) => [k, jsonScalar(v)]));
    obj.set('Variable_List', vars);
  }
  return obj;
}

/** `qstat -f -F json`: the `Jobs` map keyed by job id. */
export function formatFullJson(
  jobs: JobRecord[],
  server: { name: string; version: string; now: number },
): string {
  const body: JsonObject = new Map(jobs.map((job) => [job.id, jobJson(job)]));
  return jsonDocument(server, 'Jobs', body);
}

/** cJSON_Print: objects one member per line indented with tabs, `"key":<TAB>value`; arrays inline. */
export function cjson(value: JsonValue, depth = 0): string {
  if (value instanceof Map) {
    const close = '\t'.repeat(depth);
    if (value.size === 0) return `{\n${close}}`;
    const indent = '\t'.repeat(depth + 1);
    const members = [...value].map(([k, v]) => `${indent}${JSON.stringify(k)}:\t${cjson(v, depth + 1)}`);
    return `{\n${members.join(',\n')}\n${close}}`;
  }
  if (Array.isArray(value)) return `[${value.map((v) => cjson(v, depth + 1)).join(', ')}]`;
  if (typeof value === 'number') return cNumber(value);
  return JSON.stringify(value);
}

/** cJSON's number printing: `%d` for ints, else the shortest of `%1.15g` / `%1.17g` that reads back. */
function cNumber(n: number): string {
  if (!Number.isFinite(n)) return 'null';
  if (Number.isInteger(n) && n >= -2147483648 && n <= 2147483647) return String(n);
  const short = formatG(n, 15);
  return Number(short) === n ? short : formatG(n, 17);
}

function formatG(n: number, precision: number): string {
  const [mantissa = '', expText = '0'] = n.toExponential(precision - 1).split('e');
  const exp = Number(expText);
  if (exp < -4 || exp >= precision) {
    const digits = String(Math.abs(exp)).padStart(2, '0');
    return `${stripZeros(mantissa)}e${exp < 0 ? '-' : '+'}${digits}`;
  }
  return stripZeros(n.toFixed(precision - 1 - exp));
}

function stripZeros(text: string): string {
  return text.includes('.') ? text.replace(/\.?0+$/, '') : text;
}
