// The Runs and Cron panels in real Chromium: a cron trigger is edited in place (the next-runs
// preview follows the typing, a bad expression is refused with the reason inside the form), and a
// run's detail shows its attempts with the lines the app printed during each. Screenshots go to
// test/.screens/ (git-ignored).
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { startLoops } from '../../src/loops'
import { createProxy } from '../../src/proxy'
import { chromiumAvailable, launchChromium, newContext, SHOTS, servePlatform } from '../helpers/browser'
import { startPlatform, type TestPlatform } from '../helpers/platform'

const available = chromiumAvailable

const APP = `
from fastapi import FastAPI, Request
app = FastAPI()
seen = {}

@app.post("/report")
async def report(request: Request):
    body = (await request.body()).decode()
    seen[body] = seen.get(body, 0) + 1
    print(f"building report {body} (try {seen[body]})")
    if seen[body] == 1:
        raise RuntimeError("the report store is not ready yet")
    print("report done: 42 rows")
    return {"rows": 42}
`

let p: TestPlatform
let browser: Browser
let page: Page
let base: string
let stopServer: () => void
let loops: ReturnType<typeof startLoops>
let appId = ''
let token = ''

beforeAll(async () => {
  if (!available) return
  mkdirSync(SHOTS, { recursive: true })
  p = await startPlatform()
  ;({ base, stop: stopServer } = await servePlatform(p))
  loops = startLoops(p.services, createProxy(p.services).invoke, p.services.deps.config, { pollMs: 50, idle: false })
  token = (await p.user()).token
  appId = (await p.json('POST', '/api/apps', { token, body: { name: 'nightly reports', files: { 'app.py': APP } } })).body.id
  browser = await launchChromium()
  const context = await newContext(browser)
  await context.addCookies([{ name: 'fp_session', value: token, domain: '127.0.0.1', path: '/' }])
  page = await context.newPage()
  page.on('dialog', (d) => void d.accept())
}, 60_000)

afterAll(async () => {
  await browser?.close()
  await loops?.stop()
  stopServer?.()
})

