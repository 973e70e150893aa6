// bench/proxy.ts — a warm app under load, directly on its Unix socket and through the proxy,
// same client (a separate process) and concurrency, alternating rounds in one run. The app's own
// throughput drifts from round to round on a shared machine, so each proxied round is compared
// with the direct rounds either side of it, and the figures are medians of those pairs.
// Run: bun bench/proxy.ts   Last line: proxy direct_rps=… proxied_rps=… ratio=… added_p50_ms=… added_p99_ms=…
import { join } from 'node:path'
import { listen } from '../src/serve'
import { benchPlatform, ms, pct } from './lib/platform'

const CONC = Number(process.env.CONCURRENCY ?? 16)
const DUR = Number(process.env.DURATION_MS ?? 3000)
const ROUNDS = Number(process.env.ROUNDS ?? 6)
const b = await benchPlatform()
const { server } = await listen(b.platform.services, { port: 0, hostname: '127.0.0.1' })
const proxied = `http://127.0.0.1:${server.port}/app/${b.slug}/`
await (await fetch(proxied)).text()
const sock = b.platform.services.deps.runtime.endpoint(b.appId)!.unix!

type Result = { requests: number; errors: number; rps: number; p50: number; p99: number }
async function load(url: string, unix: string | undefined, duration: number): Promise<Result> {
  const proc = Bun.spawn(['bun', join(import.meta.dir, 'lib/load.ts'), url, unix ?? '-', String(CONC), String(duration)], { stdout: 'pipe', stderr: 'inherit' })
  const out = await new Response(proc.stdout).text()
  await proc.exited
  return JSON.parse(out.trim().split('\n').pop()!)
}

await load('http://app.local/', sock, 1000) // warm-up both paths
await load(proxied, undefined, 1000)
// The floor for reference: a bare Bun forwarder over the same socket, no routing, records or headers.
const prefix = `/app/${b.slug}`
const bare = Bun.serve({
  port: 0, hostname: '127.0.0.1',
  async fetch(req) {
    const r = await fetch('http://app.local' + new URL(req.url).pathname.slice(prefix.length), { unix: sock, headers: req.headers } as RequestInit)
    return new Response(r.body, { status: r.status, headers: r.headers })
  },
})
const bareUrl = `http://127.0.0.1:${bare.port}${prefix}/`
const direct: Result[] = [await load('http://app.local/', sock, DUR)]
const viaProxy: Result[] = []
const viaBare: Result[] = []
for (let i = 0; i < ROUNDS; i++) {
  viaProxy.push(await load(proxied, undefined, DUR))
  viaBare.push(await load(bareUrl, undefined, DUR))
  direct.push(await load('http://app.local/', sock, DUR))
}
bare.stop(true)
server.stop(true)
await b.close()
const median = (xs: number[]) => pct(xs, 50)
// proxied round i sits between direct rounds i and i+1: compare it with their mean
const pairs = viaProxy.map((p, i) => {
  const d = { rps: (direct[i]!.rps + direct[i + 1]!.rps) / 2, p50: (direct[i]!.p50 + direct[i + 1]!.p50) / 2, p99: (direct[i]!.p99 + direct[i + 1]!.p99) / 2 }
  return { ratio: p.rps / d.rps, addedP50: p.p50 - d.p50, addedP99: p.p99 - d.p99, d, p }
})
const errors = [...direct, ...viaProxy].reduce((a, r) => a + r.errors, 0)
const bareRatio = median(viaBare.map((r, i) => r.rps / ((direct[i]!.rps + direct[i + 1]!.rps) / 2)))
const ratios = pairs.map((x) => x.ratio)
console.log(`concurrency=${CONC} rounds=${ROUNDS}x${DUR}ms errors=${errors} ratios min=${Math.min(...ratios).toFixed(3)} max=${Math.max(...ratios).toFixed(3)} bare_forwarder_ratio=${bareRatio.toFixed(3)} direct_p50_ms=${ms(median(direct.map((r) => r.p50)))} proxied_p50_ms=${ms(median(viaProxy.map((r) => r.p50)))}`)
console.log(`proxy direct_rps=${median(direct.map((r) => r.rps)).toFixed(0)} proxied_rps=${median(viaProxy.map((r) => r.rps)).toFixed(0)} ratio=${median(ratios).toFixed(3)} added_p50_ms=${ms(median(pairs.map((x) => x.addedP50)))} added_p99_ms=${ms(median(pairs.map((x) => x.addedP99)))}`)
