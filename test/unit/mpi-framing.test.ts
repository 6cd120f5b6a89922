// The rank-to-rank wire format (mpi/framing.ts): every payload kind round-trips, frames survive
// any cut of the byte stream, large payloads are not copied on the way out, and a stream that is
// not this format is refused.
import { describe, expect, it } from 'vitest';
import {
  COPY_LIMIT,
  decodePayload,
  ELEMENT_TYPES,
  encodeFrame,
  FrameError,
  FrameReader,
  HEADER_BYTES,
  Kind,
  outgoing,
} from '../../mpi/framing.js';

interface Frame {
  kind: number;
  elementType: number;
  context: number;
  source: number;
  tag: number;
  payload: Uint8Array;
}

function reader(): { frames: Frame[]; r: FrameReader } {
  const frames: Frame[] = [];
  const r = new FrameReader((kind, elementType, context, source, tag, payload) =>
    frames.push({ kind, elementType, context, source, tag, payload }),
  );
  return { frames, r };
}

const roundTrip = (data: unknown) => {
  const out = outgoing(data);
  const { frames, r } = reader();
  r.push(Buffer.concat(encodeFrame(out, 7, 3, 42)));
  const f = frames[0]!;
  expect([f.context, f.source, f.tag, f.kind]).toEqual([7, 3, 42, out.kind]);
  return decodePayload(f.kind, f.elementType, f.payload);
};

describe('mpi framing', () => {
  it('round-trips every typed array kind as the same kind', () => {
    for (const Ctor of ELEMENT_TYPES) {
      const big = Ctor === BigInt64Array || Ctor === BigUint64Array;
      const a = new Ctor(5);
      for (let i = 0; i < 5; i++) a[i] = (big ? BigInt(i * 3) : i * 3) as never;
      const back = roundTrip(a) as typeof a;
      expect(back.constructor).toBe(Ctor);
      expect([...back]).toEqual([...a]);
    }
  });

  it('sends Buffers and DataViews as bytes, other values serialized', () => {
    expect(outgoing(Buffer.from('hi')).kind).toBe(Kind.bytes);
    expect(Buffer.from(roundTrip(Buffer.from('hi')) as Uint8Array).toString()).toBe('hi');
    const dv = new DataView(new Uint8Array([1, 2, 3, 4]).buffer, 1, 2);
    expect([...(roundTrip(dv) as Uint8Array)]).toEqual([2, 3]);
    const value = { a: [1, 'two', { three: 3n }], m: new Map([[1, 2]]) };
    expect(roundTrip(value)).toEqual(value);
    expect(outgoing(value).count).toBe(1);
  });

  it('writes large payloads from the caller’s memory, small ones in one buffer', () => {
    const big = new Float64Array(COPY_LIMIT);
    const frame = encodeFrame(outgoing(big), 0, 0, 0);
    expect(frame).toHaveLength(2);
    expect(frame[0]!.length).toBe(HEADER_BYTES);
    expect(frame[1]!.buffer).toBe(big.buffer);
    expect(encodeFrame(outgoing(new Float64Array(4)), 0, 0, 0)).toHaveLength(1);
  });

  it('reassembles frames from any cut of the stream, and views whole ones in place', () => {
    const parts = [new Float64Array([1.5, 2.5]), 'text', new Uint8Array(70_000).fill(9), new Int16Array(0)];
    const stream = Buffer.concat(parts.flatMap((p, i) => encodeFrame(outgoing(p), i, i, i)));
    for (const cut of [1, 7, 23, 24, 25, 1000, stream.length]) {
      const { frames, r } = reader();
      for (let at = 0; at < stream.length; at += cut) r.push(stream.subarray(at, at + cut));
      expect(frames.map((f) => f.tag)).toEqual([0, 1, 2, 3]);
      const values = frames.map((f) => decodePayload(f.kind, f.elementType, f.payload));
      expect([...(values[0] as Float64Array)]).toEqual([1.5, 2.5]);
      expect(values[1]).toBe('text');
      expect((values[2] as Uint8Array).every((x) => x === 9)).toBe(true);
      expect((values[3] as Int16Array).length).toBe(0);
    }
    const { frames, r } = reader();
    r.push(stream);
    expect(frames[2]!.payload.buffer).toBe(stream.buffer); // no copy when the frame is whole
  });

  it('assembles a payload spanning chunks in the buffer its sink gives', () => {
    const data = new Float64Array(COPY_LIMIT).map((_, i) => i);
    const stream = Buffer.concat(encodeFrame(outgoing(data), 1, 2, 3));
    const into = new Float64Array(COPY_LIMIT);
    const asked: number[][] = [];
    const frames: Uint8Array[] = [];
    const r = new FrameReader(
      (_k, _e, _c, _s, _t, payload) => frames.push(payload),
      (kind, elementType, context, source, tag, length) => {
        asked.push([kind, elementType, context, source, tag, length]);
        return new Uint8Array(into.buffer);
      },
    );
    for (let at = 0; at < stream.length; at += 65536) r.push(stream.subarray(at, at + 65536));
    expect(asked).toEqual([[Kind.typed, ELEMENT_TYPES.indexOf(Float64Array), 1, 2, 3, data.byteLength]]);
    expect(frames[0]!.buffer).toBe(into.buffer);
    expect(into[COPY_LIMIT - 1]).toBe(COPY_LIMIT - 1);
  });

  it('has the rest of a large payload read straight into its buffer, and says which payloads are views', () => {
    const data = new Float64Array(100_000).map((_, i) => i);
    const wire = Buffer.concat([
      ...encodeFrame(outgoing(data), 1, 2, 3),
      ...encodeFrame(outgoing('x'), 1, 2, 4),
    ]);
    const got: { payload: Uint8Array; transient: boolean }[] = [];
    const r = new FrameReader((_k, _e, _c, _s, _t, payload, transient) => got.push({ payload, transient }));
    const scratch = Buffer.alloc(4096);
    expect(r.next(scratch)).toBe(scratch);
    r.push(wire.subarray(0, 1000)); // the header and the payload's first bytes
    const rest = r.next(scratch);
    expect(rest).not.toBe(scratch);
    expect(rest.byteLength).toBe(data.byteLength - (1000 - HEADER_BYTES));
    const payloadEnd = HEADER_BYTES + data.byteLength;
    rest.set(wire.subarray(1000, payloadEnd)); // as a socket read would
    r.push(rest, rest.byteLength);
    expect(got.length).toBe(1);
    expect(got[0]!.transient).toBe(false);
    expect(decodePayload(Kind.typed, 8, got[0]!.payload)).toEqual(data);
    expect(r.next(scratch)).toBe(scratch);
    r.push(wire.subarray(payloadEnd));
    expect(got[1]!.transient).toBe(true);
    expect(decodePayload(Kind.value, 0, got[1]!.payload)).toBe('x');
  });

  it('copies a typed payload only when its offset is not aligned for the element type', () => {
    const frame = Buffer.concat(encodeFrame(outgoing(new Float64Array([3.25])), 0, 0, 0));
    const shifted = Buffer.alloc(frame.length + 1);
    frame.copy(shifted, 1);
    const { frames, r } = reader();
    r.push(shifted.subarray(1));
    const v = decodePayload(frames[0]!.kind, frames[0]!.elementType, frames[0]!.payload) as Float64Array;
    expect(v[0]).toBe(3.25);
    expect(v.byteOffset % 8).toBe(0);
  });

  it('refuses a stream that is not drover/mpi frames', () => {
    const { r } = reader();
    expect(() => r.push(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'))).toThrow(FrameError);
  });
});
