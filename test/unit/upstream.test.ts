// The proxy's own HTTP/1.1 client (src/proxy/http1.ts, upstream.ts) against a raw Unix-socket server
// that answers exactly the bytes each test gives it: framing, keep-alive, stale connections,
// backpressure, a client that goes away, timeouts and malformed answers.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Socket } from 'bun'
import { ChunkedDecoder, framing, parseHead } from '../../src/proxy/http1'
import { idleConnections, send } from '../../src/proxy/upstream'

const enc = (s: string) => new TextEncoder().encode(s)
const text = async (body: Uint8Array | ReadableStream<Uint8Array> | null) => (body ? await new Response(body).text() : null)

describe('http1 parsing', () => {
  test('a head: status, reason, header lines (names lower-cased, repeats kept), its size', () => {
    const raw = 'HTTP/1.1 201 Created\r\nContent-Type: text/plain\r\nSet-Cookie: a=1\r\nset-cookie: b=2\r\n\r\nbody'
    const h = parseHead(enc(raw))!
    expect(h).toMatchObject({ status: 201, statusText: 'Created', size: raw.length - 4 })
    expect(h.headers).toEqual([['content-type', 'text/plain'], ['set-cookie', 'a=1'], ['set-cookie', 'b=2']])
    expect(parseHead(enc('HTTP/1.1 200 OK\r\nx: y\r\n'))).toBeNull()
    expect(() => parseHead(enc('SMTP ready\r\n\r\n'))).toThrow('status line')
    expect(() => parseHead(enc('HTTP/1.1 200 OK\r\nno colon\r\n\r\n'))).toThrow('header')
    expect(() => parseHead(enc('HTTP/1.1 200 OK\r\n' + 'x: y\r\n'.repeat(20000)), 64 * 1024)).toThrow('larger than')
  })

  test('framing: HEAD, 204 and 304 have none; chunked wins over a length; conflicting lengths are refused', () => {
    const head = (h: [string, string][], status = 200) => ({ status, statusText: '', headers: h, size: 0 })
    expect(framing('HEAD', head([['content-length', '5']]))).toEqual({ kind: 'none' })
    expect(framing('GET', head([], 204))).toEqual({ kind: 'none' })
    expect(framing('GET', head([['content-length', '5']]))).toEqual({ kind: 'length', length: 5 })
    expect(framing('GET', head([['transfer-encoding', 'chunked'], ['content-length', '5']]))).toEqual({ kind: 'chunked' })
    expect(framing('GET', head([]))).toEqual({ kind: 'close' })
    expect(() => framing('GET', head([['content-length', '5'], ['content-length', '6']]))).toThrow('conflicting')
    expect(() => framing('GET', head([['content-length', '-1']]))).toThrow('malformed')
  })

  test('chunked bodies decode across any split, extensions and trailers included', () => {
    const wire = '4;ext=1\r\nWiki\r\n6\r\npedia \r\nE\r\nin \r\n\r\nchunks.\r\n0\r\nx-trailer: 1\r\n\r\nNEXT'
    for (let split = 1; split < wire.length; split += 3) {
      const d = new ChunkedDecoder()
      const parts = [...d.push(enc(wire.slice(0, split))), ...d.push(enc(wire.slice(split)))]
      expect(new TextDecoder().decode(Buffer.concat(parts))).toBe('Wikipedia in \r\n\r\nchunks.')
      expect(d.done).toBe(true)
      expect(new TextDecoder().decode(d.rest)).toBe('NEXT')
    }
    expect(() => new ChunkedDecoder().push(enc('zz\r\n'))).toThrow('chunk size')
  })
})

// A server that answers each request with the next scripted reply (a function of the socket).
type Reply = (s: Socket<{ n: number }>) => void
let dir: string
let path: string
let server: { stop(closeActive?: boolean): void }
let replies: Reply[] = []
let connections = 0
let requests: string[] = []

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'fp-upstream-'))
  path = join(dir, 'app.sock')
  server = Bun.listen<{ n: number }>({
    unix: path,
    socket: {
      open(s) {
        connections++
        s.data = { n: 0 }
      },
      data(s, chunk) {
        requests.push(Buffer.from(chunk).toString('latin1'))
        const reply = replies.shift()
        if (reply) reply(s)
      },
    },
  })
})
afterAll(() => {
  server.stop(true)
  rmSync(dir, { recursive: true, force: true })
})

const never = () => new AbortController().signal
const get = (p = '/') => `GET ${p} HTTP/1.1\r\nhost: app.local\r\n\r\n`

