// Request records: buffered in memory and written in batches so the warm path never waits on the database.
import type { StoredRequest } from '../data/events.repo'
import type { DomainDeps } from './context'

/** Buffers request logs and the apps' last-request times; `flush` writes them. */
export function requestRecorder(deps: Pick<DomainDeps, 'repos' | 'bus'>, opts = { maxBuffer: 500, intervalMs: 500 }) {
  let buffer: StoredRequest[] = []
  const lastSeen = new Map<string, Date>()
  const lastRequest = new Map<string, number>()
  let flushing: Promise<void> | null = null

  const cap = opts.maxBuffer * 4
  let failures = 0
  let retryAt = 0

  /** Writes a batch; on a database error the batch goes back to the front of the buffer (bounded) for the next flush. */
  async function write(docs: StoredRequest[], seen: [string, Date][]): Promise<void> {
    let stored = 0
    try {
      if (docs.length) await deps.repos.events.insertRequests(docs)
      stored = docs.length
      for (const [appId, at] of seen) await deps.repos.apps.touch(appId, at)
      failures = 0
    } catch (err) {
      failures++
      // wait a little longer after each failure (≤ 10 s) so an outage is not hammered every interval
      retryAt = Date.now() + Math.min(500 * 2 ** (failures - 1), 10_000)
      const back = docs.slice(stored)
      buffer = [...back, ...buffer]
      if (buffer.length > cap) buffer.splice(0, buffer.length - cap) // the oldest go first
      for (const [appId, at] of seen) if (!lastSeen.has(appId)) lastSeen.set(appId, at)
      if (failures === 1 || failures % 20 === 0) {
        console.error(`[recorder] could not store ${back.length} request records (kept, retrying): ${(err as Error).message}`)
      }
    }
  }

  async function flush(force = false): Promise<void> {
    while (flushing) await flushing
    if (!buffer.length && !lastSeen.size) return
    if (failures && Date.now() < retryAt && !force) return
    const docs = buffer
    buffer = []
    const seen = [...lastSeen]
    lastSeen.clear()
    const p = write(docs, seen)
    flushing = p
    await p
    if (flushing === p) flushing = null
  }

  const timer = setInterval(() => void flush(), opts.intervalMs)
  timer.unref?.()

  return {
    record(doc: StoredRequest): void {
      if (buffer.length >= cap) buffer.shift() // database down: keep memory bounded
      buffer.push(doc)
      lastSeen.set(doc.appId, doc.at)
      lastRequest.set(doc.appId, doc.at.getTime())
      deps.bus.publish(`requests:${doc.appId}`, doc)
      if (buffer.length >= opts.maxBuffer) void flush()
    },
    /** When the app last got a request, as seen by this process (for the idle scaler). */
    lastRequestAt: (appId: string) => lastRequest.get(appId),
    /** Writes what is buffered now (also right after a failure). */
    flush: () => flush(true),
    async stop() {
      clearInterval(timer)
      await flush(true)
    },
  }
}

/** The recorder's shape. */
export type RequestRecorder = ReturnType<typeof requestRecorder>
