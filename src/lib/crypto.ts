// Secrets at rest: AES-256-GCM with a random nonce, bound to (app id, field) as associated data.
import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto'

/** Derives a purpose-specific 32-byte key from the platform secret (HKDF-like, HMAC-SHA256). */
export function deriveKey(secret: string, purpose: string): Buffer {
  return createHmac('sha256', secret).update(`fastapi-platform:${purpose}`).digest()
}

/** Encrypts `plain` so that it only decrypts with the same key and associated data. */
export function seal(key: Buffer, plain: string, aad: string): string {
  const nonce = randomBytes(12)
  const cipher = createCipheriv('aes-256-gcm', key, nonce)
  cipher.setAAD(Buffer.from(aad))
  const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()])
  return Buffer.concat([nonce, cipher.getAuthTag(), body]).toString('base64')
}

/** Reverses `seal`; throws when the key, data or associated data do not match. */
export function open(key: Buffer, sealed: string, aad: string): string {
  const raw = Buffer.from(sealed, 'base64')
  if (raw.length < 28) throw new Error('sealed value is too short')
  const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12))
  decipher.setAAD(Buffer.from(aad))
  decipher.setAuthTag(raw.subarray(12, 28))
  return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8')
}

/** SHA-256 hex of a token: tokens are stored hashed, never in clear. */
export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex')
}

/** Constant-time string comparison for secrets. */
export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}

/** A URL-safe random secret of `bytes` bytes. */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url')
}
