// ACCEPTANCE 1 (thread/process bomb), 2 (memory), 4 (huge file): the app hits its own limits;
// the platform and other apps keep answering.
import { beforeAll, describe, expect, test } from 'bun:test'
import { startPlatform, type TestPlatform } from '../helpers/platform'

let p: TestPlatform
let token: string
let other: string
const ROOT = process.getuid?.() === 0
const APP = `
import os, tempfile, threading, time
from fastapi import FastAPI
app = FastAPI()

@app.get("/threads")
def threads():
    made = 0
    try:
        for _ in range(5000):
            threading.Thread(target=time.sleep, args=(5,), daemon=True).start()
            made += 1
    except RuntimeError as e:
        return {"made": made, "error": str(e)}
    return {"made": made, "error": None}

@app.get("/memory")
def memory():
    blocks = []
    for _ in range(64):
        blocks.append(bytearray(64 * 1024 * 1024))
    return {"allocated_mb": 64 * len(blocks)}

@app.get("/bigfile")
def bigfile():
    with tempfile.NamedTemporaryFile(dir=os.environ["TMPDIR"], delete=False) as f:
        chunk = b"x" * (1024 * 1024)
        for _ in range(200):
            f.write(chunk)
    return {"written_mb": 200}
`
beforeAll(async () => {
  p = await startPlatform({ APP_MAX_PROCESSES: '64', APP_MEMORY_MB: '512', APP_MAX_FILE_MB: '16' })
  token = (await p.user()).token
  other = (await p.json('POST', '/api/apps', { token, body: { name: 'bystander', files: { 'app.py': 'from fastapi import FastAPI\napp = FastAPI()\n@app.get("/")\ndef r():\n    return {"fine": True}\n' } } })).body.slug
})

const bystanderOk = async () => {
  expect((await p.json('GET', `/app/${other}/`)).body).toEqual({ fine: true })
  expect((await p.json('GET', '/healthz')).status).toBe(200)
}

describe('per-app limits', () => {
  test.skipIf(!ROOT)('a thread bomb stops at the process limit; others keep answering (ACCEPTANCE 1)', async () => {
    const c = await p.json('POST', '/api/apps', { token, body: { name: 'bomber', files: { 'app.py': APP } } })
    const r = await p.json('GET', `/app/${c.body.slug}/threads`)
    expect(r.status).toBe(200)
    expect(r.body.made).toBeLessThan(64)
    expect(r.body.error).toContain("can't start new thread")
    await bystanderOk()
  }, 20_000)

  test('allocating past the memory limit fails inside that app only (ACCEPTANCE 2)', async () => {
    const c = await p.json('POST', '/api/apps', { token, body: { name: 'hog', files: { 'app.py': APP } } })
    const r = await p.json('GET', `/app/${c.body.slug}/memory`)
    expect([500, 502]).toContain(r.status)
    if (r.status === 500) {
      const reqs = await p.json('GET', `/api/apps/${c.body.id}/requests?errors=true`, { token })
      expect(reqs.body.requests[0].error).toContain('MemoryError')
    }
    await bystanderOk()
  }, 20_000)

  test('a file past the size limit fails inside the app; nothing large is left behind (ACCEPTANCE 4)', async () => {
    const c = await p.json('POST', '/api/apps', { token, body: { name: 'writer', files: { 'app.py': APP } } })
    const r = await p.json('GET', `/app/${c.body.slug}/bigfile`)
    expect([500, 502]).toContain(r.status)
    const tmp = `${p.services.deps.config.dataDir}/apps/${c.body.id}/tmp`
    const { readdirSync, statSync } = await import('node:fs')
    const sizes = readdirSync(tmp).map((f) => statSync(`${tmp}/${f}`).size)
    expect(Math.max(0, ...sizes)).toBeLessThanOrEqual(16 * 1024 * 1024)
    await bystanderOk()
  }, 20_000)
})
