// A caller's request body: kept in memory when it is small (up to `bufferLimit`), so that the call
// can be sent again; streamed once otherwise. Either way no more than `maxBody` bytes are taken.
import type { IncomingMessage } from 'node:http';

export class BodyTooLarge extends Error {}

/** Whether the request carries a body at all (by its headers). */
export function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return (length !== undefined && length !== '0') || req.headers['transfer-encoding'] !== undefined;
}

/**
 * The body in one buffer when it ends within `bufferLimit` bytes; else a stream of what was read
 * and the rest, which fails past `maxBody`.
 */
export async function readBody(
  req: IncomingMessage,
  bufferLimit: number,
  maxBody: number,
): Promise<Buffer | AsyncIterable<Buffer>> {
  const length = Number(req.headers['content-length'] ?? Number.NaN);
  if (length > maxBody) throw new BodyTooLarge(`the body is larger than ${maxBody} bytes`);
  if (length > bufferLimit) return limited([], req, maxBody);
  const chunks: Buffer[] = [];
  let size = 0;
  const it = req[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  for (let r = await it.next(); !r.done; r = await it.next()) {
    chunks.push(r.value);
    size += r.value.length;
    if (size > bufferLimit) return limited(chunks, { [Symbol.asyncIterator]: () => it }, maxBody);
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
}

async function* limited(
  first: Buffer[],
  rest: AsyncIterable<Buffer>,
  maxBody: number,
): AsyncIterable<Buffer> {
  let size = 0;
  for (const chunk of first) {
    size += chunk.length;
    yield chunk;
  }
  for await (const chunk of rest) {
    size += chunk.length;
    if (size > maxBody) throw new BodyTooLarge(`the body is larger than ${maxBody} bytes`);
    yield chunk;
  }
}
