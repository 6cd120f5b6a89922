// A response that stays open and carries what the head pushes (the brokers' watch of services,
// the web view's server-sent events): written as it comes, a ping now and then so that a dead
// peer is noticed, cut off when its reader leaves too much unread, ended when the head closes.
import type { FastifyInstance, FastifyReply } from 'fastify';

export interface PushStream {
  /** the response's content type */
  type: string;
  /** written first (a snapshot, a greeting) */
  first: string;
  /** starts the stream's source: it writes through `write`; returns how to stop it */
  subscribe(write: (chunk: string) => void): () => void;
  ping: string;
  pingMs: number;
  /** bytes left unread after which the stream is cut (its client reconnects) */
  backlog: number;
}

/** The set of open streams of an app, each ended when the app closes (else close would wait). */
export function openStreams(app: FastifyInstance): Set<() => void> {
  const open = new Set<() => void>();
  app.addHook('preClose', async () => {
    for (const close of open) close();
  });
  return open;
}

export function pushStream(reply: FastifyReply, open: Set<() => void>, s: PushStream): void {
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, { 'content-type': s.type, 'cache-control': 'no-store', 'x-accel-buffering': 'no' });
  const write = (chunk: string) => {
    if (res.writableLength > s.backlog) res.destroy();
    else res.write(chunk);
  };
  write(s.first);
  const unsubscribe = s.subscribe(write);
  const ping = setInterval(() => write(s.ping), s.pingMs);
  const close = () => res.end();
  const gone = () => {
    clearInterval(ping);
    unsubscribe();
    open.delete(close);
  };
  open.add(close);
  res.on('close', gone);
  res.on('error', gone);
}
