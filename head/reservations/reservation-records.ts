// A stored reservation as pbs_rstat shows it: PBS's state numbers, its Resource_List, resv_nodes
// in exec_vnode's form; schedselect only for operators and managers (as PBS's attribute flags).
import { RESV_STATE, type ReservationRecord } from '../../core/reservation-record.js';
import type { ResvState, StoredReservation } from '../db/reservations-table.js';
import { execVnode } from '../scheduling/run-request.js';

/** reserve_state and reserve_substate of each stored state (PBS's eval_resvState). */
const STATES: Record<ResvState, [number, number]> = {
  unconfirmed: [RESV_STATE.unconfirmed, RESV_STATE.unconfirmed],
  confirmed: [RESV_STATE.confirmed, RESV_STATE.confirmed],
  running: [RESV_STATE.running, RESV_STATE.running],
  deleting: [RESV_STATE.beingDeleted, RESV_STATE.deletingJobs],
};

export function reservationRecord(r: StoredReservation, server: string, full: boolean): ReservationRecord {
  const [state, substate] = STATES[r.state];
  const select = r.resources.list.select;
  return {
    id: r.id,
    name: r.name,
    owner: r.owner,
    state,
    substate,
    start: r.start,
    end: r.end,
    duration: r.end - r.start,
    queue: r.queue,
    resources: r.resources.list,
    ...(r.slots ? { resvNodes: execVnode(r.slots) } : {}),
    authorizedUsers: r.authUsers,
    server,
    ctime: r.ctime,
    mtime: r.mtime,
    ...(r.mail.points !== undefined ? { mailPoints: r.mail.points } : {}),
    ...(r.mail.users !== undefined ? { mailUsers: r.mail.users } : {}),
    ...(full && select !== undefined ? { schedselect: select } : {}),
  };
}
