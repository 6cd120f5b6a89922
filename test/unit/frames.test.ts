import { describe, expect, it } from 'vitest';
import {
  checkPlaceholders,
  chunkFrames,
  expandCommand,
  frameList,
  MAX_FRAMES,
  parseFrames,
  perFrame,
} from '../../core/farm/frames.js';

const frames = (spec: string) => {
  const r = parseFrames(spec);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
};

describe('frame specs', () => {
  it.each([
    ['1-5', [1, 2, 3, 4, 5]],
    ['1-10x3', [1, 4, 7, 10]],
    ['1,5,9-12', [1, 5, 9, 10, 11, 12]],
    ['20-24x2,1,3-4', [20, 22, 24, 1, 3, 4]],
    ['7', [7]],
    ['1-3,2-4', [1, 2, 3, 4]],
    [' 1 - 3 ', [1, 2, 3]],
  ])('%j gives %j, in the order given and each frame once', (spec, want) => {
    expect(frames(spec)).toEqual(want);
  });

  it.each([
    '',
    'a',
    '5-1',
    '1-10x0',
    '1--3',
    '1,,2',
    '1-3y2',
  ])('%j is refused with a clear message', (spec) => {
    const r = parseFrames(spec);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toMatch(/^illegal --frames value/);
  });

  it('refuses more frames than a job may hold without building them', () => {
    expect(parseFrames(`1-${MAX_FRAMES}`).ok).toBe(true);
    expect(parseFrames(`0-${MAX_FRAMES}`).ok).toBe(false);
    expect(parseFrames('0-99999999999').ok).toBe(false);
  });
});

describe('chunks', () => {
  it('chunks a sparse list by position, never by arithmetic on its range', () => {
    expect(chunkFrames(frames('1,5,9-12'), 2)).toEqual([
      [1, 5],
      [9, 10],
      [11, 12],
    ]);
    expect(chunkFrames(frames('1-7'), 3)).toEqual([[1, 2, 3], [4, 5, 6], [7]]);
  });

  it('lists frames as renderers that take lists want them', () => {
    expect(frameList([7, 8, 9, 12])).toBe('7..9,12');
    expect(frameList([3])).toBe('3');
    expect(frameList([1, 3, 4])).toBe('1,3..4');
  });
});

describe('placeholders', () => {
  it('fills {frame}, {start}, {end}, {frames} and padded forms', () => {
    const chunk = [7, 8, 9, 12];
    expect(
      expandCommand(['r', '+SF{start}', '+EF{end:04}', 'out_{frame:04}.png', '{frames}'], chunk, 8),
    ).toEqual(['r', '+SF7', '+EF0012', 'out_0008.png', '7..9,12']);
    expect(expandCommand(['{frame:03}'], [-5], -5)).toEqual(['-05']);
    expect(perFrame(['render', '{frame}'])).toBe(true);
    expect(perFrame(['render', '{start}-{end}'])).toBe(false);
  });

  it('refuses an unknown placeholder and leaves other braces alone when known ones are used', () => {
    expect(checkPlaceholders(['r', '{frame}', '{start:04}'])).toBeUndefined();
    expect(checkPlaceholders(['r', '{fram}'])).toMatch(/unknown placeholder \{fram\}/);
    expect(checkPlaceholders(['r', '{frame:4}'])).toMatch(/unknown placeholder/);
  });
});
