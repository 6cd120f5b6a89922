// `render-farm status` and `list` as text: a progress bar, a grid of one character per frame
// (. queued, > running, # done, X failed), failures with their node and last log lines.

import type { FarmFrame, FarmStatus } from '../../core/farm/farm-status.js';
import { formatDuration } from '../../core/pbs/duration.js';

const MARK: Record<FarmFrame['state'], string> = { queued: '.', running: '>', done: '#', failed: 'X' };
const ROW = 50;

export function progressBar(percent: number, width = 30): string {
  const full = Math.round((Math.max(0, Math.min(100, percent)) / 100) * width);
  return `[${'#'.repeat(full)}${'.'.repeat(width - full)}] ${percent.toFixed(1)}%`;
}

/** Rows of ROW frames, each led by its first frame number. */
export function frameGrid(frames: FarmFrame[]): string[] {
  const width = Math.max(...frames.map((f) => String(f.frame).length), 1);
  const rows: string[] = [];
  for (let i = 0; i < frames.length; i += ROW) {
    const part = frames.slice(i, i + ROW);
    rows.push(`${String(part[0]!.frame).padStart(width)} ${part.map((f) => MARK[f.state]).join('')}`);
  }
  return rows;
}

export function formatFarmStatus(s: FarmStatus): string {
  const c = s.counts;
  const eta = s.eta !== undefined ? `  ETA ${formatDuration(s.eta)}` : '';
  const lines = [
    `Farm ${s.id}  ${s.name}  ${s.state}`,
    `${progressBar(s.percent)}${eta}`,
    `${s.frames.length} frames in ${s.tasks} tasks of ${s.chunk}: ${c.done} done, ${c.running} running, ${c.queued} queued, ${c.failed} failed`,
    ...frameGrid(s.frames),
  ];
  const running = s.frames.filter((f) => f.state === 'running');
  if (running.length)
    lines.push(
      `rendering: ${running.map((f) => `${f.frame} ${f.percent.toFixed(0)}% on ${f.node ?? '?'}`).join(', ')}`,
    );
  if (s.blocklist.length) lines.push(`blocklisted nodes: ${s.blocklist.join(', ')}`);
  if (s.message) lines.push(`waiting: ${s.message}`);
  if (s.failures.length) {
    lines.push('failures:');
    for (const f of s.failures) {
      const why = f.reason ? `${f.reason}, exit ${f.status}` : `exit ${f.status}`;
      lines.push(`  task ${f.task} (frames ${f.frames}) attempt ${f.attempt} on ${f.node}: ${why}`);
      for (const l of f.tail.split('\n').filter((x) => x !== '')) lines.push(`    | ${l}`);
    }
  }
  if (s.post) {
    const exit = s.post.exitStatus !== undefined ? ` exit ${s.post.exitStatus}` : '';
    lines.push(`post job: ${s.post.id} ${s.post.state}${exit}`);
  }
  return `${lines.join('\n')}\n`;
}

export function formatFarmList(farms: FarmStatus[]): string {
  const head = `${'Farm'.padEnd(18)} ${'Name'.padEnd(16)} ${'State'.padEnd(8)} ${'Done'.padStart(11)} Progress`;
  const rows = farms.map((f) => {
    const done = `${f.counts.done}/${f.counts.done + f.counts.running + f.counts.queued + f.counts.failed}`;
    return `${f.id.padEnd(18)} ${f.name.slice(0, 16).padEnd(16)} ${f.state.padEnd(8)} ${done.padStart(11)} ${f.percent.toFixed(1)}%`;
  });
  return `${[head, ...rows].join('\n')}\n`;
}
