// Header rewriting for the proxy: hop-by-hop headers dropped (RFC 9110 §7.6.1), X-Forwarded-* set.

const HOP_BY_HOP = new Set([
  'connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade',
  'proxy-authenticate', 'proxy-authorization',
])

/** The header that carries an app's traceback from the runner to the platform (never to clients). */
export const TRACEBACK_HEADER = 'x-fp-traceback'

/** Header lines in order, each Set-Cookie apart (a Headers object joins the others). */
export type HeaderPairs = [string, string][]

function pairsOf(h: Headers | HeaderPairs): HeaderPairs {
  if (Array.isArray(h)) return h
  const out: HeaderPairs = []
  h.forEach((value, key) => {
    if (key !== 'set-cookie') out.push([key, value])
  })
  for (const cookie of h.getSetCookie()) out.push(['set-cookie', cookie])
  return out
}

function valueOf(pairs: HeaderPairs, name: string): string | null {
  for (const [k, v] of pairs) if (k === name) return v
  return null
}

function listedInConnection(pairs: HeaderPairs): Set<string> {
  const extra = new Set<string>()
  for (const token of (valueOf(pairs, 'connection') ?? '').split(',')) {
    const t = token.trim().toLowerCase()
    if (t) extra.add(t)
  }
  return extra
}

/** What the proxy tells the app about the request. */
export interface ForwardContext {
  requestId: string
  clientIp: string
  proto: string
  host: string
  prefix: string
}

/** The header lines sent to the app: the client's, less hop-by-hop ones, plus X-Forwarded-*. */
export function upstreamPairs(incoming: Headers, ctx: ForwardContext): HeaderPairs {
  const out: HeaderPairs = []
  const pairs = pairsOf(incoming)
  const extra = listedInConnection(pairs)
  for (const [key, value] of pairs) {
    const k = key.toLowerCase()
    if (HOP_BY_HOP.has(k) || extra.has(k) || k.startsWith('x-forwarded-') || k === 'x-request-id' || k === 'accept-encoding') continue
    out.push([key, value])
  }
  const prior = incoming.get('x-forwarded-for')
  out.push(['x-forwarded-for', prior ? `${prior}, ${ctx.clientIp}` : ctx.clientIp])
  out.push(['x-forwarded-proto', ctx.proto])
  out.push(['x-forwarded-host', ctx.host])
  if (ctx.prefix) out.push(['x-forwarded-prefix', ctx.prefix])
  out.push(['x-request-id', ctx.requestId])
  // Ask for identity: bodies then pass through untouched (no double decoding).
  out.push(['accept-encoding', 'identity'])
  return out
}

/** Headers sent to the app, for fetch. */
export function upstreamHeaders(incoming: Headers, ctx: ForwardContext): Headers {
  const out = new Headers()
  for (const [k, v] of upstreamPairs(incoming, ctx)) out.append(k, v)
  return out
}

/** The whole head of a bodyless request to the app (HTTP/1.1), or null when the path is not plain
 *  visible ASCII (fetch then encodes it). Header values come from Bun's parser: no CR or LF. */
export function upstreamHead(method: string, path: string, incoming: Headers, ctx: ForwardContext): string | null {
  if (!/^\/[\x21-\x7e]*$/.test(path)) return null
  let head = `${method} ${path} HTTP/1.1\r\n`
  if (!incoming.has('host')) head += 'host: app.local\r\n'
  for (const [k, v] of upstreamPairs(incoming, ctx)) head += `${k}: ${v}\r\n`
  return head + '\r\n'
}

/** Headers sent back to the client; every Set-Cookie is kept separately. */
export function downstreamHeaders(upstream: Headers | HeaderPairs, requestId: string): Headers {
  const out = new Headers()
  const pairs = pairsOf(upstream)
  const extra = listedInConnection(pairs)
  for (const [key, value] of pairs) {
    const k = key.toLowerCase()
    if (HOP_BY_HOP.has(k) || extra.has(k) || k === TRACEBACK_HEADER || k === 'content-length') continue
    out.append(key, value)
  }
  const len = valueOf(pairs, 'content-length')
  if (len) out.set('content-length', len)
  out.set('x-request-id', requestId)
  return out
}

/** Decodes the traceback an app's runner attached to a 500, if any. */
export function readTraceback(upstream: Headers | HeaderPairs): string | null {
  const raw = Array.isArray(upstream) ? valueOf(upstream, TRACEBACK_HEADER) : upstream.get(TRACEBACK_HEADER)
  if (!raw) return null
  try {
    return Buffer.from(raw, 'base64').toString('utf8')
  } catch {
    return null
  }
}
