// The MUNGE credential of one request to a head over TCP, bound to that request's method, path
// and body (core/protocol/request-binding.ts): what the commands and brokers send in
// `Authorization`. On head.sock no credential is needed: the kernel vouches for the caller.
import { INLINE_PAYLOAD, requestPayload, requestText } from '../core/protocol/request-binding.js';

/** The credential header of a TCP request, or why there is none (the head says if it wants one). */
export async function requestCredential(
  method: string,
  path: string,
  payload: string | undefined,
): Promise<{ headers: Record<string, string>; problem?: string }> {
  try {
    // loaded only for TCP: on the socket the kernel vouches for the caller
    const { mungeCredential } = await import('./munge-client.js');
    const text = requestText(method, path, payload ?? '');
    const sha256 = text.length > INLINE_PAYLOAD ? (await import('node:crypto')).createHash : undefined;
    const cred = await mungeCredential(requestPayload(text, (d) => sha256!('sha256').update(d).digest()));
    return { headers: { authorization: `MUNGE ${cred}` } };
  } catch (e) {
    return { headers: {}, problem: (e as Error).message };
  }
}
