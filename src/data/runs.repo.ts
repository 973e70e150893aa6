// runs (async invokes, cron ticks, webhooks, replays), idempotency keys and claimed cron slots.
// Two collections: `run_queue` holds the runs that are not finished yet (small: it is the queue a
// worker claims from with findOneAndUpdate and a lease) and `runs` the finished ones (append-only:
// a run is inserted there once, when it ends, and then leaves the queue). On the embedded FerretDB
// only inserts stay cheap as a collection grows (other writes scan it), so the hot path inserts.
import type { Collection, Db } from 'mongodb'
import { onlyDuplicates, writeErrorsOf } from './bulk'

/** Where a run came from. */
export type RunTrigger = 'invoke' | 'cron' | 'webhook' | 'replay'
/** A run's lifecycle. */
export type RunStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'dead' | 'cancelled'
/** Statuses a run ends in. */
export const FINAL_STATUSES: readonly RunStatus[] = ['succeeded', 'failed', 'dead', 'cancelled']
/** True when a run has ended. */
export const isFinal = (s: RunStatus) => FINAL_STATUSES.includes(s)

/** One try of a run. */
export interface Attempt {
  n: number
  startedAt: Date
  finishedAt: Date
  durationMs: number
  status: number | null
  error: string | null
  cold: boolean
  /** The x-request-id the attempt was sent with: the app's log lines carry it. */
  requestId?: string | null
}

/** A run. */
export interface RunDoc {
  _id: string
  appId: string
  ownerId: string
  trigger: RunTrigger
  triggerId?: string | null
  request: { method: string; path: string; headers: Record<string, string>; body: string }
  status: RunStatus
  attempts: Attempt[]
  maxAttempts: number
  /** The app's own limit of its runs executing at once, when it set one (else the worker's default). */
  concurrency?: number
  nextAttemptAt: Date
  leaseUntil?: Date | null
  response?: { status: number; headers: Record<string, string>; body: string } | null
  traceback?: string | null
  error?: string | null
  replayOf?: string | null
  idempotencyKey?: string | null
  createdAt: Date
  updatedAt: Date
  startedAt?: Date | null
  finishedAt?: Date | null
}

type Filter = Record<string, unknown>
/** Ended runs, then the queued ones not ended meanwhile (a run is in both for a moment when it ends). */
const union = (closed: RunDoc[], open: RunDoc[]) => {
  const seen = new Set(closed.map((r) => r._id))
  return [...closed, ...open.filter((r) => !seen.has(r._id))]
}

/**
 * Group commit of inserts: while one insertMany is on its way, new documents gather for the next
 * one. Each caller's promise settles with its own document's outcome (a duplicate fails only its
 * caller). An idle collection gets single inserts at once: no added latency.
 */
export function groupInserter<T extends { _id: string }>(col: Collection<T>, max = 200) {
  let waiting: { doc: T; ok: () => void; fail: (e: unknown) => void }[] = []
  let busy = false
  async function send(): Promise<void> {
    busy = true
    while (waiting.length) {
      const batch = waiting.splice(0, max)
      try {
        await col.insertMany(batch.map((b) => b.doc) as never, { ordered: false })
        for (const b of batch) b.ok()
      } catch (e) {
        // per-document errors fail only their callers; a lost connection (no write errors) fails them all
        const failed = writeErrorsOf(e)
        batch.forEach((b, i) => (failed ? (failed.has(i) ? b.fail(new Error(failed.get(i)!.errmsg ?? 'insert failed')) : b.ok()) : b.fail(e)))
      }
    }
    busy = false
  }
  return (doc: T) =>
    new Promise<void>((ok, fail) => {
      waiting.push({ doc, ok, fail })
      if (!busy) void send()
    })
}

