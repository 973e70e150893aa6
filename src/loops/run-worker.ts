// The async run worker. Runs this process queued are handed over in memory, already leased to it
// (no claim round trip); a sweep claims the others from the queue with findOneAndUpdate and a lease
// (retries of other processes, runs left behind by a platform that died, scheduled runs). Each
// attempt calls the app through the proxy path (waking it if it sleeps). Ended runs are written in
// batches; until then they stay leased, so a crash re-runs them (at least once) and never loses one.
import type { Repos } from '../domain/context'
import type { Bus } from '../lib/bus'
import { decide, RUN_BODY_LIMIT, type AttemptResult, type LocalWorker } from '../domain/runs'
import { isFinal, type RunDoc } from '../data/runs.repo'

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
  /** Runs executing at once for one app, unless the app set its own limit (RunDoc.concurrency). */
  perApp: number
  /** How long a claim holds before another worker may take the run over. */
  leaseMs: number
  /** How often an idle worker looks for due runs in the database. */
  pollMs: number
  /** Queued runs older than this go `dead` (max event age). */
  maxAgeMs: number
  /** Ended runs written together at most this long after the first of them ended. */
  batchMs?: number
}

/** Collects ended runs and writes them in batches, one batch at a time; a failed write is retried. */
function finisher(write: (runs: RunDoc[]) => Promise<void>, done: (runs: RunDoc[]) => void, batchMs: number, log?: (m: string) => void) {
  let pending: RunDoc[] = []
  let timer: Timer | null = null
  let writing: Promise<void> | null = null
  let failures = 0
  async function flush(): Promise<void> {
    if (timer) clearTimeout(timer)
    timer = null
    while (writing) await writing
    if (!pending.length) return
    const batch = pending.splice(0, 500)
    writing = write(batch).then(
      () => {
        failures = 0
        done(batch)
      },
      (e) => {
        failures++
        log?.(`[runs] could not record ${batch.length} ended runs (retrying): ${(e as Error).message}`)
        pending.unshift(...batch)
      },
    )
    await writing
    writing = null
    if (pending.length && !timer) timer = setTimeout(() => void flush(), failures ? Math.min(1000 * failures, 10_000) : 0)
  }
  return {
    add(run: RunDoc) {
      pending.push(run)
      if (pending.length >= 500) void flush()
      else timer ??= setTimeout(() => void flush(), batchMs)
    },
    /** Writes everything collected (gives up after a few failures: the leases then bring the runs back). */
    async drain() {
      for (let i = 0; i < 5 && (pending.length || writing); i++) await flush()
      if (timer) clearTimeout(timer)
      timer = null
    },
  }
}

