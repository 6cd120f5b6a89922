import { describe, expect, it } from 'vitest';
import {
  coalesce,
  type FrameProgress,
  ProgressParser,
  parseProgressLine,
  trackFrames,
} from '../../core/farm/progress.js';

describe('progress lines', () => {
  it('reads POV-Ray, Blender and the generic form', () => {
    expect(parseProgressLine('Rendering frame 3 of 5')).toEqual([{ k: 'frameOf', n: 3, of: 5 }]);
    expect(parseProgressLine('Rendered 4800 of 19200 pixels (25%)')).toEqual([{ k: 'percent', percent: 25 }]);
    expect(parseProgressLine('  Output file........../tmp/f/scene07.png, 24 bpp PNG')).toEqual([
      { k: 'output', path: '/tmp/f/scene07.png' },
    ]);
    expect(parseProgressLine('Output file: out/a.tga')).toEqual([{ k: 'output', path: 'out/a.tga' }]);
    expect(parseProgressLine('Fra:12 Mem:25.41M (Peak 26.10M) | Time:00:01.21 | Sample 32/128')).toEqual([
      { k: 'frame', frame: 12 },
      { k: 'percent', percent: 25 },
    ]);
    expect(
      parseProgressLine(
        'Fra:3 Mem:10.2M (Peak 11.0M) | Time:00:02.10 | Scene, View Layer | Rendering 16 / 64 samples',
      ),
    ).toEqual([
      { k: 'frame', frame: 3 },
      { k: 'percent', percent: 25 },
    ]);
    expect(parseProgressLine('Fra:4 Mem:10.2M | Syncing Cube')).toEqual([{ k: 'frame', frame: 4 }]);
    expect(parseProgressLine("Saved: '/out/shot_0012.png'")).toEqual([
      { k: 'output', path: '/out/shot_0012.png' },
    ]);
    expect(parseProgressLine('step 3: PROGRESS: 42.5%')).toEqual([{ k: 'percent', percent: 42.5 }]);
    expect(parseProgressLine('render-farm: frame 17')).toEqual([{ k: 'frame', frame: 17 }]);
    expect(parseProgressLine('nothing to see')).toEqual([]);
    expect(parseProgressLine('PROGRESS: 250%')).toEqual([{ k: 'percent', percent: 100 }]);
  });

  it('splits on \\n and \\r and keeps a partial line for the next chunk', () => {
    const p = new ProgressParser();
    expect(p.push('Rendered 10 of 100 pixels\rRendered 20 of')).toEqual([{ k: 'percent', percent: 10 }]);
    expect(p.push(' 100 pixels\r\nPROGRESS: 5%')).toEqual([{ k: 'percent', percent: 20 }]);
    expect(p.end()).toEqual([{ k: 'percent', percent: 5 }]);
    expect(p.end()).toEqual([]);
  });

  it('keeps the last of consecutive percentages, and every frame and output in order', () => {
    const u = coalesce([
      { k: 'percent', percent: 1 },
      { k: 'percent', percent: 2 },
      { k: 'frame', frame: 3 },
      { k: 'percent', percent: 7 },
      { k: 'output', path: 'a' },
      { k: 'percent', percent: 8 },
      { k: 'percent', percent: 9 },
    ]);
    expect(u).toEqual([
      { k: 'percent', percent: 2 },
      { k: 'frame', frame: 3 },
      { k: 'percent', percent: 7 },
      { k: 'output', path: 'a' },
      { k: 'percent', percent: 9 },
    ]);
  });
});

describe('frames of a task', () => {
  const task = (...frames: number[]): FrameProgress[] =>
    frames.map((frame) => ({ frame, state: 'queued', percent: 0 }));

  it('moves through a chunk: a new frame finishes the one before', () => {
    const f = task(5, 6, 7);
    trackFrames(f, [{ k: 'percent', percent: 40 }]);
    expect(f[0]).toMatchObject({ state: 'running', percent: 40 });
    trackFrames(f, [
      { k: 'output', path: 'f5.png' },
      { k: 'frameOf', n: 2, of: 3 },
      { k: 'percent', percent: 10 },
    ]);
    expect(f[0]).toMatchObject({ state: 'done', percent: 100, output: 'f5.png' });
    expect(f[1]).toMatchObject({ state: 'running', percent: 10 });
    const changed = trackFrames(f, [{ k: 'frame', frame: 7 }]);
    expect(changed.map((c) => c.frame).sort()).toEqual([6, 7]);
    expect(f.map((x) => x.state)).toEqual(['done', 'done', 'running']);
  });

  it('takes POV-Ray frame numbers as absolute when they are not of the chunk size', () => {
    const f = task(10, 20, 30);
    trackFrames(f, [{ k: 'frameOf', n: 20, of: 40 }]);
    expect(f.map((x) => x.state)).toEqual(['done', 'running', 'queued']);
    expect(trackFrames(f, [{ k: 'frame', frame: 99 }])).toEqual([]);
  });
});
