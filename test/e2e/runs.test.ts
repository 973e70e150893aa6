// Triggers and runs: async invoke with retries (ACCEPTANCE 24), idempotency (25), cron slots (26),
// lease expiry after a platform death (22), webhooks, replay and cancel.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { createHmac } from 'node:crypto'
import { nanoid } from 'nanoid'
import { startLoops } from '../../src/loops'
import { startScheduler } from '../../src/loops/scheduler'
import { backoffMs, decide } from '../../src/domain/runs'
import { createProxy } from '../../src/proxy'
import { startPlatform, type TestPlatform } from '../helpers/platform'

const APP = `
import logging
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
app = FastAPI()
calls = {"flaky": 0}
log = logging.getLogger("app")
logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")

@app.post("/flaky")
def flaky():
    calls["flaky"] += 1
    print(f"flaky attempt {calls['flaky']}")
    if calls["flaky"] < 3:
        return JSONResponse({"error": "not yet"}, status_code=503)
    return {"ok": True, "calls": calls["flaky"]}

@app.post("/broken")
def broken():
    raise RuntimeError("always broken")

@app.post("/bad-input")
def bad():
    return JSONResponse({"error": "nope"}, status_code=400)

@app.post("/echo")
async def echo(request: Request):
    return {"got": (await request.body()).decode()}

@app.post("/logged")
async def logged(request: Request):
    body = (await request.body()).decode()
    calls[body] = calls.get(body, 0) + 1
    print(f"handling {body}")
    log.warning("warned about %s", body)
    if body.startswith("job") and calls[body] == 1:
        raise RuntimeError(f"first try of {body} fails")
    return {"ok": body}

@app.post("/slow")
def slow():
    import time
    time.sleep(0.8)
    return {"slow": True}

@app.get("/tick")
@app.post("/tick")
def tick():
    print("tick ran")
    return {"tick": True}
`

let p: TestPlatform
let token: string
let app: { id: string; slug: string }
let loops: Awaited<ReturnType<typeof startLoops>>
beforeAll(async () => {
  p = await startPlatform({ RUN_LEASE_MS: '1500' })
  token = (await p.user()).token
  app = (await p.json('POST', '/api/apps', { token, body: { name: 'runner app', files: { 'app.py': APP } } })).body
  loops = startLoops(p.services, createProxy(p.services).invoke, p.services.deps.config, { pollMs: 50, idle: false })
})
afterAll(async () => loops?.stop())

async function waitRun(id: string, until: (r: any) => boolean, ms = 15_000) {
  const end = Date.now() + ms
  for (;;) {
    const r = (await p.json('GET', `/api/runs/${id}`, { token })).body
    if (until(r)) return r
    if (Date.now() > end) throw new Error(`run ${id} stuck: ${JSON.stringify(r).slice(0, 400)}`)
    await Bun.sleep(100)
  }
}
const final = (r: any) => ['succeeded', 'failed', 'dead', 'cancelled'].includes(r.status)

