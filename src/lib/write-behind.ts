// A bounded write-behind buffer: items are written in batches by one writer at a time, every
// `intervalMs` (and once `batch` items wait); a failed batch goes back to the front of the buffer,
// past `cap` the oldest go, and after each failure the next try waits longer (≤ 10 s) so an outage
// is not hammered every interval. The request recorder and the log store use it.

/** Thrown by `write` when only some items were written: just `unwritten` go back to the buffer. */
export interface PartlyWritten<T> extends Error {
  unwritten: T[]
}

export interface WriteBehindOptions<T> {
  /** Writes a batch; `forced` when a reader asked for everything now (flush()), not the timer. */
  write: (items: T[], forced: boolean) => Promise<void>
  intervalMs: number
  cap: number
  /** Items that start a write at once. */
  batch?: number
  /** A full buffer drops the oldest item for the new one ('oldest') or the new one ('newest'). */
  whenFull: 'oldest' | 'newest'
  /** Other work `write([])` does, so a flush runs even with no items waiting. */
  pending?: () => boolean
  onError: (err: Error, kept: number, failures: number) => void
  onDrop?: (n: number) => void
}

export function writeBehind<T>(o: WriteBehindOptions<T>) {
  let buffer: T[] = []
  let writing: Promise<void> | null = null
  let failures = 0
  let retryAt = 0

  async function flush(force = false): Promise<void> {
    while (writing) await writing
    if (!buffer.length && !o.pending?.()) return
    if (failures && Date.now() < retryAt && !force) return
    const items = buffer
    buffer = []
    const p = o.write(items, force).then(() => {
      failures = 0
    }, (err: Error) => {
      failures++
      retryAt = Date.now() + Math.min(o.intervalMs * 2 ** (failures - 1), 10_000)
      const back = (err as Partial<PartlyWritten<T>>).unwritten ?? items
      buffer = [...back, ...buffer]
      if (buffer.length > o.cap) o.onDrop?.(buffer.splice(0, buffer.length - o.cap).length)
      o.onError(err, back.length, failures)
    })
    writing = p
    await p
    if (writing === p) writing = null
  }

  const timer = setInterval(() => void flush(), o.intervalMs)
  timer.unref?.()

  return {
    /** Buffers an item (false when the buffer is full and it was dropped). */
    push(item: T): boolean {
      if (buffer.length >= o.cap) {
        if (o.whenFull === 'newest') {
          o.onDrop?.(1)
          return false
        }
        buffer.shift()
        o.onDrop?.(1)
      }
      buffer.push(item)
      if (o.batch && buffer.length >= o.batch) void flush()
      return true
    },
    /** Writes what is buffered now (also right after a failure). */
    flush: () => flush(true),
    async stop() {
      clearInterval(timer)
      await flush(true)
    },
  }
}
