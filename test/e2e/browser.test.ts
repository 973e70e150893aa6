// The first five minutes in a real browser (Debian Chromium via playwright-core): sign up → new app
// from the hello template → deploy → test panel 200 → dashboard lists the request → syntax error
// shows a marker while the old version answers → fix → roll back → the log tail shows a print.
// Screenshots of every screen go to test/.screens/ (git-ignored).
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { chromiumAvailable, launchChromium, newPage, SHOTS, servePlatform } from '../helpers/browser'
import { startPlatform, type TestPlatform } from '../helpers/platform'

// Code inside page.evaluate runs in the browser: these are its globals (the DOM lib is not loaded here).
declare const window: any
declare const document: any

const available = chromiumAvailable

let p: TestPlatform
let browser: Browser
let page: Page
let base: string
let stopServer: () => void
const alerts: string[] = []

beforeAll(async () => {
  if (!available) return
  mkdirSync(SHOTS, { recursive: true })
  p = await startPlatform()
  // BASE_URL must match what the browser sees for the Origin check (servePlatform sets it).
  ;({ base, stop: stopServer } = await servePlatform(p))
  browser = await launchChromium()
  page = await newPage(browser)
  page.on('console', (m) => process.env.PWDEBUG_LOG && console.log('CONSOLE', m.type(), m.text()))
  page.on('dialog', (d) => {
    if (d.type() === 'alert') alerts.push(d.message())
    void d.accept()
  })
}, 60_000)

afterAll(async () => {
  await browser?.close()
  stopServer?.()
})

const shot = (name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: false })

describe.skipIf(!available)('the first five minutes, in Chromium', () => {
  let actions = 0
  let appId = ''
  const act = async <T>(fn: () => Promise<T>) => {
    actions++
    return fn()
  }

  test('sign up → new app from the hello template → deploy → the test panel shows 200 and the JSON', async () => {
    const t0 = performance.now()
    await page.goto(`${base}/`)
    await page.waitForURL('**/signup')
    await shot('01-signup')
    await act(() => page.fill('#email', 'first@example.com'))
    await act(() => page.fill('#password', 'a long password'))
    await act(() => page.click('button[type=submit]'))
    await page.waitForSelector('text=No apps yet')
    await shot('02-apps-empty')
    await act(() => page.click('text=Create your first app'))
    await page.waitForSelector('#new-app')
    await act(() => page.fill('#name', 'hello'))
    await shot('03-new-app')
    await act(() => page.click('#new-app button[type=submit]'))
    await page.waitForURL('**/edit')
    appId = page.url().split('/apps/')[1]!.split('/')[0]!
    await page.waitForSelector('body[data-editor-ready="1"]', { timeout: 30_000 })
    await act(() => page.click('#deploy'))
    await page.waitForSelector('#progress .ready', { timeout: 20_000, state: 'attached' })
    await act(() => page.click('#t-send'))
    await page.waitForFunction(() => document.getElementById('t-status')?.textContent?.startsWith('200'))
    const elapsed = performance.now() - t0
    expect(await page.textContent('#t-resp-body')).toContain('Hello, world!')
    await shot('04-editor-200')
    console.log(`first five minutes: signup page → first 200 in the test panel in ${(elapsed / 1000).toFixed(1)} s, ${actions} user actions`)
    expect(actions).toBeLessThanOrEqual(9)
  }, 60_000)

  test('the dashboard lists that request; the log tail shows what the app printed', async () => {
    await page.goto(`${base}/apps/${appId}`)
    await page.waitForSelector('#requests table')
    expect(await page.textContent('#requests')).toContain('GET')
    await page.waitForSelector('#logs .l >> text=someone said hello', { timeout: 10_000 })
    await shot('05-dashboard')
  }, 30_000)

  test('a syntax error shows a marker on the right line and the old version keeps answering; fix → deploy', async () => {
    await page.goto(`${base}/apps/${appId}/edit`)
    await page.waitForSelector('body[data-editor-ready="1"]', { timeout: 30_000 })
    await page.evaluate(() => {
      const ed = (window as any).fpEditor.editor
      ed.setValue(ed.getValue().replace('def root():', 'def root(:'))
    })
    await page.click('#deploy')
    await page.waitForSelector('#progress .failed', { state: 'attached' })
    const markers = await page.evaluate(() => (window as any).monaco.editor.getModelMarkers({}).map((m: any) => [m.startLineNumber, m.severity]))
    expect(markers[0][0]).toBe(7)
    await shot('06-editor-syntax-error')
    const old = await page.evaluate(async () => (await fetch('/app/hello/')).status)
    expect(old).toBe(200)
    await page.evaluate(() => {
      const ed = (window as any).fpEditor.editor
      ed.setValue(ed.getValue().replace('def root(:', 'def root():').replace('Hello, world!', 'Hello, v2!'))
    })
    await page.click('#deploy')
    await page.waitForSelector('#progress .ready', { state: 'attached' })
    expect(await page.evaluate(async () => ((await (await fetch('/app/hello/')).json()) as any).message)).toBe('Hello, v2!')
  }, 60_000)

  test('roll back to version 1 from the dashboard', async () => {
    await page.goto(`${base}/apps/${appId}`)
    await page.click('button:has-text("Deploy this version")')
    await page.waitForSelector('#versions .alert')
    expect(await page.textContent('#versions')).toContain('Version 1 is live again')
    expect(await page.evaluate(async () => ((await (await fetch('/app/hello/')).json()) as any).message)).toBe('Hello, world!')
    await shot('07-dashboard-rollback')
  }, 30_000)

  test('hostile names, log lines and tracebacks render escaped on every screen (ACCEPTANCE 14)', async () => {
    const evil = '<img src=x onerror=alert(1)><script>alert(2)</script>'
    const files = { 'app.py': `from fastapi import FastAPI\napp = FastAPI()\n@app.get("/")\ndef r():\n    print(${JSON.stringify(evil)})\n    raise ValueError(${JSON.stringify(evil)})\n` }
    const res = await page.evaluate(async ({ files, evil }) => {
      const r = await fetch('/api/apps', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: evil, files }) })
      return (await r.json()) as any
    }, { files, evil })
    await page.evaluate(async (slug) => fetch(`/app/${slug}/`), res.slug)
    await page.goto(`${base}/`)
    await shot('08-apps-list')
    await page.goto(`${base}/apps/${res.id}`)
    await page.waitForSelector('#logs .l', { timeout: 10_000 })
    await page.click('tr.click')
    await page.waitForSelector('#request-detail pre')
    expect(await page.textContent('#request-detail pre')).toContain('ValueError: <img src=x')
    await shot('09-dashboard-traceback')
    await page.goto(`${base}/apps/${res.id}/edit`)
    await page.waitForSelector('body[data-editor-ready="1"]', { timeout: 30_000 })
    await page.goto(`${base}/admin`)
    await shot('10-admin')
    expect(await page.locator('img[src=x]').count()).toBe(0)
    expect(alerts).toEqual([])
  }, 60_000)
})
