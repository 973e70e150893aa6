// bench/burst.ts — 200 concurrent requests to a sleeping app over real HTTP: one wake, no errors.
// Run: bun bench/burst.ts   Last line: burst requests=200 errors=… wakes=… p99_ms=…
import { listen } from '../src/serve'
import { benchPlatform, ms, pct } from './lib/platform'

const N = Number(process.env.N ?? 200)
const b = await benchPlatform()
const rt = b.platform.services.deps.runtime
let wakes = 0
const start = rt.start.bind(rt)
rt.start = (spec) => (wakes++, start(spec))
const { server } = await listen(b.platform.services, { port: 0, hostname: '127.0.0.1' })
if (process.env.DEBUG) rt.onEvent((e) => e.type === 'log' && console.error('LOG', e.line))
const base = `http://127.0.0.1:${server.port}`
await rt.stop(b.appId)
await Bun.sleep(50)

const t0 = performance.now()
const results = await Promise.all(
  Array.from({ length: N }, async () => {
    const s = performance.now()
    try {
      const r = await fetch(`${base}/app/${b.slug}/`)
      const body = await r.text()
      if (r.status !== 200 && process.env.DEBUG) console.error(r.status, body.slice(0, 300))
      return { ok: r.status === 200 && body.includes("Hello"), ms: performance.now() - s }
    } catch {
      return { ok: false, ms: performance.now() - s }
    }
  }),
)
const total = performance.now() - t0
server.stop(true)
await b.close()
const errors = results.filter((r) => !r.ok).length
console.log(`burst total_ms=${ms(total)} p50_ms=${ms(pct(results.map((r) => r.ms), 50))}`)
console.log(`burst requests=${N} errors=${errors} wakes=${wakes} p99_ms=${ms(pct(results.map((r) => r.ms), 99))}`)
