// A small closed-loop load generator (run as its own process so it does not share the server's
// event loop): `bun bench/lib/load.ts URL [UNIX_SOCKET] CONCURRENCY DURATION_MS` → one JSON line.
const [url, unixArg, concArg, durArg] = process.argv.slice(2)
const unix = unixArg && unixArg !== '-' ? unixArg : undefined
const concurrency = Number(concArg ?? 32)
const duration = Number(durArg ?? 5000)
const lat: number[] = []
let errors = 0
const deadline = performance.now() + duration
async function worker() {
  while (performance.now() < deadline) {
    const t0 = performance.now()
    try {
      const r = await fetch(url!, unix ? ({ unix } as RequestInit) : undefined)
      await r.arrayBuffer()
      if (r.status !== 200) errors++
    } catch {
      errors++
    }
    lat.push(performance.now() - t0)
  }
}
const t0 = performance.now()
await Promise.all(Array.from({ length: concurrency }, worker))
const took = (performance.now() - t0) / 1000
lat.sort((a, b) => a - b)
const q = (p: number) => lat[Math.min(lat.length - 1, Math.ceil((p / 100) * lat.length) - 1)] ?? NaN
console.log(JSON.stringify({ requests: lat.length, errors, rps: lat.length / took, p50: q(50), p99: q(99) }))
export {}
