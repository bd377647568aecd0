/**
 * Shared by the browser tests: Debian's chromium driven by playwright-core, a free port for a Keyway that must
 * know its own URL before it listens, and locators for the connect page's connection cards.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import type { BrowserContext, Locator, Page } from 'playwright-core';

/** A port on 127.0.0.1 that was free a moment ago. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A headless chromium with a fresh profile; `close` also deletes the profile. */
export async function launchChromium(): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  const userDataDir = mkdtempSync(join(tmpdir(), 'keyway-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/** The connect page's card of the connection named `name`. */
export function card(page: Page, name: string): Locator {
  return page.locator(`section[data-connection="${name}"]`);
}

/** The status a card shows (`pending`, `connected`, ...). */
export async function status(page: Page, name: string): Promise<string | null> {
  return card(page, name).locator('[data-status]').getAttribute('data-status');
}
