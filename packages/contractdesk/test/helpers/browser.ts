import { accessSync, constants } from 'node:fs';
import type { Browser } from 'playwright-core';

/**
 * Debian's `chromium` driven by playwright-core, which never downloads a browser: the binary is the system one
 * (`.ci/run` installs it), found at CHROMIUM_PATH or /usr/bin/chromium.
 */
export function chromiumPath(): string | undefined {
  const candidate = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
  try {
    accessSync(candidate, constants.X_OK);
    return candidate;
  } catch {
    return undefined;
  }
}

let shared: Promise<Browser> | undefined;

/** One headless browser per test run, shared by the dialect suites; closed by the root hooks. */
export function sharedBrowser(executablePath: string): Promise<Browser> {
  // Loaded on first use: the root hooks import this module, and most runs never open a browser.
  shared ??= import('playwright-core').then(({ chromium }) =>
    chromium.launch({
      executablePath,
      headless: true,
      // Chromium refuses to start as root with its sandbox on (CI runs as root in a container, where the user
      // namespaces the sandbox needs are not available either). The only page it opens is our app on loopback.
      args: process.getuid?.() === 0 ? ['--no-sandbox'] : [],
    }),
  );
  return shared;
}

export async function closeSharedBrowser(): Promise<void> {
  const browser = shared;
  shared = undefined;
  await (await browser?.catch(() => undefined))?.close();
}

/** Loopback hosts as the URL parser spells them; the page may talk to nothing else. */
export function isLoopbackUrl(url: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (parsed.protocol === 'data:' || parsed.protocol === 'blob:') return true;
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return false;
  return parsed.hostname === 'localhost' || parsed.hostname === '[::1]' || /^127(?:\.\d{1,3}){3}$/.test(parsed.hostname);
}
