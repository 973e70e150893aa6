// ACCEPTANCE 18: webhook, invoke and cron targets and app env that point at 127.0.0.1,
// 169.254.169.254, [::ffff:127.0.0.1] or 2130706433: the platform itself never fetches them. Triggers
// only ever name a path of the app; a canary listening on 127.0.0.1 counts every connection made.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { startLoops } from '../../src/loops'
import { startScheduler } from '../../src/loops/scheduler'
import { createProxy } from '../../src/proxy'
import { startPlatform, type TestPlatform } from '../helpers/platform'

const APP = `
import os
from fastapi import FastAPI, Request
app = FastAPI()

@app.api_route("/{rest:path}", methods=["GET", "POST"])
async def anything(rest: str, request: Request):
    return {"path": request.scope["path"], "callback": os.environ.get("CALLBACK_URL")}
`

let p: TestPlatform
let token: string
let app: { id: string; slug: string }
let loops: Awaited<ReturnType<typeof startLoops>>
let canary: { port: number; stop(closeActive?: boolean): void }
let connections = 0
let targets: string[]

beforeAll(async () => {
  canary = Bun.listen({
    hostname: '127.0.0.1', port: 0,
    socket: {
      open(s) {
        connections++
        s.end()
      },
      data() {},
    },
  })
  const port = canary.port
  targets = [`127.0.0.1:${port}`, `[::ffff:127.0.0.1]:${port}`, `2130706433:${port}`, '169.254.169.254']
  p = await startPlatform()
  token = (await p.user()).token
  app = (await p.json('POST', '/api/apps', { token, body: { name: 'reach', files: { 'app.py': APP } } })).body
  loops = startLoops(p.services, createProxy(p.services).invoke, p.services.deps.config, { pollMs: 50, idle: false })
})
afterAll(async () => {
  await loops?.stop()
  canary?.stop(true)
})

async function finished(id: string) {
  const end = Date.now() + 15_000
  for (;;) {
    const r = (await p.json('GET', `/api/runs/${id}`, { token })).body
    if (['succeeded', 'failed', 'dead', 'cancelled'].includes(r.status)) return r
    if (Date.now() > end) throw new Error(`run ${id} stuck: ${JSON.stringify(r).slice(0, 300)}`)
    await Bun.sleep(50)
  }
}

describe('the platform never fetches addresses users give it (ACCEPTANCE 18)', () => {
  test('cron targets are paths of the app: a URL or a host is refused with the reason', async () => {
    for (const t of targets) {
      for (const path of [`http://${t}/latest/meta-data/`, `@${t}/`, `${t}/x`]) {
        const r = await p.json('POST', `/api/apps/${app.id}/cron`, { token, body: { expr: '* * * * *', path } })
        expect(r.status).toBe(400)
        expect(r.body.message).toContain('path must start with /')
      }
    }
    expect(connections).toBe(0)
  })

  test('a cron path that looks like a host still goes to the app, as a path', async () => {
    const c = await p.json('POST', `/api/apps/${app.id}/cron`, { token, body: { expr: '* * * * *', method: 'GET', path: `//${targets[0]}/x` } })
    expect(c.status).toBe(201)
    let now = new Date(Math.ceil(Date.now() / 60_000) * 60_000 + 5_000)
    const ids: string[] = []
    const scheduler = startScheduler({
      repos: p.services.deps.repos, now: () => now,
      enqueue: async (a, t) => {
        const run = await p.services.runs.enqueue(a, 'cron', { method: t.method, path: t.path, headers: {}, body: '' }, { triggerId: t.id })
        ids.push(run._id)
        return run
      },
    }, 3_600_000)
    now = new Date(now.getTime() + 60_000)
    expect(await scheduler.tick()).toBe(1)
    await scheduler.stop()
    const run = await finished(ids[0]!)
    expect(run.status).toBe('succeeded')
    expect(JSON.parse(run.response.body).path).toContain(targets[0])
    await p.json('DELETE', `/api/apps/${app.id}/cron/${c.body.id}`, { token })
    expect(connections).toBe(0)
  })

  test('invoke and webhook paths naming other hosts are delivered to the app itself', async () => {
    for (const t of targets) {
      for (const rest of [`http://${t}/latest/meta-data/`, `/${t}/x`, `@${t}/`]) {
        const inv = await p.json('POST', `/api/invoke/${app.id}/${rest}`, { token, body: {} })
        expect(inv.status).toBe(202)
        const run = await finished(inv.body.run_id)
        expect(run.status).toBe('succeeded')
        expect(JSON.parse(run.response.body).path).toStartWith('/')
        const hook = await p.call('POST', `/hooks/${app.id}/${rest}`, { body: '{}' })
        expect(hook.status).toBe(200)
        expect(((await hook.json()) as { path: string }).path).toStartWith('/')
      }
    }
    expect(connections).toBe(0)
  })

  test('app env pointing at those addresses reaches the app; the platform does not call it', async () => {
    const env = { CALLBACK_URL: `http://${targets[0]}/cb`, METADATA_URL: 'http://169.254.169.254/latest/', MAPPED: `http://${targets[1]}/`, DECIMAL: `http://${targets[2]}/` }
    const r = await p.json('PUT', `/api/apps/${app.id}/env`, { token, body: { env } })
    expect(r.status).toBe(200)
    const answer = await p.call('GET', `/app/${app.slug}/anything`)
    expect(((await answer.json()) as { callback: string }).callback).toBe(env.CALLBACK_URL)
    await Bun.sleep(300) // anything the platform would do with the env in the background
    expect(connections).toBe(0)
  })
})
