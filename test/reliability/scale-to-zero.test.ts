// Scale to zero: idle apps sleep, wake on demand with one start however many ask (ACCEPTANCE 21),
// browsers get a waking page, bounded queue and timeouts, restart of the platform (ACCEPTANCE 28).
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { isIdle, startIdleScaler } from '../../src/loops/idle-scaler'
import { HELLO, startPlatform, type TestPlatform } from '../helpers/platform'

let p: TestPlatform
let token: string
beforeAll(async () => {
  p = await startPlatform({ WAKE_HOLD_HTML_MS: '0' })
  token = (await p.user()).token
})

function countStarts(platform: TestPlatform) {
  const rt = platform.services.deps.runtime
  const orig = rt.start.bind(rt)
  const counter = { n: 0, restore: () => (rt.start = orig) }
  rt.start = (spec) => (counter.n++, orig(spec))
  return counter
}

const sleepApp = async (platform: TestPlatform, id: string) => {
  await platform.services.deps.runtime.stop(id)
  await platform.services.deps.repos.apps.update(id, { status: 'sleeping' })
}

/** The platform's idle scaler on a clock the test moves; it runs only when the test ticks it. */
const scalerOn = (platform: TestPlatform, clock: { now: number }) => {
  const s = platform.services
  return startIdleScaler({
    repos: s.deps.repos, runtime: s.deps.runtime, now: () => clock.now,
    lastRequestAt: (id) => s.recorder.lastRequestAt(id), startedAt: (id) => s.deps.runtime.endpoint(id)?.startedAt,
  }, 3_600_000)
}

describe('idle scaler', () => {
  test('isIdle counts from the last request, or the start when nothing came', () => {
    const min = 60_000
    expect(isIdle(10 * min, 5, 4 * min, 1 * min)).toBe(true)
    expect(isIdle(10 * min, 5, 6 * min, 1 * min)).toBe(false)
    expect(isIdle(10 * min, 5, undefined, 6 * min)).toBe(false)
    expect(isIdle(10 * min, 5, undefined, 5 * min)).toBe(true)
  })

  test('an app idle past its setting sleeps and holds no process; the next request wakes it with Server-Timing', async () => {
    const c = await p.json('POST', '/api/apps', { token, body: { name: 'sleepy', files: HELLO } })
    await p.json('PUT', `/api/apps/${c.body.id}/settings`, { token, body: { idleMinutes: 2 } })
    await p.call('GET', `/app/sleepy/`)
    const clock = { now: Date.now() }
    const s = p.services
    const scaler = scalerOn(p, clock)
    try {
      clock.now += 60_000
      expect(await scaler.tick()).not.toContain(c.body.id)
      clock.now += 61_000
      expect(await scaler.tick()).toContain(c.body.id)
    } finally {
      await scaler.stop()
    }
    expect(s.deps.runtime.endpoint(c.body.id)).toBeUndefined()
    expect((await p.json('GET', `/api/apps/${c.body.id}`, { token })).body.status).toBe('sleeping')
    const r = await p.call('GET', '/app/sleepy/')
    expect(r.status).toBe(200)
    expect(await r.json()).toEqual({ message: 'Hello, world!' })
    expect(r.headers.get('server-timing')).toMatch(/^wake;dur=[\d.]+$/)
    const detail = await p.json('GET', `/api/apps/${c.body.id}`, { token })
    expect(detail.body.status).toBe('running')
    expect(detail.body.wakes.count).toBe(1)
    expect(detail.body.wakes.p50Ms).toBeGreaterThan(0)
    const reqs = await p.json('GET', `/api/apps/${c.body.id}/requests`, { token })
    expect(reqs.body.requests[0]).toMatchObject({ cold: true })
    expect(reqs.body.requests[0].wakeMs).toBeGreaterThan(0)
  })

  test("the admin's minimum idle time wins over an app's shorter one; out of range → 400; only admins set it", async () => {
    const other = await p.user()
    expect((await p.json('PUT', '/api/admin/settings', { token: other.token, body: { minIdleMinutes: 30 } })).status).toBe(403)
    const bad = await p.json('PUT', '/api/admin/settings', { token, body: { minIdleMinutes: 0 } })
    expect(bad.status).toBe(400)
    expect(bad.body.message).toContain('minIdleMinutes must be a whole number between 1 and 10080')
    expect((await p.json('PUT', '/api/admin/settings', { token, body: { minIdleMinutes: 30 } })).body.minIdleMinutes).toBe(30)
    const c = await p.json('POST', '/api/apps', { token, body: { name: 'eager sleeper', files: HELLO } })
    await p.json('PUT', `/api/apps/${c.body.id}/settings`, { token, body: { idleMinutes: 2 } })
    await p.call('GET', `/app/${c.body.slug}/`)
    const clock = { now: Date.now() }
    const scaler = scalerOn(p, clock)
    try {
      clock.now += 3 * 60_000 // past the app's own 2 minutes, within the platform's 30
      expect(await scaler.tick()).not.toContain(c.body.id)
      clock.now += 28 * 60_000
      expect(await scaler.tick()).toContain(c.body.id)
    } finally {
      await scaler.stop()
      await p.json('PUT', '/api/admin/settings', { token, body: { minIdleMinutes: 1 } })
    }
  })
})

