import { beforeAll, describe, expect, test } from 'bun:test'
import { startPlatform, type TestPlatform } from '../helpers/platform'

let p: TestPlatform
beforeAll(async () => {
  p = await startPlatform()
})

describe('auth', () => {
  test('the first user is admin, later users are not; signup answers {token, user} and sets an httpOnly cookie', async () => {
    const first = await p.json('POST', '/api/auth/signup', { body: { email: 'Admin@Example.com', password: 'password123' } })
    expect(first.status).toBe(201)
    expect(first.body.user).toMatchObject({ email: 'admin@example.com', role: 'admin' })
    expect(typeof first.body.token).toBe('string')
    expect(first.res.headers.get('set-cookie')).toContain('HttpOnly')
    expect(first.res.headers.get('set-cookie')).toContain('SameSite=Lax')
    const second = await p.json('POST', '/api/auth/signup', { body: { email: 'b@example.com', password: 'password123' } })
    expect(second.body.user.role).toBe('user')
    const me = await p.json('GET', '/api/auth/me', { token: second.body.token })
    expect(me.body.user.email).toBe('b@example.com')
  })

  test('duplicate email → 409; short password and bad email → 400', async () => {
    await p.json('POST', '/api/auth/signup', { body: { email: 'dup@example.com', password: 'password123' } })
    const dup = await p.json('POST', '/api/auth/signup', { body: { email: 'dup@example.com', password: 'password123' } })
    expect(dup.status).toBe(409)
    expect((await p.json('POST', '/api/auth/signup', { body: { email: 'x@example.com', password: 'short' } })).status).toBe(400)
    expect((await p.json('POST', '/api/auth/signup', { body: { email: 'not-an-email', password: 'password123' } })).status).toBe(400)
  })

  test('login works with the right password only; logout revokes the session', async () => {
    await p.json('POST', '/api/auth/signup', { body: { email: 'login@example.com', password: 'password123' } })
    const bad = await p.json('POST', '/api/auth/login', { body: { email: 'login@example.com', password: 'wrong-password' } })
    expect(bad.status).toBe(401)
    const ok = await p.json('POST', '/api/auth/login', { body: { email: 'login@example.com', password: 'password123' } })
    expect(ok.status).toBe(200)
    const token = ok.body.token
    expect((await p.json('GET', '/api/auth/me', { token })).status).toBe(200)
    expect((await p.json('POST', '/api/auth/logout', { token })).status).toBe(200)
    expect((await p.json('GET', '/api/auth/me', { token })).status).toBe(401)
  })

  test('session cookie authenticates GETs; state changes need our Origin (ACCEPTANCE 13)', async () => {
    const s = await p.json('POST', '/api/auth/signup', { body: { email: 'cookie@example.com', password: 'password123' } })
    const cookie = s.res.headers.get('set-cookie')!.split(';')[0]!
    expect((await p.json('GET', '/api/auth/me', { headers: { cookie } })).status).toBe(200)
    const body = { name: 't' }
    const evil = await p.json('POST', '/api/tokens', { body, headers: { cookie, origin: 'https://evil.example' } })
    expect(evil.status).toBe(403)
    const none = await p.json('POST', '/api/tokens', { body, headers: { cookie } })
    expect(none.status).toBe(403)
    const ours = await p.json('POST', '/api/tokens', { body, headers: { cookie, origin: p.baseUrl } })
    expect(ours.status).toBe(201)
  })

  test('API tokens: created once in clear, listed without secret, usable, revocable', async () => {
    const u = await p.user()
    const created = await p.json('POST', '/api/tokens', { token: u.token, body: { name: 'laptop' } })
    expect(created.status).toBe(201)
    expect(created.body.token).toStartWith('fp_')
    const list = await p.json('GET', '/api/tokens', { token: u.token })
    expect(list.body.tokens).toHaveLength(1)
    expect(JSON.stringify(list.body)).not.toContain(created.body.token)
    expect((await p.json('GET', '/api/auth/me', { token: created.body.token })).body.via).toBe('token')
    expect((await p.json('DELETE', `/api/tokens/${created.body.id}`, { token: u.token })).status).toBe(200)
    expect((await p.json('GET', '/api/auth/me', { token: created.body.token })).status).toBe(401)
  })

  test('admin can close signup; the next signup gets a clear 403', async () => {
    const admin = await p.json('POST', '/api/auth/login', { body: { email: 'admin@example.com', password: 'password123' } })
    const user = await p.user()
    expect((await p.json('PUT', '/api/admin/settings', { token: user.token, body: { signupOpen: false } })).status).toBe(403)
    const closed = await p.json('PUT', '/api/admin/settings', { token: admin.body.token, body: { signupOpen: false } })
    expect(closed.body.signupOpen).toBe(false)
    const refused = await p.json('POST', '/api/auth/signup', { body: { email: 'late@example.com', password: 'password123' } })
    expect(refused.status).toBe(403)
    expect(refused.body.message).toContain('signup is closed')
    await p.json('PUT', '/api/admin/settings', { token: admin.body.token, body: { signupOpen: true } })
  })

  test('health reports database and runtime', async () => {
    const h = await p.json('GET', '/healthz')
    expect(h.body).toEqual({ ok: true, status: 'ok', db: 'ok', runtime: 'local', down: [] })
  })
})
