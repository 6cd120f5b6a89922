// Which calls a broker may send to another instance after a failure. A call that never left the
// broker (the connection to the instance was refused or never opened) may always go elsewhere;
// one that may have reached the instance only when it is idempotent: by its method, or because
// the caller says so (an `Idempotency-Key` header, or `X-Drover-Idempotent: 1`).

const IDEMPOTENT_METHODS = new Set(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS']);

export function idempotent(
  method: string,
  idempotencyKey: boolean,
  droverIdempotent: string | undefined,
): boolean {
  return IDEMPOTENT_METHODS.has(method) || idempotencyKey || droverIdempotent === '1';
}

/** Errors raised before any byte of the request was written: opening the connection failed. */
const NEVER_SENT = new Set([
  'ECONNREFUSED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_CONNECT_TIMEOUT',
]);

export function neverSent(code: string | undefined): boolean {
  return code !== undefined && NEVER_SENT.has(code);
}

export type Outcome =
  /** an answer below 500: the call is done */
  | 'answered'
  /** a 5xx answer */
  | 'server-error'
  /** the connection failed before the request was sent */
  | 'not-sent'
  /** the connection failed after the request may have reached the instance */
  | 'lost'
  /** the call ended for a reason that is not the instance's: its caller went away, or the
   * request could not be sent as it was */
  | 'dropped';

/** Whether a call with this outcome may be sent again (its body kept, budget left). */
export function mayRetry(outcome: Outcome, isIdempotent: boolean, replayable: boolean): boolean {
  if (outcome === 'answered' || outcome === 'dropped' || !replayable) return false;
  return outcome === 'not-sent' || isIdempotent;
}
