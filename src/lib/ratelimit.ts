// Failure counting for brute-force protection (ACCEPTANCE 17): per key, within a window.

/** Counts failures per key; a key over `max` failures in `windowMs` is locked until the window passes. */
export class FailureLimiter {
  private hits = new Map<string, number[]>()

  constructor(private max: number, private windowMs: number, private now: () => number = Date.now) {}

  /** Seconds until `key` may try again, or 0 when it may now. */
  retryAfter(key: string): number {
    const list = this.prune(key)
    if (list.length < this.max) return 0
    return Math.ceil((list[0]! + this.windowMs - this.now()) / 1000)
  }

  fail(key: string): void {
    const list = this.prune(key)
    list.push(this.now())
    this.hits.set(key, list)
  }

  reset(key: string): void {
    this.hits.delete(key)
  }

  private prune(key: string): number[] {
    const cutoff = this.now() - this.windowMs
    const list = (this.hits.get(key) ?? []).filter((t) => t > cutoff)
    if (list.length) this.hits.set(key, list)
    else this.hits.delete(key)
    return list
  }
}
