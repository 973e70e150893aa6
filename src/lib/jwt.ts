// Minimal JWT (RFC 7519) with HS256 only: the algorithm is pinned and `exp` is required,
// so `alg: none`, algorithm confusion and eternal tokens are rejected (ACCEPTANCE 12).
import { createHmac } from 'node:crypto'
import { safeEqual } from './crypto'

/** Claims the platform puts into its session tokens. */
export interface JwtClaims {
  sub: string
  sid: string
  exp: number
  iat: number
}

const b64 = (data: string | Buffer) => Buffer.from(data).toString('base64url')
const HEADER = b64(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))

function mac(key: Buffer, input: string): string {
  return createHmac('sha256', key).update(input).digest('base64url')
}

/** Signs claims with HS256; the key must be at least 256 bits. */
export function signJwt(key: Buffer, claims: JwtClaims): string {
  if (key.length < 32) throw new Error('JWT key must be at least 256 bits')
  const body = `${HEADER}.${b64(JSON.stringify(claims))}`
  return `${body}.${mac(key, body)}`
}

/** Verifies a token; returns its claims, or null for anything malformed, forged or expired. */
export function verifyJwt(key: Buffer, token: string, nowSec = Math.floor(Date.now() / 1000)): JwtClaims | null {
  const parts = token.split('.')
  if (parts.length !== 3) return null
  const [h, p, s] = parts as [string, string, string]
  let header: unknown
  let claims: Record<string, unknown>
  try {
    header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8'))
    claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8'))
  } catch {
    return null
  }
  if (!header || typeof header !== 'object' || (header as { alg?: unknown }).alg !== 'HS256') return null
  if (!safeEqual(s, mac(key, `${h}.${p}`))) return null
  if (!claims || typeof claims !== 'object') return null
  const { sub, sid, exp, iat } = claims
  if (typeof sub !== 'string' || typeof sid !== 'string' || typeof exp !== 'number') return null
  if (exp <= nowSec) return null
  return { sub, sid, exp, iat: typeof iat === 'number' ? iat : 0 }
}