describe('runs', () => {
  test('retry policy: 5xx and timeouts retry with growing delays, 4xx is final, Retry-After wins', () => {
    const now = new Date(0)
    const run = { attempts: [] as any[], maxAttempts: 3 }
    expect(decide(run, { status: 200 } as any, now).status).toBe('succeeded')
    expect(decide(run, { status: 404 } as any, now).status).toBe('failed')
    expect(decide(run, { status: 503 } as any, now).status).toBe('queued')
    expect(decide({ ...run, attempts: [{}, {}] as any[] }, { status: 503 } as any, now).status).toBe("dead")
    expect(backoffMs(1, undefined, () => 0.5)).toBe(1000)
    expect(backoffMs(3, undefined, () => 0.5)).toBe(4000)
    expect(backoffMs(1, 7)).toBe(7000)
  })

  test('a route that fails twice then succeeds: one invoke, 3 visible attempts, growing delays', async () => {
    const r = await p.json('POST', `/api/invoke/${app.id}/flaky`, { token, body: {} })
    expect(r.status).toBe(202)
    expect(r.body.status_url).toContain(`/api/runs/${r.body.run_id}`)
    const done = await waitRun(r.body.run_id, final)
    expect(done.status).toBe('succeeded')
    expect(done.attempts.map((a: any) => a.status)).toEqual([503, 503, 200])
    const gaps = [1, 2].map((i) => new Date(done.attempts[i].startedAt).getTime() - new Date(done.attempts[i - 1].finishedAt).getTime())
    expect(gaps[1]!).toBeGreaterThan(gaps[0]!)
    expect(JSON.parse(done.response.body)).toEqual({ ok: true, calls: 3 })
  }, 20_000)

  test('run detail lists the lines the app printed and logged during each attempt, and only those', async () => {
    const mine = await p.json('POST', `/api/invoke/${app.id}/logged`, { token, body: 'job-A' })
    // another request printing at the same time must not show up in this run
    await p.call('POST', `/app/${app.slug}/logged`, { body: 'other-B' })
    await waitRun(mine.body.run_id, final)
    const run = await waitRun(mine.body.run_id, (r) => r.logs.filter((l: any) => l.attempt === 2).length >= 2, 5000)
    expect(run.status).toBe('succeeded')
    expect(run.attempts.map((a: any) => a.status)).toEqual([500, 200])
    expect(run.attempts.every((a: any) => /^[0-9a-z]{9}[A-Za-z0-9_-]{8}$/.test(a.requestId))).toBe(true)
    const lines = run.logs.map((l: any) => `${l.attempt} ${l.stream} ${l.line}`)
    expect(lines).toContain('1 stdout handling job-A')
    expect(lines).toContain('1 stderr WARNING warned about job-A')
    expect(lines).toContain('2 stdout handling job-A')
    expect(lines).toContain('2 stderr WARNING warned about job-A')
    // the traceback the runner printed for the failed attempt is the app's output of that request too
    expect(lines.some((l: string) => l.startsWith('1 stderr') && l.includes('RuntimeError: first try of job-A fails'))).toBe(true)
    expect(lines.join('\n')).not.toContain('other-B')
    expect(lines.join('\n')).not.toContain('\x1e')
    // the dashboard's run detail shows them
    const detail = await (await p.call('GET', `/apps/${app.id}/runs/${run.id}`, { token })).text()
    expect(detail).toContain('handling job-A')
    expect(detail).toContain('App logs')
    expect(detail).toContain(run.attempts[1].requestId)
    // the log store keeps the request id with each line; untagged lines stay untagged
    const stored = await p.services.deps.repos.logs.query(app.id, { q: 'other-B', limit: 10 })
    expect(stored.length).toBeGreaterThan(0)
    expect(stored.every((l) => l.requestId && !run.attempts.some((a: any) => a.requestId === l.requestId))).toBe(true)
  }, 20_000)

  test('a run that always fails ends dead after 3 attempts with the traceback; replay makes a linked run (ACCEPTANCE 24)', async () => {
    const r = await p.json('POST', `/api/invoke/${app.id}/broken`, { token, body: {} })
    const dead = await waitRun(r.body.run_id, final)
    expect(dead.status).toBe('dead')
    expect(dead.attempts).toHaveLength(3)
    expect(dead.traceback).toContain('RuntimeError: always broken')
    const replay = await p.json('POST', `/api/runs/${dead.id}/replay`, { token })
    expect(replay.status).toBe(202)
    expect(replay.body.replayOf).toBe(dead.id)
    const list = await p.json('GET', `/api/apps/${app.id}/runs?status=dead`, { token })
    expect(list.body.runs.map((x: any) => x.id)).toContain(dead.id)
  }, 20_000)

  test('4xx is final after one attempt', async () => {
    const r = await p.json('POST', `/api/invoke/${app.id}/bad-input`, { token, body: {} })
    const done = await waitRun(r.body.run_id, final)
    expect(done.status).toBe('failed')
    expect(done.attempts).toHaveLength(1)
  })

  test('Idempotency-Key: same key and body → the same run; different body → 422; concurrent → one run (ACCEPTANCE 25)', async () => {
    const key = `k-${nanoid(6)}`
    const headers = { 'idempotency-key': key }
    const [x, y, z] = await Promise.all([0, 1, 2].map(() => p.json('POST', `/api/invoke/${app.id}/echo`, { token, body: 'same', headers })))
    const ids = new Set([x, y, z].map((r) => r.body.run_id))
    expect(ids.size).toBe(1)
    expect([x, y, z].filter((r) => r.status === 202)).toHaveLength(1)
    const other = await p.json('POST', `/api/invoke/${app.id}/echo`, { token, body: 'different', headers })
    expect(other.status).toBe(422)
    const done = await waitRun(x.body.run_id, final)
    expect(JSON.parse(done.response.body)).toEqual({ got: 'same' })
  })

  test('invoke of a missing app or another tenant\'s app → 404; invoke keys work and rotate', async () => {
    expect((await p.json('POST', '/api/invoke/nope/x', { token, body: {} })).status).toBe(404)
    const other = await p.user()
    expect((await p.json('POST', `/api/invoke/${app.id}/echo`, { token: other.token, body: {} })).status).toBe(404)
    expect((await p.json('GET', `/api/apps/${app.id}/runs`, { token: other.token })).status).toBe(404)
    const k1 = (await p.json('POST', `/api/apps/${app.id}/invoke-key`, { token })).body.key
    expect((await p.json('POST', `/api/invoke/${app.id}/echo`, { body: 'k', headers: { 'x-invoke-key': k1 } })).status).toBe(202)
    const k2 = (await p.json('POST', `/api/apps/${app.id}/invoke-key`, { token })).body.key
    expect((await p.json('POST', `/api/invoke/${app.id}/echo`, { body: 'k', headers: { 'x-invoke-key': k1 } })).status).toBe(404)
    expect((await p.json('POST', `/api/invoke/${app.id}/echo`, { body: 'k', headers: { 'x-invoke-key': k2 } })).status).toBe(202)
  })

  test('invoking a sleeping app wakes it; the attempt records the cold start', async () => {
    for (let i = 0; i < 100; i++) {
      const busy = (await p.json('GET', `/api/apps/${app.id}/runs`, { token })).body.runs.filter((r: any) => !final(r))
      if (!busy.length) break
      await Bun.sleep(100)
    }
    await p.services.deps.runtime.stop(app.id)
    const r = await p.json('POST', `/api/invoke/${app.id}/echo`, { token, body: 'wake' })
    const done = await waitRun(r.body.run_id, final)
    expect(done.status).toBe('succeeded')
    expect(done.attempts[0].cold).toBe(true)
  })

  test('a run left running by a platform that died is retried once its lease expires (ACCEPTANCE 22)', async () => {
    const doc = (await p.services.deps.repos.apps.byId(app.id))!
    // what a kill -9 mid-run leaves behind: running, leased by a process that is gone, never finished
    const now = new Date()
    const id = `run_orphan${nanoid(8)}`
    await p.services.deps.repos.runs.insert({
      _id: id, appId: doc._id, ownerId: doc.ownerId, trigger: 'invoke', request: { method: 'POST', path: '/echo', headers: {}, body: 'orphan' },
      status: 'running', attempts: [], maxAttempts: 3, nextAttemptAt: new Date(0), leaseUntil: new Date(now.getTime() + 1000), createdAt: now, updatedAt: now,
    })
    expect((await p.json('GET', `/api/runs/${id}`, { token })).body.status).toBe('running')
    const done = await waitRun(id, final)
    expect(done.status).toBe('succeeded')
    expect(new Date(done.attempts[0].startedAt).getTime()).toBeGreaterThanOrEqual(now.getTime() + 1000)
    expect(JSON.parse(done.response.body)).toEqual({ got: 'orphan' })
  })

  test('per-app concurrency holds; a run waiting for a slot here can be cancelled; ended runs are stored once', async () => {
    const ids: string[] = []
    for (let i = 0; i < 6; i++) ids.push((await p.json('POST', `/api/invoke/${app.id}/slow`, { token, body: {} })).body.run_id)
    // the first four start at once (the default per-app limit); the others wait in this process
    const waiting = (await p.json('GET', `/api/runs/${ids[5]}`, { token })).body
    expect(waiting.status).toBe('queued')
    const cancelled = await p.json('POST', `/api/runs/${ids[5]}/cancel`, { token })
    expect(cancelled.body.status).toBe('cancelled')
    expect((await p.json('GET', `/api/runs/${ids[0]}`, { token })).body.status).toBe('running')
    const running = (await p.json('GET', `/api/apps/${app.id}/runs?status=running`, { token })).body.runs.map((r: any) => r.id)
    expect(running).toContain(ids[0])
    expect(running).not.toContain(ids[4])
    expect((await p.json('POST', `/api/runs/${ids[0]}/cancel`, { token })).status).toBe(409)
    const done = await Promise.all(ids.slice(0, 5).map((id) => waitRun(id, final)))
    expect(done.map((r) => r.status)).toEqual(Array(5).fill('succeeded'))
    const spans = done.map((r) => [new Date(r.attempts[0].startedAt).getTime(), new Date(r.attempts[0].finishedAt).getTime()])
    const maxOverlap = Math.max(...spans.map(([a]) => spans.filter(([x, y]) => x <= a && a < y).length))
    expect(maxOverlap).toBeLessThanOrEqual(4)
    await Bun.sleep(100)
    expect((await p.json('GET', `/api/runs/${ids[5]}`, { token })).body.status).toBe('cancelled')
    expect((await p.json('GET', `/api/runs/${ids[5]}`, { token })).body.attempts).toHaveLength(0)
    // a second record of an ended run (a re-run after a crash between the two steps) keeps the first
    const repo = p.services.deps.repos.runs
    const first = (await repo.get(ids[0]!))!
    await repo.finish([{ ...first, status: 'dead' }])
    expect((await repo.get(ids[0]!))!.status).toBe('succeeded')
    // concurrent inserts of one id: exactly one wins, the other caller alone gets the error
    const dup = { ...first, _id: `run_dup${nanoid(6)}`, status: 'queued' as const, nextAttemptAt: new Date(Date.now() + 3600_000), leaseUntil: null }
    const outcomes = await Promise.allSettled([repo.insert(dup), repo.insert(dup), repo.insert({ ...dup, _id: `${dup._id}b` })])
    expect(outcomes.map((o) => o.status).sort()).toEqual(['fulfilled', 'fulfilled', 'rejected'])
  }, 20_000)

  test("an app's own run settings: attempts per run and runs at once, on both the local and the claimed path; out of range → 400", async () => {
    const other = (await p.json('POST', '/api/apps', { token, body: { name: 'strict runs', files: { 'app.py': APP } } })).body
    for (const [body, reason] of [[{ maxAttempts: 0 }, 'maxAttempts must be a whole number between 1 and 10'], [{ concurrency: 17 }, 'concurrency must be a whole number between 1 and 16'], [{ maxAttempts: 2.5 }, 'maxAttempts']] as const) {
      const r = await p.json('PUT', `/api/apps/${other.id}/settings`, { token, body })
      expect(r.status).toBe(400)
      expect(JSON.stringify(r.body)).toContain(reason)
    }
    const before = (await p.json('GET', `/api/apps/${other.id}`, { token })).body
    expect(before.settings).toMatchObject({ maxAttempts: 3, concurrency: 4, webhookSigned: false })
    expect(before.settings).not.toHaveProperty('webhookSecret')
    expect((await p.json('PUT', `/api/apps/${other.id}/settings`, { token, body: { maxAttempts: 1, concurrency: 1 } })).status).toBe(200)
    expect((await p.json('GET', `/api/apps/${other.id}`, { token })).body.settings).toMatchObject({ maxAttempts: 1, concurrency: 1, idleMinutes: 15 })

    const broken = await waitRun((await p.json('POST', `/api/invoke/${other.id}/broken`, { token, body: {} })).body.run_id, final)
    expect(broken.status).toBe('dead')
    expect(broken.attempts).toHaveLength(1)

    // two queued here (handed over in memory), two due shortly (claimed from the database by the sweep)
    const ids: string[] = []
    for (let i = 0; i < 2; i++) ids.push((await p.json('POST', `/api/invoke/${other.id}/slow`, { token, body: {} })).body.run_id)
    const doc = (await p.services.deps.repos.apps.byId(other.id))!
    for (let i = 0; i < 2; i++) {
      ids.push((await p.services.runs.enqueue(doc, 'invoke', { method: 'POST', path: '/slow', headers: {}, body: '' }, { nextAttemptAt: new Date(Date.now() + 200) }))._id)
    }
    const done = await Promise.all(ids.map((id) => waitRun(id, final, 20_000)))
    expect(done.map((r) => r.status)).toEqual(Array(4).fill('succeeded'))
    const spans = done.map((r) => [new Date(r.attempts[0].startedAt).getTime(), new Date(r.attempts[0].finishedAt).getTime()])
    const maxOverlap = Math.max(...spans.map(([a]) => spans.filter(([x, y]) => x <= a && a < y).length))
    expect(maxOverlap).toBe(1)
  }, 30_000)

  test('cancel works on a queued run only', async () => {
    const doc = await p.services.deps.repos.apps.byId(app.id)
    const run = await p.services.runs.enqueue(doc!, 'invoke', { method: 'POST', path: '/echo', headers: {}, body: '' }, { nextAttemptAt: new Date(Date.now() + 3600_000) })
    expect((await p.json('POST', `/api/runs/${run._id}/cancel`, { token })).body.status).toBe('cancelled')
    expect((await p.json('POST', `/api/runs/${run._id}/cancel`, { token })).status).toBe(409)
  })
})

