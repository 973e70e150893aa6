// Runs: every async invoke, cron tick, webhook and replay. Retries with exponential backoff and
// jitter (Retry-After honoured), 4xx final, `dead` after the last attempt; idempotency keys.
import { nanoid } from 'nanoid'
import type { AppDoc } from '../data/apps.repo'
import type { RunDoc, RunStatus, RunTrigger } from '../data/runs.repo'
import { sha256 } from '../lib/crypto'
import { KeyedMutex } from '../lib/keyed-mutex'
import type { DomainDeps } from './context'
import { DomainError, notFound } from './errors'

/** Largest request or response body kept on a run. */
export const RUN_BODY_LIMIT = 64 * 1024

/** What one attempt produced. */
export interface AttemptResult {
  status: number | null
  headers: Record<string, string>
  body: string
  traceback: string | null
  error: string | null
  cold: boolean
  retryAfterSec?: number
  /** The x-request-id the app saw (its log lines carry it). */
  requestId?: string
}

/** Delay before attempt `n + 1` after attempt `n` failed: 1 s, 2 s, 4 s … ≤ 5 min, ±20 % jitter. */
export function backoffMs(n: number, retryAfterSec?: number, rand = Math.random): number {
  if (retryAfterSec && retryAfterSec > 0) return Math.min(retryAfterSec, 3600) * 1000
  return Math.round(Math.min(1000 * 2 ** (n - 1), 300_000) * (0.8 + 0.4 * rand()))
}

/** Attempts of a run when its app sets none (Lambda async: the first and 2 retries). */
export const DEFAULT_ATTEMPTS = 3
/** Runs of one app executing at once when it sets no limit of its own. */
export const DEFAULT_CONCURRENCY = 4

/** The next state of a run after an attempt: pure, so it is tested without a clock. */
export function decide(run: Pick<RunDoc, 'attempts' | 'maxAttempts'>, r: AttemptResult, now: Date, rand = Math.random): { status: RunDoc['status']; nextAttemptAt: Date } {
  const n = run.attempts.length + 1
  if (r.status !== null && r.status < 400) return { status: 'succeeded', nextAttemptAt: now }
  if (r.status !== null && r.status >= 400 && r.status < 500 && r.status !== 408 && r.status !== 429) return { status: 'failed', nextAttemptAt: now }
  if (n >= run.maxAttempts) return { status: 'dead', nextAttemptAt: now }
  return { status: 'queued', nextAttemptAt: new Date(now.getTime() + backoffMs(n, r.retryAfterSec, rand)) }
}

/** Statuses and triggers a run list can be filtered by (`async` is the name the dashboard shows for `invoke`). */
export const RUN_STATUSES: readonly RunStatus[] = ['queued', 'running', 'succeeded', 'failed', 'dead', 'cancelled']
export const RUN_TRIGGERS: readonly RunTrigger[] = ['invoke', 'cron', 'webhook', 'replay']
const TRIGGER_ALIASES: Record<string, RunTrigger> = { async: 'invoke' }
/** Relative windows: a number and a unit (minutes, hours, days), e.g. `1h`, `24h`, `7d`. */
const WINDOW = /^([1-9][0-9]{0,4})([mhd])$/
const UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000 }
/** The oldest `since` accepted (and the longest window): runs are not kept longer. */
const MAX_WINDOW_MS = 366 * 86_400_000

/** A run list query as it arrives (query string values). */
export interface RunListQuery {
  status?: string
  trigger?: string
  /** `1h`, `24h`, `7d` … (a window back from now) or a date / date-time (ISO 8601). */
  since?: string
  /** A date / date-time (ISO 8601); a bare date means the end of that day (UTC). */
  until?: string
  limit?: number | string
}

/** A validated run list filter: only known values and real dates reach the database. */
export interface RunFilter {
  status?: RunStatus
  trigger?: RunTrigger
  since?: Date
  until?: Date
  limit: number
}

const bad = (message: string, details?: Record<string, unknown>) => new DomainError(400, 'bad_request', message, details)

function parseWhen(name: 'since' | 'until', v: string, now: Date): Date {
  const w = name === 'since' ? WINDOW.exec(v) : null
  if (w) {
    const ms = Number(w[1]) * UNIT_MS[w[2]!]!
    if (ms > MAX_WINDOW_MS) throw bad(`${name}: a window is at most 366 days`)
    return new Date(now.getTime() - ms)
  }
  const date = /^\d{4}-\d{2}-\d{2}$/.test(v)
  const dateTime = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})?$/.test(v)
  const at = date ? new Date(`${v}T00:00:00Z`) : dateTime ? new Date(v) : null
  if (!at || Number.isNaN(at.getTime())) {
    throw bad(`${name}: expected ${name === 'since' ? 'a window like 1h, 24h or 7d, or ' : ''}a date like 2026-11-22 or 2026-11-22T08:30:00Z`)
  }
  // a bare `until` date covers its whole day
  return date && name === 'until' ? new Date(at.getTime() + 86_400_000 - 1) : at
}