describe('waking', () => {
  test('a wake that races a deploy ends on the deployed version, never the older one it read first', async () => {
    const v = (n: number) => ({ 'app.py': `from fastapi import FastAPI\napp = FastAPI()\n@app.get("/")\ndef r():\n    return {"v": ${n}}\n` })
    const c = await p.json('POST', '/api/apps', { token, body: { name: 'racer', files: v(1) } })
    // the wake arrives at different moments of the deploy (validating, saving, starting)
    for (let i = 2; i <= 9; i++) {
      await sleepApp(p, c.body.id)
      const [deployed, woke] = await Promise.all([
        p.json('POST', `/api/apps/${c.body.id}/deploy`, { token, body: { files: v(i) } }),
        Bun.sleep((i - 2) * 6).then(() => p.call('GET', '/app/racer/')),
      ])
      expect(deployed.status).toBe(200)
      expect(woke.status).toBe(200)
      expect(await (await p.call('GET', '/app/racer/')).json()).toEqual({ v: i })
    }
  })

  test('200 concurrent requests to a sleeping app: all answered, exactly one wake (ACCEPTANCE 21)', async () => {
    const c = await p.json('POST', '/api/apps', { token, body: { name: 'burst', files: HELLO } })
    await sleepApp(p, c.body.id)
    const starts = countStarts(p)
    try {
      const all = await Promise.all(Array.from({ length: 200 }, () => p.call('GET', '/app/burst/').then(async (r) => [r.status, await r.text()] as const)))
      if (all.some(([status]) => status !== 200)) {
        const bad = await p.json('GET', `/api/apps/${c.body.id}/requests?errors=true`, { token })
        const one = await p.json('GET', `/api/apps/${c.body.id}/requests/${bad.body.requests[0].id}`, { token })
        await Bun.write('/tmp/burst-tb.txt', String(one.body.traceback))
      }
      expect(all.filter(([status]) => status !== 200)).toEqual([])
      expect(all.every(([, body]) => body.includes('Hello, world!'))).toBe(true)
      expect(starts.n).toBe(1)
    } finally {
      starts.restore()
    }
  })

  test('a browser navigation gets the waking page, which waits on __fp/wake, then the app', async () => {
    const c = await p.json('POST', '/api/apps', { token, body: { name: 'Browser <b>app</b>', files: HELLO } })
    await sleepApp(p, c.body.id)
    const page = await p.call('GET', `/app/${c.body.slug}/`, { headers: { accept: 'text/html,application/xhtml+xml' } })
    expect(page.headers.get('content-type')).toContain('text/html')
    const html = await page.text()
    expect(html).toContain('Waking up')
    expect(html).toContain('Browser &lt;b&gt;app&lt;/b&gt;')
    expect(html).toContain(`/app/${c.body.slug}/__fp/wake`)
    const wake = await p.json('GET', `/app/${c.body.slug}/__fp/wake`)
    expect(wake.body).toEqual({ ready: true })
    const after = await p.call('GET', `/app/${c.body.slug}/`, { headers: { accept: 'text/html' } })
    expect(after.status).toBe(200)
  })

  test('past the queue bound → 503 with Retry-After; past the wake timeout → 504', async () => {
    const q = await startPlatform({ WAKE_QUEUE: '3', WAKE_TIMEOUT_MS: '800' })
    const t = (await q.user()).token
    const slowStart = 'import asyncio\nfrom contextlib import asynccontextmanager\nfrom fastapi import FastAPI\n' +
      '@asynccontextmanager\nasync def life(app):\n    await asyncio.sleep(1.5)\n    yield\napp = FastAPI(lifespan=life)\n@app.get("/")\ndef r():\n    return {"ok": True}\n'
    const c = await q.json('POST', '/api/apps', { token: t, body: { name: 'slow start', files: { 'app.py': slowStart } } })
    expect(c.body.status).toBe('running')
    await sleepApp(q, c.body.id)
    const results = await Promise.all(Array.from({ length: 10 }, () => q.call('GET', `/app/${c.body.slug}/`)))
    const statuses = results.map((r) => r.status).sort()
    expect(statuses.filter((s) => s === 503).length).toBe(7)
    expect(statuses.filter((s) => s === 504).length).toBe(3)
    expect(results.find((r) => r.status === 503)!.headers.get('retry-after')).toBe('1')
    await Bun.sleep(1200)
    expect((await q.call('GET', `/app/${c.body.slug}/`)).status).toBe(200)
  }, 30_000)

  test('a crash loop turns the status to error with the reason', async () => {
    const files = { 'app.py': 'import os\nfrom fastapi import FastAPI\napp = FastAPI()\n@app.get("/die")\ndef die():\n    os._exit(3)\n' }
    const c = await p.json('POST', '/api/apps', { token, body: { name: 'crashloop', files } })
    let st = await p.json('GET', `/api/apps/${c.body.id}/status`, { token })
    for (let i = 0; i < 12 && st.body.status !== 'error'; i++) {
      expect((await p.call('GET', '/app/crashloop/die')).status).toBe(502)
      await Bun.sleep(50)
      st = await p.json('GET', `/api/apps/${c.body.id}/status`, { token })
    }
    expect(st.body.status).toBe('error')
    expect(st.body.error).toContain('crash loop')
    expect(st.body.error).toContain('exited with code 3')
  }, 20_000)
})

