// ACCEPTANCE 22 and 28 for real: the platform process is killed with SIGKILL while a run is
// running; after a restart the run completes (lease expiry) and the app's URL works again.
import { describe, expect, test } from 'bun:test'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from '../../src/data/embedded'
import { jsonClient } from '../helpers/http'
import { testMongoUrl } from '../helpers/platform'

const ROOT = join(import.meta.dir, '../..')

async function startMain(env: Record<string, string>) {
  const proc = Bun.spawn(['bun', 'src/main.ts'], { cwd: ROOT, env: { ...process.env, ...env }, stdout: 'pipe', stderr: 'pipe' })
  const base = `http://127.0.0.1:${env.PORT}`
  for (let i = 0; i < 100; i++) {
    if (await fetch(`${base}/healthz`).then((r) => r.ok, () => false)) return { proc, base }
    await Bun.sleep(100)
  }
  proc.kill('SIGKILL')
  throw new Error(`platform did not start: ${await new Response(proc.stderr).text()}`)
}

describe('platform killed mid-run', () => {
  test('kill -9 while a run is running → after restart the run completes and URLs work (ACCEPTANCE 22, 28)', async () => {
    const env = {
      PORT: String(await freePort()), DATA_DIR: mkdtempSync(join(tmpdir(), 'fp-kill-')), MONGO_URL: await testMongoUrl(),
      MONGO_DB: `kill_${Date.now()}`, RUN_LEASE_MS: '2000', APP_UID_BASE: String(800_000 + Math.floor(Math.random() * 90) * 1000),
    }
    let { proc, base } = await startMain(env)
    // a restart listens on the same PORT, so `base` stays the same
    const json = jsonClient(base)
    try {
      const { token } = (await json('POST', '/api/auth/signup', { email: 'k@example.com', password: 'password123' })).body
      const files = { 'app.py': 'import time\nfrom fastapi import FastAPI\napp = FastAPI()\n@app.get("/")\ndef r():\n    return {"alive": True}\n@app.post("/slow")\ndef slow():\n    time.sleep(1.5)\n    return {"done": True}\n' }
      const app = (await json('POST', '/api/apps', { name: 'survivor', files }, token)).body
      expect(app.status).toBe('running')
      const run = (await json('POST', `/api/invoke/${app.id}/slow`, {}, token)).body
      let seen = ''
      for (let i = 0; i < 50; i++) {
        seen = (await json('GET', `/api/runs/${run.run_id}`, undefined, token)).body.status
        if (seen === 'running') break
        await Bun.sleep(50)
      }
      expect(seen).toBe('running')
      proc.kill('SIGKILL')
      await proc.exited
      ;({ proc, base } = await startMain(env))
      let r: any
      for (let i = 0; i < 100; i++) {
        r = (await json('GET', `/api/runs/${run.run_id}`, undefined, token)).body
        if (['succeeded', 'dead', 'failed'].includes(r.status)) break
        await Bun.sleep(100)
      }
      expect(r.status).toBe('succeeded')
      expect(JSON.parse(r.response.body)).toEqual({ done: true })
      expect((await fetch(`${base}/app/survivor/`).then((x) => x.json()))).toEqual({ alive: true })
    } finally {
      proc.kill('SIGTERM')
      await Promise.race([proc.exited, Bun.sleep(5000)])
      proc.kill('SIGKILL')
    }
  }, 40_000)
})
