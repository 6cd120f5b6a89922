// examples/grafana-dashboard.json names only metrics the head exports: every panel's PromQL is
// checked against the names in a head's registry, so that the example cannot rot.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Histogram } from 'prom-client';
import { describe, expect, it } from 'vitest';
import type { HaStatus } from '../../core/protocol/ha-status.js';
import type { Store } from '../../head/db/store.js';
import { HeadMetrics } from '../../head/metrics/head-metrics.js';
import { ROOT } from '../helpers/head.js';

/** The names a scrape shows: a histogram's as _bucket, _sum and _count. */
function exportedNames(): Set<string> {
  const metrics = new HeadMetrics(() => ({}) as HaStatus);
  // registering reads nothing: the sources are read only when scraped
  metrics.scrape({ store: {} as Store, nodes: () => [], brokers: () => [] });
  metrics.observe({ dispatcher: { onPass() {} }, fencer: { onFence() {} }, links: { onReconnect() {} } });
  const names = new Set<string>();
  for (const m of metrics.registry.getMetricsAsArray()) {
    const name = (m as unknown as { name: string }).name;
    if (m instanceof Histogram) for (const s of ['_bucket', '_sum', '_count']) names.add(name + s);
    else names.add(name);
  }
  return names;
}

const PROMQL_WORDS = new Set([
  ...['sum', 'max', 'min', 'avg', 'count', 'rate', 'irate', 'increase', 'histogram_quantile', 'time'],
  ...['by', 'without', 'on', 'ignoring', 'and', 'or', 'unless', 'bool'],
]);

/** The metric names in a PromQL expression: label matchers, groupings and ranges taken out. */
function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without)\s*\([^)]*\)/g, ' ');
  const words = bare.match(/[A-Za-z_:][\w:]*/g) ?? [];
  return words.filter((w) => !PROMQL_WORDS.has(w));
}

describe('examples/grafana-dashboard.json', () => {
  const dashboard = JSON.parse(readFileSync(join(ROOT, 'examples/grafana-dashboard.json'), 'utf8'));
  const exported = exportedNames();

  it('is a Grafana dashboard with a Prometheus data source variable', () => {
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(36);
    const ds = dashboard.templating.list.find((v: { type: string }) => v.type === 'datasource');
    expect(ds).toMatchObject({ name: 'DS_PROMETHEUS', query: 'prometheus' });
    expect(dashboard.panels.length).toBeGreaterThanOrEqual(10);
  });

  it('names in every panel only metrics the head exports', () => {
    const unknown: string[] = [];
    for (const panel of dashboard.panels as { title: string; targets: { expr: string }[] }[]) {
      expect(panel.targets.length, panel.title).toBeGreaterThan(0);
      for (const t of panel.targets) {
        const names = metricNames(t.expr);
        expect(names.length, t.expr).toBeGreaterThan(0);
        for (const n of names) if (!exported.has(n)) unknown.push(`${panel.title}: ${n}`);
      }
    }
    expect(unknown).toEqual([]);
  });

  it('reads the names from a real registry (the check is not vacuous)', () => {
    expect(exported.has('drover_jobs_ended_total')).toBe(true);
    expect(exported.has('drover_job_wait_seconds_bucket')).toBe(true);
    expect(metricNames('sum by (le) (rate(drover_x_bucket{a="b"}[5m]))')).toEqual(['drover_x_bucket']);
  });
});
