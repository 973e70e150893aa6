// Innermost link: forwards the request to the ready instance and streams the answer back.
import type { Handler, ProxyRequest } from './chain'
import { downstreamHeaders, readTraceback, upstreamHead, upstreamHeaders, type ForwardContext } from './headers'
import { proxyError } from './respond'
import { send } from './upstream'

/** Limits of forwarding. */
export interface ForwardOptions {
  /** Time until the app's response headers arrive, in ms. */
  timeoutMs: number
  /** Largest request body forwarded, in bytes. */
  bodyLimit: number
  /** Bodyless requests to Unix sockets on the proxy's own connections (upstream.ts), else fetch. */
  sockets: boolean
  /** Called when an app timed out: a stuck instance is recycled (ACCEPTANCE 3). */
  onTimeout?: (appId: string) => void
  /** Called when an instance refuses connections (it died before its exit was reported). */
  onDead?: (appId: string, instanceId: string) => void
}

/** A stream that stops (and flags it) once more than `limit` bytes went through: bodies are never buffered whole. */
function limited(body: ReadableStream<Uint8Array>, limit: number, onExceeded: () => void): ReadableStream<Uint8Array> {
  let seen = 0
  return body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, ctrl) {
        seen += chunk.byteLength
        if (seen > limit) {
          onExceeded()
          ctrl.error(new Error('request body over the limit'))
          return
        }
        ctrl.enqueue(chunk)
      },
    }),
  )
}

/** Deadlines of in-flight requests under one coarse timer, instead of a timer (and a combined
 *  abort signal) per request: the warm path stays cheap. Precision is `tickMs`. */
export function deadlines(tickMs = 100) {
  const live = new Set<{ at: number; ctrl: AbortController }>()
  let timer: Timer | null = null
  const tick = () => {
    const now = performance.now()
    for (const d of live) {
      if (d.at > now) continue
      live.delete(d)
      d.ctrl.abort()
    }
    if (!live.size && timer) {
      clearInterval(timer)
      timer = null
    }
  }
  return {
    /** An abort signal that fires `ms` from now (± tickMs) unless `done` is called first. */
    add(ms: number) {
      const d = { at: performance.now() + ms, ctrl: new AbortController() }
      live.add(d)
      if (!timer) {
        timer = setInterval(tick, tickMs)
        timer.unref?.()
      }
      return d
    },
    done: (d: { ctrl: AbortController }) => void live.delete(d as { at: number; ctrl: AbortController }),
    size: () => live.size,
  }
}

/** The forward link. A client that goes away cancels the response stream, which closes the
 *  upstream connection; a request still waiting for its headers runs until the timeout. */
export function forward(opts: ForwardOptions): Handler {
  const timeouts = deadlines(Math.min(100, Math.max(10, opts.timeoutMs / 10)))
  return async (pr: ProxyRequest) => {
    const { request, match, endpoint } = pr
    if (!endpoint) throw new Error('forward called without an endpoint')
    const tooBig = () =>
      proxyError(request, 413, 'Payload Too Large', `the request body is larger than ${opts.bodyLimit} bytes`, { requestId: pr.requestId, code: 'payload_too_large' })
    const hasBody = request.method !== 'GET' && request.method !== 'HEAD' && request.body !== null
    const declared = Number(request.headers.get('content-length') ?? 0)
    if (declared > opts.bodyLimit) {
      pr.error = 'request body over the limit'
      return tooBig()
    }
    let exceeded = false
    const deadline = timeouts.add(opts.timeoutMs)
    const ctrl = deadline.ctrl
    const ctx: ForwardContext = {
      requestId: pr.requestId, clientIp: pr.clientIp, proto: request.url.startsWith('https:') ? 'https' : 'http',
      host: request.headers.get('host') ?? '', prefix: match.prefix,
    }
    try {
      // Bodyless requests to a local instance go on the event loop's own keep-alive sockets.
      const head = opts.sockets && !hasBody && endpoint.unix ? upstreamHead(request.method, match.path, request.headers, ctx) : null
      if (head) {
        const up = await send(endpoint.unix!, request.method, head, ctrl.signal)
        pr.traceback = readTraceback(up.head.headers)
        return new Response(up.body, { status: up.head.status, statusText: up.head.statusText, headers: downstreamHeaders(up.head.headers, pr.requestId) })
      }
      const res = await fetch(endpoint.baseUrl + match.path, {
        method: request.method,
        headers: upstreamHeaders(request.headers, ctx),
        body: hasBody ? limited(request.body!, opts.bodyLimit, () => (exceeded = true)) : undefined,
        redirect: 'manual',
        signal: ctrl.signal,
        decompress: false,
        unix: endpoint.unix,
        duplex: 'half',
      } as RequestInit)
      pr.traceback = readTraceback(res.headers)
      return new Response(res.body, { status: res.status, statusText: res.statusText, headers: downstreamHeaders(res.headers, pr.requestId) })
    } catch (err) {
      if (exceeded) {
        pr.error = 'request body over the limit'
        return tooBig()
      }
      if (ctrl.signal.aborted) {
        pr.error = `no response within ${opts.timeoutMs} ms`
        opts.onTimeout?.(pr.app.id)
        return proxyError(request, 504, 'Gateway Timeout', `${pr.app.name} did not answer within ${Math.round(opts.timeoutMs / 1000)} s`, {
          appName: pr.app.name, requestId: pr.requestId, code: 'timeout',
        })
      }
      const code = (err as { code?: string }).code
      // The instance is gone (crashed; its exit may not be reported yet): the next request starts a new one.
      if (code === 'ENOENT' || code === 'ECONNREFUSED' || code === 'ECONNRESET') opts.onDead?.(pr.app.id, endpoint.instanceId)
      pr.error = `upstream failed: ${(err as Error).message}`
      return proxyError(request, 502, 'Bad Gateway', `${pr.app.name} closed the connection before answering (it may have crashed); the next request restarts it`, {
        appName: pr.app.name, requestId: pr.requestId, code: 'bad_gateway',
      })
    } finally {
      timeouts.done(deadline)
    }
  }
}
