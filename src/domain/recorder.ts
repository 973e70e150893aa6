// Request records: buffered in memory and written in batches so the warm path never waits on the database.
import type { StoredRequest } from '../data/events.repo'
import type { DomainDeps } from './context'

/** Buffers request logs and the apps' last-request times; `flush` writes them. */
export function requestRecorder(deps: Pick<DomainDeps, 'repos' | 'bus'>, opts = { maxBuffer: 500, intervalMs: 500 }) {
  let buffer: StoredRequest[] = []
  const lastSeen = new Map<string, Date>()
  const lastRequest = new Map<string, number>()
  let flushing: Promise<void> | null = null

  async function write(docs: StoredRequest[], seen: [string, Date][]): Promise<void> {
    try {
      if (docs.length) await deps.repos.events.insertRequests(docs)
      for (const [appId, at] of seen) await deps.repos.apps.touch(appId, at)
    } catch (err) {
      console.error(`[recorder] could not store ${docs.length} request records: ${(err as Error).message}`)
    }
  }

  async function flush(): Promise<void> {
    while (flushing) await flushing
    if (!buffer.length && !lastSeen.size) return
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
      if (buffer.length >= opts.maxBuffer * 4) buffer.shift() // database down: keep memory bounded
      buffer.push(doc)
      lastSeen.set(doc.appId, doc.at)
      lastRequest.set(doc.appId, doc.at.getTime())
      deps.bus.publish(`requests:${doc.appId}`, doc)
      if (buffer.length >= opts.maxBuffer) void flush()
    },
    /** When the app last got a request, as seen by this process (for the idle scaler). */
    lastRequestAt: (appId: string) => lastRequest.get(appId),
    flush,
    async stop() {
      clearInterval(timer)
      await flush()
    },
  }
}

/** The recorder's shape. */
export type RequestRecorder = ReturnType<typeof requestRecorder>