describe('platform restart (ACCEPTANCE 28)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'fp-restart-'))
  const env = { DATA_DIR: dataDir, MONGO_DB: `restart_${Date.now()}` }
  afterAll(() => {})
  test("after a restart the app's URL works again without user action, and nothing is lost", async () => {
    const a = await startPlatform(env)
    const u = await a.user()
    const c = await a.json('POST', '/api/apps', { token: u.token, body: { name: 'survivor', files: HELLO, env: { KEEP: 'me' } } })
    expect((await a.call('GET', '/app/survivor/')).status).toBe(200)
    await a.close()
    const b = await startPlatform(env)
    await b.services.deps.repos.apps.sleepAll()
    const r = await b.call('GET', '/app/survivor/')
    expect(r.status).toBe(200)
    expect(r.headers.get('server-timing')).toContain('wake')
    const detail = await b.json('GET', `/api/apps/${c.body.id}`, { token: u.token })
    expect(detail.status).toBe(200)
    expect(detail.body.env).toEqual([{ name: 'KEEP', value: '••••••••', masked: true }])
    const reqs = await b.json('GET', `/api/apps/${c.body.id}/requests`, { token: u.token })
    expect(reqs.body.requests.length).toBe(2)
  })
})

describe('frozen tier', () => {
  const PID_APP = { 'app.py': 'import os\nfrom fastapi import FastAPI\napp = FastAPI()\n@app.get("/")\ndef r():\n    return {"pid": os.getpid(), "x": os.environ.get("X")}\n' }
  const state = (pid: number) => {
    try {
      return require('node:fs').readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')[0] as string
    } catch {
      return 'gone'
    }
  }
  const waitStopped = async (pid: number) => {
    for (let i = 0; i < 40 && state(pid) !== 'T'; i++) await Bun.sleep(25) // signals land asynchronously
    return state(pid)
  }
  const waitGone = async (pid: number) => {
    for (let i = 0; i < 100 && !['gone', 'Z'].includes(state(pid)); i++) await Bun.sleep(50)
    return state(pid)
  }

  test('an idle app is frozen first (wakes in milliseconds, same process), then stopped; env changes and the frozen limit are honoured', async () => {
    const q = await startPlatform({ FROZEN_SECONDS: '1', MAX_FROZEN: '1' })
    try {
      const u = await q.user()
      const rt = q.services.deps.runtime
      const a = await q.json('POST', '/api/apps', { token: u.token, body: { name: 'icy', files: PID_APP, env: { X: 'one' } } })
      const first = (await (await q.call('GET', '/app/icy/')).json()) as { pid: number; x: string }
      let now = Date.now()
      const scaler = startIdleScaler({
        repos: q.services.deps.repos, runtime: rt, now: () => now,
        lastRequestAt: (id) => q.services.recorder.lastRequestAt(id), startedAt: (id) => rt.endpoint(id)?.startedAt,
      }, 3_600_000)
      try {
        now += 16 * 60_000
        expect(await scaler.tick()).toContain(a.body.id)
        expect(rt.endpoint(a.body.id)).toBeUndefined()
        expect(await waitStopped(first.pid)).toBe('T') // stopped, not running
        expect((await q.json('GET', `/api/apps/${a.body.id}`, { token: u.token })).body.status).toBe('sleeping')

        // wake from the frozen tier: the same process, a cold start of a few ms
        const r = await q.call('GET', '/app/icy/')
        expect(r.status).toBe(200)
        expect(((await r.json()) as { pid: number }).pid).toBe(first.pid)
        const wake = Number(r.headers.get('server-timing')!.match(/dur=([\d.]+)/)![1])
        expect(wake).toBeLessThan(1000)
        expect(state(first.pid)).not.toBe('T')

        // frozen, then its env changes: the next wake starts a new process with the new env
        now += 16 * 60_000
        expect(await scaler.tick()).toContain(a.body.id)
        expect((await q.json('PUT', `/api/apps/${a.body.id}/env`, { token: u.token, body: { env: { X: 'two' } } })).status).toBe(200)
        const changed = (await (await q.call('GET', '/app/icy/')).json()) as { pid: number; x: string }
        expect(changed).toMatchObject({ x: 'two' })
        expect(changed.pid).not.toBe(first.pid)
        expect(await waitGone(first.pid)).not.toBe('T')

        // frozen past FROZEN_SECONDS: stopped for real, and it holds no process
        now += 16 * 60_000
        expect(await scaler.tick()).toContain(a.body.id)
        expect(await waitStopped(changed.pid)).toBe('T')
        expect(['gone', 'Z']).toContain(await waitGone(changed.pid))
        const again = (await (await q.call('GET', '/app/icy/')).json()) as { pid: number }
        expect(again.pid).not.toBe(changed.pid)

        // at most MAX_FROZEN=1: freezing a second app stops the first one
        const b = await q.json('POST', '/api/apps', { token: u.token, body: { name: 'icier', files: PID_APP } })
        const bPid = ((await (await q.call('GET', '/app/icier/')).json()) as { pid: number }).pid
        now += 16 * 60_000
        const slept = await scaler.tick()
        expect(slept).toContain(a.body.id)
        expect(slept).toContain(b.body.id)
        await waitStopped(bPid)
        await waitGone(again.pid)
        const frozenNow = [state(again.pid), state(bPid)].filter((s) => s === 'T').length
        expect(frozenNow).toBe(1)
        for (const name of ['icy', 'icier']) expect((await q.call('GET', `/app/${name}/`)).status).toBe(200)
      } finally {
        await scaler.stop()
      }
    } finally {
      await q.close()
    }
  })
})