/** Data access for runs. */
export function runsRepo(db: Db) {
  const queue = db.collection<RunDoc>('run_queue')
  const done = db.collection<RunDoc>('runs')
  const keys = db.collection<{ _id: string; runId: string; bodyHash: string; createdAt: Date }>('idempotency_keys')
  const slots = db.collection<{ _id: string; at: Date }>('cron_slots')
  const enqueue = groupInserter(queue)
  // `{_id}` alone is the one filter FerretDB hands to SQLite; anything else is matched row by row.
  const byId = async (id: string) => (await queue.findOne({ _id: String(id) })) ?? (await done.findOne({ _id: String(id) }))
  const newestFirst = (a: RunDoc, b: RunDoc) => b.createdAt.getTime() - a.createdAt.getTime()
  return {
    /** Stores a new run: in the queue, or straight in the history when it is already final (webhooks). */
    insert: (r: RunDoc): Promise<unknown> => (isFinal(r.status) ? done.insertOne(r) : enqueue(r)),
    get: byId,
    async forOwner(ownerId: string, id: string): Promise<RunDoc | null> {
      const r = await byId(id)
      return r && r.ownerId === String(ownerId) ? r : null
    },
    /** An app's runs, newest first; `q` is validated by the caller (known values, real dates). */
    async list(appId: string, q: { status?: RunStatus; trigger?: RunTrigger; since?: Date; until?: Date; limit: number }): Promise<RunDoc[]> {
      const f: Filter = { appId: String(appId) }
      // a run this process is executing is still `queued` in the database: both are asked for together
      if (q.status) f.status = q.status === 'queued' || q.status === 'running' ? { $in: ['queued', 'running'] } : String(q.status)
      if (q.trigger) f.trigger = String(q.trigger)
      if (q.since || q.until) {
        const at: Filter = {}
        if (q.since instanceof Date) at.$gte = q.since
        if (q.until instanceof Date) at.$lte = q.until
        f.createdAt = at
      }
      const opts = { projection: { 'response.body': 0 } }
      // queue first: a run that left it meanwhile is in the history already (inserted there before it left)
      const open = await queue.find(f, opts).sort({ createdAt: -1 }).limit(q.limit).toArray()
      const closed = await done.find(f, opts).sort({ createdAt: -1 }).limit(q.limit).toArray()
      return union(closed, open).sort(newestFirst).slice(0, q.limit)
    },
    /** Claims the next due run (or one whose lease expired) of an app that has room. */
    claim(now: Date, leaseMs: number, busyApps: string[]): Promise<RunDoc | null> {
      return queue.findOneAndUpdate(
        {
          ...(busyApps.length ? { appId: { $nin: busyApps } } : {}),
          $or: [
            { status: 'queued', nextAttemptAt: { $lte: now }, leaseUntil: null },
            { status: 'queued', nextAttemptAt: { $lte: now }, leaseUntil: { $lt: now } },
            { status: 'running', leaseUntil: { $lt: now } },
          ],
        },
        { $set: { status: 'running', leaseUntil: new Date(now.getTime() + leaseMs), updatedAt: now } },
        { sort: { nextAttemptAt: 1 }, returnDocument: 'after' },
      )
    },
    /** Runs by id (benchmarks and tests). */
    async byIds(ids: string[]): Promise<RunDoc[]> {
      const f = { _id: { $in: ids.map(String) } }
      const open = await queue.find(f).toArray()
      return union(await done.find(f).toArray(), open)
    },
    /** Changes a run that is still queued (a retry's state, a lease). */
    update: (id: string, set: Partial<RunDoc>) => queue.updateOne({ _id: String(id) }, { $set: { ...set, updatedAt: new Date() } }),
    /**
     * Moves ended runs to the history, then out of the queue. A run already in the history (a crash
     * between the two steps, then a second execution) keeps its first result: at least once, recorded once.
     */
    async finish(runs: RunDoc[]): Promise<void> {
      if (!runs.length) return
      try {
        await done.insertMany(runs, { ordered: false })
      } catch (e) {
        if (!onlyDuplicates(e)) throw e
      }
      const ids = runs.map((r) => r._id)
      await (ids.length === 1 ? queue.deleteOne({ _id: ids[0]! }) : queue.deleteMany({ _id: { $in: ids } }))
    },
    /** Takes a queued run out of the queue for cancelling; null when it is not queued (or not there). */
    takeQueued: (ownerId: string, id: string) =>
      queue.findOneAndUpdate({ _id: String(id), ownerId: String(ownerId), status: 'queued' }, { $set: { status: 'cancelled', updatedAt: new Date() } }, { returnDocument: 'after' }),
    /** Queued runs created before `before` (max event age). */
    stale: (before: Date) => queue.find({ status: 'queued', createdAt: { $lt: before } }).limit(500).toArray(),
    /** Unfinished runs stored by an older version in the history go back to the queue (once, at start). */
    async adoptLegacy(): Promise<number> {
      const open = await done.find({ status: { $in: ['queued', 'running'] } }).toArray()
      if (!open.length) return 0
      await queue.insertMany(open, { ordered: false }).catch((e) => {
        if (!onlyDuplicates(e)) throw e
      })
      await done.deleteMany({ _id: { $in: open.map((r) => r._id) } })
      return open.length
    },
    /** Reserves an idempotency key; returns the existing reservation when taken. */
    async reserveKey(id: string, runId: string, bodyHash: string): Promise<{ runId: string; bodyHash: string } | null> {
      try {
        await keys.insertOne({ _id: id, runId, bodyHash, createdAt: new Date() })
        return null
      } catch {
        return keys.findOne({ _id: id })
      }
    },
    expireKeys: (before: Date) => keys.deleteMany({ createdAt: { $lt: before } }),
    /** Deletes ended runs created before `before`, and claimed cron slots before `slotsBefore`. */
    async expire(before: Date, slotsBefore: Date): Promise<{ runs: number; slots: number }> {
      const a = await done.deleteMany({ createdAt: { $lt: before } })
      const b = await slots.deleteMany({ at: { $lt: slotsBefore } })
      return { runs: a.deletedCount, slots: b.deletedCount }
    },
    /** Claims a cron slot; false when another tick (or process) already did. */
    async claimSlot(id: string): Promise<boolean> {
      try {
        await slots.insertOne({ _id: id, at: new Date() })
        return true
      } catch {
        return false
      }
    },
    removeForApp: async (appId: string) => {
      await queue.deleteMany({ appId: String(appId) })
      await done.deleteMany({ appId: String(appId) })
    },
  }
}

/** The runs repository's shape. */
export type RunsRepo = ReturnType<typeof runsRepo>
