// The template gallery and guides in real Chromium (issue 9): gallery → search and filters → pick the
// FastHTML template → Deploy → its page works through the proxy (an htmx request swaps the list inside
// the app, no reload) → the guide tab's first call runs in one click and shows the answer; a teacher's
// link /new?template=<name> focuses one card; a version saved as a template from the dashboard shows
// up under "My templates". Screenshots go to test/.screens/ (git-ignored).
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { chromiumAvailable, launchChromium, newPage, SHOTS, servePlatform } from '../helpers/browser'
import { startPlatform, type TestPlatform } from '../helpers/platform'

declare const window: any
declare const document: any

const available = chromiumAvailable

let p: TestPlatform
let browser: Browser
let page: Page
let base: string
let stopServer: () => void
const errors: string[] = []
let promptAnswer = ''

beforeAll(async () => {
  if (!available) return
  mkdirSync(SHOTS, { recursive: true })
  p = await startPlatform()
  ;({ base, stop: stopServer } = await servePlatform(p))
  browser = await launchChromium()
  page = await newPage(browser)
  page.on('pageerror', (e) => errors.push(e.message))
  page.on('dialog', (d) => void d.accept(d.type() === 'prompt' ? promptAnswer : undefined))
}, 60_000)

afterAll(async () => {
  await browser?.close()
  stopServer?.()
})

const shot = (name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: false })
const visibleCards = () => page.$$eval('.tpl-card', (cs: any[]) => cs.filter((c) => !c.hidden).map((c) => c.dataset.template))

