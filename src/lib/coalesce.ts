// Read coalescing: identical reads that overlap share one database round trip (a burst of API calls
// with one token reads its session once). A write through the same coalescer in between starts a
// fresh read, so no read returns data older than a write that had finished before the read began.

/** Shares in-flight reads by key; `write()` wraps every write of the data those reads cover. */
export class ReadCoalescer {
  private gen = 0
  private inflight = new Map<string, { gen: number; p: Promise<unknown> }>()

  read<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const hit = this.inflight.get(key)
    // a joiner gets its own copy: callers may change what they read
    if (hit && hit.gen === this.gen) return hit.p.then((v) => (v === null || typeof v !== 'object' ? v : structuredClone(v))) as Promise<T>
    const entry = { gen: this.gen, p: fn() as Promise<unknown> }
    this.inflight.set(key, entry)
    const forget = () => {
      if (this.inflight.get(key) === entry) this.inflight.delete(key)
    }
    entry.p.then(forget, forget)
    return entry.p as Promise<T>
  }

  async write<T>(fn: () => Promise<T>): Promise<T> {
    this.gen++
    try {
      return await fn()
    } finally {
      this.gen++
    }
  }
}
