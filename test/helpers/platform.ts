// A real platform for integration tests: a real MongoDB-wire server (the embedded FerretDB, or
// TEST_MONGO_URL), real validator and zygote, real uvicorn apps. No port: requests go through handle().
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { nanoid } from 'nanoid'
import { createApp } from '../../src/app'
import { boot, type Booted } from '../../src/boot'
import { loadConfig } from '../../src/config'
import { startEmbeddedDb, type EmbeddedDb } from '../../src/data/embedded'

let dbServer: Promise<EmbeddedDb | null> | null = null

/** One database server for the whole test run. */
export function testMongoUrl(): Promise<string> {
  if (process.env.TEST_MONGO_URL) return Promise.resolve(process.env.TEST_MONGO_URL)
  dbServer ??= startEmbeddedDb(mkdtempSync(join(tmpdir(), 'fp-testdb-')), () => {})
  return dbServer.then((d) => d!.url)
}

/** A booted platform with helpers for calling it like a client would. */
export interface TestPlatform extends Booted {
  app: ReturnType<typeof createApp>
  baseUrl: string
  /** Sends a request; JSON bodies are encoded, `token` becomes a bearer header. */
  call(method: string, path: string, opts?: { body?: unknown; token?: string; headers?: Record<string, string> }): Promise<Response>
  /** Like call, and parses JSON. */
  json<T = any>(method: string, path: string, opts?: { body?: unknown; token?: string; headers?: Record<string, string> }): Promise<{ status: number; body: T; res: Response }>
  /** Signs up a fresh user and returns its token and id. */
  user(): Promise<{ token: string; id: string; email: string }>
}

const booted: TestPlatform[] = []

/** Boots a platform on its own database and data directory. */
export async function startPlatform(env: Record<string, string> = {}): Promise<TestPlatform> {
  const dataDir = mkdtempSync(join(tmpdir(), 'fp-test-'))
  const config = loadConfig({
    DATA_DIR: dataDir, MONGO_URL: await testMongoUrl(), MONGO_DB: `t_${nanoid(8).replace(/[^a-zA-Z0-9]/g, 'x')}`,
    BASE_URL: 'http://localhost:8080', RUNNER_PYTHON: process.env.RUNNER_PYTHON ?? '',
    // Platforms in one test run share the machine: give each its own range of app uids.
    APP_UID_BASE: String(300_000 + Math.floor(Math.random() * 600) * 1000), ...env,
  }, join(import.meta.dir, '../..'))
  const b = await boot(config, () => {})
  const app = createApp(b.services)
  const base = config.baseUrl
  const call: TestPlatform['call'] = (method, path, opts = {}) => {
    const headers: Record<string, string> = { ...(opts.headers ?? {}) }
    if (opts.token) headers.authorization = `Bearer ${opts.token}`
    let body: string | undefined
    if (opts.body !== undefined) {
      body = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body)
      headers['content-type'] ??= 'application/json'
    }
    return app.handle(new Request(base + path, { method, headers, body }))
  }
  const p: TestPlatform = {
    ...b, app, baseUrl: base, call,
    async json(method, path, opts) {
      const res = await call(method, path, opts)
      const text = await res.text()
      let body: any = text
      try {
        body = JSON.parse(text)
      } catch {}
      return { status: res.status, body, res }
    },
    async user() {
      const email = `u${nanoid(8).toLowerCase().replace(/[^a-z0-9]/g, 'x')}@example.com`
      const { body } = await p.json('POST', '/api/auth/signup', { body: { email, password: 'correct horse battery' } })
      return { token: body.token, id: body.user.id, email }
    },
  }
  booted.push(p)
  return p
}

/** Closes every platform and the shared database server (called once, after all tests). */
export async function stopAll(): Promise<void> {
  await Promise.all(booted.splice(0).map((p) => p.close().catch(() => {})))
  const d = await dbServer
  dbServer = null
  await d?.stop()
}

/** The FastAPI hello app every test can deploy. */
export const HELLO = {
  'app.py': [
    'from fastapi import FastAPI',
    '',
    'app = FastAPI()',
    '',
    "@app.get('/')",
    'def root():',
    "    return {'message': 'Hello, world!'}",
    '',
    "@app.get('/boom')",
    'def boom():',
    '    return 1 / 0',
    '',
  ].join('\n'),
}
