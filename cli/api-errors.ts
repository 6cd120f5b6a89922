// What a command gets back from the head: a reply or its refusal, and the two ways a request
// fails without one (Refused: the head said no; NoServer: no head answered).
import type { ErrorCode } from '../core/errors.js';

export interface ApiError {
  statusCode: number;
  code: ErrorCode;
  message: string;
}

export type ApiReply<T> = { ok: true; body: T } | { ok: false; error: ApiError };

/** The head refused a request a command cannot go on without (runCommand prints it). */
export class Refused extends Error {
  constructor(readonly error: ApiError) {
    super(error.message);
  }
}

/** The reply's body, or a Refused for its refusal. */
export function bodyOf<T>(reply: ApiReply<T>): T {
  if (!reply.ok) throw new Refused(reply.error);
  return reply.body;
}

/** The head could not be reached at all (or went away twice under the same request). */
export class NoServer extends Error {
  constructor(
    readonly server: string,
    readonly errno: number,
    message = `cannot connect to server ${server} (errno=${errno})`,
  ) {
    super(message);
  }
}

const ERRNO: Record<string, number> = {
  ECONNREFUSED: 111,
  ENOENT: 2,
  EACCES: 13,
  ETIMEDOUT: 110,
  EHOSTUNREACH: 113,
  ECONNRESET: 104,
  EPIPE: 32,
  EPROTO: 71,
};

/** The errno a command reports for a socket error. */
export function errnoOf(e: unknown): number {
  return ERRNO[(e as NodeJS.ErrnoException).code ?? ''] ?? 111;
}