/** Validates a run list query; an unknown status or trigger is refused with the allowed values. */
export function runFilter(q: RunListQuery, now: Date): RunFilter {
  const f: RunFilter = { limit: Math.min(Math.max(Number(q.limit) || 50, 1), 200) }
  const status = q.status?.trim().toLowerCase()
  if (status) {
    if (!RUN_STATUSES.includes(status as RunStatus)) throw bad(`status: unknown run status "${status.slice(0, 20)}"; allowed: ${RUN_STATUSES.join(', ')}`, { allowed: RUN_STATUSES })
    f.status = status as RunStatus
  }
  const trigger = q.trigger?.trim().toLowerCase()
  if (trigger) {
    const t = TRIGGER_ALIASES[trigger] ?? trigger
    if (!RUN_TRIGGERS.includes(t as RunTrigger)) throw bad(`trigger: unknown trigger "${trigger.slice(0, 20)}"; allowed: async (or invoke), cron, webhook, replay`, { allowed: ['async', ...RUN_TRIGGERS] })
    f.trigger = t as RunTrigger
  }
  if (q.since?.trim()) f.since = parseWhen('since', q.since.trim(), now)
  if (q.until?.trim()) f.until = parseWhen('until', q.until.trim(), now)
  if (f.since && f.since.getTime() < now.getTime() - MAX_WINDOW_MS) f.since = new Date(now.getTime() - MAX_WINDOW_MS)
  if (f.since && f.until && f.since > f.until) throw bad('since is after until')
  return f
}

/** The local worker, as the runs service sees it: it takes new runs straight from memory. */
export interface LocalWorker {
  leaseMs: number
  /** Hands over a run that was inserted already leased to this process. */
  take(run: RunDoc): void
  /** The run as this process holds it now (running, ended but not yet written…), if it does. */
  current(id: string): RunDoc | undefined
  /** Lets go of a run that is only waiting here (for cancelling): the run, 'busy' when it is executing or ended, null when not held. */
  release(id: string): RunDoc | 'busy' | null
}

/** Runs as a service: enqueue, read, replay, cancel. */

/** One line the app printed during one of a run's attempts. */
export interface RunLogLine {
  attempt: number
  at: Date
  stream: string
  line: string
}

