// The head pair: this head's role, the other head, the standby's lag. A head without a standby
// has no HA routes (404): the page says so instead of an error.
import type { HaStatus } from '../../core/protocol/ha-status.js';
import { ApiError, getJson } from '../api.js';
import { Loading, Problem } from '../parts/problem.js';
import { useLive } from '../use-live.js';

async function load(): Promise<HaStatus | null> {
  try {
    return await getJson<HaStatus>('/v1/ha/status');
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) return null;
    throw e;
  }
}

const ms = (v: number | null) => (v === null ? 'never' : `${v} ms ago`);

function Pair({ s }: { s: HaStatus }) {
  const rows: [string, string][] = [
    ['This head', `${s.me} (${s.role})`],
    ['Primary', s.primary ?? 'unknown'],
    ['Primary API', s.primaryApi ?? '—'],
    ['Epoch', String(s.epoch)],
    ['Quorum', s.quorum ? 'yes' : 'no'],
    ['Synchronous', s.sync ? 'yes' : 'no'],
    ['Last heartbeat', ms(s.lastHeartbeatMs)],
    ['Witness lease', ms(s.witnessMs)],
  ];
  if (s.standby)
    rows.push(
      ['Standby', `${s.standby.from} (${s.standby.connected ? 'connected' : 'not connected'})`],
      ['Standby lag', `${s.standby.lag} batches${s.standby.inSync ? ', in sync' : ''}`],
    );
  return (
    <div class="table-wrap">
      <table class="attributes">
        <caption class="sr-only">The head pair</caption>
        <tbody>
          {rows.map(([k, v]) => (
            <tr key={k}>
              <th scope="row">{k}</th>
              <td>{v}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function HaPage() {
  const live = useLive(load, [], ['ha']);
  return (
    <>
      <h1>Head pair</h1>
      {live.error && <Problem error={live.error} />}
      {live.data === undefined && !live.error && <Loading />}
      {live.data === null && <p>This head runs alone: it has no standby.</p>}
      {live.data && <Pair s={live.data} />}
    </>
  );
}
