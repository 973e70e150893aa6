// Browser screens over HTTP: redirects, content types, CSRF (ACCEPTANCE 13), escaping (ACCEPTANCE 14), tenancy.
import { beforeAll, describe, expect, test } from 'bun:test'
import { HELLO, startPlatform, type TestPlatform } from '../helpers/platform'

let p: TestPlatform
const ORIGIN = 'http://localhost:8080'
const EVIL = '<script>alert(1)</script><div hx-get="/admin" hx-trigger="load">'

async function session(email: string) {
  const r = await p.call('POST', '/signup', {
    body: `email=${encodeURIComponent(email)}&password=password123`,
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'hx-request': 'true', origin: ORIGIN },
  })
  expect(r.headers.get('hx-redirect')).toBe('/')
  return r.headers.get('set-cookie')!.split(';')[0]!
}

let cookieA: string
let cookieB: string
let appId: string
beforeAll(async () => {
  p = await startPlatform()
  const first = await p.call('GET', '/')
  expect(first.status).toBe(303)
  expect(first.headers.get('location')).toBe('/signup')
  cookieA = await session('a@example.com')
  cookieB = await session('b@example.com')
  const token = (await p.json('POST', '/api/auth/login', { body: { email: 'a@example.com', password: 'password123' } })).body.token
  const files = { 'app.py': `from fastapi import FastAPI\napp = FastAPI()\n@app.get("/")\ndef r():\n    raise ValueError(${JSON.stringify(EVIL)})\n` }
  const c = await p.json('POST', '/api/apps', { token, body: { name: EVIL, files } })
  appId = c.body.id
  await p.call('GET', `/app/${c.body.slug}/`)
})

describe('screens', () => {
  test('pages are text/html; a logged-out visitor is sent to log in', async () => {
    const r = await p.call('GET', '/login')
    expect(r.headers.get('content-type')).toContain('text/html')
    const home = await p.call('GET', '/')
    expect(home.headers.get('location')).toBe('/login')
    const ws = await p.call('GET', '/apps/new', { headers: { cookie: cookieA } })
    expect(ws.status).toBe(200)
    expect(await ws.text()).toContain('Hello API')
  })

  test('wrong password re-renders the form with the error (htmx swaps 4xx)', async () => {
    const r = await p.call('POST', '/login', {
      body: 'email=a%40example.com&password=nope-nope-nope',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'hx-request': 'true', origin: ORIGIN },
    })
    expect(r.status).toBe(401)
    expect(await r.text()).toContain('wrong email or password')
  })

  test('a cross-origin form POST with the session cookie is refused (ACCEPTANCE 13)', async () => {
    const r = await p.call('POST', '/apps', {
      body: 'name=evil&template=hello-api',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookieA, origin: 'https://evil.example' },
    })
    expect(r.status).toBe(403)
    const list = await p.json('GET', '/api/apps', { headers: { cookie: cookieA } })
    expect(list.body.apps.map((a: any) => a.name)).not.toContain('evil')
  })

  for (const [name, path] of [['apps list', '/'], ['dashboard', '/apps/:id'], ['editor', '/apps/:id/edit']] as const) {
    test(`hostile app name is escaped on the ${name} (ACCEPTANCE 14)`, async () => {
      const body = await (await p.call('GET', path.replace(':id', appId), { headers: { cookie: cookieA } })).text()
      // Inside a quoted attribute value `<` creates nothing; everywhere else it must be escaped.
      const outsideAttributes = body.replace(/="[^"]*"/g, '=""')
      expect(outsideAttributes).not.toContain('<script>alert(1)')
      expect(outsideAttributes).not.toContain('<div hx-get')
      expect(body.includes('&lt;script&gt;alert(1)') || body.includes('\\u003cscript>alert(1)')).toBe(true)
    })
  }

  test('a traceback holding markup is escaped in the request detail (ACCEPTANCE 14)', async () => {
    const list = await p.json('GET', `/api/apps/${appId}/requests`, { headers: { cookie: cookieA } })
    const rid = list.body.requests[0].id
    const html = await (await p.call('GET', `/apps/${appId}/requests/${rid}`, { headers: { cookie: cookieA } })).text()
    expect(html).toContain('ValueError: &lt;script&gt;alert(1)&lt;/script&gt;')
    expect(html).not.toContain('<script>alert(1)')
  })

  test("another tenant's app is a 404 page on every screen; admin is 404 for non-admins", async () => {
    for (const path of ['/apps/:id', '/apps/:id/edit', '/apps/:id/requests']) {
      const r = await p.call('GET', path.replace(':id', appId), { headers: { cookie: cookieB } })
      expect(r.status).toBe(404)
    }
    const del = await p.call('DELETE', `/apps/${appId}`, { headers: { cookie: cookieB, origin: ORIGIN, 'hx-request': 'true' } })
    expect(del.status).toBe(404)
    expect((await p.call('GET', '/admin', { headers: { cookie: cookieB } })).status).toBe(404)
    expect((await p.call('GET', '/admin', { headers: { cookie: cookieA } })).status).toBe(200)
  })

  test('an admin can disable a user: their session stops working and login is refused', async () => {
    const bId = (await p.json('GET', '/api/auth/me', { headers: { cookie: cookieB } })).body.user.id
    const r = await p.call('POST', `/admin/users/${bId}/disabled`, {
      body: 'disabled=true', headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookieA, origin: ORIGIN, 'hx-request': 'true' },
    })
    expect(await r.text()).toContain('User disabled.')
    expect((await p.json('GET', '/api/auth/me', { headers: { cookie: cookieB } })).status).toBe(401)
    expect((await p.json('POST', '/api/auth/login', { body: { email: 'b@example.com', password: 'password123' } })).status).toBe(403)
  })

  test('static assets come from the platform (no CDN); paths cannot escape their roots', async () => {
    for (const path of ['/vendor/htmx.min.js', '/vendor/htmx-ws.js', '/vendor/alpine.min.js', '/vendor/monaco/vs/loader.js', '/assets/app.css']) {
      expect((await p.call('GET', path)).status).toBe(200)
    }
    expect((await p.call('GET', '/vendor/monaco/../../../package.json')).status).toBe(404)
    expect((await p.call('GET', '/assets/%2e%2e/%2e%2e/package.json')).status).toBe(404)
  })

  test('the editor starts from a template and the new-app form reports bad names in place', async () => {
    const r = await p.call('POST', '/apps', {
      body: 'name=&template=hello-api',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookieA, origin: ORIGIN, 'hx-request': 'true' },
    })
    expect(r.status).toBe(400)
    expect(await r.text()).toContain('give the app a name')
    const ok = await p.call('POST', '/apps', {
      body: 'name=from+template&template=hello-api',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookieA, origin: ORIGIN, 'hx-request': 'true' },
    })
    const to = ok.headers.get('hx-redirect')!
    expect(to).toMatch(/^\/apps\/[\w-]+\/edit$/)
    const editor = await (await p.call('GET', to, { headers: { cookie: cookieA } })).text()
    expect(editor).toContain('someone said hello')
    expect(editor).toContain('data-tab="guide"')
  })
})
void HELLO