describe.skipIf(!available)('runs and cron panels, in Chromium', () => {
  test('edit a cron trigger: live preview, the reason for a refused expression in the form, then saved', async () => {
    await p.json('POST', `/api/apps/${appId}/cron`, { token, body: { expr: '0 3 * * *', path: '/report', body: '"nightly"' } })
    await p.json('POST', `/api/apps/${appId}/cron`, { token, body: { expr: '*/15 * * * *', method: 'POST', path: '/report', enabled: false } })
    await page.goto(`${base}/apps/${appId}`)
    const panel = page.locator('#cron')
    await panel.scrollIntoViewIfNeeded()
    await panel.locator('tr', { hasText: '0 3 * * *' }).getByRole('button', { name: 'Edit' }).click()
    const form = panel.locator('form[hx-put]')
    await form.waitFor()
    expect(await form.locator('input[name=expr]').inputValue()).toBe('0 3 * * *')
    expect(await form.locator('textarea[name=body]').inputValue()).toBe('"nightly"')
    await expect(form.locator('.cron-next')).toBeTruthy()
    await form.locator('input[name=expr]').fill('0 3 * * 8')
    await form.locator('.cron-next.bad').waitFor()
    expect(await form.locator('.cron-next.bad').textContent()).toContain('invalid cron trigger')
    await form.getByRole('button', { name: 'Save trigger' }).click()
    await panel.locator('form[hx-put] .alert').waitFor()
    expect(await panel.locator('form[hx-put] .alert').textContent()).toContain('invalid cron trigger')
    expect(await panel.locator('form[hx-put] input[name=expr]').inputValue()).toBe('0 3 * * 8')
    await page.locator('#cron').screenshot({ path: join(SHOTS, 'runs-01-cron-refused.png') })
    const again = panel.locator('form[hx-put]')
    await again.locator('input[name=expr]').fill('30 2 * * 1-5')
    await again.locator('input[name=timezone]').fill('Europe/Berlin')
    await again.locator('.cron-next:not(.bad)').filter({ hasText: 'Europe/Berlin' }).waitFor()
    await page.locator('#cron').screenshot({ path: join(SHOTS, 'runs-02-cron-editing.png') })
    await again.getByRole('button', { name: 'Save trigger' }).click()
    await panel.locator('tr', { hasText: '30 2 * * 1-5' }).waitFor()
    expect(await panel.locator('form[hx-put]').count()).toBe(0)
    await page.locator('#cron').screenshot({ path: join(SHOTS, 'runs-03-cron-saved.png') })
    const t = (await p.json('GET', `/api/apps/${appId}/cron`, { token })).body.cron.find((x: any) => x.expr === '30 2 * * 1-5')
    expect(t).toMatchObject({ timezone: 'Europe/Berlin', path: '/report', body: '"nightly"', enabled: true })
  }, 60_000)

  test('run detail: attempts, the app log lines of each attempt, the response', async () => {
    const r = await p.json('POST', `/api/invoke/${appId}/report`, { token, body: 'weekly' })
    let run: any
    for (let i = 0; i < 150; i++) {
      run = (await p.json('GET', `/api/runs/${r.body.run_id}`, { token })).body
      if (run.status === 'succeeded' && run.logs.some((l: any) => l.line.includes('report done'))) break
      await Bun.sleep(100)
    }
    expect(run.status).toBe('succeeded')
    await page.goto(`${base}/apps/${appId}`)
    await page.locator(`#runs tr[hx-get$="/runs/${run.id}"]`).click()
    const detail = page.locator('#run-detail .run-detail')
    await detail.waitFor()
    await detail.locator('.run-logs').waitFor()
    const logs = await detail.locator('.run-logs').textContent()
    expect(logs).toContain('#1')
    expect(logs).toContain('building report weekly (try 1)')
    expect(logs).toContain('RuntimeError: the report store is not ready yet')
    expect(logs).toContain('#2')
    expect(logs).toContain('report done: 42 rows')
    expect(await detail.locator('tbody tr').count()).toBe(2)
    await detail.scrollIntoViewIfNeeded()
    await detail.screenshot({ path: join(SHOTS, 'runs-04-run-detail.png') })
    await page.screenshot({ path: join(SHOTS, 'runs-05-dashboard.png'), fullPage: true })
  }, 60_000)

  test('runs filter: status, trigger and time; the filter holds while the list refreshes live', async () => {
    // a failed webhook run (the first try of a report raises) next to the succeeded async run of the test before
    const hook = await fetch(`${base}/hooks/${appId}/report`, { method: 'POST', body: 'from-hook' })
    expect(hook.status).toBe(500)
    const hookRun = hook.headers.get('x-run-id')!
    await page.goto(`${base}/apps/${appId}`)
    const filter = page.locator('#runs-filter')
    await filter.scrollIntoViewIfNeeded()
    const rows = page.locator('#runs tbody tr')
    await rows.first().waitFor()
    const before = await rows.count()
    expect(before).toBeGreaterThanOrEqual(2)
    expect(await filter.getByRole('button', { name: 'Clear' }).isDisabled()).toBe(true)

    await filter.locator('select[name=trigger]').selectOption('webhook')
    await page.waitForFunction("[...document.querySelectorAll('#runs tbody tr td:nth-child(2)')].every((td) => td.textContent === 'webhook')")
    expect(await rows.count()).toBe(1)
    expect(await rows.first().getAttribute('hx-get')).toContain(hookRun)
    expect(await rows.first().locator('.badge').textContent()).toBe('failed')

    // a new async run is announced over the WebSocket: the list refreshes with the filter kept
    const refreshes: string[] = []
    page.on('request', (r) => { if (r.url().includes(`/apps/${appId}/runs?`)) refreshes.push(r.url()) })
    const inv = await p.json('POST', `/api/invoke/${appId}/report`, { token, body: 'live' })
    for (let i = 0; i < 100 && !refreshes.length; i++) await Bun.sleep(100)
    expect(refreshes.length).toBeGreaterThan(0)
    expect(refreshes[0]).toContain('trigger=webhook')
    await page.waitForLoadState('networkidle')
    expect(await rows.count()).toBe(1)
    expect(await filter.locator('select[name=trigger]').inputValue()).toBe('webhook')

    // async + succeeded: the live invoke shows up once it ends (again by a live refresh)
    await filter.locator('select[name=trigger]').selectOption('invoke')
    await filter.locator('select[name=status]').selectOption('succeeded')
    await page.locator(`#runs tr[hx-get$="/runs/${inv.body.run_id}"] .badge`, { hasText: 'succeeded' }).waitFor({ timeout: 20_000 })
    expect(await page.locator(`#runs tr[hx-get$="/runs/${hookRun}"]`).count()).toBe(0)
    const asyncRows = await page.locator('#runs tbody tr td:nth-child(2)').allTextContents()
    expect(asyncRows.every((t) => t === 'async')).toBe(true)
    expect(asyncRows.length).toBe(2)

    // time: the last hour keeps them; a date in the future keeps none (and says why the list is empty)
    await filter.locator('select[name=since]').selectOption('1h')
    await page.waitForFunction("document.querySelectorAll('#runs tbody tr').length === 2")
    await page.locator('#runs-filter').screenshot({ path: join(SHOTS, 'runs-06-filter-controls.png') })
    await page.locator('.panel', { has: page.locator('#runs') }).screenshot({ path: join(SHOTS, 'runs-07-filtered.png') })
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10)
    await filter.locator('input[name=from]').fill(tomorrow)
    await page.locator('#runs', { hasText: 'No runs match these filters.' }).waitFor()
    expect(await filter.locator('select[name=since]').inputValue()).toBe('')
    await page.locator('.panel', { has: page.locator('#runs') }).screenshot({ path: join(SHOTS, 'runs-08-none-match.png') })

    // Clear brings every run back
    await filter.getByRole('button', { name: 'Clear' }).click()
    await page.waitForFunction(`document.querySelectorAll('#runs tbody tr').length >= ${before + 1}`)
    expect(await filter.locator('select[name=status]').inputValue()).toBe('')
    expect(await filter.getByRole('button', { name: 'Clear' }).isDisabled()).toBe(true)
  }, 60_000)
})
