// Accounts, sessions and API tokens.
import { nanoid } from 'nanoid'
import { randomToken, sha256 } from '../lib/crypto'
import { signJwt, verifyJwt } from '../lib/jwt'
import { FailureLimiter } from '../lib/ratelimit'
import type { UserDoc } from '../data/users.repo'
import type { DomainDeps } from './context'
import { badRequest, DomainError, forbidden, notFound, tooMany, unauthorized } from './errors'

const SESSION_DAYS = 30
const EMAIL = /^[^\s@<>"']{1,64}@[^\s@<>"']{1,190}\.[^\s@<>"']{2,}$/

/** The user as the API shows it (never the password hash). */
export interface PublicUser {
  id: string
  email: string
  role: 'admin' | 'user'
  createdAt: Date
}

/** What authentication resolves to for one request. */
export interface Principal {
  user: PublicUser
  via: 'session' | 'token'
  sessionId?: string
}

/** Shows a user without secrets. */
export const publicUser = (u: UserDoc): PublicUser => ({ id: u._id, email: u.email, role: u.role, createdAt: u.createdAt })

/** Sign up, log in and out, verify credentials, manage API tokens. */
export function authService(deps: DomainDeps) {
  const { users, settings } = deps.repos
  const perAccount = new FailureLimiter(5, 15 * 60_000)
  const perIp = new FailureLimiter(30, 15 * 60_000)

  async function openSession(user: UserDoc) {
    const sid = nanoid(21)
    const now = deps.now()
    const exp = new Date(now.getTime() + SESSION_DAYS * 86400_000)
    await users.createSession({ _id: sid, userId: user._id, createdAt: now, expiresAt: exp })
    const token = signJwt(deps.keys.jwt, {
      sub: user._id, sid, iat: Math.floor(now.getTime() / 1000), exp: Math.floor(exp.getTime() / 1000),
    })
    return { token, user: publicUser(user), maxAge: SESSION_DAYS * 86400 }
  }

  function checkCredentials(email: string, password: string) {
    if (!EMAIL.test(email)) throw badRequest('enter a valid email address')
    if (password.length < 8) throw badRequest('the password must have at least 8 characters')
    if (password.length > 1024) throw badRequest('the password is too long')
  }

  return {
    async signupOpen(): Promise<boolean> {
      return (await users.count()) === 0 || (await settings.get('signupOpen', true))
    },

    async signup(emailRaw: string, password: string) {
      const email = emailRaw.trim().toLowerCase()
      checkCredentials(email, password)
      const first = (await users.count()) === 0
      if (!first && !(await settings.get('signupOpen', true))) {
        throw forbidden('signup is closed on this platform: ask an admin for an account')
      }
      if (await users.byEmail(email)) throw new DomainError(409, 'email_taken', 'an account with this email exists: log in instead')
      const user: UserDoc = {
        _id: nanoid(12), email, role: first ? 'admin' : 'user', createdAt: deps.now(),
        passwordHash: await Bun.password.hash(password, { algorithm: 'argon2id' }),
      }
      try {
        await users.insert(user)
      } catch {
        throw new DomainError(409, 'email_taken', 'an account with this email exists: log in instead')
      }
      return openSession(user)
    },

    async login(emailRaw: string, password: string, ip: string) {
      const email = emailRaw.trim().toLowerCase()
      const wait = Math.max(perAccount.retryAfter(email), perIp.retryAfter(ip))
      if (wait > 0) throw tooMany(`too many failed logins: try again in ${wait} s`, wait)
      const user = EMAIL.test(email) ? await users.byEmail(email) : null
      const ok = user ? await Bun.password.verify(password, user.passwordHash) : await Bun.password.verify(password, DUMMY_HASH)
      if (!user || !ok) {
        perAccount.fail(email)
        perIp.fail(ip)
        throw unauthorized('wrong email or password')
      }
      perAccount.reset(email)
      if (user.disabled) throw forbidden('this account is disabled: ask an admin')
      return openSession(user)
    },

    logout: (sessionId: string) => users.deleteSession(sessionId),

    /** Resolves a bearer token (API token `fp_…` or session JWT) or a session cookie. */
    async authenticate(token: string): Promise<Principal | null> {
      if (!token || token.length > 4096) return null
      if (token.startsWith('fp_')) {
        const t = await users.tokenByHash(sha256(token))
        if (!t) return null
        const user = await users.byId(t.userId)
        if (!user || user.disabled) return null
        // at most one write a minute per token: the hot path of the CLI and invokes stays read-only
        if (!t.lastUsedAt || deps.now().getTime() - t.lastUsedAt.getTime() > 60_000) void users.touchToken(t._id).catch(() => {})
        return { user: publicUser(user), via: 'token' }
      }
      const claims = verifyJwt(deps.keys.jwt, token, Math.floor(deps.now().getTime() / 1000))
      if (!claims) return null
      const session = await users.session(claims.sid)
      if (!session || session.userId !== claims.sub || session.expiresAt < deps.now()) return null
      const user = await users.byId(claims.sub)
      return user && !user.disabled ? { user: publicUser(user), via: 'session', sessionId: session._id } : null
    },

    async createToken(userId: string, name: string) {
      const token = `fp_${randomToken(32)}`
      const doc = { _id: nanoid(12), userId, name: name.trim().slice(0, 100) || 'token', hash: sha256(token), prefix: token.slice(0, 8), createdAt: deps.now() }
      await users.insertToken(doc)
      return { id: doc._id, name: doc.name, prefix: doc.prefix, createdAt: doc.createdAt, token }
    },

    listTokens: async (userId: string) =>
      (await users.tokens(userId)).map((t) => ({ id: t._id, name: t.name, prefix: t.prefix, createdAt: t.createdAt, lastUsedAt: t.lastUsedAt ?? null })),

    async revokeToken(userId: string, id: string) {
      const res = await users.deleteToken(userId, id)
      if (!res.deletedCount) throw notFound('token')
    },
  }
}

// Verifying against a fixed hash when the account does not exist keeps timing uniform.
const DUMMY_HASH = await Bun.password.hash('not-a-real-password', { algorithm: 'argon2id' })

/** The auth service's shape. */
export type AuthService = ReturnType<typeof authService>
