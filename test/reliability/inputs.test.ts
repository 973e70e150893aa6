// ACCEPTANCE 15 (operator injection), 16 (file paths), 17 (brute force), 19 (body limits).
import { beforeAll, describe, expect, test } from 'bun:test'
import { HELLO, startPlatform, type TestPlatform } from '../helpers/platform'

let p: TestPlatform
let token: string
beforeAll(async () => {
  p = await startPlatform({ API_BODY_LIMIT: String(1024 * 1024), APP_BODY_LIMIT: String(64 * 1024) })
  token = (await p.user()).token
})

describe('query operators in bodies are refused (ACCEPTANCE 15)', () => {
  const bodies = [
    { email: { $ne: null }, password: 'x' },
    { email: 'a@example.com', password: { $ne: null } },
    { email: { $where: 'sleep(1000)' }, password: 'password123' },
    { email: ['a@example.com'], password: 'password123' },
  ]
  for (const body of bodies) {
    test(`login ${JSON.stringify(body)} → 400`, async () => {
      const r = await p.json('POST', '/api/auth/login', { body })
      expect(r.status).toBe(400)
      expect(r.body.error).toBe('bad_request')
    })
  }
  test('signup with an operator → 400', async () => {
    expect((await p.json('POST', '/api/auth/signup', { body: { email: { $gt: '' }, password: 'password123' } })).status).toBe(400)
  })
  test('request filter with an operator → 400', async () => {
    const c = await p.json('POST', '/api/apps', { token, body: { name: 'filters', files: HELLO, deploy: false } })
    const q = encodeURIComponent(JSON.stringify({ $ne: null }))
    const r = await p.json('GET', `/api/apps/${c.body.id}/requests?before=${q}`, { token })
    expect(r.status).toBe(400)
    const odd = await p.json('GET', `/api/apps/${c.body.id}/requests?before[$ne]=1`, { token })
    expect(odd.body.requests).toEqual([])
  })
  test('invalid JSON → 400 with a clear message', async () => {
    const r = await p.json('POST', '/api/auth/login', { body: '{"email": ', headers: { 'content-type': 'application/json' } })
    expect(r.status).toBe(400)
  })
})

describe('unsafe file paths are rejected (ACCEPTANCE 16)', () => {
  const paths = ['../x.py', '/etc/passwd', 'a/../../b.py', 'a\0b.py', `${'a'.repeat(300)}.py`, 'a//b.py', './app.py', 'C:\\x.py', 'run.sh', '.env']
  for (const path of paths) {
    test(`create with ${JSON.stringify(path.slice(0, 40))} → 400`, async () => {
      const r = await p.json('POST', '/api/apps', { token, body: { name: 'bad path', files: { ...HELLO, [path]: 'x = 1\n' } } })
      expect(r.status).toBe(400)
      expect(r.body.message.length).toBeGreaterThan(10)
    })
  }
  test('validate answers with diagnostics for limits too', async () => {
    const big = 'x = 1\n'.repeat(20_000)
    const r = await p.json('POST', '/api/apps', { token, body: { name: 'big', files: { 'app.py': big } } })
    expect(r.status).toBe(400)
    expect(r.body.message).toContain('limit')
  })
  test('nothing was written outside the data directory', async () => {
    expect(await Bun.file('/x.py').exists()).toBe(false)
  })
})

describe('brute-force login is slowed per account (ACCEPTANCE 17)', () => {
  test('after 5 failures the account answers 429 with Retry-After, even with the right password', async () => {
    const u = await p.user()
    for (let i = 0; i < 5; i++) {
      expect((await p.json('POST', '/api/auth/login', { body: { email: u.email, password: `wrong-${i}-password` } })).status).toBe(401)
    }
    const locked = await p.json('POST', '/api/auth/login', { body: { email: u.email, password: 'correct horse battery' } })
    expect(locked.status).toBe(429)
    expect(Number(locked.res.headers.get('retry-after'))).toBeGreaterThan(0)
  })
})

