// Reservation identifiers: `R<seq>.<server>` (the sequence number shared with jobs), whose queue
// is `R<seq>`, and the ids users type for them (`R12`, `R12.server`).

export const resvId = (seq: number, server: string) => `R${seq}.${server}`;

/** The queue of reservation `seq`: its id without the server. */
export const resvQueue = (seq: number) => `R${seq}`;

/** The sequence number of a reservation id as typed (`R12`, `R12.server`), if it is one. */
export function resvSeq(operand: string): number | undefined {
  const m = /^R(\d{1,12})(\.[A-Za-z0-9_.-]+)?$/.exec(operand.trim());
  return m ? Number(m[1]) : undefined;
}
