// The fp CLI, driven as a user would (bun src/cli/main.ts in a shell) against a real platform.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { listen } from '../../src/serve'
import { HELLO, startPlatform, type TestPlatform } from '../helpers/platform'

const FP = join(import.meta.dir, '../../src/cli/main.ts')
let p: TestPlatform
let base: string
let stop: () => void
const cfgDir = mkdtempSync(join(tmpdir(), 'fp-cli-cfg-'))

async function fp(cwd: string, ...args: string[]) {
  const proc = Bun.spawn(['bun', FP, ...args], { cwd, env: { ...process.env, FP_CONFIG_DIR: cfgDir, NO_COLOR: '1' }, stdout: 'pipe', stderr: 'pipe' })
  const [out, err] = [await new Response(proc.stdout).text(), await new Response(proc.stderr).text()]
  return { code: await proc.exited, out, err }
}

beforeAll(async () => {
  p = await startPlatform()
  const { server } = await listen(p.services, { port: 0, hostname: '127.0.0.1' })
  stop = () => server.stop(true)
  base = `http://127.0.0.1:${server.port}`
  ;(p.services.deps.config as { baseUrl: string }).baseUrl = base
  await p.json('POST', '/api/auth/signup', { body: { email: 'cli@example.com', password: 'password123' } })
})
afterAll(() => stop?.())

