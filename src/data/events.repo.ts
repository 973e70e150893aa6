// deploy_events and request_logs: what happened to an app, newest first.
import type { Db } from 'mongodb'
import { onlyDuplicates } from './bulk'

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

/** One proxied request to an app. */
export interface RequestLogDoc {
  /** The request id (x-request-id). */
  _id: string
  appId: string
  method: string
  path: string
  status: number
  latencyMs: number
  cold: boolean
  /** Time spent waking the app for this request, in ms (cold starts only). */
  wakeMs?: number | null
  error?: string | null
  traceback?: string | null
  at: Date
}

/** A request record as stored: the optional fields only when set (every byte costs on the hot path). */
export type StoredRequest = Omit<RequestLogDoc, 'wakeMs' | 'error' | 'traceback'> & Partial<Pick<RequestLogDoc, 'wakeMs' | 'error' | 'traceback'>>

/** A request record as read: the id as `requestId` too, absent fields as null. */
export type RequestRecord = RequestLogDoc & { requestId: string }
const asRecord = (d: StoredRequest, withTraceback: boolean): RequestRecord => ({
  ...d, requestId: d._id, wakeMs: d.wakeMs ?? null, error: d.error ?? null,
  ...(withTraceback ? { traceback: d.traceback ?? null } : {}),
})

/** Data access for deploy events and request logs. */
export function eventsRepo(db: Db) {
  const deploys = db.collection<DeployEventDoc>('deploy_events')
  const requests = db.collection<StoredRequest>('request_logs')
  return {
    addDeployEvent: (e: DeployEventDoc) => deploys.insertOne(e),
    /** The events of the newest deploy of an app, oldest first. */
    async lastDeploy(appId: string): Promise<DeployEventDoc[]> {
      const newest = await deploys.find({ appId: String(appId) }).sort({ at: -1 }).limit(1).toArray()
      if (!newest[0]) return []
      return deploys.find({ appId: String(appId), deployId: newest[0].deployId }).sort({ at: 1 }).toArray()
    },
    /** Stores request records; a record stored already (a retry after a lost answer) is not an error. */
    async insertRequests(docs: StoredRequest[]): Promise<void> {
      try {
        await requests.insertMany(docs, { ordered: false })
      } catch (e) {
        if (!onlyDuplicates(e)) throw e
      }
    },
    /** A page of an app's requests, newest first, strictly before `before` when given. */
    async requests(appId: string, opts: { limit: number; before?: Date; errorsOnly?: boolean }): Promise<RequestRecord[]> {
      const q: Record<string, unknown> = { appId: String(appId) }
      if (opts.before) q.at = { $lt: opts.before }
      if (opts.errorsOnly) q.status = { $gte: 500 }
      const rows = await requests.find(q, { projection: { traceback: 0 } }).sort({ at: -1 }).limit(opts.limit).toArray()
      return rows.map((d) => asRecord(d, false))
    },
    async request(appId: string, id: string): Promise<RequestRecord | null> {
      const d = await requests.findOne({ appId: String(appId), _id: String(id) })
      return d && asRecord(d, true)
    },
    /** Wake durations of the app's last `n` cold starts, newest first. */
    async wakeTimes(appId: string, n = 100): Promise<number[]> {
      const rows = await requests.find({ appId: String(appId), cold: true }, { projection: { wakeMs: 1 } }).sort({ at: -1 }).limit(n).toArray()
      return rows.map((r) => r.wakeMs).filter((x): x is number => typeof x === 'number')
    },
    removeForApp: async (appId: string) => {
      await deploys.deleteMany({ appId: String(appId) })
      await requests.deleteMany({ appId: String(appId) })
    },
  }
}

/** The events repository's shape. */
export type EventsRepo = ReturnType<typeof eventsRepo>
