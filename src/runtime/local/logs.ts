// Receives app instances' stdout/stderr over a Unix socket: each connection starts with
// "<instanceId> <stream>\n" and then carries raw output. Lines are capped and rate-limited
// so a print loop cannot flood the platform (ACCEPTANCE 5).
import type { Socket, UnixSocketListener } from 'bun'
import { rmSync } from 'node:fs'
import { untag } from '../log-tag'

/** Caps on app output. */
export const LOG_LIMITS = { maxLine: 8192, linesPerSecond: 200 }

interface Conn {
  header: string | null
  instanceId: string
  stream: 'stdout' | 'stderr'
  buf: string
  decoder: TextDecoder
}

/** Listener of one instance's output: one call per complete line, with the request it was printed for. */
export type LineSink = (instanceId: string, stream: 'stdout' | 'stderr' | 'system', line: string, requestId: string | null) => void

/** A rate limiter per instance: a token bucket refilled every second. */
class Budget {
  private tokens = new Map<string, { left: number; since: number; dropped: number }>()
  take(id: string, now: number): { ok: boolean; dropped: number } {
    let b = this.tokens.get(id)
    if (!b || now - b.since >= 1000) {
      const dropped = b?.dropped ?? 0
      b = { left: LOG_LIMITS.linesPerSecond, since: now, dropped: 0 }
      this.tokens.set(id, b)
      if (dropped) return { ok: b.left-- > 0, dropped }
    }
    if (b.left > 0) {
      b.left--
      return { ok: true, dropped: 0 }
    }
    b.dropped++
    return { ok: false, dropped: 0 }
  }
  forget(id: string) {
    this.tokens.delete(id)
  }
}

/** Starts the log socket at `path`. */
export function startLogServer(path: string, sink: LineSink): { stop(): void; forget(id: string): void } {
  rmSync(path, { force: true })
  const budget = new Budget()
  const emit = (c: Conn, raw: string) => {
    const { ok, dropped } = budget.take(c.instanceId, Date.now())
    if (dropped) sink(c.instanceId, 'system', `… ${dropped} lines dropped (over ${LOG_LIMITS.linesPerSecond} lines/s)`, null)
    if (!ok) return
    const { line, requestId } = untag(raw)
    sink(c.instanceId, c.stream, line.length > LOG_LIMITS.maxLine ? line.slice(0, LOG_LIMITS.maxLine) + ' …[truncated]' : line, requestId)
  }
  const flushLines = (c: Conn) => {
    let nl: number
    while ((nl = c.buf.indexOf('\n')) >= 0) {
      emit(c, c.buf.slice(0, nl).replace(/\r$/, ''))
      c.buf = c.buf.slice(nl + 1)
    }
    if (c.buf.length > LOG_LIMITS.maxLine) {
      emit(c, c.buf)
      c.buf = ''
    }
  }
  const server: UnixSocketListener<Conn> = Bun.listen<Conn>({
    unix: path,
    socket: {
      open(s: Socket<Conn>) {
        s.data = { header: null, instanceId: '', stream: 'stdout', buf: '', decoder: new TextDecoder() }
      },
      data(s: Socket<Conn>, chunk: Buffer) {
        const c = s.data
        c.buf += c.decoder.decode(chunk, { stream: true })
        if (c.header === null) {
          const nl = c.buf.indexOf('\n')
          if (nl < 0) {
            if (c.buf.length > 200) s.end()
            return
          }
          c.header = c.buf.slice(0, nl)
          c.buf = c.buf.slice(nl + 1)
          const [id, stream] = c.header.split(' ')
          c.instanceId = id ?? ''
          c.stream = stream === 'stderr' ? 'stderr' : 'stdout'
        }
        flushLines(c)
      },
      close(s: Socket<Conn>) {
        const c = s.data
        if (c?.header !== null && c?.buf) emit(c, c.buf)
      },
    },
  })
  return { stop: () => server.stop(true), forget: (id) => budget.forget(id) }
}
