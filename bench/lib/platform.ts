// A real platform for benchmarks: embedded database, zygote, validator; one user and one hello app.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createApp } from '../../src/app'
import { boot } from '../../src/boot'
import { loadConfig } from '../../src/config'

/** The hello app used by every benchmark. */
export const HELLO_APP = 'from fastapi import FastAPI\n\napp = FastAPI()\n\n@app.get("/")\ndef root():\n    return {"message": "Hello, world!"}\n\n@app.post("/noop")\nasync def noop():\n    return {}\n'

/** Boots a platform in a temporary data directory and deploys the hello app. */
export async function benchPlatform(env: Record<string, string> = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), 'fp-bench-'))
  const config = loadConfig({ ...process.env, DATA_DIR: dataDir, PORT: '0', ...env }, join(import.meta.dir, '../..'))
  const platform = await boot(config, () => {})
  const app = createApp(platform.services)
  const call = (method: string, path: string, body?: unknown, token?: string) =>
    app.handle(new Request(`http://localhost${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    }))
  const { token } = (await (await call('POST', '/api/auth/signup', { email: 'bench@example.com', password: 'bench-password' })).json()) as { token: string }
  const created = (await (await call('POST', '/api/apps', { name: 'bench', files: { 'app.py': HELLO_APP } }, token)).json()) as {
    id: string; slug: string; status: string
  }
  if (created.status !== 'running') {
    await platform.close()
    throw new Error(`deploy of the bench app failed: ${JSON.stringify(created)}`)
  }
  return {
    config, platform, app, call, token, appId: created.id, slug: created.slug, dataDir,
    async close() {
      await platform.close()
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
}

/** p-th percentile (nearest rank). */
export function pct(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!
}

/** Formats ms with two decimals. */
export const ms = (x: number) => x.toFixed(2)
