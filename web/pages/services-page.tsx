// Services (their instances and the load each broker reports) and the brokers heard from lately.
import type { BrokerStatus, ServiceStatus } from '../../core/service/service-status.js';
import { getJson } from '../api.js';
import { JobState } from '../parts/badges.js';
import { Loading, Problem } from '../parts/problem.js';
import { TimeView } from '../parts/time-view.js';
import { jobPath } from '../routes.js';
import { useLive } from '../use-live.js';

interface Data {
  services: ServiceStatus[];
  brokers: BrokerStatus[];
}

async function load(): Promise<Data> {
  const [s, b] = await Promise.all([
    getJson<{ services: ServiceStatus[] }>('/v1/services'),
    getJson<{ brokers: BrokerStatus[] }>('/v1/brokers'),
  ]);
  return { services: s.services, brokers: b.brokers };
}

function Service({ s }: { s: ServiceStatus }) {
  return (
    <section class="card wide" aria-labelledby={`svc-${s.name}`}>
      <h2 id={`svc-${s.name}`}>{s.name}</h2>
      <p>
        {s.state}, {s.up} of {s.wanted} instances up{s.scale && ` (scales ${s.scale.min}–${s.scale.max})`},
        policy {s.policy}, owner {s.owner}
      </p>
      <div class="table-wrap">
        <table>
          <caption>Instances</caption>
          <thead>
            <tr>
              <th scope="col">Instance</th>
              <th scope="col">Job</th>
              <th scope="col">State</th>
              <th scope="col">Node</th>
              <th scope="col">Address</th>
            </tr>
          </thead>
          <tbody>
            {s.instances.map((i) => (
              <tr key={i.id}>
                <th scope="row">{i.id}</th>
                <td>
                  <a href={jobPath(i.jobId)}>{i.jobId}</a>
                </td>
                <td>
                  <JobState state={i.state} />
                </td>
                <td>{i.node ?? '—'}</td>
                <td>{i.address ?? 'not answering'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {s.brokers.length > 0 && (
        <div class="table-wrap">
          <table>
            <caption>Load at each broker</caption>
            <thead>
              <tr>
                <th scope="col">Broker</th>
                <th scope="col">In flight</th>
                <th scope="col">Queued</th>
                <th scope="col">Served</th>
                <th scope="col">Failed</th>
                <th scope="col">Latency p50 / p90 / p99</th>
              </tr>
            </thead>
            <tbody>
              {s.brokers.map((b) => (
                <tr key={b.broker}>
                  <th scope="row">{b.broker}</th>
                  <td class="num">{b.inFlight}</td>
                  <td class="num">{b.queued}</td>
                  <td class="num">{b.served}</td>
                  <td class="num">{b.failed}</td>
                  <td class="num">
                    {b.latencyMs.p50} / {b.latencyMs.p90} / {b.latencyMs.p99} ms
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function Brokers({ brokers }: { brokers: BrokerStatus[] }) {
  if (brokers.length === 0) return <p class="muted">No broker has reported lately.</p>;
  return (
    <div class="table-wrap">
      <table aria-labelledby="brokers">
        <thead>
          <tr>
            <th scope="col">Broker</th>
            <th scope="col">Listens on</th>
            <th scope="col">Zone</th>
            <th scope="col">Services</th>
            <th scope="col">Last report</th>
          </tr>
        </thead>
        <tbody>
          {brokers.map((b) => (
            <tr key={b.name}>
              <th scope="row">{b.name}</th>
              <td>{b.listen}</td>
              <td>{b.zone ?? '—'}</td>
              <td>{Object.keys(b.services).join(', ') || '—'}</td>
              <td>
                <TimeView ms={b.at} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function ServicesPage() {
  const live = useLive(load, [], ['services', 'jobs']);
  const d = live.data;
  return (
    <>
      <h1>Services</h1>
      {live.error && <Problem error={live.error} />}
      {!d && !live.error && <Loading />}
      {d && d.services.length === 0 && (
        <p>
          No services. Start one with <code>drover service start</code>.
        </p>
      )}
      {d?.services.map((s) => (
        <Service key={s.name} s={s} />
      ))}
      {d && (
        <section aria-labelledby="brokers">
          <h2 id="brokers">Brokers</h2>
          <Brokers brokers={d.brokers} />
        </section>
      )}
    </>
  );
}
