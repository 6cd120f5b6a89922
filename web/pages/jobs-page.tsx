// The jobs table: filters in the URL, sorting by the column headers, pages from the head, and
// each queued job's reason for waiting. Refetched on `jobs` events.
import { getJson } from '../api.js';
import type { JobPage } from '../api-types.js';
import {
  ariaSort,
  filtersFromQuery,
  filtersToQuery,
  type JobFilters,
  jobsApiQuery,
  type SortKey,
  toggleSort,
} from '../job-filters.js';
import { navigate } from '../navigation.js';
import { JobState } from '../parts/badges.js';
import { FilterForm } from '../parts/job-filter-form.js';
import { Loading, Problem } from '../parts/problem.js';
import { TimeView } from '../parts/time-view.js';
import { BASE, jobPath } from '../routes.js';
import { useLive } from '../use-live.js';

const COLUMNS: { key: SortKey; label: string }[] = [
  { key: 'id', label: 'Job' },
  { key: 'name', label: 'Name' },
  { key: 'owner', label: 'Owner' },
  { key: 'queue', label: 'Queue' },
  { key: 'state', label: 'State' },
  { key: 'ctime', label: 'Submitted' },
];

const go = (f: JobFilters) => navigate(`${BASE}/jobs${filtersToQuery(f)}`);

function Header({ f, col }: { f: JobFilters; col: (typeof COLUMNS)[number] }) {
  const sort = ariaSort(f, col.key);
  return (
    <th scope="col" aria-sort={sort}>
      <button type="button" class="sort" onClick={() => go(toggleSort(f, col.key))}>
        {col.label}
        <span aria-hidden="true">{sort === 'ascending' ? ' ▲' : sort === 'descending' ? ' ▼' : ''}</span>
      </button>
    </th>
  );
}

function Pager({ f, page }: { f: JobFilters; page: JobPage }) {
  const pages = Math.max(1, Math.ceil(page.total / page.per));
  const at = page.page;
  const link = (p: number) => `${BASE}/jobs${filtersToQuery({ ...f, page: p })}`;
  return (
    <nav class="pager" aria-label="Pages of jobs">
      {at > 1 ? <a href={link(at - 1)}>← Previous</a> : <span class="muted">← Previous</span>}
      <span>
        Page {at} of {pages} ({page.total} jobs)
      </span>
      {at < pages ? <a href={link(at + 1)}>Next →</a> : <span class="muted">Next →</span>}
    </nav>
  );
}

function Rows({ page }: { page: JobPage }) {
  if (page.jobs.length === 0)
    return (
      <tr>
        <td colSpan={8}>No jobs match.</td>
      </tr>
    );
  return (
    <>
      {page.jobs.map((j) => (
        <tr key={j.id}>
          <th scope="row">
            <a href={jobPath(j.id)}>{j.id}</a>
          </th>
          <td>{j.name}</td>
          <td>{j.owner}</td>
          <td>{j.queue}</td>
          <td>
            <JobState state={j.state} />
          </td>
          <td>
            <TimeView ms={j.ctime} />
          </td>
          <td>{j.node ?? ''}</td>
          <td>{j.state === 'F' ? `exit ${j.exitStatus ?? '?'}` : (j.reason ?? '')}</td>
        </tr>
      ))}
    </>
  );
}

export function JobsPage({ search }: { search: string }) {
  const f = filtersFromQuery(search);
  const query = jobsApiQuery(f);
  const live = useLive(() => getJson<JobPage>(`/v1/web/jobs${query}`), [query], ['jobs']);
  const page = live.data;
  return (
    <>
      <h1>Jobs</h1>
      <FilterForm filters={f} onApply={go} />
      {live.error && <Problem error={live.error} />}
      {!page && !live.error && <Loading />}
      {page && (
        <>
          <div class="table-wrap">
            <table class="jobs">
              <caption class="sr-only">Jobs, {page.total} in all; click a column header to sort</caption>
              <thead>
                <tr>
                  {COLUMNS.map((c) => (
                    <Header key={c.key} f={f} col={c} />
                  ))}
                  <th scope="col">Node</th>
                  <th scope="col">Waiting reason or exit</th>
                </tr>
              </thead>
              <tbody>
                <Rows page={page} />
              </tbody>
            </table>
          </div>
          <Pager f={f} page={page} />
        </>
      )}
    </>
  );
}
