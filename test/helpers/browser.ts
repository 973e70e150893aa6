// Shared setup for the browser end-to-end tests (Debian Chromium driven by playwright-core): where
// Chromium is, how it is launched, where screenshots go, and a platform served on a local port that
// the browser can reach.
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'
import { listen } from '../../src/serve'
import type { TestPlatform } from './platform'

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
export const chromiumAvailable = existsSync(CHROMIUM)
/** Screenshots of the browser tests (git-ignored). */
export const SHOTS = join(import.meta.dir, '../.screens')
export const VIEWPORT = { width: 1440, height: 900 }

const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: ARGS })
}

export function newPage(browser: Browser, viewport = VIEWPORT): Promise<Page> {
  return browser.newPage({ viewport })
}

export function newContext(browser: Browser, viewport = VIEWPORT): Promise<BrowserContext> {
  return browser.newContext({ viewport })
}

/** Serves the platform on a free local port; BASE_URL is set to it so the Origin check matches what the browser sees. */
export async function servePlatform(p: TestPlatform): Promise<{ base: string; stop: () => void }> {
  const { server } = await listen(p.services, { port: 0, hostname: '127.0.0.1' })
  const base = `http://127.0.0.1:${server.port}`
  ;(p.services.deps.config as { baseUrl: string }).baseUrl = base
  return { base, stop: () => server.stop(true) }
}