describe.skipIf(!available)('gallery and guides, in Chromium', () => {
  let appId = ''
  let slug = ''

  test('sign up → the gallery lists the built-ins; search, tag and level filter it', async () => {
    await page.goto(`${base}/signup`)
    await page.fill('#email', 'teacher@example.com')
    await page.fill('#password', 'a long password')
    await page.click('button[type=submit]')
    await page.waitForURL(`${base}/`)
    await page.goto(`${base}/apps/new`)
    await page.waitForSelector('body[data-gallery-ready="1"]')
    expect((await visibleCards()).length).toBe(p.services.templates.length + 1)
    await shot('20-gallery')

    await page.fill('#g-search', 'htmx')
    expect(await visibleCards()).toEqual(['fasthtml-htmx'])
    expect(await page.textContent('#g-shown')).toBe('1 template matches')
    await page.fill('#g-search', 'no such thing at all')
    expect(await page.isVisible('#g-none')).toBe(true)
    await page.fill('#g-search', '')
    await page.selectOption('#g-level', 'intermediate')
    const inter = await visibleCards()
    expect(inter.length).toBeGreaterThan(0)
    expect(inter).not.toContain('fasthtml-htmx')
    expect(inter.every((n: string) => p.services.templates.find((t) => t.name === n)?.level === 'intermediate')).toBe(true)
    await page.selectOption('#g-level', '')
    await page.selectOption('#g-tag', 'fasthtml')
    expect(await visibleCards()).toEqual(['fasthtml-htmx'])
    await page.selectOption('#g-tag', '')
    // "My templates" and "Published" are empty for now but present
    expect(await page.textContent('[data-section=mine]')).toContain('Nothing saved yet')
  }, 60_000)

  test('pick FastHTML → Deploy → its page works through the proxy: an htmx request swaps the list in place', async () => {
    await page.fill('#g-search', 'fasthtml')
    await page.click('#tpl-fasthtml-htmx')
    expect(await page.textContent('#g-picked')).toBe('FastHTML with htmx')
    await page.fill('#name', 'class todos')
    await page.click('#new-app button[type=submit]')
    await page.waitForURL('**/edit')
    appId = page.url().split('/apps/')[1]!.split('/')[0]!
    await page.waitForSelector('body[data-editor-ready="1"]', { timeout: 30_000 })
    expect(await page.isVisible('[data-pane=guide]')).toBe(true) // a template app opens on its guide
    await page.click('#deploy')
    await page.waitForSelector('#progress .ready', { timeout: 30_000, state: 'attached' })
    slug = (await p.services.apps.get((await p.services.deps.repos.users.list())[0]!._id, appId)).slug

    const app = await browser.newPage({ viewport: { width: 1000, height: 700 } })
    const posts: string[] = []
    app.on('request', (r) => r.method() === 'POST' && posts.push(`${r.headers()['hx-request'] ?? ''} ${new URL(r.url()).pathname}`))
    await app.goto(`${base}/app/${slug}/`)
    await app.waitForSelector('text=Todos')
    await app.evaluate(() => { window.__sameDocument = true })
    await app.fill('input[name=title]', 'read the guide')
    await app.click('button:has-text("Add")')
    await app.waitForSelector('#todos li:has-text("read the guide")')
    expect(await app.evaluate(() => window.__sameDocument)).toBe(true) // swapped in place, not a page load
    expect(posts).toEqual([`true /app/${slug}/add`])
    await app.screenshot({ path: join(SHOTS, '21-fasthtml-app.png') })
    await app.close()
  }, 90_000)

  test("the guide tab runs the guide's first call in one click and shows the answer", async () => {
    await page.click('.tabs button[data-tab=guide]')
    expect(await page.textContent('[data-pane=guide] ol')).toContain('htmx swaps the list in place')
    const first = page.locator('#guide-calls .call').first()
    expect(await first.getAttribute('data-path')).toBe('/')
    await first.click()
    await page.waitForFunction(() => document.getElementById('g-status')?.textContent?.includes('200'))
    expect(await page.textContent('#g-body')).toContain('read the guide')
    expect(await first.locator('.got').textContent()).toBe('200 ✓')
    // the same call filled the test panel
    expect(await page.inputValue('#t-path')).toBe('/')
    expect(await page.textContent('#t-status')).toContain('200')
    await shot('22-editor-guide')
  }, 30_000)

  test('a teacher link /new?template=<name> opens the gallery on that template', async () => {
    await page.goto(`${base}/new?template=fasthtml-htmx`)
    await page.waitForSelector('body[data-gallery-ready="1"]')
    const card = page.locator('#tpl-fasthtml-htmx')
    expect(await card.getAttribute('class')).toContain('focus')
    expect(await card.locator('input[type=radio]').isChecked()).toBe(true)
    expect(await page.textContent('.focus-note')).toContain('FastHTML with htmx')
    const box = (await card.boundingBox())!
    expect(box.y).toBeGreaterThanOrEqual(0)
    expect(box.y + box.height).toBeLessThanOrEqual(900)
    await page.waitForTimeout(3500) // let the highlight settle for the screenshot
    await shot('23-gallery-focused')
    await page.goto(`${base}/new?template=${encodeURIComponent('<b>nope</b>')}`)
    expect(await page.textContent('.alert.info')).toContain('There is no template named "<b>nope</b>"')
    expect(await page.locator('.alert.info b').count()).toBe(0)
  }, 30_000)

  test('save a version as a template from the dashboard → it shows under My templates and its link focuses it', async () => {
    await page.goto(`${base}/apps/${appId}`)
    await page.click('#versions button:has-text("Save as template")')
    await page.fill('#tpl-name', 'Bad Name')
    await page.fill('#tpl-title', 'Week 2: todos')
    await page.click('#save-template button[type=submit]')
    await page.waitForSelector('#save-template-result .alert')
    expect(await page.textContent('#save-template-result')).toContain('lower-case')
    await page.fill('#tpl-name', 'week-2-todos')
    await page.fill('#tpl-description', 'A FastHTML todo list for week 2 <script>')
    await page.fill('#tpl-tags', 'class htmx')
    await page.click('#save-template button[type=submit]')
    await page.waitForSelector('#saved-template-link')
    await shot('24-save-template')
    await page.click('#saved-template-link')
    await page.waitForSelector('body[data-gallery-ready="1"]')
    const card = page.locator('[data-section=mine] #tpl-week-2-todos')
    expect(await card.getAttribute('class')).toContain('focus')
    expect(await card.textContent()).toContain('A FastHTML todo list for week 2 <script>')
    expect(await card.textContent()).toContain('private')
    // an admin publishes it from the gallery
    await card.locator('button:has-text("Publish")').click()
    await page.waitForSelector('#tpl-week-2-todos .pill.published')
    await page.waitForSelector('body[data-gallery-ready="1"]')
    await shot('25-gallery-mine')
    // rename from the card: a bad name answers in the card, a good one reloads the gallery focused on it
    promptAnswer = 'Not OK'
    await page.click('#tpl-week-2-todos button:has-text("Rename")')
    await page.waitForSelector('#tpl-week-2-todos .tpl-msg .alert', { timeout: 5000 })
    expect(await page.textContent('#tpl-week-2-todos .tpl-msg')).toContain('lower-case')
    promptAnswer = 'week-2'
    await page.click('#tpl-week-2-todos button:has-text("Rename")')
    await page.waitForURL('**/new?template=week-2', { timeout: 5000 })
    await page.waitForSelector('body[data-gallery-ready="1"]')
    expect(await page.getAttribute('#tpl-week-2', 'class')).toContain('focus')
    await page.click('#tpl-week-2 button:has-text("Delete")')
    await page.waitForURL(`${base}/new`, { timeout: 5000 })
    expect(await page.locator('#tpl-week-2').count()).toBe(0)
    expect(errors).toEqual([])
  }, 30_000)
})