describe('cron', () => {
  test('invalid expressions are refused with the reason', async () => {
    const r = await p.json('POST', `/api/apps/${app.id}/cron`, { token, body: { expr: '61 * * * *' } })
    expect(r.status).toBe(400)
    expect(r.body.message).toContain('minute')
    expect((await p.json('POST', `/api/apps/${app.id}/cron`, { token, body: { expr: '* * * * *', timezone: 'Mars/Base' } })).status).toBe(400)
  })

  test('`* * * * *` makes one run per minute; a restart or a second scheduler never runs a slot twice (ACCEPTANCE 26)', async () => {
    const c = await p.json('POST', `/api/apps/${app.id}/cron`, { token, body: { expr: '* * * * *', method: 'POST', path: '/tick' } })
    expect(c.status).toBe(201)
    expect(c.body.next).toHaveLength(3)
    let now = new Date(Math.ceil(Date.now() / 60_000) * 60_000 + 5_000) // 5 s past a minute boundary
    const enqueued: string[] = []
    const mk = () => startScheduler({
      repos: p.services.deps.repos, now: () => now,
      enqueue: async (a, t, slot) => {
        enqueued.push(slot.toISOString())
        return p.services.runs.enqueue(a, 'cron', { method: t.method, path: t.path, headers: {}, body: '' }, { triggerId: t.id })
      },
    }, 3_600_000)
    // two schedulers (a second platform process, or one restarted mid-minute) see the same slots
    const first = mk()
    const second = mk()
    now = new Date(now.getTime() + 60_000)
    expect(await first.tick()).toBe(1)
    expect(await second.tick()).toBe(0)
    now = new Date(now.getTime() + 60_000)
    expect(await second.tick()).toBe(1)
    expect(await first.tick()).toBe(0)
    await first.stop()
    await second.stop()
    expect(new Set(enqueued).size).toBe(2)
    const runs = await p.json('GET', `/api/apps/${app.id}/runs?trigger=cron`, { token })
    expect(runs.body.runs.length).toBe(2)
    await p.json('DELETE', `/api/apps/${app.id}/cron/${c.body.id}`, { token })
  })
})

