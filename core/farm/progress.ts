// Renderer progress read off a task's output: lines split on `\n` and `\r` (renderers
// redraw a progress line with `\r`), each matched against what POV-Ray, Blender and a generic
// `PROGRESS: N%` print. The agent parses; the head maps the updates onto the task's frames.

/** One thing a line said. `frame` is absolute; `frameOf` is POV-Ray's N of M within the run. */
export type ProgressUpdate =
  | { k: 'frame'; frame: number }
  | { k: 'frameOf'; n: number; of: number }
  | { k: 'percent'; percent: number }
  | { k: 'output'; path: string }
  /** the post job's check found a frame's output missing */
  | { k: 'missing'; frame: number };

/** The line the farm's task script prints before each frame of a per-frame command. */
export const FRAME_MARKER = 'render-farm: frame ';
/** The line the post job's check prints for each frame whose output file is missing. */
export const MISSING_MARKER = 'render-farm: missing frame ';

const clampPercent = (p: number) => Math.max(0, Math.min(100, p));

/** What one line says, if it is a progress line. */
export function parseProgressLine(line: string): ProgressUpdate[] {
  const text = line.trim();
  if (text.startsWith(FRAME_MARKER)) {
    const n = Number(text.slice(FRAME_MARKER.length));
    return Number.isInteger(n) ? [{ k: 'frame', frame: n }] : [];
  }
  if (text.startsWith(MISSING_MARKER)) {
    const n = Number(text.slice(MISSING_MARKER.length));
    return Number.isInteger(n) ? [{ k: 'missing', frame: n }] : [];
  }
  let m = /Rendering frame (\d+) of (\d+)/.exec(text);
  if (m) return [{ k: 'frameOf', n: Number(m[1]), of: Number(m[2]) }];
  m = /Rendered (\d+) of (\d+) pixels/.exec(text);
  if (m && Number(m[2]) > 0)
    return [{ k: 'percent', percent: clampPercent((100 * Number(m[1])) / Number(m[2])) }];
  m = /^Fra:(\d+)\b.*?\bSample (\d+)\/(\d+)/.exec(text);
  if (m && Number(m[3]) > 0)
    return [
      { k: 'frame', frame: Number(m[1]) },
      { k: 'percent', percent: clampPercent((100 * Number(m[2])) / Number(m[3])) },
    ];
  // Blender 2.8x-2.9x: `Fra:1 … | Rendering 3 / 64 samples`
  m = /^Fra:(\d+)\b.*?\bRendering (\d+) \/ (\d+) samples/.exec(text);
  if (m && Number(m[3]) > 0)
    return [
      { k: 'frame', frame: Number(m[1]) },
      { k: 'percent', percent: clampPercent((100 * Number(m[2])) / Number(m[3])) },
    ];
  m = /^Fra:(\d+)\b/.exec(text);
  if (m) return [{ k: 'frame', frame: Number(m[1]) }];
  m = /^Saved: '(.+)'/.exec(text);
  if (m) return [{ k: 'output', path: m[1]! }];
  m = /^Output file[.:\s]+(.+?)(?:,\s+\d+\s*bpp.*)?$/i.exec(text);
  if (m) return [{ k: 'output', path: m[1]! }];
  m = /\bPROGRESS:\s*(\d+(?:\.\d+)?)\s*%/.exec(text);
  if (m) return [{ k: 'percent', percent: clampPercent(Number(m[1])) }];
  return [];
}

/** A stream of output in chunks: complete lines are parsed, a partial one waits for its end. */
export class ProgressParser {
  private partial = '';

  push(chunk: string): ProgressUpdate[] {
    const text = this.partial + chunk;
    const parts = text.split(/\r\n|\r|\n/);
    this.partial = parts.pop() ?? '';
    // a redrawn progress line that never ends would grow without bound: keep its tail
    if (this.partial.length > 4096) this.partial = this.partial.slice(-4096);
    return parts.flatMap(parseProgressLine);
  }

  /** The output ended: its last line counts even without a newline. */
  end(): ProgressUpdate[] {
    const rest = this.partial;
    this.partial = '';
    return rest === '' ? [] : parseProgressLine(rest);
  }
}

/**
 * Updates to send in one message: frame and output updates in order, and of the percentages
 * between them only the last (a renderer may print hundreds a second).
 */
export function coalesce(updates: ProgressUpdate[]): ProgressUpdate[] {
  const out: ProgressUpdate[] = [];
  for (const u of updates) {
    const last = out[out.length - 1];
    if (u.k === 'percent' && last?.k === 'percent') out[out.length - 1] = u;
    else out.push(u);
  }
  return out;
}

/** A frame of a task as the head tracks it. */
export interface FrameProgress {
  frame: number;
  state: 'queued' | 'running' | 'done' | 'failed';
  percent: number;
  output?: string;
}

/**
 * Apply updates to a running task's frames (in chunk order): a new frame finishes the one
 * before it; a percent or output belongs to the frame being rendered. Returns the frames that
 * changed. Frames outside the task are ignored (a renderer counting from elsewhere).
 */
export function trackFrames(frames: FrameProgress[], updates: ProgressUpdate[]): FrameProgress[] {
  const changed = new Set<FrameProgress>();
  const currentIndex = () => {
    const i = frames.findIndex((f) => f.state === 'running');
    return i >= 0 ? i : frames.findIndex((f) => f.state !== 'done');
  };
  const startAt = (index: number) => {
    if (index < 0 || index >= frames.length) return;
    frames.forEach((f, i) => {
      if (i < index && f.state !== 'done') {
        Object.assign(f, { state: 'done', percent: 100 });
        changed.add(f);
      }
    });
    const f = frames[index]!;
    if (f.state !== 'running') {
      Object.assign(f, { state: 'running', percent: f.state === 'done' ? 0 : f.percent });
      changed.add(f);
    }
  };
  for (const u of updates) {
    if (u.k === 'frame') startAt(frames.findIndex((f) => f.frame === u.frame));
    else if (u.k === 'frameOf')
      startAt(u.of === frames.length ? u.n - 1 : frames.findIndex((f) => f.frame === u.n));
    else if (u.k === 'missing') continue;
    else {
      const i = currentIndex();
      if (i < 0) continue;
      const f = frames[i]!;
      if (f.state !== 'running') startAt(i);
      if (u.k === 'percent') f.percent = Math.round(u.percent * 10) / 10;
      else f.output = u.path;
      changed.add(f);
    }
  }
  return [...changed];
}
