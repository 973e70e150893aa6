// Serializes async work per key (one deploy per app at a time; STYLE rule 10).

/** Runs tasks for the same key one after another, different keys in parallel. */
export class KeyedMutex {
  private tails = new Map<string, Promise<unknown>>()

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const prev = this.tails.get(key) ?? Promise.resolve()
    const next = prev.then(task, task)
    const tail = next.catch(() => {})
    this.tails.set(key, tail)
    tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key)
    })
    return next
  }
}

/** Coalesces concurrent calls for the same key into one in-flight promise (exactly one wake). */
export class SingleFlight<T> {
  private inflight = new Map<string, Promise<T>>()

  do(key: string, task: () => Promise<T>): Promise<T> {
    const existing = this.inflight.get(key)
    if (existing) return existing
    const p = task().finally(() => this.inflight.delete(key))
    this.inflight.set(key, p)
    return p
  }

  has(key: string): boolean {
    return this.inflight.has(key)
  }
}
