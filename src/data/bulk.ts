// Reading insertMany failures. A connection lost mid-write (a database stopped or restarted) comes
// back as a MongoBulkWriteError too, with no write errors at all: that is not "every document was a
// duplicate", it is "nothing is known to be written", and must be retried.
import { MongoBulkWriteError } from 'mongodb'

const DUPLICATE_KEY = 11000

/** The per-document errors of a bulk write, by index; null when the failure was not per document (connection, server). */
export function writeErrorsOf(e: unknown): Map<number, { code?: number; errmsg?: string }> | null {
  if (!(e instanceof MongoBulkWriteError)) return null
  const list = Object.values(e.writeErrors ?? {}).flat()
  if (!list.length) return null
  return new Map(list.map((w) => [w.index, { code: w.code, errmsg: w.errmsg }]))
}

/** True when an insertMany failed only because some documents were stored already (a retry after a lost answer). */
export function onlyDuplicates(e: unknown): boolean {
  const errors = writeErrorsOf(e)
  return !!errors && [...errors.values()].every((w) => w.code === DUPLICATE_KEY)
}