/** Starts the worker; `take()` hands it a run this process just queued. */
export function startRunWorker(deps: RunWorkerDeps, opts: RunWorkerOptions): LocalWorker & { stop(): Promise<void> } {
  const now = deps.now ?? (() => new Date())
  const perApp = new Map<string, number>()
  // Runs carry their app's own limit (from its settings); the limit of each app executing runs here.
  const limitOf = (run: RunDoc) => run.concurrency ?? opts.perApp
  const limits = new Map<string, number>()
  const hasSlot = (run: RunDoc) => (perApp.get(run.appId) ?? 0) < limitOf(run)
  let active = 0
  let stopped = false
  let wake: (() => void) | null = null
  let lastExpire = 0
  let lastSweep = 0
  // An empty sweep doubles the wait before the next one (up to 2 s): runs queued by this process
  // come from memory, so the database only has others' runs, orphans and scheduled ones.
  let sweepEvery = opts.pollMs
  const inflight = new Set<Promise<void>>()
  // Runs leased to this process, waiting for a slot (in order).
  const local: RunDoc[] = []
  // Every run this process holds, as it is now: waiting, executing, waiting to retry, or ended and not yet written.
  const held = new Map<string, RunDoc>()
  const executing = new Set<string>()
  const retries = new Map<string, Timer>()
  const publish = (r: RunDoc) => deps.bus?.publish(`runs:${r.appId}`, { id: r._id, status: r.status, attempt: r.attempts.length })
  // an ended run is announced once it is stored
  const ended = finisher((runs) => deps.repos.runs.finish(runs), (runs) => {
    for (const r of runs) {
      if (held.get(r._id) === r) held.delete(r._id)
      publish(r)
    }
  }, opts.batchMs ?? 20, deps.log)

  async function execute(run: RunDoc): Promise<void> {
    const startedAt = now()
    held.set(run._id, { ...run, status: 'running', startedAt: run.startedAt ?? startedAt, updatedAt: startedAt })
    // A run that waited here for a slot long enough to use up half its lease gets a fresh one first,
    // so no other process takes it over while it executes.
    if (run.leaseUntil && run.leaseUntil.getTime() - startedAt.getTime() < opts.leaseMs / 2) {
      run = { ...run, leaseUntil: new Date(startedAt.getTime() + opts.leaseMs) }
      await deps.repos.runs.update(run._id, { leaseUntil: run.leaseUntil }).catch((e) => deps.log?.(`[runs] could not renew the lease of ${run._id}: ${(e as Error).message}`))
    }
    const result = await deps.invoke(run.appId, run.request).catch((e) => ({
      status: null, headers: {}, body: '', traceback: null, error: String((e as Error).message), cold: false,
    } as AttemptResult))
    const finishedAt = now()
    const attempt = {
      n: run.attempts.length + 1, startedAt, finishedAt, durationMs: finishedAt.getTime() - startedAt.getTime(),
      status: result.status, error: result.error, cold: result.cold, requestId: result.requestId ?? null,
    }
    const next = decide(run, result, finishedAt)
    const after: RunDoc = {
      ...run, status: next.status, nextAttemptAt: next.nextAttemptAt, attempts: [...run.attempts, attempt],
      startedAt: run.startedAt ?? startedAt, updatedAt: finishedAt,
      response: result.status === null ? null : { status: result.status, headers: result.headers, body: result.body.slice(0, RUN_BODY_LIMIT) },
      traceback: result.traceback, error: result.error,
    }
    if (next.status === 'queued') {
      // A retry stays leased to this process until its time (and a lease after): a crash meanwhile
      // lets any worker take it over then. Retries are the rare path; they update the queued run.
      after.leaseUntil = new Date(next.nextAttemptAt.getTime() + opts.leaseMs)
      held.set(run._id, after)
      const { _id, ...set } = after
      // The stored copy is for another process after a crash; while this one holds the run its own copy
      // rules, so a database that is away delays nothing: the retry is scheduled either way.
      await deps.repos.runs.update(_id, set).catch((e) => deps.log?.(`[runs] could not store the retry state of ${_id} (database down?): ${(e as Error).message}`))
      retries.set(run._id, setTimeout(() => {
        retries.delete(run._id)
        if (held.get(run._id) === after) enqueueLocal(after)
      }, Math.max(0, next.nextAttemptAt.getTime() - Date.now())))
      publish(after)
    } else {
      Object.assign(after, { finishedAt, leaseUntil: null })
      held.set(run._id, after)
      ended.add(after)
    }
  }

  function enqueueLocal(run: RunDoc) {
    held.set(run._id, run)
    local.push(run)
    wake?.()
  }

  function start(run: RunDoc) {
    active++
    perApp.set(run.appId, (perApp.get(run.appId) ?? 0) + 1)
    limits.set(run.appId, limitOf(run))
    executing.add(run._id)
    const p = execute(run)
      .catch((e) => deps.log?.(`[runs] ${run._id}: ${(e as Error).message}`))
      .finally(() => {
        executing.delete(run._id)
        active--
        const left = (perApp.get(run.appId) ?? 1) - 1
        if (left > 0) perApp.set(run.appId, left)
        else {
          perApp.delete(run.appId)
          limits.delete(run.appId)
        }
        inflight.delete(p)
        wake?.()
      })
    inflight.add(p)
  }

  /** Queued runs past the maximum age (and not held here) end `dead`. */
  async function expire(): Promise<void> {
    const stale = (await deps.repos.runs.stale(new Date(now().getTime() - opts.maxAgeMs))).filter((r) => !held.has(r._id))
    const at = now()
    await deps.repos.runs.finish(stale.map((r) => ({ ...r, status: 'dead', error: 'older than the maximum age', leaseUntil: null, finishedAt: at, updatedAt: at })))
    await deps.repos.runs.expireKeys(new Date(now().getTime() - 24 * 3600_000))
  }

  async function loop(): Promise<void> {
    while (!stopped) {
      let started = 0
      try {
        if (Date.now() - lastExpire > 30_000) {
          lastExpire = Date.now()
          await expire()
        }
        while (!stopped && active < opts.concurrency) {
          const i = local.findIndex(hasSlot)
          if (i >= 0) {
            start(local.splice(i, 1)[0]!)
            started++
            continue
          }
          // Nothing runnable here: look in the database (at most every pollMs while it has nothing).
          if (Date.now() - lastSweep < sweepEvery) break
          const busy = [...perApp].filter(([id, n]) => n >= (limits.get(id) ?? opts.perApp)).map(([id]) => id)
          const run = await deps.repos.runs.claim(now(), opts.leaseMs, busy)
          if (!run) {
            lastSweep = Date.now()
            sweepEvery = Math.min(sweepEvery * 2, Math.max(opts.pollMs, 2000))
            break
          }
          sweepEvery = opts.pollMs
          if (held.has(run._id)) continue // ours already (waiting here); the claim renewed its lease
          if (!hasSlot(run)) {
            enqueueLocal(run) // its app's own limit is lower than the default: it waits here, leased
            continue
          }
          start(run)
          started++
        }
      } catch (e) {
        lastSweep = Date.now()
        deps.log?.(`[runs] claim failed (database down?): ${(e as Error).message}`)
      }
      if (!started) await new Promise<void>((r) => {
        const t = setTimeout(r, opts.pollMs)
        wake = () => (clearTimeout(t), (wake = null), r())
      })
    }
  }

  const done = loop()
  return {
    leaseMs: opts.leaseMs,
    take: enqueueLocal,
    current: (id) => held.get(id),
    release(id) {
      const run = held.get(id)
      if (!run) return null
      if (executing.has(id) || isFinal(run.status)) return 'busy'
      const i = local.indexOf(run)
      if (i >= 0) local.splice(i, 1)
      const t = retries.get(id)
      if (t) clearTimeout(t)
      retries.delete(id)
      held.delete(id)
      return run
    },
    async stop() {
      stopped = true
      wake?.()
      await done
      await Promise.all([...inflight])
      for (const t of retries.values()) clearTimeout(t)
      await ended.drain()
    },
  }
}
