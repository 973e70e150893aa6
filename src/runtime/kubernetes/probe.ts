// The platform's own look at a pod the watch reported Ready, before routing to it. Like Knative's
// activator, which probes a pod directly because Ready in the API and reachability from the proxy can
// differ (network policy or endpoint programming lagging, a kubelet that reports early). On a real
// cluster the first try answers; retries only cover that gap, bounded by the start deadline.

/** Resolves once `GET {baseUrl}/health` answers 2xx; rejects with the last problem at `deadline` (ms since epoch). */
export async function probeHealth(baseUrl: string, deadline: number, isCancelled: () => boolean = () => false): Promise<void> {
  let wait = 25
  let last = 'no answer'
  while (!isCancelled()) {
    const left = deadline - Date.now()
    if (left <= 0) break
    try {
      const res = await fetch(`${baseUrl}/health`, { signal: AbortSignal.timeout(Math.min(2000, left)), redirect: 'manual' })
      await res.arrayBuffer().catch(() => {})
      if (res.ok) return
      last = `GET /health answered ${res.status}`
    } catch (err) {
      last = (err as Error)?.message ?? String(err)
    }
    await Bun.sleep(Math.min(wait, Math.max(0, deadline - Date.now())))
    wait = Math.min(wait * 2, 250)
  }
  throw new Error(`the pod is Ready but ${baseUrl} does not answer (${last})`)
}
