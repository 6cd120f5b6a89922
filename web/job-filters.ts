// The jobs table's filters, sort and page as the page URL's query (`/web/jobs?user=alice&state=Q`,
// so that a link can be pasted) and as the query of `GET /v1/web/jobs`. Pure.

export const SORT_KEYS = ['id', 'name', 'owner', 'queue', 'state', 'ctime'] as const;
export type SortKey = (typeof SORT_KEYS)[number];

export interface JobFilters {
  user?: string;
  /** PBS state letters, one or several (`QH`) */
  state?: string;
  queue?: string;
  /** a substring of the name */
  name?: string;
  /** an array's id (`12[]`): its subjobs */
  array?: string;
  sort?: SortKey;
  dir?: 'asc' | 'desc';
  /** from 1 */
  page?: number;
}

const TEXT_KEYS = ['user', 'state', 'queue', 'name', 'array'] as const;
export const PER_PAGE = 50;

/** The filters a query string (`?user=alice&page=2`) names; anything malformed is left out. */
export function filtersFromQuery(search: string): JobFilters {
  const q = new URLSearchParams(search);
  const f: JobFilters = {};
  for (const k of TEXT_KEYS) {
    const v = q.get(k)?.trim();
    if (v) f[k] = k === 'state' ? v.toUpperCase().replace(/[^A-Z]/g, '') || undefined : v;
    if (f[k] === undefined) delete f[k];
  }
  const sort = q.get('sort');
  if (sort && (SORT_KEYS as readonly string[]).includes(sort)) f.sort = sort as SortKey;
  const dir = q.get('dir');
  if (dir === 'asc' || dir === 'desc') f.dir = dir;
  const page = Number(q.get('page'));
  if (Number.isInteger(page) && page > 1) f.page = page;
  return f;
}

/** The query string of the filters, in a fixed order, `''` for none. */
export function filtersToQuery(f: JobFilters): string {
  const q = new URLSearchParams();
  for (const k of TEXT_KEYS) if (f[k]) q.set(k, f[k]!);
  if (f.sort) q.set('sort', f.sort);
  if (f.dir) q.set('dir', f.dir);
  if (f.page && f.page > 1) q.set('page', String(f.page));
  const s = q.toString();
  return s ? `?${s}` : '';
}

/** The query of `GET /v1/web/jobs` for these filters. */
export function jobsApiQuery(f: JobFilters): string {
  const q = new URLSearchParams(filtersToQuery(f));
  q.set('per', String(PER_PAGE));
  return `?${q.toString()}`;
}

/** Clicking a column header: the same column flips its direction, another sorts ascending; page 1. */
export function toggleSort(f: JobFilters, key: SortKey): JobFilters {
  const dir = f.sort === key && (f.dir ?? 'asc') === 'asc' ? 'desc' : 'asc';
  const { page: _page, ...rest } = f;
  return { ...rest, sort: key, dir };
}

/** `aria-sort` of a column header. */
export function ariaSort(f: JobFilters, key: SortKey): 'ascending' | 'descending' | 'none' {
  if (f.sort !== key) return 'none';
  return f.dir === 'desc' ? 'descending' : 'ascending';
}
