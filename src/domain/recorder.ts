// Request records: buffered in memory and written in batches so the warm path never waits on the database.
import type { StoredRequest } from '../data/events.repo'
import { writeBehind } from '../lib/write-behind'
import type { DomainDeps } from './context'

/** Buffers request logs and the apps' last-request times; `flush` writes them. Records go in pages
 *  of up to `maxBuffer` (each insert has a fixed cost of ~1.5 ms of driver CPU here, so fewer, larger
 *  pages are cheaper per request); an app's stored last-request time is written at most every
 *  `touchMs` by the timer (an update costs the embedded database ~4.5 ms) and always when a reader
 *  flushes. The idle scaler reads the in-memory time, never the stored one. */
export function requestRecorder(deps: Pick<DomainDeps, 'repos' | 'bus'>, opts = { maxBuffer: 2000, intervalMs: 500, touchMs: 5000 }) {
  const lastSeen = new Map<string, Date>()
  const lastRequest = new Map<string, number>()
  const touched = new Map<string, number>()
  const restore = (seen: [string, Date][]) => {
    for (const [appId, at] of seen) if (!lastSeen.has(appId)) lastSeen.set(appId, at)
  }
  /** The last-request times to store now; the others stay pending. */
  const due = (forced: boolean): [string, Date][] => {
    const now = Date.now()
    const out: [string, Date][] = []
    for (const [appId, at] of lastSeen) {
      if (!forced && now - (touched.get(appId) ?? 0) < opts.touchMs) continue
      out.push([appId, at])
      lastSeen.delete(appId)
      touched.set(appId, now)
    }
    return out
  }

  const buffer = writeBehind<StoredRequest>({
    intervalMs: opts.intervalMs, cap: opts.maxBuffer * 4, batch: opts.maxBuffer, whenFull: 'oldest',
    pending: () => lastSeen.size > 0,
    async write(docs, forced) {
      const seen = due(forced)
      try {
        if (docs.length) await deps.repos.events.insertRequests(docs)
      } catch (err) {
        restore(seen)
        throw err
      }
      try {
        for (const [appId, at] of seen) await deps.repos.apps.touch(appId, at)
      } catch (err) {
        restore(seen)
        throw Object.assign(err as Error, { unwritten: [] }) // the records are stored
      }
    },
    onError(err, kept, failures) {
      if (failures === 1 || failures % 20 === 0) console.error(`[recorder] could not store ${kept} request records (kept, retrying): ${err.message}`)
    },
  })

  return {
    record(doc: StoredRequest): void {
      buffer.push(doc)
      lastSeen.set(doc.appId, doc.at)
      lastRequest.set(doc.appId, doc.at.getTime())
      deps.bus.publish(`requests:${doc.appId}`, doc)
    },
    /** When the app last got a request, as seen by this process (for the idle scaler). */
    lastRequestAt: (appId: string) => lastRequest.get(appId),
    /** Writes what is buffered now (also right after a failure). */
    flush: buffer.flush,
    stop: buffer.stop,
  }
}

/** The recorder's shape. */
export type RequestRecorder = ReturnType<typeof requestRecorder>
