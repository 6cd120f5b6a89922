// Render farm frames: frame specs as the big farms accept them (`1-240`, `1-240x5`,
// `1,5,9-12` and their combination), chunks taken by position in the list (a sparse list is
// never chunked by arithmetic on its range), and the placeholders of a frame command.
import { ok, type Result, refuse } from '../errors.js';

/** More frames than this in one job are refused. */
export const MAX_FRAMES = 100_000;

const ITEM = /^(-?\d+)(?:-(-?\d+)(?:x(\d+))?)?$/;

/** The frames of a spec, in the order given, each once. */
export function parseFrames(spec: string): Result<number[]> {
  const bad = (why: string) => refuse<number[]>('USAGE', `illegal --frames value "${spec}": ${why}`);
  const text = spec.replace(/\s+/g, '');
  if (text === '') return bad('no frames');
  const seen = new Set<number>();
  const frames: number[] = [];
  for (const item of text.split(',')) {
    const m = ITEM.exec(item);
    if (!m) return bad(`"${item}" is not N, A-B or A-BxSTEP`);
    const from = Number(m[1]);
    const to = m[2] === undefined ? from : Number(m[2]);
    const step = m[3] === undefined ? 1 : Number(m[3]);
    if (to < from) return bad(`"${item}" ends before it starts`);
    if (step < 1) return bad(`"${item}" has a step below 1`);
    if ((to - from) / step + 1 + frames.length > MAX_FRAMES) return bad(`more than ${MAX_FRAMES} frames`);
    for (let f = from; f <= to; f += step) {
      if (seen.has(f)) continue;
      seen.add(f);
      frames.push(f);
    }
  }
  return ok(frames);
}

/** Chunks of `size` frames by position in the list (the last may be shorter). */
export function chunkFrames(frames: readonly number[], size: number): number[][] {
  const chunks: number[][] = [];
  for (let i = 0; i < frames.length; i += size) chunks.push(frames.slice(i, i + size));
  return chunks;
}

/** The frames of task `task` (1-based, the array index), as chunkFrames cuts them. */
export function taskFrames(frames: readonly number[], size: number, task: number): number[] {
  return task >= 1 ? frames.slice((task - 1) * size, task * size) : [];
}

/** A list as renderers that take lists want it: runs of consecutive frames as `a..b`: `7..9,12`. */
export function frameList(frames: readonly number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < frames.length; ) {
    let j = i;
    while (j + 1 < frames.length && frames[j + 1] === frames[j]! + 1) j++;
    parts.push(j > i ? `${frames[i]}..${frames[j]}` : String(frames[i]));
    i = j + 1;
  }
  return parts.join(',');
}

const PLACEHOLDER = /\{(frame|start|end|frames)(?::(0\d+))?\}/g;
/** what looks like a placeholder (`{name}`, `{name:…}`); a shell's `{ cmd; }` does not */
const ANY_BRACE = /\{[A-Za-z_][A-Za-z0-9_]*(?::[^{}\s]*)?\}/g;

/** Whether a command names `{frame}` (it then runs once per frame of its chunk). */
export function perFrame(argv: readonly string[]): boolean {
  return argv.some((a) => /\{frame(?::0\d+)?\}/.test(a));
}

/** The placeholders a command uses must be known ones; a message for the first that is not. */
export function checkPlaceholders(argv: readonly string[]): string | undefined {
  for (const a of argv) {
    for (const m of a.match(ANY_BRACE) ?? []) {
      if (!new RegExp(`^${PLACEHOLDER.source}$`).test(m))
        return `unknown placeholder ${m} (use {frame}, {start}, {end}, {frames}, padded as {frame:04})`;
    }
  }
  return undefined;
}

/** The command for one chunk (and one frame of it, for per-frame commands). */
export function expandCommand(argv: readonly string[], chunk: readonly number[], frame?: number): string[] {
  const values: Record<string, number | string> = {
    frame: frame ?? chunk[0]!,
    start: chunk[0]!,
    end: chunk[chunk.length - 1]!,
    frames: frameList(chunk),
  };
  return argv.map((a) =>
    a.replace(PLACEHOLDER, (_, name: string, pad?: string) => {
      const v = values[name]!;
      if (pad === undefined || typeof v === 'string') return String(v);
      const width = Number(pad);
      return v < 0 ? `-${String(-v).padStart(width - 1, '0')}` : String(v).padStart(width, '0');
    }),
  );
}
