// Keep-alive HTTP/1.1 connections to app instances on the event loop's own sockets (Bun.connect
// over the instance's Unix socket): a request is one write and a parse, with no hand-off to fetch's
// client thread and back. Bodyless requests only; forward.ts sends the others with fetch.
// Streamed bodies keep backpressure: the socket pauses while the client is not reading.
import type { Socket } from 'bun'
import { ChunkedDecoder, concat, framing, keepsAlive, parseHead, type Framing, type ResponseHead } from './http1'

/** An app's answer: its head, and its body whole (it had arrived with the head) or streamed. */
export interface UpstreamResponse {
  head: ResponseHead
  body: Uint8Array | ReadableStream<Uint8Array> | null
}

/** Idle connections kept per instance socket. */
const MAX_IDLE = 64
const EMPTY = new Uint8Array(0)

interface Exchange {
  method: string
  resolve: (r: UpstreamResponse) => void
  reject: (e: Error) => void
  received: number
  frame: Framing | null
  /** The app keeps the connection open after this response. */
  reuse: boolean
  remaining: number
  decoder: ChunkedDecoder | null
  ctrl: ReadableStreamDefaultController<Uint8Array> | null
}

interface Conn {
  key: string
  buf: Uint8Array
  ex: Exchange | null
  paused: boolean
  gone: boolean
  /** Bytes of the request head still to write (the socket took less than all of it). */
  unsent: Uint8Array | null
}

const idle = new Map<string, Socket<Conn>[]>()

function connError(message: string, code: string): Error {
  return Object.assign(new Error(message), { code })
}

/** The request is over on this connection: keep it for the next one, or close it. */
function finish(s: Socket<Conn>, reusable: boolean): void {
  const c = s.data
  c.ex = null
  c.buf = EMPTY
  if (c.paused) {
    c.paused = false
    s.resume()
  }
  const list = idle.get(c.key) ?? []
  if (reusable && !c.gone && list.length < MAX_IDLE) {
    list.push(s)
    idle.set(c.key, list)
  } else {
    s.end()
  }
}

/** Delivers body bytes to the stream; pauses the socket while the reader is behind. */
function enqueue(s: Socket<Conn>, ex: Exchange, data: Uint8Array): void {
  if (!data.length || !ex.ctrl) return
  ex.ctrl.enqueue(data.slice())
  if ((ex.ctrl.desiredSize ?? 1) <= 0 && !s.data.paused) {
    s.data.paused = true
    s.pause()
  }
}

function streamBody(s: Socket<Conn>, ex: Exchange): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    start: (ctrl) => void (ex.ctrl = ctrl),
    pull: () => {
      if (s.data.paused) {
        s.data.paused = false
        s.resume()
      }
    },
    cancel: () => {
      // the client went away: this connection's response is unfinished, so it cannot be reused
      ex.ctrl = null
      s.data.ex = null
      s.terminate()
    },
  }, { highWaterMark: 8 })
}

/** Body bytes after the head arrived (or with it). */
function onBody(s: Socket<Conn>, ex: Exchange, data: Uint8Array): void {
  const frame = ex.frame!
  if (frame.kind === 'length') {
    const n = Math.min(ex.remaining, data.length)
    enqueue(s, ex, data.subarray(0, n))
    ex.remaining -= n
    if (ex.remaining === 0) {
      ex.ctrl?.close()
      finish(s, ex.reuse && n === data.length)
    }
  } else if (frame.kind === 'chunked') {
    for (const part of ex.decoder!.push(data)) enqueue(s, ex, part)
    if (ex.decoder!.done) {
      ex.ctrl?.close()
      finish(s, ex.reuse && ex.decoder!.rest.length === 0)
    }
  } else {
    enqueue(s, ex, data) // until the server closes
  }
}

/** The head is in: answer at once, whole when the body came with it, else as a stream. */
function onHead(s: Socket<Conn>, ex: Exchange, head: ResponseHead, rest: Uint8Array): void {
  const frame = (ex.frame = framing(ex.method, head))
  const reuse = (ex.reuse = keepsAlive(head))
  if (frame.kind === 'none') {
    ex.resolve({ head, body: null })
    return finish(s, reuse && rest.length === 0)
  }
  if (frame.kind === 'length' && rest.length >= frame.length) {
    ex.resolve({ head, body: rest.slice(0, frame.length) })
    return finish(s, reuse && rest.length === frame.length)
  }
  if (frame.kind === 'chunked') {
    ex.decoder = new ChunkedDecoder()
    const parts = ex.decoder.push(rest)
    if (ex.decoder.done) {
      ex.resolve({ head, body: parts.length === 1 ? parts[0]!.slice() : parts.reduce(concat, EMPTY) })
      return finish(s, reuse && ex.decoder.rest.length === 0)
    }
    ex.resolve({ head, body: streamBody(s, ex) })
    for (const p of parts) enqueue(s, ex, p)
    return
  }
  if (frame.kind === 'length') ex.remaining = frame.length
  ex.resolve({ head, body: streamBody(s, ex) })
  if (rest.length) onBody(s, ex, rest)
}

