// bench/deploy.ts — 20 deploys of the hello app: time from the deploy call to the first 200
// through the proxy, on the real local runtime and the embedded database server.
// Run: bun bench/deploy.ts        Last line: deploy p50_ms=… p95_ms=… max_ms=…
import { benchPlatform, ms, pct } from './lib/platform'

const N = Number(process.env.N ?? 20)
const b = await benchPlatform()
const hello = (i: number) => ({
  'app.py': `from fastapi import FastAPI\n\napp = FastAPI()\n\n@app.get("/")\ndef root():\n    return {"message": "Hello, world!", "deploy": ${i}}\n`,
})

const times: number[] = []
for (let i = 1; i <= N; i++) {
  const t0 = performance.now()
  const res = await b.call('POST', `/api/apps/${b.appId}/deploy`, { files: hello(i) }, b.token)
  if (res.status !== 200) throw new Error(`deploy ${i} failed: ${res.status} ${await res.text()}`)
  for (;;) {
    const r = await b.call('GET', `/app/${b.slug}/`)
    if (r.status === 200 && ((await r.json()) as { deploy: number }).deploy === i) break
  }
  times.push(performance.now() - t0)
}
await b.close()
console.log(`deploys=${N} min_ms=${ms(Math.min(...times))} mean_ms=${ms(times.reduce((a, x) => a + x, 0) / N)}`)
console.log(`deploy p50_ms=${ms(pct(times, 50))} p95_ms=${ms(pct(times, 95))} max_ms=${ms(Math.max(...times))}`)
