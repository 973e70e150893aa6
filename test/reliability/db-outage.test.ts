// ACCEPTANCE 23 for real: a platform with its own embedded FerretDB (supervised by the platform) loses
// its database while a run is executing. The test stops the server process (SIGSTOP: it hangs, as a
// stalled disk or VM would), checks that /healthz reports degraded with the database as the component
// down, then kills it (SIGKILL) so the platform's supervisor restarts it on the same data directory.
// The platform recovers without a restart of its own, and the run ends `succeeded` with one attempt
// and one execution of the app's route (the app counts its executions in a module global).
import { describe, expect, test } from 'bun:test'
import { existsSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from '../../src/data/embedded'
import { jsonClient } from '../helpers/http'

const ROOT = join(import.meta.dir, '../..')

const APP = [
  'import time',
  'from fastapi import FastAPI',
  'app = FastAPI()',
  'calls = {"slow": 0}',
  '@app.get("/count")',
  'def count():',
  '    return calls',
  '@app.post("/slow")',
  'def slow():',
  '    calls["slow"] += 1',
  '    time.sleep(2)',
  '    return {"done": calls["slow"]}',
  '',
].join('\n')

/** fetch that gives up after `ms` (a request to a platform whose database hangs may hang too). */
async function timedFetch(url: string, init: RequestInit = {}, ms = 3000): Promise<Response | null> {
  try {
    return await fetch(url, { ...init, signal: AbortSignal.timeout(ms) })
  } catch {
    return null
  }
}

describe('database outage mid-run', () => {
  test('DB stopped mid-run, then restarted → degraded, recovers by itself, the run completes once (ACCEPTANCE 23)', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'fp-dbout-'))
    const env: Record<string, string> = {
      ...(process.env as Record<string, string>),
      PORT: String(await freePort()), DATA_DIR: dataDir, MONGO_DB: 'outage',
      APP_UID_BASE: String(700_000 + Math.floor(Math.random() * 90) * 1000),
    }
    delete env.MONGO_URL // the platform starts and supervises its own FerretDB under DATA_DIR
    delete env.TEST_MONGO_URL
    const proc = Bun.spawn(['bun', 'src/main.ts'], { cwd: ROOT, env, stdout: 'pipe', stderr: 'pipe' })
    const stderr = new Response(proc.stderr).text()
    const stdout = new Response(proc.stdout).text()
    const base = `http://127.0.0.1:${env.PORT}`
    const pidFile = join(dataDir, 'ferretdb/server.pid')
    const dbPid = () => Number(readFileSync(pidFile, 'utf8'))
    let stoppedPid = 0
    const json = jsonClient(base)
    try {
      for (let i = 0; i < 150 && !(await timedFetch(`${base}/healthz`, {}, 1000))?.ok; i++) await Bun.sleep(100)
      expect(existsSync(pidFile)).toBe(true)
      expect((await json('GET', '/healthz')).body).toMatchObject({ ok: true, status: 'ok', db: 'ok' })

      const { token } = (await json('POST', '/api/auth/signup', { email: 'o@example.com', password: 'password123' })).body
      const app = (await json('POST', '/api/apps', { name: 'outage', files: { 'app.py': APP } }, token)).body
      expect(app.status).toBe('running')
      // the app is warm: it has served its URL already
      expect(await (await fetch(`${base}/app/outage/count`)).json()).toEqual({ slow: 0 })
      const run = (await json('POST', `/api/invoke/${app.id}/slow`, {}, token)).body
      let seen = ''
      for (let i = 0; i < 60 && seen !== 'running'; i++) {
        seen = (await json('GET', `/api/runs/${run.run_id}`, undefined, token)).body.status
        if (seen !== 'running') await Bun.sleep(50)
      }
      expect(seen).toBe('running')

      // The database stops while the run's attempt is executing.
      stoppedPid = dbPid()
      process.kill(stoppedPid, 'SIGSTOP')
      const stoppedAt = Date.now()
      let health: { status: number; body: any } | null = null
      for (let i = 0; i < 40; i++) {
        const r = await timedFetch(`${base}/healthz`, {}, 5000)
        if (r && r.status === 503) {
          health = { status: r.status, body: await r.json() }
          break
        }
        await Bun.sleep(100)
      }
      expect(health?.body).toMatchObject({ ok: false, status: 'degraded', db: 'down', down: ['db'] })
      expect(Date.now() - stoppedAt).toBeLessThan(6000)
      // A warm app keeps serving while the control plane's database is away.
      const during = await timedFetch(`${base}/app/outage/count`, {}, 5000)
      expect(during?.status).toBe(200)
      expect((await during!.json()) as any).toEqual({ slow: 1 })

      // The attempt ends while the database is still stopped; its result cannot be written yet.
      await Bun.sleep(Math.max(0, 2600 - (Date.now() - stoppedAt)))
      // The database is "restarted": killed, and the platform's supervisor starts it again on the same data.
      process.kill(stoppedPid, 'SIGKILL')
      stoppedPid = 0
      let healthy = false
      for (let i = 0; i < 200 && !healthy; i++) {
        const r = await timedFetch(`${base}/healthz`, {}, 3000)
        healthy = !!r && r.status === 200 && ((await r.json()) as any).status === 'ok'
        if (!healthy) await Bun.sleep(100)
      }
      expect(healthy).toBe(true)
      expect(dbPid()).not.toBe(0)

      // The API works again without a platform restart, and the run ended once.
      let r: any
      for (let i = 0; i < 200; i++) {
        const got = await json('GET', `/api/runs/${run.run_id}`, undefined, token)
        r = got.body
        if (process.env.DEBUG_OUTAGE && got.status !== 200) console.error(got.status, JSON.stringify(r))
        if (['succeeded', 'dead', 'failed'].includes(r.status)) break
        await Bun.sleep(100)
      }
      expect(r.status).toBe('succeeded')
      expect(r.attempts).toHaveLength(1)
      expect(JSON.parse(r.response.body)).toEqual({ done: 1 })
      // still once after a full lease-less sweep of the queue: nothing picks the run up again
      await Bun.sleep(1500)
      expect(await (await fetch(`${base}/app/outage/count`)).json()).toEqual({ slow: 1 })
      const list = (await json('GET', `/api/apps/${app.id}/runs`, undefined, token)).body.runs
      expect(list.filter((x: any) => x.id === run.run_id)).toHaveLength(1)
      expect(list.find((x: any) => x.id === run.run_id).status).toBe('succeeded')
      // the request served while the database was away was recorded once it came back
      let paths: string[] = []
      for (let i = 0; i < 30; i++) {
        paths = (await json('GET', `/api/apps/${app.id}/requests`, undefined, token)).body.requests.map((q: any) => q.path)
        if (paths.includes('/count')) break
        await Bun.sleep(200)
      }
      expect(paths).toContain('/count')
      expect((await json('POST', `/api/invoke/${app.id}/slow`, {}, token)).status).toBe(202)
    } finally {
      if (stoppedPid) process.kill(stoppedPid, 'SIGKILL')
      proc.kill('SIGTERM')
      await Promise.race([proc.exited, Bun.sleep(8000)])
      proc.kill('SIGKILL')
      if (process.env.DEBUG_OUTAGE) console.error(await stdout, await stderr, dataDir)
    }
  }, 90_000)
})
