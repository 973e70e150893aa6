// ACCEPTANCE 20: hundreds of slow-header clients (slowloris) on the platform's real listening port;
// meanwhile normal clients get answers from the API and from a warm app through the proxy, and the
// server drops the slow connections by itself. Bun (uWebSockets) gives a request ~10 s to finish
// its headers and does not restart that clock for partial data, whatever `idleTimeout` says.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { join } from 'node:path'
import { listen } from '../../src/serve'
import { HELLO, startPlatform, type TestPlatform } from '../helpers/platform'

const SLOW = 300
let p: TestPlatform
let server: Awaited<ReturnType<typeof listen>>['server']
let token: string
let slug: string

beforeAll(async () => {
  p = await startPlatform()
  server = (await listen(p.services, { port: 0, hostname: '127.0.0.1' })).server
  token = (await p.user()).token
  const c = await p.json('POST', '/api/apps', { token, body: { name: 'steady', files: HELLO } })
  expect(c.body.status).toBe('running')
  slug = c.body.slug
})

afterAll(() => server?.stop(true))

/** Reads a child's stdout as JSON lines, resolving each awaited event by name. */
function events(stream: ReadableStream<Uint8Array>) {
  const seen = new Map<string, any>()
  const waiters = new Map<string, (v: any) => void>()
  void (async () => {
    let buf = ''
    const dec = new TextDecoder()
    for await (const chunk of stream) {
      buf += dec.decode(chunk, { stream: true })
      let nl
      while ((nl = buf.indexOf('\n')) >= 0) {
        const msg = JSON.parse(buf.slice(0, nl))
        buf = buf.slice(nl + 1)
        seen.set(msg.event, msg)
        waiters.get(msg.event)?.(msg)
      }
    }
  })()
  return (name: string) => (seen.has(name) ? Promise.resolve(seen.get(name)) : new Promise<any>((r) => waiters.set(name, r)))
}

describe('slow-header clients (ACCEPTANCE 20)', () => {
  test(`${SLOW} slow-header clients: the API and a warm app still answer promptly, and the server drops the slow ones (ACCEPTANCE 20)`, async () => {
    const base = `http://127.0.0.1:${server.port}`
    expect((await fetch(`${base}/app/${slug}/`)).status).toBe(200) // warm
    const child = Bun.spawn(['bun', join(import.meta.dir, '../helpers/slow-clients.ts'), String(server.port), String(SLOW)], { stdout: 'pipe', stderr: 'inherit' })
    const next = events(child.stdout)
    const t0 = performance.now()
    expect((await next('open')).connected).toBe(SLOW)

    // Normal clients, 4 at a time, for 6 s while every slow connection is still open and trickling.
    const lat: number[] = []
    const bad: string[] = []
    const targets = ['/healthz', '/api/auth/me', `/app/${slug}/`]
    const WINDOW = 6000
    const until = t0 + WINDOW
    await Promise.all(Array.from({ length: 4 }, async (_, w) => {
      for (let i = w; performance.now() < until; i++) {
        const path = targets[i % targets.length]!
        const s = performance.now()
        const r = await fetch(base + path, { headers: { authorization: `Bearer ${token}` } })
        await r.arrayBuffer()
        lat.push(performance.now() - s)
        if (r.status !== 200) bad.push(`${path} → ${r.status}`)
      }
    }))
    lat.sort((a, b) => a - b)
    const p99 = lat[Math.ceil(lat.length * 0.99) - 1]!
    console.log(`slowloris: ${SLOW} slow clients open; ${lat.length} normal requests, p50 ${lat[lat.length >> 1]!.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms`)
    expect(bad).toEqual([])
    expect(lat.length).toBeGreaterThan(100)
    expect(p99).toBeLessThan(1000) // generous: a shared 2-core machine

    // The server closes every slow connection on its own (header timeout), without answering them a request.
    const closed = await Promise.race([next('closed'), Bun.sleep(20_000).then(() => null)])
    child.kill()
    expect(closed).not.toBeNull()
    const lived: number[] = closed.lived
    console.log(`slowloris: all ${SLOW} dropped by the server after ${Math.min(...lived)}–${Math.max(...lived)} ms (they had been sending a byte a second; ${closed.answered} got any bytes back)`)
    expect(Math.min(...lived)).toBeGreaterThan(WINDOW) // they were all open during the whole measurement above
    expect(Math.max(...lived)).toBeLessThan(20_000)
    expect((await fetch(`${base}/app/${slug}/`)).status).toBe(200)
  }, 40_000)
})
