// deploy_events and request_logs: what happened to an app, newest first.
import type { Db } from 'mongodb'
import { requestTime } from '../lib/request-id'
import { onlyDuplicates } from './bulk'
import { pack, unpack, type RequestPageDoc, type RequestRecord, type StoredRequest } from './request-pages'

/** One step of a deploy, as shown by deploy progress and `/deploy-status`. */
export interface DeployEventDoc {
  _id: string
  appId: string
  deployId: string
  version: number | null
  phase: 'validating' | 'saving' | 'starting' | 'ready' | 'failed'
  message: string
  at: Date
  durationMs?: number
  diagnostics?: unknown[]
  traceback?: string
}

export type { RequestRecord, StoredRequest } from './request-pages'

/** Data access for deploy events and request logs. */
export function eventsRepo(db: Db) {
  const deploys = db.collection<DeployEventDoc>('deploy_events')
  const requests = db.collection<RequestPageDoc>('request_logs')
  return {
    addDeployEvent: (e: DeployEventDoc) => deploys.insertOne(e),
    /** The events of the newest deploy of an app, oldest first. */
    async lastDeploy(appId: string): Promise<DeployEventDoc[]> {
      const newest = await deploys.find({ appId: String(appId) }).sort({ at: -1 }).limit(1).toArray()
      if (!newest[0]) return []
      return deploys.find({ appId: String(appId), deployId: newest[0].deployId }).sort({ at: 1 }).toArray()
    },
    /** Stores records, one page per app (see request-pages.ts). A page's id comes from its records,
     *  so a retry after a lost answer finds it stored already, which is not an error. */
    async insertRequests(docs: StoredRequest[]): Promise<void> {
      try {
        await requests.insertMany(pack(docs), { ordered: false })
      } catch (e) {
        if (!onlyDuplicates(e)) throw e
      }
    },
    /** A page of an app's requests, newest first, strictly before `before` when given. */
    async requests(appId: string, opts: { limit: number; before?: Date; errorsOnly?: boolean }): Promise<RequestRecord[]> {
      const q: Record<string, unknown> = { appId: String(appId) }
      if (opts.before) q.from = { $lt: opts.before }
      if (opts.errorsOnly) q.errors = { $gt: 0 }
      const out: RequestRecord[] = []
      for await (const page of requests.find(q).sort({ at: -1 }).batchSize(20)) {
        for (const r of unpack(page, false)) {
          if (opts.before && r.at >= opts.before) continue
          if (opts.errorsOnly && r.status < 500) continue
          out.push(r)
          if (out.length >= opts.limit) return out
        }
      }
      return out
    },
    /** One request with its traceback: the pages from its start time on (ids carry it), else all. */
    async request(appId: string, id: string): Promise<RequestRecord | null> {
      const t = requestTime(String(id))
      const q: Record<string, unknown> = { appId: String(appId) }
      if (t !== null) q.at = { $gte: new Date(t - 1000) }
      for await (const page of requests.find(q).sort({ at: t !== null ? 1 : -1 }).batchSize(10)) {
        const hit = unpack(page).find((r) => r._id === id)
        if (hit) return hit
      }
      return null
    },
    /** Wake durations of the app's last `n` cold starts, newest first. */
    async wakeTimes(appId: string, n = 100): Promise<number[]> {
      const out: number[] = []
      for await (const page of requests.find({ appId: String(appId), colds: { $gt: 0 } }).sort({ at: -1 }).batchSize(20)) {
        for (const r of unpack(page, false)) {
          if (r.cold && typeof r.wakeMs === 'number') out.push(r.wakeMs)
          if (out.length >= n) return out
        }
      }
      return out
    },
    /** Packs records stored one per document by an older version (once, at start). */
    async packLegacy(): Promise<number> {
      const legacy = db.collection<StoredRequest>('request_logs')
      let moved = 0
      for (;;) {
        const docs = await legacy.find({ items: { $exists: false } }).limit(500).toArray()
        if (!docs.length) return moved
        await requests.insertMany(pack(docs.map((d) => ({ ...d, at: new Date(d.at) }))), { ordered: false })
        await legacy.deleteMany({ _id: { $in: docs.map((d) => d._id) } })
        moved += docs.length
      }
    },
    removeForApp: async (appId: string) => {
      await deploys.deleteMany({ appId: String(appId) })
      await requests.deleteMany({ appId: String(appId) })
    },
  }
}

/** The events repository's shape. */
export type EventsRepo = ReturnType<typeof eventsRepo>
