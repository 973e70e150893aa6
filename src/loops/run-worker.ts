// The async run worker: claims due runs from MongoDB with a lease (findOneAndUpdate), calls the app
// through the proxy path (waking it if it sleeps), records each attempt, and schedules retries.
// A run whose lease expired (platform killed mid-run) is claimed again, never left `running`.
import type { Repos } from '../domain/context'
import type { Bus } from '../lib/bus'
import { decide, type AttemptResult } from '../domain/runs'
import type { RunDoc } from '../data/runs.repo'

/** What the worker needs. */
export interface RunWorkerDeps {
  repos: Pick<Repos, 'runs'>
  invoke: (appId: string, req: RunDoc['request']) => Promise<AttemptResult>
  bus?: Bus
  now?: () => Date
  log?: (m: string) => void
}

/** Tuning of the worker. */
export interface RunWorkerOptions {
  /** Runs executing at once, all apps together. */
  concurrency: number
  /** Runs executing at once for one app. */
  perApp: number
  /** How long a claim holds before another worker may take the run over. */
  leaseMs: number
  /** How often an idle worker looks for due runs. */
  pollMs: number
  /** Queued runs older than this go `dead` (max event age). */
  maxAgeMs: number
}

/** Starts the worker; `take()` hands it a run this process just queued. */
export function startRunWorker(deps: RunWorkerDeps, opts: RunWorkerOptions) {
  const now = deps.now ?? (() => new Date())
  const perApp = new Map<string, number>()
  let active = 0
  let stopped = false
  let wake: (() => void) | null = null
  let lastExpire = 0
  const inflight = new Set<Promise<void>>()
  // Runs this process just queued, already leased to it: executed from memory, no claim round trip.
  const local: RunDoc[] = []
  const pending = new Set<string>()
  let lastSweep = 0

  async function execute(run: RunDoc): Promise<void> {
    if (run.status === 'queued') await deps.repos.runs.update(run._id, { status: 'running' })
    const startedAt = now()
    const result = await deps.invoke(run.appId, run.request).catch((e) => ({
      status: null, headers: {}, body: '', traceback: null, error: String((e as Error).message), cold: false,
    } as AttemptResult))
    const finishedAt = now()
    const attempt = {
      n: run.attempts.length + 1, startedAt, finishedAt, durationMs: finishedAt.getTime() - startedAt.getTime(),
      status: result.status, error: result.error, cold: result.cold,
    }
    const next = decide(run, result, finishedAt)
    const final = next.status !== 'queued'
    await deps.repos.runs.update(run._id, {
      status: next.status, nextAttemptAt: next.nextAttemptAt, leaseUntil: null, attempts: [...run.attempts, attempt],
      startedAt: run.startedAt ?? startedAt, ...(final ? { finishedAt } : {}),
      response: result.status === null ? null : { status: result.status, headers: result.headers, body: result.body.slice(0, 64 * 1024) },
      traceback: result.traceback, error: result.error,
    })
    deps.bus?.publish(`runs:${run.appId}`, { id: run._id, status: next.status, attempt: attempt.n })
  }

  async function loop(): Promise<void> {
    while (!stopped) {
      let claimed = 0
      try {
        if (Date.now() - lastExpire > 30_000) {
          lastExpire = Date.now()
          await deps.repos.runs.expire(new Date(now().getTime() - opts.maxAgeMs))
          await deps.repos.runs.expireKeys(new Date(now().getTime() - 24 * 3600_000))
        }
        while (!stopped && active < opts.concurrency) {
          let run: RunDoc | null = null
          const i = local.findIndex((r) => (perApp.get(r.appId) ?? 0) < opts.perApp)
          if (i >= 0) {
            run = local.splice(i, 1)[0]!
            run.status = 'queued' // marked running by execute()
          } else if (Date.now() - lastSweep >= opts.pollMs) {
            const busy = [...perApp].filter(([, n]) => n >= opts.perApp).map(([id]) => id)
            run = await deps.repos.runs.claim(now(), opts.leaseMs, busy)
            if (!run) lastSweep = Date.now()
            else if (pending.has(run._id)) continue // ours already, waiting in memory
          }
          if (!run) break
          claimed++
          active++
          perApp.set(run.appId, (perApp.get(run.appId) ?? 0) + 1)
          pending.add(run._id)
          const p = execute(run)
            .catch((e) => deps.log?.(`[runs] ${run._id}: ${(e as Error).message}`))
            .finally(() => {
              pending.delete(run!._id)
              active--
              const left = (perApp.get(run.appId) ?? 1) - 1
              if (left > 0) perApp.set(run.appId, left)
              else perApp.delete(run.appId)
              inflight.delete(p)
              wake?.()
            })
          inflight.add(p)
        }
      } catch (e) {
        deps.log?.(`[runs] claim failed (database down?): ${(e as Error).message}`)
      }
      if (!claimed) await new Promise<void>((r) => {
        const t = setTimeout(r, opts.pollMs)
        wake = () => (clearTimeout(t), (wake = null), r())
      })
    }
  }

  const done = loop()
  return {
    leaseMs: opts.leaseMs,
    /** Takes a run inserted already leased to this process. */
    take(run: RunDoc) {
      pending.add(run._id)
      local.push(run)
      wake?.()
    },
    async stop() {
      stopped = true
      wake?.()
      await done
      await Promise.all([...inflight])
    },
  }
}
