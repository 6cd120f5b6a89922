// A page's data: fetched when the page opens (or its inputs change), and again on the server
// events that concern it, at most once per REFETCH_MS however many come. Never on a timer.
import { useEffect, useState } from 'preact/hooks';
import { ApiError } from './api.js';
import { coalesce } from './coalesce.js';
import { type EventName, onEvent } from './live-events.js';

export const REFETCH_MS = 300;

export interface Live<T> {
  data?: T;
  error?: ApiError;
  /** fetch again now (after an action) */
  reload: () => void;
}

export function useLive<T>(
  load: () => Promise<T>,
  deps: unknown[],
  events: EventName[],
  concerns: (name: EventName, data: unknown) => boolean = () => true,
): Live<T> {
  const [state, setState] = useState<{ data?: T; error?: ApiError }>({});
  const [reload, setReload] = useState<() => void>(() => () => {});
  useEffect(() => {
    let seq = 0;
    let live = true;
    const run = () => {
      const n = ++seq;
      load().then(
        (data) => live && n === seq && setState({ data }),
        (e: unknown) => {
          const error = e instanceof ApiError ? e : new ApiError(0, 'ERROR', String(e));
          if (live && n === seq) setState((s) => ({ ...s, error }));
        },
      );
    };
    run();
    const c = coalesce(run, REFETCH_MS);
    setReload(() => run);
    const off = onEvent((name, data) => {
      if (name === 'hello' || (events.includes(name) && concerns(name, data))) c.trigger();
    });
    return () => {
      live = false;
      off();
      c.cancel();
    };
  }, deps);
  return { ...state, reload };
}
