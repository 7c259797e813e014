/**
 * Debian's Chromium for the browser tests (CI's .ci/run installs it), launched headless with
 * no network of its own, and the demo page opened the same way in every file.
 */
import { existsSync } from "node:fs";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";

export const CHROMIUM = "/usr/bin/chromium";
/** How long a test waits for the page to show something. */
export const UI_TIMEOUT_MS = 15_000;

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);
  return chromium.launch({ executablePath: CHROMIUM, args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"] });
}

/** Opens the demo page at `url` and waits for its test handle (`window.__demo`). */
export async function openDemo(context: BrowserContext, url: string): Promise<Page> {
  const page = await context.newPage();
  await page.goto(url);
  await page.waitForFunction(() => "__demo" in window, null, { timeout: UI_TIMEOUT_MS });
  return page;
}