function onData(s: Socket<Conn>, chunk: Uint8Array): void {
  const c = s.data
  const ex = c.ex
  if (!ex) return void s.terminate() // bytes nobody asked for: the connection is out of step
  ex.received += chunk.length
  try {
    if (ex.frame) return onBody(s, ex, chunk)
    let buf = c.buf.length ? concat(c.buf, chunk) : chunk
    for (;;) {
      const head = parseHead(buf)
      if (!head) {
        c.buf = buf.slice()
        return
      }
      if (head.status >= 100 && head.status < 200 && head.status !== 101) {
        buf = buf.subarray(head.size) // 100 Continue, 103 Early Hints: the real head follows
        continue
      }
      if (head.status === 101) throw new Error('the app switched protocols on a plain request')
      c.buf = EMPTY
      return onHead(s, ex, head, buf.subarray(head.size))
    }
  } catch (err) {
    fail(s, err as Error)
  }
}

/** The connection ended or broke: end the exchange on it. */
function fail(s: Socket<Conn>, err: Error | null): void {
  const c = s.data
  c.gone = true
  const list = idle.get(c.key)
  const at = list?.indexOf(s) ?? -1
  if (at >= 0) list!.splice(at, 1)
  const ex = c.ex
  c.ex = null
  if (!ex) return void s.terminate()
  if (ex.ctrl) {
    if (!err && ex.frame?.kind === 'close') ex.ctrl.close()
    else ex.ctrl.error(err ?? connError('the app closed the connection mid-body', 'ECONNRESET'))
  } else if (!ex.frame) {
    ex.reject(err ?? Object.assign(connError('the app closed the connection before answering', 'ECONNRESET'), { unanswered: ex.received === 0 }))
  }
  s.terminate()
}

const handlers = {
  data: onData,
  drain(s: Socket<Conn>) {
    const rest = s.data.unsent
    if (!rest) return
    const n = s.write(rest)
    s.data.unsent = n < rest.length ? rest.subarray(n) : null
  },
  close: (s: Socket<Conn>) => fail(s, null),
  error: (s: Socket<Conn>, err: Error) => fail(s, err),
}

async function connection(unix: string): Promise<{ socket: Socket<Conn>; reused: boolean }> {
  const list = idle.get(unix)
  while (list?.length) {
    const s = list.pop()!
    if (!s.data.gone) return { socket: s, reused: true }
  }
  const data: Conn = { key: unix, buf: EMPTY, ex: null, paused: false, gone: false, unsent: null }
  try {
    return { socket: await Bun.connect<Conn>({ unix, data, socket: handlers }), reused: false }
  } catch (err) {
    const code = (err as { code?: string }).code ?? 'ECONNREFUSED'
    throw connError(`cannot connect to the app: ${(err as Error).message}`, code)
  }
}

function exchange(socket: Socket<Conn>, method: string, head: Uint8Array, signal: AbortSignal): Promise<UpstreamResponse> {
  return new Promise<UpstreamResponse>((resolve, reject) => {
    const onAbort = () => {
      if (socket.data.ex !== ex) return
      socket.data.ex = null
      socket.terminate()
      reject(signal.reason ?? new Error('aborted'))
    }
    const ex: Exchange = {
      method, received: 0, frame: null, reuse: false, remaining: 0, decoder: null, ctrl: null,
      resolve: (r) => (signal.removeEventListener('abort', onAbort), resolve(r)),
      reject: (e) => (signal.removeEventListener('abort', onAbort), reject(e)),
    }
    socket.data.ex = ex
    signal.addEventListener('abort', onAbort, { once: true })
    const n = socket.write(head)
    if (n < head.length) socket.data.unsent = head.subarray(Math.max(0, n))
  })
}

/** Sends a bodyless request (`head` is its whole text) to the instance on `unix`; a kept-alive
 *  connection the app had closed meanwhile is retried once on a new one (only for safe methods). */
export async function send(unix: string, method: string, head: string, signal: AbortSignal): Promise<UpstreamResponse> {
  const bytes = Buffer.from(head, 'latin1')
  const first = await connection(unix)
  try {
    return await exchange(first.socket, method, bytes, signal)
  } catch (err) {
    const retry = first.reused && (err as { unanswered?: boolean }).unanswered && (method === 'GET' || method === 'HEAD' || method === 'OPTIONS')
    if (!retry || signal.aborted) throw err
    const fresh = await connection(unix)
    return exchange(fresh.socket, method, bytes, signal)
  }
}

/** Idle connections held now (for tests). */
export const idleConnections = (unix: string) => idle.get(unix)?.length ?? 0