describe('settings form', () => {
  const form = (body: string, cookie = cookieA) =>
    p.call('PUT', `/apps/${appId}/settings`, { body, headers: { cookie, 'content-type': 'application/x-www-form-urlencoded', 'hx-request': 'true', origin: ORIGIN } })

  test('CPU and memory fields only on the kubernetes runtime; saved values show, a refused one says why', async () => {
    const page = async () => (await p.call('GET', `/apps/${appId}`, { headers: { cookie: cookieA } })).text()
    expect(await page()).not.toContain('name="cpu"') // the local runtime has no pod resources
    const config = p.services.deps.config as { runtime: string }
    config.runtime = 'kubernetes' // the screen reads only the setting; the local driver stands in
    try {
      const html = await page()
      expect(html).toContain('name="cpu"')
      expect(html).toContain('default 250m, at most 2')
      const bad = await form('idleMinutes=15&cpu=9&memory=')
      expect(bad.status).toBe(400)
      expect(await bad.text()).toContain('cpu must be between 10m and 2 (the limit set for this platform)')
      const ok = await form('idleMinutes=20&cpu=500m&memory=256Mi')
      expect(await ok.text()).toContain('Saved; the app restarts with its new resources.')
      expect(await page()).toContain('value="500m"')
      expect(await (await form('idleMinutes=20&cpu=500m&memory=256Mi')).text()).toContain('>Saved.<')
      const other = await session('c@example.com')
      expect((await form('idleMinutes=20&cpu=1', other)).status).toBe(404) // not C's app
      expect(await page()).toContain('value="500m"')
    } finally {
      config.runtime = 'local'
    }
  })
})

