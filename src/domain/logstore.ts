// Persists app output: lines are buffered and written in batches; the buffer is bounded so a
// flood (or a database outage) costs memory only up to a cap and never blocks the platform.
import { nanoid } from 'nanoid'
import type { AppLogDoc } from '../data/logs.repo'
import type { DomainDeps } from './context'
import type { LogLine } from './lifecycle'

const MAX_BUFFER = 20_000

/** Buffers log lines and writes them every `intervalMs`. */
export function logStore(deps: Pick<DomainDeps, 'repos'>, intervalMs = 500) {
  let buffer: AppLogDoc[] = []
  let dropped = 0
  let writing: Promise<void> | null = null
  let failures = 0
  let retryAt = 0
  async function flush(force = false): Promise<void> {
    while (writing) await writing
    if (!buffer.length) return
    if (failures && Date.now() < retryAt && !force) return
    const docs = buffer
    buffer = []
    const p = deps.repos.logs.insert(docs).then(() => {
      failures = 0
    }, (e) => {
      // database away: the lines wait for the next flush (the buffer stays bounded; the oldest go first)
      failures++
      retryAt = Date.now() + Math.min(intervalMs * 2 ** (failures - 1), 10_000)
      buffer = [...docs, ...buffer]
      if (buffer.length > MAX_BUFFER) dropped += buffer.splice(0, buffer.length - MAX_BUFFER).length
      if (failures === 1 || failures % 20 === 0) console.error(`[logs] could not store ${docs.length} lines (kept, retrying): ${e.message}`)
    })
    writing = p
    await p
    if (writing === p) writing = null
  }
  const timer = setInterval(() => void flush(), intervalMs)
  timer.unref?.()
  return {
    push(l: LogLine): void {
      if (buffer.length >= MAX_BUFFER) {
        dropped++
        return
      }
      buffer.push({ _id: nanoid(16), appId: l.appId, instanceId: l.instanceId, stream: l.stream, line: l.line, at: l.at, ...(l.requestId ? { requestId: l.requestId } : {}) })
    },
    /** Writes what is buffered now (also right after a failure). */
    flush: () => flush(true),
    dropped: () => dropped,
    async stop() {
      clearInterval(timer)
      await flush(true)
    },
  }
}

/** The log store's shape. */
export type LogStore = ReturnType<typeof logStore>
