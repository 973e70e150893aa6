// ACCEPTANCE 3 (busy loop → 504, recycled), 8 (kill -9 mid-request → 502, restart), 9 (crash at import).
import { beforeAll, describe, expect, test } from 'bun:test'
import { startPlatform, type TestPlatform } from '../helpers/platform'

let p: TestPlatform
let token: string
const APP = `
import os, time
from fastapi import FastAPI
app = FastAPI()

@app.get("/pid")
def pid():
    return {"pid": os.getpid()}

@app.get("/slow")
def slow():
    time.sleep(3)
    return {"done": True}

@app.get("/spin")
def spin():
    while True:
        pass
`
beforeAll(async () => {
  p = await startPlatform({ REQUEST_TIMEOUT_MS: '1500' })
  token = (await p.user()).token
})

describe('app faults', () => {
  test('kill -9 of the app mid-request → prompt 502; the next request restarts it (ACCEPTANCE 8)', async () => {
    const c = await p.json('POST', '/api/apps', { token, body: { name: 'killable', files: { 'app.py': APP } } })
    const { pid } = (await p.json('GET', `/app/${c.body.slug}/pid`)).body
    const inflight = p.call('GET', `/app/${c.body.slug}/slow`)
    await Bun.sleep(200)
    const t0 = performance.now()
    process.kill(pid, 'SIGKILL')
    const r = await inflight
    expect(r.status).toBe(502)
    expect(performance.now() - t0).toBeLessThan(1000)
    await Bun.sleep(100)
    const again = await p.json('GET', `/app/${c.body.slug}/pid`)
    expect(again.status).toBe(200)
    expect(again.body.pid).not.toBe(pid)
    const reqs = await p.json('GET', `/api/apps/${c.body.id}/requests`, { token })
    expect(reqs.body.requests[0]).toMatchObject({ path: '/pid', status: 200, cold: true })
    expect(reqs.body.requests.find((x: any) => x.path === '/slow').status).toBe(502)
  })

  test('a busy loop past the request timeout → 504 at the limit, and the app is recycled (ACCEPTANCE 3)', async () => {
    const c = await p.json('POST', '/api/apps', { token, body: { name: 'spinner', files: { 'app.py': APP } } })
    const { pid } = (await p.json('GET', `/app/${c.body.slug}/pid`)).body
    const t0 = performance.now()
    const r = await p.json('GET', `/app/${c.body.slug}/spin`)
    const took = performance.now() - t0
    expect(r.status).toBe(504)
    expect(took).toBeGreaterThan(1400)
    expect(took).toBeLessThan(4000)
    const deadline = Date.now() + 8000
    while (Date.now() < deadline) {
      try {
        process.kill(pid, 0)
      } catch {
        break
      }
      await Bun.sleep(100)
    }
    expect(() => process.kill(pid, 0)).toThrow()
    const again = await p.json('GET', `/app/${c.body.slug}/pid`)
    expect(again.status).toBe(200)
    expect(again.body.pid).not.toBe(pid)
  }, 20_000)

  test('an app that crashes at import: the caller gets the traceback (HTML for browsers), status error (ACCEPTANCE 9)', async () => {
    const ok = 'from fastapi import FastAPI\napp = FastAPI()\n@app.get("/")\ndef r():\n    return {"ok": True}\n'
    const c = await p.json('POST', '/api/apps', { token, body: { name: 'crashy', files: { 'app.py': ok } } })
    // Deploy a version that validates but raises at import, then force a cold start of it.
    const bad = await p.json('PUT', `/api/apps/${c.body.id}`, { token, body: { files: { 'app.py': ok + 'raise ValueError("missing SETTING")\n' } } })
    expect(bad.body.deploy.ok).toBe(false)
    expect(bad.body.deploy.traceback).toContain('ValueError: missing SETTING')
    // The previous version is still serving.
    expect((await p.json('GET', `/app/${c.body.slug}/`)).body).toEqual({ ok: true })
    const app = await p.services.deps.repos.apps.byId(c.body.id)
    expect(app!.currentVersion).toBe(1)
    expect(app!.error).toContain('version 2 failed to start')
  })

  test('a sleeping app whose current version fails at start answers 502 with its traceback', async () => {
    const c = await p.json('POST', '/api/apps', { token, body: { name: 'envdep', files: { 'app.py': 'import os\nfrom fastapi import FastAPI\nif os.environ.get("BREAK"):\n    raise KeyError("BREAK is set")\napp = FastAPI()\n' } } })
    expect(c.body.status).toBe('running')
    await p.json('PUT', `/api/apps/${c.body.id}/env`, { token, body: { env: { BREAK: '1' }, restart: false } })
    await p.services.deps.runtime.stop(c.body.id)
    const html = await p.call('GET', `/app/${c.body.slug}/`, { headers: { accept: 'text/html' } })
    expect(html.status).toBe(502)
    expect(html.headers.get('content-type')).toContain('text/html')
    const page = await html.text()
    expect(page).toContain('KeyError')
    expect(page).toContain('envdep')
    const json = await p.json('GET', `/app/${c.body.slug}/`)
    expect(json.status).toBe(502)
    expect(json.body.traceback).toContain("KeyError: 'BREAK is set'")
    const st = await p.json('GET', `/api/apps/${c.body.id}/status`, { token })
    expect(st.body.status).toBe('error')
  })
})