describe('body limits (ACCEPTANCE 19)', () => {
  test('an API body over the limit → 413', async () => {
    const body = 'x'.repeat(1024 * 1024 + 10)
    const r = await p.call('POST', '/api/apps', { token, body, headers: { 'content-length': String(body.length) } })
    expect(r.status).toBe(413)
  })
  test('an app body over the limit → 413 (declared length)', async () => {
    const c = await p.json('POST', '/api/apps', { token, body: { name: 'upload', files: { 'app.py': 'from fastapi import FastAPI, Request\napp = FastAPI()\n@app.post("/")\nasync def up(r: Request):\n    return {"n": len(await r.body())}\n' } } })
    const ok = await p.json('POST', `/app/${c.body.slug}/`, { body: 'y'.repeat(1000), headers: { 'content-type': 'text/plain' } })
    expect(ok.body).toEqual({ n: 1000 })
    const big = await p.call('POST', `/app/${c.body.slug}/`, { body: 'y'.repeat(65 * 1024), headers: { 'content-type': 'text/plain' } })
    expect(big.status).toBe(413)
  })
  test('an app body over the limit → 413 (streamed, no length)', async () => {
    const c = await p.json('GET', '/api/apps', { token })
    const slug = c.body.apps.find((a: any) => a.name === 'upload').slug
    const chunk = new Uint8Array(16 * 1024).fill(65)
    let sent = 0
    const stream = new ReadableStream({
      pull(ctrl) {
        if (sent >= 8) return ctrl.close()
        sent++
        ctrl.enqueue(chunk)
      },
    })
    const r = await p.app.handle(new Request(`${p.baseUrl}/app/${slug}/`, { method: 'POST', body: stream, duplex: 'half' } as RequestInit))
    expect(r.status).toBe(413)
  })
})

describe('app settings', () => {
  test('idle minutes, run attempts and concurrency, CPU and memory out of range or not quantities → 400 with the reason; nothing changes', async () => {
    const c = await p.json('POST', '/api/apps', { token, body: { name: 'settings', files: HELLO, deploy: false } })
    const put = (body: unknown) => p.json('PUT', `/api/apps/${c.body.id}/settings`, { token, body })
    const cases: [unknown, string][] = [
      [{ idleMinutes: 0 }, 'idleMinutes must be a whole number between 1 and 10080'],
      [{ maxAttempts: 11 }, 'maxAttempts must be a whole number between 1 and 10'],
      [{ concurrency: 0 }, 'concurrency must be a whole number between 1 and 16'],
      [{ cpu: 'lots' }, 'cpu must be a Kubernetes quantity such as 250m or 1'],
      [{ cpu: '{"$gt":""}' }, 'cpu must be a Kubernetes quantity'],
      [{ cpu: '5m' }, 'cpu must be between 10m and 2'],
      [{ cpu: '3' }, 'cpu must be between 10m and 2'],
      [{ memory: '16Mi' }, 'memory must be between 32Mi and 2Gi'],
      [{ memory: '1Ti' }, 'memory must be between 32Mi and 2Gi'],
    ]
    for (const [body, message] of cases) {
      const r = await put(body)
      expect(r.status).toBe(400)
      expect(r.body.message).toContain(message)
    }
    expect((await put({ cpu: { $gt: '' } })).status).toBe(400) // not even a string
    const defaults = { maxAttempts: 3, concurrency: 4, webhookSigned: false }
    expect((await p.json('GET', `/api/apps/${c.body.id}`, { token })).body.settings).toEqual({ idleMinutes: 15, ...defaults })
    const ok = await put({ idleMinutes: 30, cpu: '500m', memory: '256Mi' })
    expect(ok.body.settings).toEqual({ idleMinutes: 30, cpu: '500m', memory: '256Mi', ...defaults })
    expect((await put({ cpu: null, memory: '' })).body.settings).toEqual({ idleMinutes: 30, ...defaults })
  })
})
