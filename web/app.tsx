// The frame of every page: the session (or the page that says to log in), the skip link, the
// navigation, the "reconnecting" banner, and the page the URL names.
import { useEffect, useState } from 'preact/hooks';
import { type ApiError, getJson, setCsrf, whenUnauthorized } from './api.js';
import type { Session } from './api-types.js';
import { type Connection, connectEvents, disconnectEvents, onConnection } from './live-events.js';
import { focusHeading, usePlace } from './navigation.js';
import { Page } from './page-switch.js';
import { LoginNeeded } from './pages/login-needed.js';
import { Problem } from './parts/problem.js';
import { BASE, parseRoute, type Route, routeTitle } from './routes.js';

const NAV: { href: string; label: string; pages: Route['page'][] }[] = [
  { href: `${BASE}/`, label: 'Overview', pages: ['overview'] },
  { href: `${BASE}/jobs`, label: 'Jobs', pages: ['jobs', 'job'] },
  { href: `${BASE}/nodes`, label: 'Nodes', pages: ['nodes'] },
  { href: `${BASE}/farms`, label: 'Render farms', pages: ['farms', 'farm'] },
  { href: `${BASE}/services`, label: 'Services', pages: ['services'] },
  { href: `${BASE}/ha`, label: 'Head pair', pages: ['ha'] },
];

type SessionState = { session: Session } | { missing: true } | { error: ApiError } | { loading: true };

function useSession(): SessionState {
  const [s, setS] = useState<SessionState>({ loading: true });
  useEffect(() => {
    whenUnauthorized(() => setS({ missing: true }));
    getJson<Session>('/v1/web/session').then(
      (session) => {
        setCsrf(session.csrf);
        setS({ session });
      },
      (error: ApiError) => setS(error.status === 401 ? { missing: true } : { error }),
    );
  }, []);
  return s;
}

function Banner() {
  const [c, setC] = useState<Connection>('connecting');
  useEffect(() => onConnection(setC), []);
  if (c !== 'down') return null;
  return <output class="banner">Reconnecting to the head… the page shows what it last heard.</output>;
}

export function App() {
  const state = useSession();
  const place = usePlace();
  const route = parseRoute(place.pathname, place.search);
  const session = 'session' in state ? state.session : undefined;
  useEffect(() => {
    document.title = `${routeTitle(route)} · Drover`;
  });
  useEffect(() => {
    if (!session) return;
    connectEvents();
    return disconnectEvents;
  }, [session]);
  useEffect(() => {
    if (session) focusHeading();
  }, [place.pathname]);
  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <a class="brand" href={`${BASE}/`}>
          Drover
        </a>
        {session && (
          <nav aria-label="Pages">
            <ul>
              {NAV.map((n) => (
                <li key={n.href}>
                  <a href={n.href} aria-current={n.pages.includes(route.page) ? 'page' : undefined}>
                    {n.label}
                  </a>
                </li>
              ))}
            </ul>
          </nav>
        )}
        {session && (
          <p class="who">
            {session.user} <span class="muted">({session.role})</span> on {session.server}
          </p>
        )}
      </header>
      <Banner />
      <main id="main" tabIndex={-1}>
        {'loading' in state && <p class="muted">Loading…</p>}
        {'missing' in state && <LoginNeeded />}
        {'error' in state && <Problem error={state.error} />}
        {session && <Page route={route} session={session} />}
      </main>
    </>
  );
}
