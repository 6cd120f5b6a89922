// The web view in a real browser (Debian's chromium, driven by playwright-core) against a real head
// with its web listener and local node: root and a second Unix user log in with the URLs `drover
// web login` prints, and see the overview, the jobs table updated by the server's events, a running
// job's output, what they may do and nothing more (a forged request is refused by the head), the
// filters in the URL, the keyboard path, and a phone's width. Without a reload, pushed by the
// events: a held job leaving H when qrls releases it, the local node down with its reason while
// its SIGKILLed agent is started again by the head (and free after), and a render farm's frame
// grid and thumbnails filling in as its frames finish.
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser } from '../helpers/browser.js';
import { type Cluster, startCluster } from '../helpers/cluster.js';
import { freePort, type TestHead } from '../helpers/head.js';
import { tinyFarm } from '../helpers/tiny-farm.js';
import { ALICE, dirOf, ensureUsers, runAs } from '../helpers/users.js';

let cluster: Cluster;
let head: TestHead;
let base: string;
let aliceDir: string;
let web: string;
let browser: Browser;
let rootCtx: BrowserContext;
let aliceCtx: BrowserContext;
let root: Page;
let alice: Page;

/** a scene of POV-Ray's examples, rendered at 32x24 (as test/e2e/farm-thumbnails.test.ts does) */
let farm: string;

const short = (id: string) => id.split('.')[0]!;

/** `drover web login` as `user` (root: undefined), then its URL opened in a new browser context. */
async function login(user: string | undefined): Promise<{ ctx: BrowserContext; page: Page }> {
  const r = user
    ? await runAs(user, head, 'drover', ['web', 'login'], { cwd: aliceDir })
    : await head.run('drover', ['web', 'login']);
  expect(r.code, r.stderr).toBe(0);
  const url = r.stdout.trim();
  expect(url).toMatch(new RegExp(`^${web}/web/login\\?token=`));
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await ctx.newPage();
  await page.goto(url);
  expect(new URL(page.url()).pathname).toBe('/web/');
  return { ctx, page };
}

async function submitAs(user: string, args: string[], input?: string): Promise<string> {
  const r = await runAs(user, head, 'qsub', args, { cwd: aliceDir, ...(input ? { input } : {}) });
  if (r.code !== 0) throw new Error(`qsub as ${user}: ${r.stderr}`);
  return r.stdout.trim();
}

/** `-a` a day from now, as qsub takes it (MMDDhhmm): the job waits (W), and may be held. */
function tomorrow(): string {
  const d = new Date(Date.now() + 86_400_000);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getMonth() + 1)}${p(d.getDate())}${p(d.getHours())}${p(d.getMinutes())}`;
}

beforeAll(async () => {
  ensureUsers();
  base = mkdtempSync(join(tmpdir(), 'drover-web-'));
  chmodSync(base, 0o711);
  aliceDir = dirOf(ALICE, base);
  const port = await freePort();
  web = `http://127.0.0.125:${port}`;
  cluster = await startCluster({
    head: { ncpus: 4, extraArgs: ['--web-listen', `127.0.0.125:${port}`] },
    shared: true,
  });
  head = cluster.head;
  browser = await launchBrowser();
  ({ ctx: rootCtx, page: root } = await login(undefined));
  ({ ctx: aliceCtx, page: alice } = await login(ALICE));
});

afterAll(async () => {
  await browser?.close();
  await cluster?.stop();
  if (base) rmSync(base, { recursive: true, force: true });
});

