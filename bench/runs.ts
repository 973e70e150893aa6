// bench/runs.ts — 1,000 async invokes of a warm no-op route, through the real queue and worker.
// Run: bun bench/runs.ts   Last line: runs total=1000 succeeded=… runs_per_s=… queue_p95_ms=…
import { startLoops } from '../src/loops'
import { createProxy } from '../src/proxy'
import { benchPlatform, ms, pct } from './lib/platform'

const N = Number(process.env.N ?? 1000)
const b = await benchPlatform()
const s = b.platform.services
const loops = startLoops(s, createProxy(s).invoke, b.config, { idle: false, concurrency: 16, perApp: 16 })
await b.call('GET', `/app/${b.slug}/`) // warm

// Completion is watched on the bus (what the dashboard sees), not by polling the database.
const ended = new Set<string>()
let allEnded: () => void = () => {}
const finished = new Promise<void>((r) => (allEnded = r))
s.deps.bus.subscribe(`runs:${b.appId}`, (m) => {
  const e = m as { id: string; status: string }
  if (['succeeded', 'failed', 'dead'].includes(e.status)) ended.add(e.id)
  if (ended.size >= N) allEnded()
})

const t0 = performance.now()
const ids: string[] = []
for (let i = 0; i < N; i += 50) {
  const batch = await Promise.all(Array.from({ length: Math.min(50, N - i) }, () => b.call('POST', `/api/invoke/${b.appId}/noop`, {}, b.token).then((r) => r.json() as Promise<{ run_id: string }>)))
  ids.push(...batch.map((x) => x.run_id))
}
await finished
const total = (performance.now() - t0) / 1000
// then the stored truth: every run recorded as ended (the worker writes ended runs in batches)
const runs = s.deps.repos.runs
let done: Awaited<ReturnType<typeof runs.byIds>> = []
for (let i = 0; i < 100; i++) {
  done = await runs.byIds(ids)
  if (done.length === ids.length && done.every((r) => ['succeeded', 'failed', 'dead'].includes(r.status))) break
  await Bun.sleep(100)
}
const succeeded = done.filter((r) => r.status === 'succeeded').length
const queueMs = done.map((r) => new Date(r.attempts[0]!.startedAt).getTime() - new Date(r.createdAt).getTime())
await loops.stop()
await b.close()
console.log(`runs enqueue+complete_s=${total.toFixed(2)} queue_p50_ms=${ms(pct(queueMs, 50))}`)
console.log(`runs total=${N} succeeded=${succeeded} runs_per_s=${(N / total).toFixed(0)} queue_p95_ms=${ms(pct(queueMs, 95))}`)
