// Persists app output: lines are buffered and written in batches; the buffer is bounded so a
// flood (or a database outage) costs memory only up to a cap and never blocks the platform.
import { nanoid } from 'nanoid'
import type { AppLogDoc } from '../data/logs.repo'
import { writeBehind } from '../lib/write-behind'
import type { DomainDeps } from './context'
import type { LogLine } from './lifecycle'

const MAX_BUFFER = 20_000

/** Buffers log lines and writes them every `intervalMs`. */
export function logStore(deps: Pick<DomainDeps, 'repos'>, intervalMs = 500) {
  let dropped = 0
  const buffer = writeBehind<AppLogDoc>({
    intervalMs, cap: MAX_BUFFER, whenFull: 'newest',
    write: async (docs) => void (await deps.repos.logs.insert(docs)),
    onDrop: (n) => void (dropped += n),
    // database away: the lines wait for the next flush (the buffer stays bounded; the oldest go first)
    onError(err, kept, failures) {
      if (failures === 1 || failures % 20 === 0) console.error(`[logs] could not store ${kept} lines (kept, retrying): ${err.message}`)
    },
  })
  return {
    push(l: LogLine): void {
      buffer.push({ _id: nanoid(16), appId: l.appId, instanceId: l.instanceId, stream: l.stream, line: l.line, at: l.at, ...(l.requestId ? { requestId: l.requestId } : {}) })
    },
    /** Writes what is buffered now (also right after a failure). */
    flush: buffer.flush,
    dropped: () => dropped,
    stop: buffer.stop,
  }
}

/** The log store's shape. */
export type LogStore = ReturnType<typeof logStore>
