// Client-side routing with history.pushState: links to `/web/…` open their page without a reload
// (a click with a modifier key, or on a link to elsewhere, is left to the browser), Back and
// Forward work, and after a navigation the focus goes to the new page's heading.
import { useEffect, useState } from 'preact/hooks';
import { BASE } from './routes.js';

const NAVIGATED = 'drover:navigate';

export function navigate(href: string, replace = false): void {
  if (replace) history.replaceState(null, '', href);
  else history.pushState(null, '', href);
  window.dispatchEvent(new Event(NAVIGATED));
}

export interface Place {
  pathname: string;
  search: string;
}

const here = (): Place => ({ pathname: location.pathname, search: location.search });

/** The current URL, updated on every navigation. */
export function usePlace(): Place {
  const [place, setPlace] = useState(here);
  useEffect(() => {
    const update = () => setPlace(here());
    window.addEventListener('popstate', update);
    window.addEventListener(NAVIGATED, update);
    return () => {
      window.removeEventListener('popstate', update);
      window.removeEventListener(NAVIGATED, update);
    };
  }, []);
  return place;
}

/** One listener on the document turns clicks on the app's own links into navigations. */
export function interceptLinks(): void {
  document.addEventListener('click', (e) => {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    const a = (e.target as Element | null)?.closest?.('a');
    if (!a || a.target || a.hasAttribute('download') || a.origin !== location.origin) return;
    if (a.pathname !== BASE && !a.pathname.startsWith(`${BASE}/`)) return;
    e.preventDefault();
    if (a.pathname + a.search !== location.pathname + location.search) navigate(a.pathname + a.search);
  });
}

/** After the page changes (not its query), focus its heading so a screen reader announces it. */
export function focusHeading(): void {
  requestAnimationFrame(() => {
    const h = document.querySelector<HTMLElement>('main h1');
    if (!h) return;
    h.tabIndex = -1;
    h.focus({ preventScroll: true });
    window.scrollTo(0, 0);
  });
}
