// A periodic task with explicit stop(): one pass at a time, and tick() for tests (STYLE rule 10).

/** Handle of a periodic task. */
export interface Periodic<T> {
  /** Runs one pass now (after any pass in progress) and returns its result. */
  tick(): Promise<T>
  /** Stops the timer and waits for a pass in progress. */
  stop(): Promise<void>
}

/** Runs `pass` every `intervalMs`, never two at once; errors go to `onError`. */
export function periodic<T>(pass: () => Promise<T>, intervalMs: number, onError: (e: Error) => void = () => {}): Periodic<T> {
  let running: Promise<unknown> | null = null
  const tick = async (): Promise<T> => {
    while (running) await running
    const p = pass()
    running = p.catch(() => {})
    try {
      return await p
    } finally {
      running = null
    }
  }
  const timer = setInterval(() => void tick().catch((e) => onError(e as Error)), intervalMs)
  timer.unref?.()
  return {
    tick,
    async stop() {
      clearInterval(timer)
      while (running) await running
    },
  }
}
