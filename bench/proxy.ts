// bench/proxy.ts — a warm app under load, directly on its Unix socket and through the proxy,
// same client (a separate process) and concurrency, alternating rounds in one run.
// Run: bun bench/proxy.ts   Last line: proxy direct_rps=… proxied_rps=… ratio=… added_p50_ms=… added_p99_ms=…
import { join } from 'node:path'
import { listen } from '../src/serve'
import { benchPlatform, ms } from './lib/platform'

const CONC = Number(process.env.CONCURRENCY ?? 16)
const DUR = Number(process.env.DURATION_MS ?? 4000)
const ROUNDS = Number(process.env.ROUNDS ?? 2)
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
const direct: Result[] = []
const viaProxy: Result[] = []
for (let i = 0; i < ROUNDS; i++) {
  direct.push(await load('http://app.local/', sock, DUR))
  viaProxy.push(await load(proxied, undefined, DUR))
}
server.stop(true)
await b.close()
const avg = (rs: Result[], k: keyof Result) => rs.reduce((a, r) => a + r[k], 0) / rs.length
const d = { rps: avg(direct, 'rps'), p50: avg(direct, 'p50'), p99: avg(direct, 'p99') }
const p = { rps: avg(viaProxy, 'rps'), p50: avg(viaProxy, 'p50'), p99: avg(viaProxy, 'p99') }
const errors = [...direct, ...viaProxy].reduce((a, r) => a + r.errors, 0)
console.log(`concurrency=${CONC} rounds=${ROUNDS}x${DUR}ms errors=${errors} direct_p50_ms=${ms(d.p50)} proxied_p50_ms=${ms(p.p50)}`)
console.log(`proxy direct_rps=${d.rps.toFixed(0)} proxied_rps=${p.rps.toFixed(0)} ratio=${(p.rps / d.rps).toFixed(3)} added_p50_ms=${ms(p.p50 - d.p50)} added_p99_ms=${ms(p.p99 - d.p99)}`)
