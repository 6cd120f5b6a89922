// Debian's Chromium driven by playwright-core, headless, for the web view's tests and bench/web.ts.
import { type Browser, chromium } from 'playwright-core';

const CHROMIUM = '/usr/bin/chromium';
// without the background-networking flags Chromium's own connections are refused on a closed network
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: ARGS });
}
