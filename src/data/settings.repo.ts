// Platform-wide settings and counters, one document per key.
import type { Db } from 'mongodb'

interface SettingDoc {
  _id: string
  value: unknown
}

/** Data access for settings (signup open, allowed imports) and counters (app uids). */
export function settingsRepo(db: Db) {
  const col = db.collection<SettingDoc>('settings')
  const counters = db.collection<{ _id: string; value: number }>('settings')
  return {
    async get<T>(key: string, fallback: T): Promise<T> {
      const doc = await col.findOne({ _id: String(key) })
      return doc ? (doc.value as T) : fallback
    },
    set: (key: string, value: unknown) => col.updateOne({ _id: String(key) }, { $set: { value } }, { upsert: true }),
    /** Atomically increments a counter and returns its new value. */
    async next(key: string, start: number): Promise<number> {
      const doc = await counters.findOneAndUpdate(
        { _id: `counter:${key}` },
        { $inc: { value: 1 } },
        { upsert: true, returnDocument: 'after' },
      )
      return start + Number(doc?.value ?? 1)
    },
  }
}

/** The settings repository's shape. */
export type SettingsRepo = ReturnType<typeof settingsRepo>
