// Thumbnails of finished frames, the pure parts: what an image's header says (PNG, JPEG), which
// thumbnails the head keeps, ffmpeg's arguments, and which frames of a task the agent thumbnails
// when (a new frame finishes the one before it, a clean exit the rest), with the image maker given.
import { describe, expect, it } from 'vitest';
import { FrameThumbnails, thumbnailArgs } from '../../compute-agent/frame-thumbnails.js';
import { imageInfo, THUMBNAIL_WIDTH, thumbnailProblem } from '../../core/farm/thumbnail.js';
import type { AgentMessage, RunRequest } from '../../core/protocol/agent-protocol.js';
import { MAX_THUMBNAIL_BYTES } from '../../core/protocol/agent-protocol.js';
import type { Account } from '../../native/native.js';

const u32 = (n: number) => [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];

/** The first bytes of a PNG: signature and IHDR. */
const png = (w: number, h: number) =>
  Uint8Array.from([
    ...[0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a],
    ...u32(13),
    ...Buffer.from('IHDR'),
    ...u32(w),
    ...u32(h),
    8,
    2,
    0,
    0,
    0,
  ]);

/** A JPEG's start: SOI, an APP0 and a DQT segment, a fill byte, then a baseline SOF0 with the size. */
const jpeg = (w: number, h: number, sof = 0xc0) =>
  Uint8Array.from([
    0xff,
    0xd8,
    ...[0xff, 0xe0, 0, 6, 0x4a, 0x46, 0x49, 0x46],
    ...[0xff, 0xdb, 0, 3, 0],
    0xff,
    ...[0xff, sof, 0, 11, 8, h >> 8, h & 255, w >> 8, w & 255, 1, 1, 0x11, 0],
  ]);

describe('image headers', () => {
  it('reads the type and size of a PNG and of a JPEG (baseline and progressive)', () => {
    expect(imageInfo(png(160, 120))).toEqual({ type: 'image/png', width: 160, height: 120 });
    expect(imageInfo(jpeg(32, 24))).toEqual({ type: 'image/jpeg', width: 32, height: 24 });
    expect(imageInfo(jpeg(640, 480, 0xc2))).toEqual({ type: 'image/jpeg', width: 640, height: 480 });
  });

  it('is not fooled by what is not one: text, a cut header, a DHT before the frame, zero size', () => {
    expect(imageInfo(Buffer.from('garbage\n'))).toBeUndefined();
    expect(imageInfo(png(160, 120).subarray(0, 20))).toBeUndefined();
    expect(imageInfo(jpeg(32, 24).subarray(0, 20))).toBeUndefined();
    expect(imageInfo(Uint8Array.from([0xff, 0xd8, 0xff, 0xc4, 0, 2, 0xff, 0xd9]))).toBeUndefined();
    expect(imageInfo(png(0, 10))).toBeUndefined();
  });

  it('keeps a PNG or JPEG up to the size limit and THUMBNAIL_WIDTH pixels wide', () => {
    expect(thumbnailProblem(jpeg(THUMBNAIL_WIDTH, 90), MAX_THUMBNAIL_BYTES)).toBeUndefined();
    expect(thumbnailProblem(png(161, 90), MAX_THUMBNAIL_BYTES)).toMatch(/161 pixels wide/);
    expect(thumbnailProblem(Buffer.alloc(MAX_THUMBNAIL_BYTES + 1), MAX_THUMBNAIL_BYTES)).toMatch(
      /more than 65536/,
    );
    expect(thumbnailProblem(Buffer.from('<svg/>'), MAX_THUMBNAIL_BYTES)).toBe('not a PNG or JPEG image');
  });
});

describe('ffmpeg arguments', () => {
  it('read one file through file: without patterns and scale it down to THUMBNAIL_WIDTH, never up', () => {
    const args = thumbnailArgs('/w/amb%02d.png');
    expect(args.slice(args.indexOf('-i'), args.indexOf('-i') + 2)).toEqual(['-i', 'file:/w/amb%02d.png']);
    expect(args).toContain('-nostdin');
    expect(args.join(' ')).toContain('-pattern_type none');
    expect(args).toContain(`scale='min(${THUMBNAIL_WIDTH},iw)':-1`);
    expect(args.at(-1)).toBe('pipe:1');
  });
});

