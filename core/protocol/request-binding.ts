// What a request's MUNGE credential is bound to (its payload): the request's own text
// (`METHOD PATH\n` and the body) when it is small, as nearly every request is, else the text's
// SHA-256 behind a `sha256:` tag. A command then loads no hashing code on its usual path (loading
// node:crypto costs it ~1.5 ms), and a credential can never serve another request.
export const INLINE_PAYLOAD = 64 * 1024;

const TAG = Buffer.from('sha256:');

export function requestText(method: string, path: string, body: Buffer | string): Buffer {
  return Buffer.concat([Buffer.from(`${method.toUpperCase()} ${path}\n`), Buffer.from(body)]);
}

/** The payload of `text`; `sha256` is asked for only when the text is too long to carry. */
export function requestPayload(text: Buffer, sha256: (data: Buffer) => Buffer): Buffer {
  return text.length <= INLINE_PAYLOAD ? text : Buffer.concat([TAG, sha256(text)]);
}
