// Header rewriting for the proxy: hop-by-hop headers dropped (RFC 9110 §7.6.1), X-Forwarded-* set.

const HOP_BY_HOP = new Set([
  'connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade',
  'proxy-authenticate', 'proxy-authorization',
])

/** The header that carries an app's traceback from the runner to the platform (never to clients). */
export const TRACEBACK_HEADER = 'x-fp-traceback'

function dropListedInConnection(h: Headers): Set<string> {
  const extra = new Set<string>()
  for (const token of (h.get('connection') ?? '').split(',')) {
    const t = token.trim().toLowerCase()
    if (t) extra.add(t)
  }
  return extra
}

/** Headers sent to the app. */
export function upstreamHeaders(
  incoming: Headers,
  ctx: { requestId: string; clientIp: string; proto: string; host: string; prefix: string },
): Headers {
  const out = new Headers()
  const extra = dropListedInConnection(incoming)
  incoming.forEach((value, key) => {
    const k = key.toLowerCase()
    if (HOP_BY_HOP.has(k) || extra.has(k) || k.startsWith('x-forwarded-') || k === 'x-request-id' || k === 'accept-encoding') return
    out.append(key, value)
  })
  const prior = incoming.get('x-forwarded-for')
  out.set('x-forwarded-for', prior ? `${prior}, ${ctx.clientIp}` : ctx.clientIp)
  out.set('x-forwarded-proto', ctx.proto)
  out.set('x-forwarded-host', ctx.host)
  if (ctx.prefix) out.set('x-forwarded-prefix', ctx.prefix)
  out.set('x-request-id', ctx.requestId)
  // Ask for identity: bodies then pass through untouched (no double decoding).
  out.set('accept-encoding', 'identity')
  return out
}

/** Headers sent back to the client; every Set-Cookie is kept separately. */
export function downstreamHeaders(upstream: Headers, requestId: string): Headers {
  const out = new Headers()
  const extra = dropListedInConnection(upstream)
  upstream.forEach((value, key) => {
    const k = key.toLowerCase()
    if (HOP_BY_HOP.has(k) || extra.has(k) || k === 'set-cookie' || k === TRACEBACK_HEADER || k === 'content-length') return
    out.append(key, value)
  })
  for (const cookie of upstream.getSetCookie()) out.append('set-cookie', cookie)
  const len = upstream.get('content-length')
  if (len) out.set('content-length', len)
  out.set('x-request-id', requestId)
  return out
}

/** Decodes the traceback an app's runner attached to a 500, if any. */
export function readTraceback(upstream: Headers): string | null {
  const raw = upstream.get(TRACEBACK_HEADER)
  if (!raw) return null
  try {
    return Buffer.from(raw, 'base64').toString('utf8')
  } catch {
    return null
  }
}