export function runsService(deps: DomainDeps & { worker?: () => LocalWorker | null; flushLogs?: () => Promise<void> }) {
  const runs = deps.repos.runs
  // FerretDB v1 does not make concurrent inserts of one _id atomic: reserve keys one at a time here too.
  const keyLocks = new KeyedMutex()
  const clip = (s: string) => (s.length > RUN_BODY_LIMIT ? s.slice(0, RUN_BODY_LIMIT) : s)

  async function enqueue(app: AppDoc, trigger: RunTrigger, req: RunDoc['request'], extra: Partial<RunDoc> = {}): Promise<RunDoc> {
    const now = deps.now()
    const run: RunDoc = {
      _id: `run_${nanoid(16)}`, appId: app._id, ownerId: app.ownerId, trigger, request: { ...req, body: clip(req.body) },
      status: 'queued', attempts: [], maxAttempts: app.settings.maxAttempts ?? DEFAULT_ATTEMPTS, nextAttemptAt: now,
      ...(app.settings.concurrency ? { concurrency: app.settings.concurrency } : {}),
      createdAt: now, updatedAt: now, ...extra,
    }
    // A due run is inserted already leased to this process and handed to its worker: no claim round
    // trip. If the process dies first, the lease expires and any worker's sweep takes the run.
    const worker = run.nextAttemptAt <= now ? deps.worker?.() : null
    if (worker) run.leaseUntil = new Date(now.getTime() + worker.leaseMs)
    await runs.insert(run)
    worker?.take(run)
    return run
  }

  return {
    enqueue,

    /** An async invoke; the same Idempotency-Key with the same body returns the first run. */
    async invoke(app: AppDoc, req: RunDoc['request'], idempotencyKey?: string): Promise<{ run: RunDoc; reused: boolean }> {
      if (!idempotencyKey) return { run: await enqueue(app, 'invoke', req), reused: false }
      if (idempotencyKey.length > 200) throw new DomainError(400, 'bad_request', 'Idempotency-Key is longer than 200 characters')
      const bodyHash = sha256(`${req.method} ${req.path}\n${req.body}`)
      const runId = `run_${nanoid(16)}`
      const keyId = `${app._id}:${idempotencyKey}`
      return keyLocks.run(keyId, async () => {
      const existing = await runs.reserveKey(keyId, runId, bodyHash)
      if (existing) {
        if (existing.bodyHash !== bodyHash) throw new DomainError(422, 'idempotency_mismatch', 'this Idempotency-Key was used with a different request')
        const first = await runs.get(existing.runId)
        if (!first) throw new DomainError(409, 'idempotency_in_flight', 'a request with this Idempotency-Key is being accepted; retry shortly')
        return { run: first, reused: true }
      }
      return { run: await enqueue(app, 'invoke', req, { _id: runId, idempotencyKey }), reused: false }
      })
    },

    /** A run as it is now: this process's own copy while it holds the run, else the stored one. */
    async get(ownerId: string, id: string): Promise<RunDoc> {
      const mine = deps.worker?.()?.current(String(id))
      if (mine && mine.ownerId === ownerId) return mine
      const run = await runs.forOwner(ownerId, id)
      if (!run) throw notFound('run')
      return run
    },

    /** The lines the app printed while serving the run's attempts (matched by each attempt's request id). */
    async logs(run: RunDoc): Promise<RunLogLine[]> {
      const attemptOf = new Map(run.attempts.filter((a) => a.requestId).map((a) => [a.requestId!, a.n]))
      if (!attemptOf.size) return []
      await deps.flushLogs?.()
      const lines = await deps.repos.logs.forRequests(run.appId, [...attemptOf.keys()])
      return lines.map((l) => ({ attempt: attemptOf.get(l.requestId!) ?? 0, at: l.at, stream: l.stream, line: l.line }))
    },

    /** An app's runs, newest first, filtered by status, trigger and creation time (see `runFilter`). */
    async list(appId: string, q: RunListQuery): Promise<RunDoc[]> {
      const f = runFilter(q, deps.now())
      const worker = deps.worker?.()
      const list = await runs.list(appId, f)
      const now = worker ? list.map((r) => worker.current(r._id) ?? r) : list
      return f.status ? now.filter((r) => r.status === f.status) : now
    },

    /** A new run with the same request, linked to the old one. */
    async replay(ownerId: string, id: string): Promise<RunDoc> {
      const old = await this.get(ownerId, id)
      const app = await deps.repos.apps.get(ownerId, old.appId)
      if (!app) throw notFound('app')
      return enqueue(app, 'replay', old.request, { replayOf: old._id, triggerId: old.triggerId ?? null })
    },

    async cancel(ownerId: string, id: string): Promise<RunDoc> {
      const run = await this.get(ownerId, id)
      const refuse = (status: string) => new DomainError(409, 'not_queued', `only a queued run can be cancelled; this one is ${status}`)
      const worker = deps.worker?.()
      const released = worker?.release(run._id) ?? null
      if (released === 'busy') throw refuse(run.status)
      const taken = await runs.takeQueued(ownerId, run._id)
      if (!taken) {
        if (released) worker?.take(released)
        throw refuse(run.status)
      }
      const at = deps.now()
      const cancelled: RunDoc = { ...taken, status: 'cancelled', leaseUntil: null, finishedAt: at, updatedAt: at }
      await runs.finish([cancelled])
      return cancelled
    },

    /** Records a synchronous run (webhooks) with its one attempt. */
    async recordSync(app: AppDoc, trigger: RunTrigger, req: RunDoc['request'], r: AttemptResult, startedAt: Date): Promise<RunDoc> {
      const finishedAt = deps.now()
      const ok = r.status !== null && r.status < 400
      const run: RunDoc = {
        _id: `run_${nanoid(16)}`, appId: app._id, ownerId: app.ownerId, trigger, request: { ...req, body: clip(req.body) },
        status: ok ? 'succeeded' : 'failed', maxAttempts: 1, nextAttemptAt: finishedAt, createdAt: startedAt, updatedAt: finishedAt,
        startedAt, finishedAt, attempts: [{ n: 1, startedAt, finishedAt, durationMs: finishedAt.getTime() - startedAt.getTime(), status: r.status, error: r.error, cold: r.cold, requestId: r.requestId ?? null }],
        response: r.status === null ? null : { status: r.status, headers: r.headers, body: clip(r.body) }, traceback: r.traceback, error: r.error,
      }
      await runs.insert(run)
      return run
    },
  }
}

/** The runs service's shape. */
export type RunsService = ReturnType<typeof runsService>