describe('cron editing', () => {
  test('PATCH changes only the fields sent; invalid expressions and timezones are refused with the reason', async () => {
    const c = (await p.json('POST', `/api/apps/${app.id}/cron`, { token, body: { expr: '0 3 * * *', path: '/tick', body: '{"a":1}' } })).body
    const r = await p.json('PATCH', `/api/apps/${app.id}/cron/${c.id}`, { token, body: { expr: '*/5 * * * *', timezone: 'Europe/Paris' } })
    expect(r.status).toBe(200)
    expect(r.body).toMatchObject({ id: c.id, expr: '*/5 * * * *', timezone: 'Europe/Paris', method: 'POST', path: '/tick', body: '{"a":1}', enabled: true })
    expect(new Date(r.body.next[1]).getTime() - new Date(r.body.next[0]).getTime()).toBe(5 * 60_000)
    const bad = await p.json('PATCH', `/api/apps/${app.id}/cron/${c.id}`, { token, body: { expr: '*/5 * * *  99' } })
    expect(bad.status).toBe(400)
    expect(bad.body.message).toContain('invalid cron trigger')
    expect((await p.json('PATCH', `/api/apps/${app.id}/cron/${c.id}`, { token, body: { timezone: 'Nowhere/Atlantis' } })).status).toBe(400)
    expect((await p.json('PATCH', `/api/apps/${app.id}/cron/${c.id}`, { token, body: { method: 'BREW' } })).status).toBe(400)
    const off = await p.json('PATCH', `/api/apps/${app.id}/cron/${c.id}`, { token, body: { enabled: false, method: 'GET', path: '/tock' } })
    expect(off.body).toMatchObject({ expr: '*/5 * * * *', enabled: false, method: 'GET', path: '/tock', next: [] })
    expect((await p.json('GET', `/api/apps/${app.id}/cron`, { token })).body.cron.find((t: any) => t.id === c.id).expr).toBe('*/5 * * * *')
    expect((await p.json('PATCH', `/api/apps/${app.id}/cron/cron_nope`, { token, body: { enabled: true } })).status).toBe(404)
    const other = await p.user()
    expect((await p.json('PATCH', `/api/apps/${app.id}/cron/${c.id}`, { token: other.token, body: { enabled: true } })).status).toBe(404)
    await p.json('DELETE', `/api/apps/${app.id}/cron/${c.id}`, { token })
  })

  test('the panel edits a trigger in place: the form keeps what was typed and shows why it was refused; preview follows the typing', async () => {
    const form = { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://localhost:8080' }
    const c = (await p.json('POST', `/api/apps/${app.id}/cron`, { token, body: { expr: '0 3 * * *', path: '/tick' } })).body
    const edit = await (await p.call('GET', `/apps/${app.id}/cron/${c.id}/edit`, { token })).text()
    expect(edit).toContain(`hx-put="/apps/${app.id}/cron/${c.id}"`)
    expect(edit).toContain('value="0 3 * * *"')
    expect(edit).toContain('next: ')
    const refused = await (await p.call('PUT', `/apps/${app.id}/cron/${c.id}`, { token, headers: form, body: 'expr=0+25+*+*+*&method=PUT&path=%2Fnightly&timezone=UTC&body=&hasEnabled=1&enabled=true' })).text()
    expect(refused).toContain('invalid cron trigger')
    expect(refused).toContain('value="0 25 * * *"')
    expect(refused).toContain('value="/nightly"')
    expect(refused).toContain('<option selected>PUT</option>')
    const saved = await (await p.call('PUT', `/apps/${app.id}/cron/${c.id}`, { token, headers: form, body: 'expr=30+2+*+*+1&method=GET&path=%2Fnightly&timezone=Asia%2FTokyo&body=%7B%22x%22%3A1%7D&hasEnabled=1' })).text()
    expect(saved).not.toContain('invalid')
    expect(saved).toContain('30 2 * * 1')
    const t = (await p.json('GET', `/api/apps/${app.id}/cron`, { token })).body.cron.find((x: any) => x.id === c.id)
    expect(t).toMatchObject({ expr: '30 2 * * 1', method: 'GET', path: '/nightly', timezone: 'Asia/Tokyo', body: '{"x":1}', enabled: false })
    const good = await (await p.call('GET', `/apps/${app.id}/cron/preview?expr=${encodeURIComponent('*/10 * * * *')}&timezone=UTC`, { token })).text()
    expect(good).toMatch(/next: \d{4}-\d\d-\d\d \d\d:\d0/)
    const bad = await (await p.call('GET', `/apps/${app.id}/cron/preview?expr=${encodeURIComponent('*/10 * * *')}&timezone=UTC`, { token })).text()
    expect(bad).toContain('invalid cron trigger')
    const xss = await (await p.call('GET', `/apps/${app.id}/cron/preview?expr=${encodeURIComponent('<img src=x onerror=alert(1)>')}&timezone=UTC`, { token })).text()
    expect(xss).not.toContain('<img')
    await p.json('DELETE', `/api/apps/${app.id}/cron/${c.id}`, { token })
  })
})

describe('dashboard panels', () => {
  test('runs, run detail with attempts and traceback, cron add/toggle/delete with errors in place', async () => {
    const page = await (await p.call('GET', `/apps/${app.id}`, { token })).text()
    expect(page).toContain('id="runs"')
    expect(page).toContain(`/hooks/${app.id}/your/path`)
    const runs = (await p.json('GET', `/api/apps/${app.id}/runs?status=dead`, { token })).body.runs
    const detail = await (await p.call('GET', `/apps/${app.id}/runs/${runs[0].id}`, { token })).text()
    expect(detail).toContain('RuntimeError: always broken')
    const form = { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://localhost:8080' }
    const bad = await (await p.call('POST', `/apps/${app.id}/cron`, { token, body: 'expr=99+*+*+*+*&method=POST&path=%2Ftick&timezone=UTC', headers: form })).text()
    expect(bad).toContain('invalid cron trigger')
    const ok = await (await p.call('POST', `/apps/${app.id}/cron`, { token, body: 'expr=0+3+*+*+*&method=POST&path=%2Ftick&timezone=UTC', headers: form })).text()
    expect(ok).toContain('0 3 * * *')
    expect(ok).toContain('>Edit</button>')
    expect(ok).not.toContain('disabled</span>')
  })
})

describe('webhooks', () => {
  test('POST /hooks/{appId}/{path} forwards synchronously and records a run; a secret requires the HMAC', async () => {
    const r = await p.call('POST', `/hooks/${app.id}/echo`, { body: '{"event":"push"}', headers: { 'content-type': 'application/json' } })
    expect(r.status).toBe(200)
    expect(await r.json()).toEqual({ got: '{"event":"push"}' })
    const runId = r.headers.get('x-run-id')!
    expect((await p.json('GET', `/api/runs/${runId}`, { token })).body).toMatchObject({ trigger: 'webhook', status: 'succeeded' })
    await p.json('PUT', `/api/apps/${app.id}/webhook`, { token, body: { secret: 'hook-secret-123' } })
    expect((await p.call('POST', `/hooks/${app.id}/echo`, { body: 'x' })).status).toBe(401)
    const sig = `sha256=${createHmac('sha256', 'hook-secret-123').update('x').digest('hex')}`
    expect((await p.call('POST', `/hooks/${app.id}/echo`, { body: 'x', headers: { 'x-signature-256': sig } })).status).toBe(200)
    expect((await p.call('POST', '/hooks/unknown-app/x', { body: 'x' })).status).toBe(404)
  })
})

describe('run list filters', () => {
  test('status, trigger (async/cron/webhook/replay) and time filters; unknown values → 400 with the allowed ones', async () => {
    const other = (await p.json('POST', '/api/apps', { token, body: { name: 'filtered runs', files: { 'app.py': APP } } })).body
    const doc = (await p.services.deps.repos.apps.byId(other.id))!
    const ids = (q: string) => p.json('GET', `/api/apps/${other.id}/runs${q}`, { token }).then((r) => {
      expect(r.status).toBe(200)
      return (r.body.runs as any[]).map((x) => x.id).sort()
    })
    // one run per trigger, plus a failed one and one from three days ago
    const ok = (await p.json('POST', `/api/invoke/${other.id}/tick`, { token, body: {} })).body.run_id
    const bad = (await p.json('POST', `/api/invoke/${other.id}/bad-input`, { token, body: {} })).body.run_id
    await waitRun(ok, final)
    await waitRun(bad, final)
    const hook = (await p.call('POST', `/hooks/${other.id}/tick`, { body: '{}' })).headers.get('x-run-id')!
    const cron = (await p.services.runs.enqueue(doc, 'cron', { method: 'POST', path: '/tick', headers: {}, body: '' }))._id
    const replay = (await p.json('POST', `/api/runs/${ok}/replay`, { token })).body.id
    await waitRun(cron, final)
    await waitRun(replay, final)
    const at = new Date(Date.now() - 3 * 86_400_000)
    const old = `run_old${nanoid(10)}`
    await p.services.deps.repos.runs.insert({
      _id: old, appId: other.id, ownerId: doc.ownerId, trigger: 'cron', request: { method: 'POST', path: '/tick', headers: {}, body: '' },
      status: 'succeeded', attempts: [], maxAttempts: 3, nextAttemptAt: at, createdAt: at, updatedAt: at, finishedAt: at,
    })
    const all = [ok, bad, hook, cron, replay, old].sort()
    expect(await ids('')).toEqual(all)

    // status
    expect(await ids('?status=failed')).toEqual([bad])
    expect(await ids('?status=succeeded')).toEqual(all.filter((x) => x !== bad))
    expect(await ids('?status=queued')).toEqual([])
    // trigger: `async` is the dashboard's name for `invoke`
    expect(await ids('?trigger=async')).toEqual([ok, bad].sort())
    expect(await ids('?trigger=invoke')).toEqual([ok, bad].sort())
    expect(await ids('?trigger=webhook')).toEqual([hook])
    expect(await ids('?trigger=cron')).toEqual([cron, old].sort())
    expect(await ids('?trigger=replay')).toEqual([replay])
    expect(await ids('?trigger=async&status=failed')).toEqual([bad])
    // time: a window back from now, or a date (a bare `until` date covers its day)
    expect(await ids('?since=1h')).toEqual(all.filter((x) => x !== old))
    expect(await ids('?since=24h')).toEqual(all.filter((x) => x !== old))
    expect(await ids('?since=7d')).toEqual(all)
    expect(await ids('?since=90m&trigger=cron')).toEqual([cron])
    const day = (d: number) => new Date(Date.now() - d * 86_400_000).toISOString().slice(0, 10)
    expect(await ids(`?since=${day(2)}`)).toEqual(all.filter((x) => x !== old))
    expect(await ids(`?since=${day(4)}`)).toEqual(all)
    expect(await ids(`?until=${day(3)}`)).toEqual([old])
    expect(await ids(`?since=${encodeURIComponent(new Date(at.getTime() - 1000).toISOString())}&until=${encodeURIComponent(new Date(at.getTime() + 1000).toISOString())}`)).toEqual([old])

    // refused: unknown values (with the allowed ones), bad dates, query operators
    const refused = async (q: string) => {
      const r = await p.json('GET', `/api/apps/${other.id}/runs${q}`, { token })
      expect(r.status).toBe(400)
      return r.body
    }
    const s = await refused('?status=done')
    expect(s.message).toContain('allowed: queued, running, succeeded, failed, dead, cancelled')
    expect(s.allowed).toEqual(['queued', 'running', 'succeeded', 'failed', 'dead', 'cancelled'])
    const t = await refused('?trigger=email')
    expect(t.message).toContain('allowed: async (or invoke), cron, webhook, replay')
    expect(t.allowed).toEqual(['async', 'invoke', 'cron', 'webhook', 'replay'])
    expect((await refused('?since=yesterday')).message).toContain('a window like 1h, 24h or 7d')
    expect((await refused('?since=2026-13-45')).message).toContain('since')
    expect((await refused('?until=1h')).message).toContain('until')
    expect((await refused(`?since=${day(1)}&until=${day(3)}`)).message).toContain('since is after until')
    // bracket syntax is not parsed into objects: the key is unknown and ignored, never an operator
    expect(await ids('?status[$ne]=failed')).toEqual(all)
    await refused(`?status=${encodeURIComponent('{"$ne":"x"}')}`)
    await refused(`?trigger=${encodeURIComponent('{"$gt":""}')}`)
    await refused(`?since=${encodeURIComponent('{"$gt":""}')}`)

    // the dashboard fragment: the same filters from the panel's form; a refused one shows why in place
    const frag = async (q: string) => (await p.call('GET', `/apps/${other.id}/runs${q}`, { token })).text()
    const failedOnly = await frag('?status=failed&trigger=&since=&from=')
    expect(failedOnly).toContain(`/runs/${bad}`)
    expect(failedOnly).not.toContain(`/runs/${ok}`)
    const hooks = await frag('?status=&trigger=webhook&since=24h&from=')
    expect(hooks).toContain(`/runs/${hook}`)
    expect(hooks).not.toContain(`/runs/${cron}`)
    expect(await frag(`?status=&trigger=&since=&from=${day(4)}`)).toContain(`/runs/${old}`)
    expect(await frag('?status=&trigger=&since=1h&from=')).not.toContain(`/runs/${old}`)
    expect(await frag('?status=dead&trigger=replay&since=&from=')).toContain('No runs match these filters.')
    expect(await frag('?status=nope')).toContain('allowed: queued, running')
    const page = await (await p.call('GET', `/apps/${other.id}`, { token })).text()
    expect(page).toContain('id="runs-filter"')
    expect(page).toContain('hx-include="#runs-filter"')
  }, 40_000)
})
