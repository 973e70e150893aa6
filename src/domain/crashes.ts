// Crash tracking: an app that keeps dying restarts with growing delays, then turns `error`.

/** Remembers recent unexpected exits per app. */
export class CrashTracker {
  private exits = new Map<string, number[]>()

  constructor(private windowMs = 60_000, private loopAfter = 5, private now: () => number = Date.now) {}

  /** Records an unexpected exit; returns true when the app is now in a crash loop. */
  record(appId: string): boolean {
    const list = this.recent(appId)
    list.push(this.now())
    this.exits.set(appId, list)
    return list.length >= this.loopAfter
  }

  /** Milliseconds to wait before the next restart (first crash: none; then 200, 400, 800 … ≤ 10 s). */
  backoffMs(appId: string): number {
    const list = this.recent(appId)
    if (list.length < 2) return 0
    const wait = Math.min(100 * 2 ** (list.length - 1), 10_000)
    return Math.max(0, list[list.length - 1]! + wait - this.now())
  }

  clear(appId: string): void {
    this.exits.delete(appId)
  }

  private recent(appId: string): number[] {
    const cutoff = this.now() - this.windowMs
    return (this.exits.get(appId) ?? []).filter((t) => t > cutoff)
  }
}
