// Requests from a broker to its head: over head.sock (the kernel tells the head who connects), or
// over TCP with a MUNGE credential made for each request (platform/request-credential.ts).
import { type IncomingMessage, request } from 'node:http';
import { requestCredential } from '../platform/request-credential.js';

export type HeadAddress = { socketPath: string } | { host: string; port: number };

/** `HOST:PORT` (or `[v6]:PORT`) as an address. */
export function parseHostPort(text: string): { host: string; port: number } {
  const m = /^\[?([^\]]*?)\]?:(\d+)$/.exec(text);
  const port = Number(m?.[2]);
  if (!m || !m[1] || !(port >= 0 && port < 65536)) throw new Error(`not HOST:PORT: ${text}`);
  return { host: m[1], port };
}

/** One request to the head; resolves with its response (its body not read yet). */
export async function headRequest(
  head: HeadAddress,
  method: 'GET' | 'POST',
  path: string,
  body?: string,
  timeoutMs = 10_000,
): Promise<IncomingMessage> {
  const headers: Record<string, string | number> = {};
  if (body !== undefined) {
    headers['content-type'] = 'application/json';
    headers['content-length'] = Buffer.byteLength(body);
  }
  if ('host' in head) Object.assign(headers, (await requestCredential(method, path, body)).headers);
  return new Promise((resolve, reject) => {
    const req = request({ ...head, method, path, headers, agent: false }, resolve);
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`the head did not answer within ${timeoutMs} ms`)));
    req.once('error', reject);
    req.end(body);
  });
}

/** The whole body of a response, as text (bounded: the head's answers are small). */
export async function readText(res: IncomingMessage, limit = 1 << 20): Promise<string> {
  let text = '';
  res.setEncoding('utf8');
  for await (const chunk of res) {
    text += chunk;
    if (text.length > limit) {
      res.destroy();
      break;
    }
  }
  return text;
}
