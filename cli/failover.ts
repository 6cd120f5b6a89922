// One request to whichever head answers as the primary. The heads are tried in order (cli/head-list.ts),
// starting with the one that answered last in this process: a head that cannot be reached, or
// that answers NOT_PRIMARY (its hint of the primary is tried next), passes to the next. When a
// head goes away with the request (the connection closes with no reply), or only standbys
// answer, the command waits for a primary, passing over the list again with a growing pause for
// up to FAILOVER_WAIT_MS (a takeover's time), and sends the request once more; its request id is
// the same, so a submission the dead head had stored is answered with its job, not made twice.
import { hostname } from 'node:os';
import { REQUEST_ID_HEADER } from '../core/protocol/request-id.js';
import { requestCredential } from '../platform/request-credential.js';
import { type ApiError, type ApiReply, errnoOf, NoServer, Refused } from './api-errors.js';
import { backoffMs, FAILOVER_WAIT_MS, type Head, HeadWalk, headAfter } from './head-list.js';
import { type ExchangeError, exchange, type Reply } from './http1.js';

export interface Request {
  method: string;
  path: string;
  payload: string | undefined;
  /** sent with every POST, the same on a retry */
  requestId: string | undefined;
  /** with several heads: a head silent this long after the connection opened is passed over */
  replyTimeoutMs?: number;
}

/** How long a head (one of several) may keep a command waiting for its reply: a head that was
 * paused (SIGSTOP, a hung machine) still accepts connections. DROVER_REPLY_TIMEOUT (seconds). */
export function replyTimeoutMs(): number {
  const s = Number(process.env.DROVER_REPLY_TIMEOUT);
  return Number.isFinite(s) && s > 0 ? s * 1000 : 10_000;
}

/** What one head did with a request. */
type Outcome =
  | { kind: 'reply'; reply: ApiReply<unknown> }
  | { kind: 'standby'; primary?: string | undefined }
  | { kind: 'down'; errno: number }
  | { kind: 'lost'; errno: number };

/** What one pass over the heads came to. */
type Pass =
  | { kind: 'reply'; reply: ApiReply<unknown> }
  | { kind: 'lost'; head: string; errno: number }
  | { kind: 'none'; standby: boolean; errno: number };

/** The head that answered last in this process: the first to ask next time. */
let lastAnswered: string | undefined;

function parsed(reply: Reply): ApiReply<unknown> {
  const text = reply.body.toString('utf8');
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = { statusCode: reply.status, code: 'INTERNAL', message: text };
  }
  return reply.status < 400 ? { ok: true, body } : { ok: false, error: body as ApiError };
}

/** Send the request to one head. */
async function sendTo(head: Head, req: Request): Promise<Outcome> {
  // over TCP the credential is made while the connection opens (DROVER_AUTH=none: a head of
  // one's own started with --auth none wants none); a new one for every head (each is used once)
  const mungeless = 'socketPath' in head || process.env.DROVER_AUTH === 'none';
  const auth = mungeless ? undefined : requestCredential(req.method, req.path, req.payload);
  const id: Record<string, string> = req.requestId ? { [REQUEST_ID_HEADER]: req.requestId } : {};
  const headers = auth ? auth.then((a) => ({ ...a.headers, ...id })) : id;
  let reply: ApiReply<unknown>;
  try {
    reply = parsed(await exchange(head, req.method, req.path, headers, req.payload, req.replyTimeoutMs));
  } catch (e) {
    const errno = errnoOf(e);
    return (e as ExchangeError).connected ? { kind: 'lost', errno } : { kind: 'down', errno };
  }
  if (!reply.ok && reply.error.code === 'NOT_PRIMARY')
    return { kind: 'standby', primary: (reply.error as { primary?: string }).primary };
  // a head that wanted a credential we could not make: say why we had none
  const problem = (await auth)?.problem;
  if (!reply.ok && reply.error.code === 'BAD_CREDENTIAL' && problem) reply.error.message += ` (${problem})`;
  return { kind: 'reply', reply };
}

/** One head's answer to a request, without moving to another (`drover ha status` asks each):
 * its reply, or the errno it could not be reached with. */
export async function askOneHead(head: Head, req: Request): Promise<ApiReply<unknown> | { errno: number }> {
  const o = await sendTo(head, { ...req });
  if (o.kind === 'reply') return o.reply;
  if (o.kind === 'standby')
    return { ok: false, error: { statusCode: 503, code: 'NOT_PRIMARY', message: 'not primary' } };
  return { errno: o.errno };
}

/** Try the heads once each, from `first`, following hints; stop at a reply or a lost request. */
async function pass(heads: Head[], req: Request, first: string | undefined): Promise<Pass> {
  const walk = new HeadWalk(heads, first);
  let standby = false;
  let errno: number | undefined;
  for (let head = walk.next(); head; head = walk.next()) {
    const o = await sendTo(head, req);
    if (o.kind === 'reply') {
      lastAnswered = head.key;
      return o;
    }
    if (o.kind === 'lost') return { kind: 'lost', head: head.key, errno: o.errno };
    if (o.kind === 'standby') {
      standby = true;
      walk.follow(o.primary);
    } else errno ??= o.errno;
  }
  return { kind: 'none', standby, errno: errno ?? 111 };
}

/** The name NoServer gives a head: its host over TCP, this host for a socket. */
function serverName(head: Head | undefined): string {
  return head && 'host' in head ? head.host : hostname().split('.')[0]!;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The request's reply from the primary; NoServer or NOT_PRIMARY (Refused) when none answers. */
export async function askHeads(heads: Head[], asked: Request): Promise<ApiReply<unknown>> {
  const req = heads.length > 1 ? { ...asked, replyTimeoutMs: replyTimeoutMs() } : asked;
  let r = await pass(heads, req, lastAnswered);
  if (r.kind === 'reply') return r.reply;
  if (r.kind === 'none' && !r.standby) throw new NoServer(serverName(heads[0]), r.errno);
  // a head went away with the request, or only standbys answered: wait for a primary
  let lost = r.kind === 'lost';
  let from = r.kind === 'lost' ? headAfter(heads, r.head) : undefined;
  const deadline = Date.now() + FAILOVER_WAIT_MS;
  for (let n = 1; Date.now() < deadline; n++) {
    await sleep(Math.min(backoffMs(n), Math.max(0, deadline - Date.now())));
    r = await pass(heads, req, from ?? lastAnswered);
    if (r.kind === 'reply') return r.reply;
    if (r.kind === 'lost') {
      // the request is sent again once; a second head going away with it ends the command
      const { head, errno } = r;
      const name = serverName(heads.find((h) => h.key === head));
      if (lost)
        throw new NoServer(
          name,
          errno,
          `connection to server ${name} closed before it answered (errno=${errno})`,
        );
      lost = true;
      from = headAfter(heads, head);
    }
  }
  if (r.kind === 'none' && r.standby)
    throw new Refused({
      statusCode: 503,
      code: 'NOT_PRIMARY',
      message: `no head answers as the primary (tried ${heads.map((h) => h.key).join(', ')} for ${FAILOVER_WAIT_MS / 1000} s)`,
    });
  throw new NoServer(serverName(heads[0]), r.errno);
}
