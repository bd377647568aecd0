/**
 * Shared by the browser tests: Debian's chromium driven by playwright-core, a harness for a Keyway that must know
 * its own URL before it listens, and locators for the connect page's connection cards.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import type { BrowserContext, Locator, Page } from 'playwright-core';
import { onFreePort } from '../support/ports';
import { startHarness } from './harness';
import type { Harness } from './harness';

/**
 * A harness listening at its public URL (the browser follows its links there): on a port chosen first, and on
 * another one when that port was taken before it listened.
 */
export async function startHarnessAtItsUrl(
  options: Omit<NonNullable<Parameters<typeof startHarness>[0]>, 'baseUrl' | 'port'> = {},
): Promise<Harness> {
  return onFreePort((port) => startHarness({ ...options, baseUrl: `http://127.0.0.1:${port}`, port }));
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
