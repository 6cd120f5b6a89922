// The jobs table's filters: a form whose fields start from the URL and, once applied, go to it.
import { useEffect, useState } from 'preact/hooks';
import type { JobFilters } from '../job-filters.js';

const FIELDS: { key: 'user' | 'state' | 'queue' | 'name' | 'array'; label: string; hint: string }[] = [
  { key: 'user', label: 'User', hint: 'e.g. alice' },
  { key: 'state', label: 'State', hint: 'e.g. Q or QH' },
  { key: 'queue', label: 'Queue', hint: 'e.g. workq' },
  { key: 'name', label: 'Name contains', hint: 'e.g. render' },
  { key: 'array', label: 'Array', hint: 'e.g. 12[]' },
];

export function FilterForm({ filters, onApply }: { filters: JobFilters; onApply: (f: JobFilters) => void }) {
  const [draft, setDraft] = useState<JobFilters>(filters);
  const key = JSON.stringify(filters);
  useEffect(() => setDraft(filters), [key]);
  const submit = (e: Event) => {
    e.preventDefault();
    const { page: _page, ...rest } = draft;
    onApply(rest);
  };
  return (
    <form class="filters" onSubmit={submit} aria-label="Filter jobs">
      {FIELDS.map((f) => (
        <label key={f.key}>
          {f.label}
          <input
            name={f.key}
            value={draft[f.key] ?? ''}
            placeholder={f.hint}
            onInput={(e) =>
              setDraft({ ...draft, [f.key]: (e.target as HTMLInputElement).value || undefined })
            }
          />
        </label>
      ))}
      <div class="filter-buttons">
        <button type="submit">Filter</button>
        <button type="button" onClick={() => onApply({})}>
          Clear
        </button>
      </div>
    </form>
  );
}
