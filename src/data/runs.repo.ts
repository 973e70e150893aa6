// runs (async invokes, cron ticks, webhooks, replays), idempotency keys and claimed cron slots.
// The queue is this collection: a worker claims a run with findOneAndUpdate and a lease.
import type { Db } from 'mongodb'

/** Where a run came from. */
export type RunTrigger = 'invoke' | 'cron' | 'webhook' | 'replay'
/** A run's lifecycle. */
export type RunStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'dead' | 'cancelled'

/** One try of a run. */
export interface Attempt {
  n: number
  startedAt: Date
  finishedAt: Date
  durationMs: number
  status: number | null
  error: string | null
  cold: boolean
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

/** Data access for runs. */
export function runsRepo(db: Db) {
  const runs = db.collection<RunDoc>('runs')
  const keys = db.collection<{ _id: string; runId: string; bodyHash: string; createdAt: Date }>('idempotency_keys')
  const slots = db.collection<{ _id: string; at: Date }>('cron_slots')
  return {
    insert: (r: RunDoc) => runs.insertOne(r),
    get: (id: string) => runs.findOne({ _id: String(id) }),
    forOwner: (ownerId: string, id: string) => runs.findOne({ _id: String(id), ownerId: String(ownerId) }),
    list(appId: string, q: { status?: string; trigger?: string; limit: number }) {
      const f: Record<string, unknown> = { appId: String(appId) }
      if (q.status) f.status = String(q.status)
      if (q.trigger) f.trigger = String(q.trigger)
      return runs.find(f, { projection: { 'response.body': 0 } }).sort({ createdAt: -1 }).limit(q.limit).toArray()
    },
    /** Claims the next due run (or one whose lease expired) of an app that has room. */
    async claim(now: Date, leaseMs: number, busyApps: string[]): Promise<RunDoc | null> {
      return runs.findOneAndUpdate(
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
    byIds: (ids: string[]) => runs.find({ _id: { $in: ids.map(String) } }).toArray(),
    update: (id: string, set: Partial<RunDoc>) => runs.updateOne({ _id: String(id) }, { $set: { ...set, updatedAt: new Date() } }),
    /** Cancels a run only while it is queued. */
    cancel: async (ownerId: string, id: string) =>
      (await runs.updateOne({ _id: String(id), ownerId: String(ownerId), status: 'queued' }, { $set: { status: 'cancelled', finishedAt: new Date(), updatedAt: new Date() } })).modifiedCount > 0,
    /** Queued runs older than `before` (max event age). */
    expire: (before: Date) => runs.updateMany({ status: 'queued', createdAt: { $lt: before } }, { $set: { status: 'dead', error: 'older than the maximum age', updatedAt: new Date() } }),
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
      await runs.deleteMany({ appId: String(appId) })
    },
  }
}

/** The runs repository's shape. */
export type RunsRepo = ReturnType<typeof runsRepo>
