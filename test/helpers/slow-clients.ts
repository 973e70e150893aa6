// Slow-header clients for ACCEPTANCE 20, run as their own process: `bun slow-clients.ts PORT COUNT`.
// Each opens a TCP connection and sends a request line and headers that never end, one byte a second.
// Prints `{"event":"open","connected":N}` once all are connected, then one JSON line when every
// connection has been closed by the server: how long each lived and whether the server answered.
import { connect, type Socket } from 'node:net'

const [portArg, countArg] = process.argv.slice(2)
const port = Number(portArg)
const count = Number(countArg ?? 300)
const head = `GET /api/auth/me HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ${'a'.repeat(200)}`
const t0 = performance.now()
const lived: number[] = []
let connected = 0
let answered = 0
const sockets: Socket[] = []
for (let i = 0; i < count; i++) {
  const s = connect(port, '127.0.0.1')
  let sent = 0
  let timer: Timer | undefined
  s.on('connect', () => {
    if (++connected === count) console.log(JSON.stringify({ event: 'open', connected }))
    timer = setInterval(() => !s.destroyed && s.write(head[sent++ % head.length]!), 1000)
  })
  s.on('data', () => answered++)
  s.on('error', () => {})
  s.on('close', () => {
    clearInterval(timer)
    lived.push(Math.round(performance.now() - t0))
    if (lived.length === count) {
      console.log(JSON.stringify({ event: 'closed', connected, answered, lived }))
      process.exit(0)
    }
  })
  sockets.push(s)
}