describe('the web view', () => {
  it('shows the overview: the node and the job counts', async () => {
    await expect
      .poll(async () => root.locator('h1').textContent(), { timeout: 10_000 })
      .toContain(`Overview of ${head.server}`);
    const nodes = root.locator('section', { has: root.locator('h2', { hasText: 'Nodes' }) });
    await expect.poll(async () => nodes.textContent()).toMatch(/free\s*1/);
    await expect.poll(async () => nodes.textContent()).toContain('0 / 4');
    expect(await root.locator('.top').textContent()).toContain('root');
  });

  it('shows a job submitted with qsub in the jobs table without a reload (the server pushes)', async () => {
    await root.getByRole('link', { name: 'Jobs' }).click();
    await expect.poll(async () => root.locator('h1').textContent(), { timeout: 10_000 }).toBe('Jobs');
    await root.evaluate('window.stayed = true');
    const id = await head.submit(['-N', 'pushed', '--', '/bin/sleep', '30']);
    await root.locator('tbody a', { hasText: id }).waitFor({ timeout: 10_000 });
    expect(await root.evaluate('window.stayed')).toBe(true);
  });

  it('shows the output tail of a running job to its owner', async () => {
    const id = await submitAs(ALICE, ['-N', 'tail'], 'echo hello-from-the-job\nsleep 60\n');
    await head.waitState(id, 'R');
    await alice.goto(`${web}/web/jobs/${short(id)}`);
    await expect.poll(async () => alice.locator('h1').textContent(), { timeout: 10_000 }).toContain(id);
    await alice.locator('pre.output', { hasText: 'hello-from-the-job' }).waitFor({ timeout: 10_000 });
  });

  it('offers offline to root and not to a normal user', async () => {
    await root.goto(`${web}/web/nodes`);
    await root.locator('tbody tr').first().waitFor();
    expect(await root.getByRole('button', { name: /^Offline/ }).count()).toBe(1);
    await alice.goto(`${web}/web/nodes`);
    await alice.locator('tbody tr').first().waitFor();
    expect(await alice.getByRole('button', { name: /Offline|Online/ }).count()).toBe(0);
  });

  it("gives a normal user no hold button on another user's job, and the head refuses a forged one", async () => {
    const id = await head.submit(['-N', 'roots', '-a', tomorrow(), '--', '/bin/true']);
    await head.waitState(id, 'W');
    await root.goto(`${web}/web/jobs/${short(id)}`);
    await root.getByRole('button', { name: 'Hold' }).waitFor();
    await alice.goto(`${web}/web/jobs/${short(id)}`);
    await expect.poll(async () => alice.locator('h1').textContent(), { timeout: 10_000 }).toContain(id);
    await alice.locator('table.attributes').waitFor();
    expect(await alice.getByRole('button', { name: 'Hold' }).count()).toBe(0);
    // the page's own session and CSRF token, in a request the page never offers
    const forged = (await alice.evaluate(`(async () => {
      const s = await (await fetch('/v1/web/session')).json();
      const r = await fetch('/v1/jobs/hold', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-csrf-token': s.csrf },
        body: JSON.stringify({ operands: [${JSON.stringify(id)}], types: 'u' }),
      });
      return { status: r.status, body: await r.json() };
    })()`)) as { status: number; body: { code?: string; results?: { error?: unknown }[] } };
    expect(forged.body.results?.[0]?.error ?? forged.body.code, JSON.stringify(forged)).toBeTruthy();
    expect(await head.state(id)).toBe('W');
  });

  it('holds and releases its owner’s job with the buttons', async () => {
    const id = await submitAs(ALICE, ['-N', 'mine', '-a', tomorrow(), '--', '/bin/true']);
    await head.waitState(id, 'W');
    await alice.goto(`${web}/web/jobs/${short(id)}`);
    await alice.getByRole('button', { name: 'Hold' }).click();
    await alice.getByRole('button', { name: 'Release' }).waitFor({ timeout: 10_000 });
    expect(await head.state(id)).toBe('H');
    await alice.getByRole('button', { name: 'Release' }).click();
    await alice.getByRole('button', { name: 'Hold' }).waitFor({ timeout: 10_000 });
    expect(await head.state(id)).toBe('W');
  });

  it('filters the jobs table by the URL', async () => {
    await alice.goto(`${web}/web/jobs?user=${ALICE}&state=W`);
    await alice.locator('tbody tr').first().waitFor();
    const owners = await alice.locator('tbody tr td:nth-child(3)').allTextContents();
    expect(owners.length).toBeGreaterThan(0);
    for (const o of owners) expect(o).toContain(ALICE);
    const states = await alice.locator('tbody tr td:nth-child(5)').allTextContents();
    for (const s of states) expect(s).toContain('W');
    expect(await alice.getByLabel('User').inputValue()).toBe(ALICE);
    await root.goto(`${web}/web/jobs?name=pushed`);
    await root.locator('tbody a').first().waitFor();
    expect(await root.locator('tbody tr').count()).toBe(1);
  });

  it('reaches the navigation and the first job link with Tab, with a visible focus', async () => {
    const focused = (p: Page) =>
      p.evaluate(`(() => {
        const el = document.activeElement;
        const css = getComputedStyle(el);
        return {
          inNav: !!el.closest('nav[aria-label="Pages"]'),
          inTable: !!el.closest('tbody'),
          tag: el.tagName,
          outline: css.outlineStyle !== 'none' && Number.parseFloat(css.outlineWidth) >= 2,
        };
      })()`) as Promise<{ inNav: boolean; inTable: boolean; tag: string; outline: boolean }>;
    await root.goto(`${web}/web/jobs`);
    await root.locator('tbody a').first().waitFor();
    await root.evaluate('document.activeElement?.blur()');
    await root.keyboard.press('Tab');
    expect(await root.evaluate('document.activeElement?.textContent')).toBe('Skip to content');
    let f = await focused(root);
    for (let i = 0; i < 5 && !f.inNav; i++) {
      await root.keyboard.press('Tab');
      f = await focused(root);
    }
    expect(f).toMatchObject({ inNav: true, tag: 'A', outline: true });
    for (let i = 0; i < 40 && !f.inTable; i++) {
      await root.keyboard.press('Tab');
      f = await focused(root);
    }
    expect(f).toMatchObject({ inTable: true, tag: 'A', outline: true });
  });

  it('changes a held job’s state in the jobs table when qrls releases it, without a reload', async () => {
    await root.goto(`${web}/web/jobs`);
    await root.locator('tbody a').first().waitFor();
    await root.evaluate('window.stayed = true');
    const id = await head.submit(['-h', '-N', 'held', '--', '/bin/true']);
    const row = root.locator('tbody tr', { has: root.getByRole('link', { name: id, exact: true }) });
    const state = row.locator('td:nth-child(5) [aria-hidden]');
    await expect.poll(async () => state.textContent(), { timeout: 10_000 }).toBe('H');
    const r = await head.run('qrls', [id]);
    expect(r.code, r.stderr).toBe(0);
    await expect.poll(async () => state.textContent(), { timeout: 10_000 }).not.toBe('H');
    expect(await root.evaluate('window.stayed')).toBe(true);
  });

  it('shows the local node down with the reason when its agent is killed, and up again once the head restarts it', async () => {
    await root.goto(`${web}/web/nodes`);
    const row = root.locator('tbody tr').first();
    await expect.poll(async () => row.locator('td').first().textContent(), { timeout: 10_000 }).toBe('free');
    // every state and reason the row shows, as the page draws them (the down may be short)
    await root.evaluate(`(() => {
      window.stayed = true;
      window.seen = [];
      const note = () => {
        const cells = document.querySelectorAll('tbody tr:first-child td');
        window.seen.push((cells[0]?.textContent ?? '') + ' | ' + (cells[1]?.textContent ?? ''));
      };
      new MutationObserver(note).observe(document.querySelector('main'), { subtree: true, childList: true, characterData: true });
    })()`);
    const pid = head.agentPid();
    expect(pid).toBeGreaterThan(0);
    process.kill(pid!, 'SIGKILL');
    const seen = async () => (await root.evaluate('window.seen')) as string[];
    await expect
      .poll(async () => (await seen()).some((s) => /^down \| connection lost/.test(s)), { timeout: 10_000 })
      .toBe(true);
    // the head starts the agent again: the node comes back without a reload
    await expect.poll(async () => row.locator('td').first().textContent(), { timeout: 15_000 }).toBe('free');
    expect(await row.locator('td').nth(1).textContent()).toBe('');
    expect(head.agentPid()).not.toBe(pid);
    expect(await root.evaluate('window.stayed')).toBe(true);
  });

  it('fills in a render farm’s frame grid and thumbnails as its frames finish, without a reload', async () => {
    await root.setViewportSize({ width: 1280, height: 800 });
    // the node offline while the farm is submitted and its page opened: every frame starts queued
    const node = (await root.locator('tbody tr th').first().textContent())!;
    expect((await head.run('pbsnodes', ['-o', node])).code).toBe(0);
    const submit = await head.run('render-farm', tinyFarm('grid', 'grid.png'));
    expect(submit.code, submit.stderr).toBe(0);
    farm = submit.stdout.trim();
    await root.goto(`${web}/web/farms/${short(farm)}`);
    const cells = root.locator('.frame-grid button');
    await expect.poll(async () => cells.count(), { timeout: 10_000 }).toBe(3);
    expect(await root.locator('.frame-grid button.frame-done').count()).toBe(0);
    expect(await root.locator('ul.thumbs img').count()).toBe(0);
    await root.evaluate('window.stayed = true');
    expect((await head.run('pbsnodes', ['-r', node])).code).toBe(0);
    await expect
      .poll(async () => root.locator('.frame-grid button.frame-done').count(), { timeout: 20_000 })
      .toBe(3);
    const thumbs = root.locator('ul.thumbs img');
    await expect.poll(async () => thumbs.count(), { timeout: 10_000 }).toBe(3);
    await thumbs.last().scrollIntoViewIfNeeded();
    const widths = async () =>
      (await thumbs.evaluateAll((imgs) =>
        imgs.map((i) => (i as unknown as { naturalWidth: number }).naturalWidth),
      )) as number[];
    await expect.poll(async () => (await widths()).every((w) => w > 0), { timeout: 10_000 }).toBe(true);
    expect(await root.evaluate('window.stayed')).toBe(true);
  });

  it('fits a 375 px wide phone without scrolling the page sideways (tables scroll in their box)', async () => {
    const page = await rootCtx.newPage();
    await page.setViewportSize({ width: 375, height: 800 });
    for (const path of ['/web/', '/web/jobs', '/web/nodes']) {
      await page.goto(`${web}${path}`);
      await page.locator('main h1').waitFor();
      await page.locator('main .table-wrap, main .cards').first().waitFor();
      const width = (await page.evaluate('document.documentElement.scrollWidth')) as number;
      expect(width, path).toBeLessThanOrEqual(375);
    }
    await page.close();
  });

  it('takes a screenshot of the overview', async () => {
    await root.goto(`${web}/web/`);
    await root.locator('.chart svg').waitFor();
    // kept beside the test heads' logs, to look at after the run
    const file = join(tmpdir(), 'drover-test-logs', 'web-overview.png');
    await root.screenshot({ path: file, fullPage: true });
    console.log(`overview screenshot: ${file}`);
    // the jobs table and the farm at a laptop's size
    await root.setViewportSize({ width: 1280, height: 800 });
    await root.goto(`${web}/web/jobs`);
    await root.locator('tbody a').first().waitFor();
    await root.screenshot({ path: join(tmpdir(), 'drover-test-logs', 'web-jobs.png') });
    await root.goto(`${web}/web/farms/${short(farm)}`);
    await root.locator('.frame-grid button.frame-done').first().waitFor();
    await root.locator('ul.thumbs img').first().waitFor();
    await root.screenshot({ path: join(tmpdir(), 'drover-test-logs', 'web-farm.png') });
    await aliceCtx.close();
  });
});
