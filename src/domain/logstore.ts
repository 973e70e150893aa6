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
  async function flush(): Promise<void> {
    while (writing) await writing
    if (!buffer.length) return
    const docs = buffer
    buffer = []
    const p = deps.repos.logs.insert(docs).then(() => {}, (e) => console.error(`[logs] could not store ${docs.length} lines: ${e.message}`))
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
    flush,
    dropped: () => dropped,
    async stop() {
      clearInterval(timer)
      await flush()
    },
  }
}

/** The log store's shape. */
export type LogStore = ReturnType<typeof logStore>
