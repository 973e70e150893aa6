// The core loop on real parts: create → deploy → call through the proxy, errors, rollback, clone.
import { beforeAll, describe, expect, test } from 'bun:test'
import { HELLO, startPlatform, type TestPlatform } from '../helpers/platform'

let p: TestPlatform
let token: string
beforeAll(async () => {
  p = await startPlatform()
  token = (await p.user()).token
})

const create = (name: string, files: Record<string, string>, extra: Record<string, unknown> = {}) =>
  p.json('POST', '/api/apps', { token, body: { name, files, ...extra } })

describe('deploy and call', () => {
  test('a created app answers at /app/{slug}/ with its JSON; docs and openapi.json work through the proxy', async () => {
    const c = await create('Hello API', HELLO)
    expect(c.status).toBe(201)
    expect(c.body).toMatchObject({ slug: 'hello-api', status: 'running', version: 1 })
    expect(c.body.url).toBe('http://localhost:8080/app/hello-api/')
    const r = await p.json('GET', '/app/hello-api/')
    expect(r.status).toBe(200)
    expect(r.body).toEqual({ message: 'Hello, world!' })
    expect(r.res.headers.get('x-request-id')).toBeTruthy()
    const docs = await p.call('GET', '/app/hello-api/docs')
    expect(docs.status).toBe(200)
    expect(await docs.text()).toContain("url: '/app/hello-api/openapi.json'")
    const spec = await p.json('GET', '/app/hello-api/openapi.json')
    expect(spec.status).toBe(200)
    expect(spec.body.paths['/']).toBeDefined()
    const health = await p.json('GET', '/app/hello-api/health')
    expect(health.body).toEqual({ status: 'ok' })
    const bare = await p.call('GET', '/app/hello-api')
    expect(bare.status).toBe(308)
    expect(bare.headers.get('location')).toBe('/app/hello-api/')
  })

  test('an unhandled exception gives the caller a 500 and the request record the traceback', async () => {
    const c = await create('Boom', HELLO)
    const r = await p.call('GET', `/app/${c.body.slug}/boom`)
    expect(r.status).toBe(500)
    expect(r.headers.get('x-fp-traceback')).toBeNull()
    const rid = r.headers.get('x-request-id')!
    const list = await p.json('GET', `/api/apps/${c.body.id}/requests?errors=true`, { token })
    expect(list.body.requests[0]).toMatchObject({ id: rid, status: 500, method: 'GET', path: '/boom' })
    expect(list.body.requests[0].error).toContain('ZeroDivisionError')
    const one = await p.json('GET', `/api/apps/${c.body.id}/requests/${rid}`, { token })
    expect(one.body.traceback).toContain('File "app.py", line 11, in boom')
    expect(one.body.traceback).toContain('ZeroDivisionError: division by zero')
  })

  test('a syntax error gets 422 with line/column and the previous version keeps serving', async () => {
    const c = await create('Syntax', HELLO)
    const broken = { 'app.py': HELLO['app.py'].replace("def root():", 'def root(:') }
    const d = await p.json('POST', `/api/apps/${c.body.id}/deploy`, { token, body: { files: broken } })
    expect(d.status).toBe(422)
    expect(d.body.error).toBe('validation_failed')
    expect(d.body.diagnostics[0]).toMatchObject({ file: 'app.py', line: 6, code: 'syntax-error', severity: 'error' })
    expect(d.body.diagnostics[0].column).toBeGreaterThan(0)
    expect((await p.json('GET', `/app/${c.body.slug}/`)).body).toEqual({ message: 'Hello, world!' })
    const st = await p.json('GET', `/api/apps/${c.body.id}/status`, { token })
    expect(st.body).toMatchObject({ status: 'running', currentVersion: 1 })
    const ds = await p.json('GET', `/api/apps/${c.body.id}/deploy-status`, { token })
    expect(ds.body.phase).toBe('failed')
  })

  test('redeploy switches versions; rollback restores the earlier behaviour; versions are listed', async () => {
    const c = await create('Versions', HELLO)
    const v2 = { 'app.py': HELLO['app.py'].replace('Hello, world!', 'Hello, v2!') }
    const d = await p.json('PUT', `/api/apps/${c.body.id}`, { token, body: { files: v2 } })
    expect(d.status).toBe(200)
    expect(d.body.deploy).toMatchObject({ ok: true, version: 2 })
    expect((await p.json('GET', `/app/${c.body.slug}/`)).body.message).toBe('Hello, v2!')
    const rb = await p.json('POST', `/api/apps/${c.body.id}/rollback`, { token, body: { version: 1 } })
    expect(rb.status).toBe(200)
    expect((await p.json('GET', `/app/${c.body.slug}/`)).body.message).toBe('Hello, world!')
    const vs = await p.json('GET', `/api/apps/${c.body.id}/versions`, { token })
    expect(vs.body.versions.map((v: any) => [v.version, v.current])).toEqual([[2, false], [1, true]])
    const files = await p.json('GET', `/api/apps/${c.body.id}/versions/2`, { token })
    expect(files.body.files['app.py']).toContain('Hello, v2!')
  })

  test('clone makes a new app with its own slug serving the same code', async () => {
    const c = await create('Original', HELLO)
    const k = await p.json('POST', `/api/apps/${c.body.id}/clone`, { token, body: { name: 'Copy of it' } })
    expect(k.status).toBe(201)
    expect(k.body.slug).toBe('copy-of-it')
    expect(k.body.id).not.toBe(c.body.id)
    expect((await p.json('GET', `/app/copy-of-it/`)).body).toEqual({ message: 'Hello, world!' })
  })

  test('an app that fails at import: deploy answers 422 with the traceback, status error', async () => {
    const c = await create('Import Error', { 'app.py': 'from fastapi import FastAPI\nimport json\napp = FastAPI()\nraise RuntimeError("bad config")\n' })
    expect(c.status).toBe(201)
    expect(c.body.status).toBe('error')
    expect(c.body.deploy.ok).toBe(false)
    expect(c.body.deploy.traceback).toContain('RuntimeError: bad config')
    const r = await p.json('GET', `/app/${c.body.slug}/`)
    expect(r.status).toBe(404)
    expect(r.body.error).toBe('not_deployed')
  })

  test('env vars are encrypted at rest, listed masked, and reach the app', async () => {
    const files = { 'main.py': 'import os\nfrom fastapi import FastAPI\napp = FastAPI()\n@app.get("/")\ndef r():\n    return {"greeting": os.environ.get("GREETING"), "db": os.environ.get("PLATFORM_MONGO_URI", "")[:10], "home": os.environ.get("HOME")}\n' }
    const c = await create('Env App', files, { env: { GREETING: 'hi there' } })
    expect(c.body.status).toBe('running')
    const r = await p.json('GET', `/app/${c.body.slug}/`)
    expect(r.body.greeting).toBe('hi there')
    expect(r.body.db).toBe('mongodb://')
    const listed = await p.json('GET', `/api/apps/${c.body.id}/env`, { token })
    expect(listed.body.env).toEqual([{ name: 'GREETING', value: '••••••••', masked: true }])
    const raw = await p.services.deps.repos.apps.byId(c.body.id)
    expect(JSON.stringify(raw!.env)).not.toContain('hi there')
    const changed = await p.json('PUT', `/api/apps/${c.body.id}/env`, { token, body: { env: { GREETING: 'changed' } } })
    expect(changed.body.restarted).toBe(1)
    expect((await p.json('GET', `/app/${c.body.slug}/`)).body.greeting).toBe('changed')
  })

  test('the platform\'s own environment does not leak into apps (ACCEPTANCE 6)', async () => {
    process.env.FP_TEST_SECRET = 'do-not-leak'
    const files = { 'app.py': 'import os\nfrom fastapi import FastAPI\napp = FastAPI()\n@app.get("/")\ndef r():\n    return sorted(os.environ)\n' }
    const c = await create('Env Leak', files)
    const r = await p.json('GET', `/app/${c.body.slug}/`)
    expect(r.body).not.toContain('FP_TEST_SECRET')
    expect(r.body).toContain('PLATFORM_MONGO_URI')
  })

  test('the app runs under its own uid (when the platform is root), lazy imports and lifespan work', async () => {
    const files = { 'app.py': [
      'import os, asyncio',
      'from contextlib import asynccontextmanager',
      'from fastapi import FastAPI',
      'state = {}',
      '@asynccontextmanager',
      'async def life(app):',
      '    import statistics, decimal, zoneinfo, csv',
      '    state["mean"] = statistics.mean([1, 2, 3])',
      '    yield',
      'app = FastAPI(lifespan=life)',
      '@app.get("/")',
      'def r():',
      '    import fractions',
      '    return {"uid": os.getuid(), "mean": state.get("mean"), "frac": str(fractions.Fraction(1, 3))}',
    ].join('\n') }
    const c = await create('Lazy Imports', files)
    expect(c.body.status).toBe('running')
    const r = await p.json('GET', `/app/${c.body.slug}/`)
    expect(r.body.mean).toBe(2)
    expect(r.body.frac).toBe('1/3')
    if (process.getuid?.() === 0) expect(r.body.uid).toBeGreaterThanOrEqual(200000)
  })

  test('draft save does not deploy; delete removes the app and its URL', async () => {
    const c = await create('Drafty', HELLO)
    const changed = { 'app.py': HELLO['app.py'].replace('Hello, world!', 'draft only') }
    const d = await p.json('PUT', `/api/apps/${c.body.id}/draft`, { token, body: { files: changed } })
    expect(d.body.files['app.py']).toContain('draft only')
    expect((await p.json('GET', `/app/${c.body.slug}/`)).body.message).toBe('Hello, world!')
    expect((await p.json('DELETE', `/api/apps/${c.body.id}`, { token })).status).toBe(200)
    expect((await p.json('GET', `/api/apps/${c.body.id}`, { token })).status).toBe(404)
    expect((await p.json('GET', `/app/${c.body.slug}/`)).status).toBe(404)
  })
})