describe('fp', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fp-cli-demo-'))

  test('login stores a token with 0600; whoami; help and unknown commands', async () => {
    const r = await fp(dir, 'login', base, '--email', 'cli@example.com', '--password', 'password123')
    expect(r.code).toBe(0)
    expect(statSync(join(cfgDir, 'config.json')).mode & 0o777).toBe(0o600)
    expect(readFileSync(join(cfgDir, 'config.json'), 'utf8')).toContain('"token": "fp_')
    expect((await fp(dir, 'whoami')).out).toContain('cli@example.com')
    expect((await fp(dir, '--help')).code).toBe(0)
    expect((await fp(dir, 'deploy', '--help')).out).toContain('usage: fp deploy')
    expect((await fp(dir, 'frobnicate')).code).toBe(2)
  })

  test('init → deploy prints a URL that answers; an edit uploads only that file', async () => {
    expect((await fp(dir, 'init', 'demo')).code).toBe(0)
    const d1 = await fp(dir, 'deploy')
    expect(d1.code).toBe(0)
    const url = d1.out.trim().split('\n').pop()!.trim()
    expect(url).toBe(`${base}/app/demo/`)
    expect(await (await fetch(url)).json()).toEqual({ message: 'Hello, world!' })
    writeFileSync(join(dir, 'app.py'), readFileSync(join(dir, 'app.py'), 'utf8').replace('Hello, world!', 'Hello, CLI!'))
    writeFileSync(join(dir, 'notes.md'), '# notes\n')
    const d2 = await fp(dir, 'deploy', '--json')
    expect(d2.code).toBe(0)
    const out = JSON.parse(d2.out)
    expect(out.changed).toEqual(['app.py', 'notes.md'])
    expect(out.version).toBe(2)
    expect(await (await fetch(url)).json()).toEqual({ message: 'Hello, CLI!' })
    const d3 = await fp(dir, 'deploy', '--json')
    expect(JSON.parse(d3.out).changed).toEqual([])
  })

  test('logs shows a line the app printed; requests, status, versions, rollback, invoke', async () => {
    expect((await fp(dir, 'invoke', '/')).out).toContain('Hello, CLI!')
    await Bun.sleep(700)
    const logs = await fp(dir, 'logs', '--since', '10m')
    expect(logs.out).toContain('hello from fp')
    expect((await fp(dir, 'requests')).out).toMatch(/GET\s+200/)
    expect(JSON.parse((await fp(dir, 'status', '--json')).out)).toMatchObject({ status: 'running', currentVersion: 3 })
    expect((await fp(dir, 'versions')).out).toContain('v3')
    expect((await fp(dir, 'rollback', '1')).code).toBe(0)
    expect(await (await fetch(`${base}/app/demo/`)).json()).toEqual({ message: 'Hello, world!' })
  })

  test('invoke --async returns a run id and fp runs shows it finish', async () => {
    const { startLoops } = await import('../../src/loops')
    const { createProxy } = await import('../../src/proxy')
    const loops = startLoops(p.services, createProxy(p.services).invoke, p.services.deps.config, { pollMs: 50, idle: false })
    try {
      writeFileSync(join(dir, 'app.py'), readFileSync(join(dir, 'app.py'), 'utf8') + '\n\n@app.post("/work")\ndef work():\n    return {"worked": True}\n')
      expect((await fp(dir, 'deploy')).code).toBe(0)
      const q = await fp(dir, 'invoke', '--async', '/work', '--json')
      expect(q.code).toBe(0)
      const runId = JSON.parse(q.out).run_id
      expect(runId).toStartWith('run_')
      let out = ''
      for (let i = 0; i < 50 && !out.includes('succeeded'); i++) {
        await Bun.sleep(100)
        out = (await fp(dir, 'runs')).out
      }
      expect(out).toContain(runId)
      expect(out).toContain('succeeded')
      expect((await fp(dir, 'replay', runId)).out).toContain('replay queued')
    } finally {
      await loops.stop()
    }
  })

  test('dev serves the app locally with the platform runner (health route, reload)', async () => {
    const port = String(20000 + Math.floor(Math.random() * 20000))
    const proc = Bun.spawn(['bun', FP, 'dev', '--port', port], { cwd: dir, env: { ...process.env, FP_CONFIG_DIR: cfgDir }, stdout: 'pipe', stderr: 'pipe' })
    try {
      let body = ''
      for (let i = 0; i < 100 && !body; i++) {
        await Bun.sleep(100)
        body = await fetch(`http://127.0.0.1:${port}/health`).then((r) => r.text(), () => '')
      }
      expect(body).toContain('ok')
      expect(await (await fetch(`http://127.0.0.1:${port}/`)).json()).toHaveProperty('message')
    } finally {
      proc.kill('SIGINT')
      await Promise.race([proc.exited, Bun.sleep(3000)])
      proc.kill('SIGKILL')
    }
  })

  test('logs --follow shows a line the app prints after it started following', async () => {
    const proc = Bun.spawn(['bun', FP, 'logs', '--follow', '--since', '1s'], { cwd: dir, env: { ...process.env, FP_CONFIG_DIR: cfgDir, NO_COLOR: '1' }, stdout: 'pipe' })
    try {
      await Bun.sleep(700)
      await fetch(`${base}/app/demo/`)
      const reader = proc.stdout.getReader()
      let out = ''
      const end = Date.now() + 8000
      // One read stays pending across timeouts: a read abandoned to a timeout would still take
      // the next chunk, and that chunk would be lost to this loop.
      let pending = reader.read()
      while (!out.includes('hello from fp') && Date.now() < end) {
        const r = await Promise.race([pending, Bun.sleep(500).then(() => null)])
        if (!r) continue
        if (r.done) break
        if (r.value) out += new TextDecoder().decode(r.value)
        pending = reader.read()
      }
      expect(out).toContain('hello from fp')
    } finally {
      proc.kill()
    }
  })

  test('dev --remote-db gets the app\'s own PLATFORM_MONGO_URI', async () => {
    const detail = await (await fetch(`${base}/api/apps`, { headers: { authorization: `Bearer ${JSON.parse(readFileSync(join(cfgDir, 'config.json'), 'utf8')).token}` } })).json() as any
    const demo = detail.apps.find((x: any) => x.name === 'demo')
    const db = await (await fetch(`${base}/api/apps/${demo.id}/database?reveal=1`, { headers: { authorization: `Bearer ${JSON.parse(readFileSync(join(cfgDir, 'config.json'), 'utf8')).token}` } })).json() as any
    expect(db.uri).toContain(`/app_${demo.id}`)
  })

  test('env: set, list masked, --reveal, unset', async () => {
    expect((await fp(dir, 'env', 'set', 'API_KEY=s3cret', 'MODE=dev')).code).toBe(0)
    const masked = await fp(dir, 'env', 'list')
    expect(masked.out).not.toContain('s3cret')
    expect((await fp(dir, 'env', 'list', '--reveal')).out).toContain('API_KEY=s3cret')
    await fp(dir, 'env', 'unset', 'MODE')
    expect((await fp(dir, 'env', 'list')).out).not.toContain('MODE')
  })

  test('validate prints file:line:col and exits non-zero, without network', async () => {
    const vdir = mkdtempSync(join(tmpdir(), 'fp-cli-bad-'))
    writeFileSync(join(vdir, 'app.py'), 'from fastapi import FastAPI\napp = FastAPI()\ndef f(:\n    pass\n')
    const proc = Bun.spawn(['bun', FP, 'validate'], { cwd: vdir, env: { ...process.env, FP_CONFIG_DIR: join(vdir, 'nothing'), NO_COLOR: '1' }, stdout: 'pipe' })
    const out = await new Response(proc.stdout).text()
    expect(await proc.exited).toBe(5)
    expect(out).toMatch(/^app\.py:3:7: error: .*\[syntax-error\]/m)
  })

  test('an app made in the browser can be pulled, edited and deployed; the editor then shows the new code', async () => {
    const token = (await p.json('POST', '/api/auth/login', { body: { email: 'cli@example.com', password: 'password123' } })).body.token
    const made = await p.json('POST', '/api/apps', { token, body: { name: 'from browser', files: HELLO } })
    const work = mkdtempSync(join(tmpdir(), 'fp-cli-pull-'))
    expect((await fp(work, 'pull', 'from browser', '--dir', 'pulled')).code).toBe(0)
    const pulled = join(work, 'pulled')
    writeFileSync(join(pulled, 'app.py'), readFileSync(join(pulled, 'app.py'), 'utf8').replace('Hello, world!', 'edited locally'))
    const d = await fp(pulled, 'deploy')
    expect(d.code).toBe(0)
    const detail = await p.json('GET', `/api/apps/${made.body.id}`, { token })
    expect(detail.body.files['app.py']).toContain('edited locally')
    expect(await (await fetch(`${base}/app/${made.body.slug}/`)).json()).toEqual({ message: 'edited locally' })
    expect((await fp(pulled, 'delete')).code).toBe(2)
    expect((await fp(pulled, 'delete', '--yes')).code).toBe(0)
  })
})