describe('upstream connections', () => {
  test('a whole small answer comes back as bytes and the connection is kept for the next request', async () => {
    connections = 0
    replies = [(s) => s.write('HTTP/1.1 200 OK\r\ncontent-length: 5\r\nx-a: 1\r\n\r\nhello'), (s) => s.write('HTTP/1.1 404 Not Found\r\ncontent-length: 2\r\n\r\nno')]
    const a = await send(path, 'GET', get('/a'), never())
    expect(a.body).toBeInstanceOf(Uint8Array)
    expect(await text(a.body)).toBe('hello')
    expect(a.head.headers).toContainEqual(['x-a', '1'])
    expect(idleConnections(path)).toBe(1)
    const b = await send(path, 'GET', get('/b'), never())
    expect([b.head.status, await text(b.body)]).toEqual([404, 'no'])
    expect(connections).toBe(1)
    expect(requests.slice(-2).map((r) => r.split(' ')[1])).toEqual(['/a', '/b'])
  })

  test('chunked and close-delimited bodies stream; 100 Continue is skipped; HEAD has no body', async () => {
    replies = [(s) => {
      s.write('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n')
      setTimeout(() => s.write('2\r\nde\r\n0\r\n\r\n'), 30)
    }]
    const c = await send(path, 'GET', get(), never())
    expect(c.body).toBeInstanceOf(ReadableStream)
    expect(await text(c.body)).toBe('abcde')
    replies = [(s) => s.write('HTTP/1.1 200 OK\r\ncontent-length: 99\r\n\r\n')]
    const h = await send(path, 'HEAD', get().replace('GET', 'HEAD'), never())
    expect(h.body).toBeNull()
    replies = [(s) => {
      s.write('HTTP/1.1 200 OK\r\nconnection: close\r\n\r\nuntil ')
      setTimeout(() => (s.write('the end'), s.end()), 20)
    }]
    const e = await send(path, 'GET', get(), never())
    expect(await text(e.body)).toBe('until the end')
  })

  test('a kept connection the app closed meanwhile is retried once on a new one', async () => {
    replies = [(s) => s.write('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok')]
    await send(path, 'GET', get(), never())
    expect(idleConnections(path)).toBeGreaterThan(0)
    replies = [(s) => s.end(), (s) => s.write('HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nfresh')]
    const r = await send(path, 'GET', get(), never())
    expect(await text(r.body)).toBe('fresh')
  })

  test('no answer before the deadline: the request is aborted and its connection dropped', async () => {
    replies = [() => {}]
    const ctrl = new AbortController()
    setTimeout(() => ctrl.abort(new Error('deadline')), 50)
    expect(send(path, 'GET', get(), ctrl.signal)).rejects.toThrow('deadline')
    await Bun.sleep(80)
  })

  test('a malformed answer or one cut short is an error, never a hang', async () => {
    replies = [(s) => s.write('garbage\r\n\r\n')]
    expect(send(path, 'GET', get(), never())).rejects.toThrow('status line')
    replies = [(s) => (s.write('HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nabc'), s.end())]
    const cut = await send(path, 'GET', get(), never())
    expect(text(cut.body)).rejects.toThrow('mid-body')
  })

  test('a slow reader pauses the app (backpressure); a reader that goes away closes the connection', async () => {
    const chunk = 'x'.repeat(64 * 1024)
    let written = 0
    replies = [(s) => {
      s.write('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n')
      let pending = Buffer.alloc(0)
      const pump = () => {
        while (written < 64 * 1024 * 1024) {
          if (!pending.length) pending = Buffer.from(`10000\r\n${chunk}\r\n`)
          const n = s.write(pending)
          if (n > 0) written += n
          pending = pending.subarray(Math.max(0, n))
          if (pending.length) return void setTimeout(pump, 5) // the socket is full
        }
      }
      pump()
    }]
    const r = await send(path, 'GET', get(), never())
    const reader = (r.body as ReadableStream<Uint8Array>).getReader()
    await reader.read()
    await Bun.sleep(300)
    expect(written).toBeLessThan(16 * 1024 * 1024) // held back, not all 64 MiB buffered
    const before = connections
    await reader.cancel()
    await Bun.sleep(50)
    replies = [(s) => s.write('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok')]
    expect(await text((await send(path, 'GET', get(), never())).body)).toBe('ok')
    expect(connections).toBe(before + 1) // the cancelled one was not reused
  })

  test('nothing listening: an error with the code the proxy uses to drop a dead instance', async () => {
    const err = await send(join(dir, 'gone.sock'), 'GET', get(), never()).catch((e) => e)
    expect(['ENOENT', 'ECONNREFUSED']).toContain(err.code)
  })
})
