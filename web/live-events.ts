// One EventSource on `/v1/web/events` for the whole app. Pages subscribe to the event names that
// concern them; after a reconnection (the head restarted) every subscriber hears `hello` and
// refetches, since anything may have changed meanwhile. The browser reconnects by itself; when
// it gives up (an answer that is not an event stream), a new EventSource is made a little later.

export type EventName = 'hello' | 'jobs' | 'nodes' | 'farms' | 'services' | 'ha' | 'scheduler';
export type Connection = 'connecting' | 'open' | 'down';

const NAMES: EventName[] = ['hello', 'jobs', 'nodes', 'farms', 'services', 'ha', 'scheduler'];
const RETRY_MS = 2000;

type Listener = (name: EventName, data: unknown) => void;

const listeners = new Set<Listener>();
const watchers = new Set<(c: Connection) => void>();
let source: EventSource | undefined;
let connection: Connection = 'connecting';
let retry: ReturnType<typeof setTimeout> | undefined;
/** the first `hello` is not passed on: the pages have just fetched their data */
let greeted = false;

function setConnection(c: Connection): void {
  if (c === connection) return;
  connection = c;
  for (const w of watchers) w(c);
}

function open(url: string): void {
  const es = new EventSource(url, { withCredentials: true });
  source = es;
  for (const name of NAMES)
    es.addEventListener(name, (e) => {
      if (name === 'hello') {
        setConnection('open');
        if (!greeted) {
          greeted = true;
          return;
        }
      }
      let data: unknown = {};
      try {
        data = JSON.parse((e as MessageEvent<string>).data);
      } catch {
        // an event without JSON still says that something changed
      }
      for (const l of [...listeners]) l(name, data);
    });
  es.onerror = () => {
    setConnection('down');
    if (es.readyState === EventSource.CLOSED && source === es) {
      source = undefined;
      retry = setTimeout(() => open(url), RETRY_MS);
    }
  };
}

/** Connect once (later calls do nothing). */
export function connectEvents(url = '/v1/web/events'): void {
  if (source || retry) return;
  open(url);
}

export function disconnectEvents(): void {
  if (retry) clearTimeout(retry);
  retry = undefined;
  source?.close();
  source = undefined;
}

export function onEvent(l: Listener): () => void {
  listeners.add(l);
  return () => listeners.delete(l);
}

export function onConnection(w: (c: Connection) => void): () => void {
  watchers.add(w);
  w(connection);
  return () => watchers.delete(w);
}