describe('run settings form', () => {
  const form = (body: string) =>
    p.call('PUT', `/apps/${appId}/settings`, { body, headers: { cookie: cookieA, 'content-type': 'application/x-www-form-urlencoded', 'hx-request': 'true', origin: ORIGIN } })
  const page = async () => (await p.call('GET', `/apps/${appId}`, { headers: { cookie: cookieA } })).text()

  test('attempts per run and runs at once: shown with their defaults, saved, a refused value says why and changes nothing', async () => {
    const before = await page()
    expect(before).toContain('name="maxAttempts"')
    expect(before).toMatch(/name="maxAttempts"[^>]*value="3"/)
    expect(before).toMatch(/name="concurrency"[^>]*value="4"/)
    const bad = await form('idleMinutes=15&maxAttempts=50&concurrency=2')
    expect(bad.status).toBe(400)
    expect(await bad.text()).toContain('maxAttempts must be a whole number between 1 and 10')
    expect(await page()).toMatch(/name="concurrency"[^>]*value="4"/)
    expect(await (await form('idleMinutes=15&maxAttempts=5&concurrency=2')).text()).toContain('>Saved.<')
    const after = await page()
    expect(after).toMatch(/name="maxAttempts"[^>]*value="5"/)
    expect(after).toMatch(/name="concurrency"[^>]*value="2"/)
  })

  test("the admin's minimum idle time: set on the admin page (a refused value saves nothing), shown on a dashboard whose app asks for less", async () => {
    const admin = (body: string) =>
      p.call('PUT', '/admin/settings', { body, headers: { cookie: cookieA, 'content-type': 'application/x-www-form-urlencoded', 'hx-request': 'true', origin: ORIGIN } })
    expect(await (await p.call('GET', '/admin', { headers: { cookie: cookieA } })).text()).toMatch(/name="minIdleMinutes"[^>]*value="1"/)
    const bad = await admin('signupOpen=true&allowedImports=&minIdleMinutes=99999')
    expect(bad.status).toBe(400)
    expect(await bad.text()).toContain('minIdleMinutes must be a whole number between 1 and 10080')
    try {
      expect(await admin('allowedImports=&minIdleMinutes=45')).toHaveProperty('status', 200)
      expect(await p.services.deps.repos.settings.get('signupOpen', true)).toBe(false) // the valid form was saved whole
      expect(await (await p.call('GET', '/admin', { headers: { cookie: cookieA } })).text()).toMatch(/name="minIdleMinutes"[^>]*value="45"/)
      expect(await (await form('idleMinutes=15')).text()).toContain('>Saved.<')
      expect(await page()).toContain('45 min idle (the platform&#x27;s minimum)')
    } finally {
      await admin('signupOpen=true&allowedImports=&minIdleMinutes=1')
    }
    expect(await page()).toContain('15 min idle')
  })
})

describe('template guide editing', () => {
  const post = (path: string, body: string, cookie = cookieA) =>
    p.call('POST', path, { body, headers: { cookie, 'content-type': 'application/x-www-form-urlencoded', 'hx-request': 'true', origin: ORIGIN } })

  test('saved with a guide from the dashboard; its owner edits it in the gallery (escaped); others cannot', async () => {
    const saved = await post(`/apps/${appId}/templates`, `name=guided&title=Guided&level=beginner&guide=${encodeURIComponent(`Try \`GET /items\`. ${EVIL}`)}`)
    expect(await saved.text()).toContain('/new?template=guided')
    const editor = await (await p.call('GET', '/templates/guided/guide', { headers: { cookie: cookieA } })).text()
    expect(editor).toContain('<textarea')
    expect(editor).toContain('&lt;script&gt;alert(1)&lt;/script&gt;')
    expect(editor).not.toContain(EVIL)
    const r = await post('/templates/guided/guide', `guide=${encodeURIComponent('1. Call `POST /items` with `{"name": "tea"}`.')}`)
    expect(await r.text()).toContain('Guide saved')
    const token = (await p.json('POST', '/api/auth/login', { body: { email: 'a@example.com', password: 'password123' } })).body.token
    const t = (await p.json('GET', '/api/templates/guided', { token })).body
    expect(t.guide).toBe('1. Call `POST /items` with `{"name": "tea"}`.')
    expect(t.calls).toContainEqual({ method: 'POST', path: '/items', body: '{"name": "tea"}' })
    const other = await session('d@example.com')
    expect((await p.call('GET', '/templates/guided/guide', { headers: { cookie: other } })).status).toBe(404)
    expect((await post('/templates/guided/guide', 'guide=mine%20now', other)).status).toBe(404)
    expect((await post('/templates/guided/guide', `guide=${'x'.repeat(9000)}`)).status).toBe(400)
  })
})
