// Request ids (x-request-id) that carry their start time, so a stored record is found by time.
import { nanoid } from 'nanoid'

const TIME_CHARS = 9

/** A new request id: the start time in base 36 (9 characters), then 8 random ones. */
export function newRequestId(now = Date.now()): string {
  return now.toString(36).padStart(TIME_CHARS, '0') + nanoid(8)
}

/** The start time (ms since epoch) of an id made by newRequestId, or null for any other string. */
export function requestTime(id: string): number | null {
  if (id.length !== TIME_CHARS + 8 || !/^[0-9a-z]{9}/.test(id)) return null
  const t = parseInt(id.slice(0, TIME_CHARS), 36)
  return t > Date.UTC(2020, 0) && t < Date.UTC(2200, 0) ? t : null
}
