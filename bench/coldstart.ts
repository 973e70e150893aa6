// bench/coldstart.ts — wakes of a sleeping hello app through the proxy (process stopped: a zygote
// fork, from the spare when there is one) against exec-style cold starts (`python -m uvicorn`
// spawn → first 200) in the same run; and wakes from the frozen tier (SIGSTOP'd process) apart.
// A sleeping app has been idle for minutes, so the platform is settled when it wakes: the wakes
// are GAP_MS apart (default 500 ms, the zygote re-forks its spare 150 ms after one is taken).
// Wakes back to back (RAPID_GAP_MS, 20 ms: the spare is often not there yet) are reported apart.
// Run: bun bench/coldstart.ts   Last line: coldstart p50_ms=… p95_ms=… exec_p50_ms=… speedup=…
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { benchPlatform, HELLO_APP, ms, pct } from './lib/platform'

const WAKES = Number(process.env.WAKES ?? 50)
const FROZEN = Number(process.env.FROZEN_WAKES ?? 50)
const EXECS = Number(process.env.EXECS ?? 20)
const GAP_MS = Number(process.env.GAP_MS ?? 500)
const RAPID = Number(process.env.RAPID_WAKES ?? 30)
const RAPID_GAP_MS = Number(process.env.RAPID_GAP_MS ?? 20)
const b = await benchPlatform()
const rt = b.platform.services.deps.runtime

async function wakeSeries(n: number, gapMs: number): Promise<number[]> {
  const out: number[] = []
  for (let i = 0; i < n; i++) {
    await rt.stop(b.appId)
    await Bun.sleep(gapMs)
    const t0 = performance.now()
    const r = await b.call('GET', `/app/${b.slug}/`)
    if (r.status !== 200) throw new Error(`wake ${i}: ${r.status} ${await r.text()}`)
    await r.arrayBuffer()
    out.push(performance.now() - t0)
  }
  return out
}
const wakes = await wakeSeries(WAKES, GAP_MS)
const rapid = await wakeSeries(RAPID, RAPID_GAP_MS)

// The frozen tier: the idle scaler's first step (the process is kept, stopped).
const frozen: number[] = []
for (let i = 0; i < FROZEN; i++) {
  if (!(await rt.freeze?.(b.appId))) throw new Error('this runtime does not freeze idle apps')
  await Bun.sleep(20)
  const t0 = performance.now()
  const r = await b.call('GET', `/app/${b.slug}/`)
  if (r.status !== 200) throw new Error(`frozen wake ${i}: ${r.status} ${await r.text()}`)
  await r.arrayBuffer()
  frozen.push(performance.now() - t0)
}

// Exec-style baseline: a fresh interpreter imports everything, then serves on a Unix socket.
const dir = join(b.dataDir, 'exec')
mkdirSync(dir, { recursive: true })
writeFileSync(join(dir, 'app.py'), HELLO_APP)
const execs: number[] = []
for (let i = 0; i < EXECS; i++) {
  const sock = join(dir, `u${i}.sock`)
  const t0 = performance.now()
  const proc = Bun.spawn([b.config.runnerPython, '-m', 'uvicorn', 'app:app', '--uds', sock, '--log-level', 'warning'], {
    cwd: dir, stdout: 'ignore', stderr: 'ignore',
  })
  for (;;) {
    if (existsSync(sock)) {
      try {
        const r = await fetch('http://x/', { unix: sock } as RequestInit)
        if (r.status === 200) {
          await r.arrayBuffer()
          break
        }
      } catch {}
    }
    await Bun.sleep(1)
  }
  execs.push(performance.now() - t0)
  proc.kill('SIGKILL')
  await proc.exited
  rmSync(sock, { force: true })
}

await b.close()
const p50 = pct(wakes, 50)
const execP50 = pct(execs, 50)
console.log(`wakes=${WAKES} gap_ms=${GAP_MS} min_ms=${ms(Math.min(...wakes))} max_ms=${ms(Math.max(...wakes))}; execs=${EXECS} min_ms=${ms(Math.min(...execs))} max_ms=${ms(Math.max(...execs))}`)
console.log(`back-to-back wakes=${RAPID} gap_ms=${RAPID_GAP_MS} p50_ms=${ms(pct(rapid, 50))} p95_ms=${ms(pct(rapid, 95))} max_ms=${ms(Math.max(...rapid))}`)
console.log(`frozen wakes=${FROZEN} p50_ms=${ms(pct(frozen, 50))} p95_ms=${ms(pct(frozen, 95))} max_ms=${ms(Math.max(...frozen))}`)
console.log(`coldstart p50_ms=${ms(p50)} p95_ms=${ms(pct(wakes, 95))} exec_p50_ms=${ms(execP50)} speedup=${(execP50 / p50).toFixed(1)}`)
