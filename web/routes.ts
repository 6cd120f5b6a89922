// The web view's pages by URL path, and the paths of jobs and farms. Pure.
//
// The head serves index.html for `/web/` paths without a dot, so a job or a farm is named in the
// path by its short id (`12`, `12[3]`, `12[]`): `12.head1` would look like a file.

export type Route =
  | { page: 'overview' }
  | { page: 'jobs'; search: string }
  | { page: 'job'; id: string }
  | { page: 'nodes' }
  | { page: 'farms' }
  | { page: 'farm'; id: string }
  | { page: 'services' }
  | { page: 'ha' }
  | { page: 'missing'; path: string };

export const BASE = '/web';

export function parseRoute(pathname: string, search: string): Route {
  const rest = pathname.startsWith(`${BASE}/`)
    ? pathname.slice(BASE.length + 1)
    : pathname.replace(/^\//, '');
  const parts = rest.split('/').filter((p) => p !== '');
  const [first, second, ...more] = parts;
  if (more.length > 0) return { page: 'missing', path: pathname };
  const id = second === undefined ? undefined : safeDecode(second);
  if (first === undefined) return { page: 'overview' };
  if (first === 'jobs') return id === undefined ? { page: 'jobs', search } : { page: 'job', id };
  if (first === 'farms') return id === undefined ? { page: 'farms' } : { page: 'farm', id };
  if (id === undefined && (first === 'nodes' || first === 'services' || first === 'ha'))
    return { page: first };
  return { page: 'missing', path: pathname };
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** `12.head1` → `12`, `12[3].head1` → `12[3]`. */
export function shortId(id: string): string {
  const dot = id.indexOf('.');
  return dot > 0 ? id.slice(0, dot) : id;
}

export function jobPath(id: string): string {
  return `${BASE}/jobs/${encodeURIComponent(shortId(id))}`;
}

export function farmPath(id: string): string {
  return `${BASE}/farms/${encodeURIComponent(shortId(id))}`;
}

/** The page's name, for the document title and the navigation's current page. */
export function routeTitle(r: Route): string {
  switch (r.page) {
    case 'overview':
      return 'Overview';
    case 'jobs':
      return 'Jobs';
    case 'job':
      return `Job ${r.id}`;
    case 'nodes':
      return 'Nodes';
    case 'farms':
      return 'Render farms';
    case 'farm':
      return `Farm ${r.id}`;
    case 'services':
      return 'Services';
    case 'ha':
      return 'Head pair';
    case 'missing':
      return 'Not found';
  }
}
