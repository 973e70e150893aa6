// A small closed-loop load generator, run as its own process so it does not share the server's
// event loop: `bun bench/lib/load.ts URL [UNIX_SOCKET] CONCURRENCY DURATION_MS` → one JSON line.
// Like autocannon it speaks HTTP/1.1 on raw keep-alive sockets (TCP, or the Unix socket given),
// one request in flight per connection, so the client costs little CPU next to what it measures.
import type { Socket } from 'bun'

const [url, unixArg, concArg, durArg] = process.argv.slice(2)
const unix = unixArg && unixArg !== '-' ? unixArg : undefined
const concurrency = Number(concArg ?? 32)
const duration = Number(durArg ?? 5000)
const target = new URL(url!)
const request = Buffer.from(`GET ${target.pathname}${target.search} HTTP/1.1\r\nhost: ${target.host}\r\naccept: */*\r\nuser-agent: fp-bench\r\n\r\n`)
const HEAD_END = Buffer.from('\r\n\r\n')
const LAST_CHUNK = Buffer.from('\r\n0\r\n\r\n')
const lat: number[] = []
let errors = 0
const deadline = performance.now() + duration

/** The size and status of a whole response at the front of `buf`, or null while it is incomplete. */
function complete(buf: Buffer): { size: number; status: number; close: boolean } | null {
  const he = buf.indexOf(HEAD_END)
  if (he < 0) return null
  const head = buf.toString('latin1', 0, he).toLowerCase()
  const status = Number(head.slice(9, 12))
  const close = head.includes('\r\nconnection: close')
  const len = /\r\ncontent-length:\s*(\d+)/.exec(head)
  if (len) {
    const size = he + 4 + Number(len[1])
    return buf.length >= size ? { size, status, close } : null
  }
  if (head.includes('\r\ntransfer-encoding: chunked')) {
    const end = buf.indexOf(LAST_CHUNK, he)
    return end < 0 ? null : { size: end + LAST_CHUNK.length, status, close }
  }
  return { size: he + 4, status, close }
}

type Conn = { buf: Buffer; t0: number; inFlight: boolean; gone: boolean }

/** One connection's closed loop until the deadline; a connection the server closes is reopened. */
function connection(): Promise<void> {
  return new Promise<void>((resolve) => {
    const send = (s: Socket<Conn>) => {
      if (performance.now() >= deadline) return void s.end()
      s.data.t0 = performance.now()
      s.data.inFlight = true
      s.write(request)
    }
    const closed = (s: Socket<Conn>) => {
      if (s.data.gone) return // error and close both report one loss
      s.data.gone = true
      if (s.data.inFlight) errors++
      open()
    }
    const socket = {
      open: send,
      data(s: Socket<Conn>, chunk: Buffer) {
        s.data.buf = s.data.buf.length ? Buffer.concat([s.data.buf, chunk]) : chunk
        const r = complete(s.data.buf)
        if (!r) return
        s.data.buf = s.data.buf.subarray(r.size)
        s.data.inFlight = false
        lat.push(performance.now() - s.data.t0)
        if (r.status !== 200) errors++
        if (r.close) return void s.end()
        send(s)
      },
      close: closed,
      error: closed,
    }
    const open = () => {
      if (performance.now() >= deadline) return resolve()
      const data: Conn = { buf: Buffer.alloc(0), t0: 0, inFlight: false, gone: false }
      const c = unix ? Bun.connect({ unix, data, socket }) : Bun.connect({ hostname: target.hostname, port: Number(target.port || 80), data, socket })
      c.catch(() => {
        errors++
        setTimeout(open, 10)
      })
    }
    open()
  })
}

const t0 = performance.now()
await Promise.all(Array.from({ length: concurrency }, connection))
const took = (performance.now() - t0) / 1000
lat.sort((a, b) => a - b)
const q = (p: number) => lat[Math.min(lat.length - 1, Math.ceil((p / 100) * lat.length) - 1)] ?? NaN
console.log(JSON.stringify({ requests: lat.length, errors, rps: lat.length / took, p50: q(50), p99: q(99) }))
