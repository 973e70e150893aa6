// HTTP/1.1 responses as an app's server sends them (RFC 9112), parsed without allocating more than
// the head's strings: the status line and headers, how the body is framed, and chunked bodies.

const CR = 13
const LF = 10
const latin1 = new TextDecoder('latin1')

/** A response head: status, reason and the header lines as sent (names lower-cased). */
export interface ResponseHead {
  status: number
  statusText: string
  headers: [string, string][]
  /** Bytes the head took, its blank line included. */
  size: number
}

/** Where the head ends (after CRLF CRLF), or -1 while it is incomplete. */
function headEnd(buf: Uint8Array, from: number): number {
  for (let i = Math.max(3, from); i < buf.length; i++) {
    if (buf[i] === LF && buf[i - 1] === CR && buf[i - 2] === LF && buf[i - 3] === CR) return i + 1
  }
  return -1
}

/** Parses a response head at the start of `buf`: null while incomplete; throws on a malformed one
 *  or one longer than `max` bytes. */
export function parseHead(buf: Uint8Array, max = 64 * 1024): ResponseHead | null {
  const end = headEnd(buf, 0)
  if (end < 0) {
    if (buf.length > max) throw new Error(`response head larger than ${max} bytes`)
    return null
  }
  const lines = latin1.decode(buf.subarray(0, end - 4)).split('\r\n')
  const m = /^HTTP\/1\.[01] (\d{3})(?: (.*))?$/.exec(lines[0]!)
  if (!m) throw new Error('malformed response status line')
  const headers: [string, string][] = []
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!
    const colon = line.indexOf(':')
    if (colon <= 0 || line.charCodeAt(0) === 32 || line.charCodeAt(0) === 9) throw new Error('malformed response header')
    headers.push([line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim()])
  }
  return { status: Number(m[1]), statusText: m[2] ?? '', headers, size: end }
}

/** How a response's body is delimited (RFC 9112 §6.3). */
export type Framing = { kind: 'none' } | { kind: 'length'; length: number } | { kind: 'chunked' } | { kind: 'close' }

/** The framing of the body that follows `head`, for a request made with `method`. */
export function framing(method: string, head: ResponseHead): Framing {
  if (method === 'HEAD' || head.status < 200 || head.status === 204 || head.status === 304) return { kind: 'none' }
  let length: string | null = null
  for (const [k, v] of head.headers) {
    if (k === 'transfer-encoding') {
      if (v.toLowerCase().split(',').pop()!.trim() === 'chunked') return { kind: 'chunked' }
      return { kind: 'close' }
    }
    if (k === 'content-length') {
      if (length !== null && length !== v) throw new Error('conflicting content-length headers')
      length = v
    }
  }
  if (length === null) return { kind: 'close' }
  if (!/^\d{1,15}$/.test(length)) throw new Error('malformed content-length')
  return { kind: 'length', length: Number(length) }
}

/** Whether the server keeps the connection open after this response. */
export function keepsAlive(head: ResponseHead): boolean {
  for (const [k, v] of head.headers) if (k === 'connection' && /(^|,)\s*close\s*(,|$)/i.test(v)) return false
  return true
}

/** Decodes a chunked body incrementally: `push` bytes, get the data in them; `done` after the last
 *  chunk and its trailers, with `rest` holding any bytes past the body. */
export class ChunkedDecoder {
  done = false
  rest: Uint8Array = new Uint8Array(0)
  private pending: Uint8Array = new Uint8Array(0)
  private left = 0 // data bytes still due in the current chunk
  private state: 'size' | 'data' | 'data-crlf' | 'trailers' = 'size'

  push(input: Uint8Array): Uint8Array[] {
    if (this.done) {
      this.rest = concat(this.rest, input)
      return []
    }
    const buf = this.pending.length ? concat(this.pending, input) : input
    this.pending = new Uint8Array(0)
    const out: Uint8Array[] = []
    let i = 0
    while (i < buf.length && !this.done) {
      if (this.state === 'data') {
        const n = Math.min(this.left, buf.length - i)
        out.push(buf.subarray(i, i + n))
        i += n
        this.left -= n
        if (this.left === 0) this.state = 'data-crlf'
        continue
      }
      const eol = indexOfCrlf(buf, i)
      if (eol < 0) {
        if (buf.length - i > 4096) throw new Error('malformed chunked body')
        this.pending = buf.slice(i)
        return out
      }
      const line = latin1.decode(buf.subarray(i, eol))
      i = eol + 2
      if (this.state === 'data-crlf') {
        if (line !== '') throw new Error('malformed chunked body')
        this.state = 'size'
      } else if (this.state === 'size') {
        const hex = line.split(';')[0]!.trim()
        if (!/^[0-9a-fA-F]{1,12}$/.test(hex)) throw new Error('malformed chunk size')
        this.left = parseInt(hex, 16)
        this.state = this.left === 0 ? 'trailers' : 'data'
      } else if (line === '') {
        this.done = true // the blank line after the (ignored) trailers
      }
    }
    if (this.done) this.rest = buf.slice(i)
    return out
  }
}

function indexOfCrlf(buf: Uint8Array, from: number): number {
  for (let i = from; i < buf.length - 1; i++) if (buf[i] === CR && buf[i + 1] === LF) return i
  return -1
}

/** Two byte arrays as one. */
export function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length)
  out.set(a, 0)
  out.set(b, a.length)
  return out
}
