// bench/deploy.ts — 20 deploys of the hello app: time from the deploy call to the first 200
// through the proxy, on the real local runtime and the embedded database server.
// Run: bun bench/deploy.ts        Last line: deploy p50_ms=… p95_ms=… max_ms=…
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createApp } from '../src/app'
import { boot } from '../src/boot'
import { loadConfig } from '../src/config'

const N = Number(process.env.N ?? 20)
const dataDir = mkdtempSync(join(tmpdir(), 'fp-bench-'))
const config = loadConfig({ ...process.env, DATA_DIR: dataDir, PORT: '0' }, join(import.meta.dir, '..'))
const platform = await boot(config, () => {})
const app = createApp(platform.services)
const call = (method: string, path: string, body?: unknown, token?: string) =>
  app.handle(new Request(`http://localhost${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  }))

const hello = (i: number) => ({
  'app.py': `from fastapi import FastAPI\n\napp = FastAPI()\n\n@app.get("/")\ndef root():\n    return {"message": "Hello, world!", "deploy": ${i}}\n`,
})

const { token } = (await (await call('POST', '/api/auth/signup', { email: 'bench@example.com', password: "bench-password" })).json()) as any
const created = (await (await call('POST', '/api/apps', { name: 'bench', files: hello(0) }, token)).json()) as any
if (created.status !== 'running') {
  await platform.close()
  throw new Error(`warm-up deploy failed: ${JSON.stringify(created)}`)
}

const times: number[] = []
for (let i = 1; i <= N; i++) {
  const t0 = performance.now()
  const res = await call('POST', `/api/apps/${created.id}/deploy`, { files: hello(i) }, token)
  if (res.status !== 200) throw new Error(`deploy ${i} failed: ${res.status} ${await res.text()}`)
  for (;;) {
    const r = await call('GET', `/app/${created.slug}/`)
    if (r.status === 200 && ((await r.json()) as { deploy: number }).deploy === i) break
  }
  times.push(performance.now() - t0)
}

await platform.close()
rmSync(dataDir, { recursive: true, force: true })
times.sort((a, b) => a - b)
const pct = (p: number) => times[Math.min(times.length - 1, Math.ceil((p / 100) * times.length) - 1)]!
console.log(`deploys=${N} min_ms=${times[0]!.toFixed(1)} mean_ms=${(times.reduce((a, b) => a + b, 0) / N).toFixed(1)}`)
console.log(`deploy p50_ms=${pct(50).toFixed(1)} p95_ms=${pct(95).toFixed(1)} max_ms=${times[times.length - 1]!.toFixed(1)}`)
