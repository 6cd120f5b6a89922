// The request id of a change: a random UUID a command sends with every POST, in a header of its
// own, and sends again unchanged when it retries the request against another head. The head
// remembers the ids of submissions with the job each made (head/db/requests-table.ts).
// A header, not a body field: it goes with every POST without touching each route's schema, and
// the head can read it before it parses the body.

/** The header, as node:http names it (lower case). */
export const REQUEST_ID_HEADER = 'x-drover-request';

/** What the head accepts as a request id: a UUID or any other short token of the same letters. */
const REQUEST_ID = /^[A-Za-z0-9-]{8,64}$/;

/** The request id of these headers: none, a valid one, or `false` for one the head refuses. */
export function requestIdOf(value: string | string[] | undefined): string | undefined | false {
  if (value === undefined) return undefined;
  return typeof value === 'string' && REQUEST_ID.test(value) ? value : false;
}