describe('which frames the agent thumbnails', () => {
  const account = { name: 'alice', uid: 1000, gid: 1000 } as Account;
  const request = (frames: number[]) =>
    ({
      jobId: '5[2].h',
      attempt: 3,
      env: [['PBS_O_WORKDIR', '/home/alice/shot']],
      progress: { frames },
    }) as unknown as RunRequest;

  function follow(
    frames: number[],
    image = (path: string) => Buffer.from(jpeg(32, 24)).fill(path.length, 30),
  ) {
    const made: string[] = [];
    const sent: AgentMessage[] = [];
    const warned: string[] = [];
    const t = new FrameThumbnails(
      async (who, path) => {
        expect(who).toBe(account);
        made.push(path);
        if (path.includes('unreadable')) throw new Error('No such file or directory');
        return image(path);
      },
      (m) => sent.push(m),
      (w) => warned.push(w),
    );
    t.start(request(frames), account);
    return { t, made, sent, warned };
  }

  it('a frame when the next one starts, the last ones at a clean exit; paths from the work directory', async () => {
    const { t, made, sent } = follow([7, 8, 9]);
    t.progress('5[2].h', 3, [
      { k: 'frameOf', n: 1, of: 3 },
      { k: 'output', path: 'f07.png' },
    ]);
    expect(made).toEqual([]); // frame 7 is still being rendered
    t.progress('5[2].h', 3, [
      { k: 'frameOf', n: 2, of: 3 },
      { k: 'output', path: '/abs/f08.png' },
      { k: 'frameOf', n: 3, of: 3 },
      { k: 'output', path: 'f09.png' },
    ]);
    await t.settled('5[2].h');
    expect(made).toEqual(['/home/alice/shot/f07.png', '/abs/f08.png']);
    t.ended('5[2].h', 0);
    await t.settled('5[2].h');
    expect(made.at(-1)).toBe('/home/alice/shot/f09.png');
    expect(sent.map((m) => m.t === 'thumbnail' && [m.frame, m.attempt])).toEqual([
      [7, 3],
      [8, 3],
      [9, 3],
    ]);
    expect(t.settled('5[2].h')).toBeUndefined(); // forgotten once sent
  });

  it('none for a frame the failed exit left unfinished, one the renderer named no file for, or another attempt', async () => {
    const { t, made } = follow([1, 2, 3]);
    t.progress('5[2].h', 2, [{ k: 'frame', frame: 2 }]); // an earlier attempt's late output
    t.progress('5[2].h', 3, [
      { k: 'frame', frame: 1 },
      { k: 'frame', frame: 2 },
      { k: 'output', path: 'b.png' },
    ]);
    t.ended('5[2].h', 1);
    await t.settled('5[2].h');
    expect(made).toEqual([]);
  });

  it('an unreadable image or one too large is logged, not sent', async () => {
    const big = () => Buffer.concat([Buffer.from(jpeg(32, 24)), Buffer.alloc(MAX_THUMBNAIL_BYTES)]);
    const { t, sent, warned } = follow([1, 2], (path) => (path.endsWith('2.png') ? big() : Buffer.alloc(0)));
    t.progress('5[2].h', 3, [
      { k: 'frame', frame: 1 },
      { k: 'output', path: 'unreadable1.png' },
      { k: 'frame', frame: 2 },
      { k: 'output', path: '2.png' },
    ]);
    t.ended('5[2].h', 0);
    await t.settled('5[2].h');
    expect(sent).toEqual([]);
    expect(warned).toEqual([
      'no thumbnail of frame 1 of 5[2].h (/home/alice/shot/unreadable1.png): No such file or directory',
      expect.stringMatching(/^no thumbnail of frame 2 of 5\[2\]\.h .*: 65565 bytes, more than 65536$/),
    ]);
  });

  it('ignores jobs that are not render tasks', () => {
    const { t } = follow([]);
    expect(t.settled('5[2].h')).toBeUndefined();
  });
});
