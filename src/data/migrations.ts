// One-time moves of data an older version stored differently. Each is recorded in settings once it
// has run, so a start does not scan a collection again for data that can no longer be there.
import type { SettingsRepo } from './settings.repo'

/** A data move: its settings key, the move (returns how many documents it moved), its log line. */
export type Migration = [key: string, run: () => Promise<number>, done: (n: number) => string]

/** Runs the migrations not yet recorded, in order; a failed one is retried at the next start. */
export async function migrate(settings: SettingsRepo, steps: Migration[], log: (msg: string) => void): Promise<void> {
  for (const [key, run, done] of steps) {
    try {
      if (await settings.get(key, false)) continue
      const n = await run()
      if (n) log(done(n))
      await settings.set(key, true)
    } catch (e) {
      log(`[db] ${key} failed (retried at the next start): ${(e as Error).message}`)
    }
  }
}
