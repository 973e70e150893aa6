// app_logs: every line an app printed, bounded per app and by age (our own sweeper; no TTL indexes).
import type { Db } from 'mongodb'
import { onlyDuplicates } from './bulk'

/** One stored output line. */
export interface AppLogDoc {
  _id: string
  appId: string
  instanceId: string
  stream: 'stdout' | 'stderr' | 'system'
  line: string
  at: Date
  /** The request the line was printed for (x-request-id). */
  requestId?: string
}

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/** Data access for app logs. */
export function logsRepo(db: Db) {
  const logs = db.collection<AppLogDoc>('app_logs')
  const requests = db.collection('request_logs')
  return {
    /** Stores lines; a line stored already (a retry after a lost answer) is not an error. */
    async insert(docs: AppLogDoc[]): Promise<void> {
      try {
        await logs.insertMany(docs, { ordered: false })
      } catch (e) {
        if (!onlyDuplicates(e)) throw e
      }
    },
    /** Lines of an app in a time range, optionally containing `q` (plain text, not a pattern). */
    query(appId: string, o: { since?: Date; until?: Date; q?: string; limit: number }) {
      const f: Record<string, unknown> = { appId: String(appId) }
      if (o.since || o.until) f.at = { ...(o.since ? { $gte: o.since } : {}), ...(o.until ? { $lte: o.until } : {}) }
      if (o.q) f.line = { $regex: escapeRegex(o.q.slice(0, 200)), $options: 'i' }
      return logs.find(f).sort({ at: -1 }).limit(o.limit).toArray()
    },
    /** Lines an app printed while serving these requests, oldest first. */
    forRequests: (appId: string, requestIds: string[], limit = 500) =>
      logs.find({ appId: String(appId), requestId: { $in: requestIds.map(String) } }).sort({ at: 1 }).limit(limit).toArray(),
    /** Apps that have stored lines. */
    appIds: async (): Promise<string[]> => (await logs.distinct('appId')) as string[],
    /** Keeps the newest `keep` lines of an app; returns how many were removed. */
    async capApp(appId: string, keep: number): Promise<number> {
      // Many lines share a millisecond: order by (at, _id) so exactly the newest `keep` stay.
      const [edge] = await logs.find({ appId: String(appId) }, { projection: { at: 1 } }).sort({ at: -1, _id: -1 }).skip(keep).limit(1).toArray()
      if (!edge) return 0
      const older = { $or: [{ at: { $lt: edge.at } }, { at: edge.at, _id: { $lte: edge._id } }] }
      return (await logs.deleteMany({ appId: String(appId), ...older })).deletedCount
    },
    /** Deletes logs and request records older than `before` (request pages whose newest record is). */
    async expire(before: Date): Promise<{ logs: number; requests: number }> {
      const a = await logs.deleteMany({ at: { $lt: before } })
      const old = await requests.find({ at: { $lt: before } }, { projection: { n: 1 } }).toArray()
      if (old.length) await requests.deleteMany({ _id: { $in: old.map((p) => p._id) } })
      return { logs: a.deletedCount, requests: old.reduce((sum, p) => sum + (Number(p.n) || 0), 0) }
    },
    /** Keeps about the newest `keep` request records of an app (whole pages: up to one page more). */
    async capRequests(appId: string, keep: number): Promise<number> {
      const pages = await requests.find({ appId: String(appId) }, { projection: { at: 1, n: 1 } }).sort({ at: -1 }).toArray()
      let seen = 0
      let cut = pages.length
      for (let i = 0; i < pages.length; i++) {
        seen += Number(pages[i]!.n) || 0
        if (seen >= keep) {
          cut = i + 1
          break
        }
      }
      const drop = pages.slice(cut)
      if (!drop.length) return 0
      await requests.deleteMany({ _id: { $in: drop.map((p) => p._id) } })
      return drop.reduce((sum, p) => sum + (Number(p.n) || 0), 0)
    },
    removeForApp: (appId: string) => logs.deleteMany({ appId: String(appId) }),
  }
}

/** The logs repository's shape. */
export type LogsRepo = ReturnType<typeof logsRepo>
