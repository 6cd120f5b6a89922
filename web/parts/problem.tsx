// What a page shows while its data loads, or when the head refused or did not answer.
import type { ApiError } from '../api.js';

export function Problem({ error }: { error: ApiError }) {
  return (
    <p class="problem" role="alert">
      {error.status === 404 ? 'Not found: ' : 'The head said: '}
      {error.message} <span class="muted">({error.code})</span>
    </p>
  );
}

export function Loading() {
  return (
    <p class="muted" aria-live="polite">
      Loading…
    </p>
  );
}
