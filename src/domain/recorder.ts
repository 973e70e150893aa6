// Request records: buffered in memory and written in batches so the warm path never waits on the database.
import type { StoredRequest } from '../data/events.repo'
import { writeBehind } from '../lib/write-behind'
import type { DomainDeps } from './context'

/** Buffers request logs and the apps' last-request times; `flush` writes them. */
export function requestRecorder(deps: Pick<DomainDeps, 'repos' | 'bus'>, opts = { maxBuffer: 500, intervalMs: 500 }) {
  const lastSeen = new Map<string, Date>()
  const lastRequest = new Map<string, number>()
  const restore = (seen: [string, Date][]) => {
    for (const [appId, at] of seen) if (!lastSeen.has(appId)) lastSeen.set(appId, at)
  }

  const buffer = writeBehind<StoredRequest>({
    intervalMs: opts.intervalMs, cap: opts.maxBuffer * 4, batch: opts.maxBuffer, whenFull: 'oldest',
    pending: () => lastSeen.size > 0,
    async write(docs) {
      const seen = [...lastSeen]
      lastSeen.clear()
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
