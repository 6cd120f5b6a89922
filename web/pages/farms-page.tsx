// The render farms this viewer may see: state, progress, frames done.
import type { FarmStatus } from '../../core/farm/farm-status.js';
import { getJson } from '../api.js';
import { formatDuration } from '../display-format.js';
import { FarmStateBadge } from '../parts/badges.js';
import { Loading, Problem } from '../parts/problem.js';
import { farmPath } from '../routes.js';
import { useLive } from '../use-live.js';

export function frameCount(f: FarmStatus): number {
  return f.counts.done + f.counts.running + f.counts.queued + f.counts.failed;
}

export function FarmsPage() {
  const live = useLive(() => getJson<{ farms: FarmStatus[] }>('/v1/farms'), [], ['farms']);
  const farms = live.data?.farms;
  return (
    <>
      <h1>Render farms</h1>
      {live.error && <Problem error={live.error} />}
      {!farms && !live.error && <Loading />}
      {farms && farms.length === 0 && (
        <p>
          No render farms. Start one with <code>render-farm submit</code>.
        </p>
      )}
      {farms && farms.length > 0 && (
        <div class="table-wrap">
          <table>
            <caption class="sr-only">Render farms</caption>
            <thead>
              <tr>
                <th scope="col">Farm</th>
                <th scope="col">Name</th>
                <th scope="col">Owner</th>
                <th scope="col">State</th>
                <th scope="col">Frames done</th>
                <th scope="col">Progress</th>
                <th scope="col">ETA</th>
              </tr>
            </thead>
            <tbody>
              {farms.map((f) => (
                <tr key={f.id}>
                  <th scope="row">
                    <a href={farmPath(f.id)}>{f.id}</a>
                  </th>
                  <td>{f.name}</td>
                  <td>{f.owner}</td>
                  <td>
                    <FarmStateBadge state={f.state} />
                  </td>
                  <td class="num">
                    {f.counts.done} / {frameCount(f)}
                  </td>
                  <td>
                    <progress max={100} value={f.percent} aria-label={`${f.id} progress`} />{' '}
                    {f.percent.toFixed(1)} %
                  </td>
                  <td>{f.eta !== undefined ? formatDuration(f.eta) : '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
