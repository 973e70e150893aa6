// ACCEPTANCE 10: tenant A using tenant B's ids on every route → 404. ACCEPTANCE 12: bad JWTs → 401.
import { beforeAll, describe, expect, test } from 'bun:test'
import { createHmac } from 'node:crypto'
import { HELLO, startPlatform, type TestPlatform } from '../helpers/platform'

let p: TestPlatform
let a: { token: string; id: string }
let b: { token: string; id: string }
let appId: string
let requestId: string
beforeAll(async () => {
  p = await startPlatform()
  a = await p.user()
  b = await p.user()
  const c = await p.json('POST', '/api/apps', { token: a.token, body: { name: 'A private', files: HELLO } })
  appId = c.body.id
  requestId = (await p.call('GET', `/app/${c.body.slug}/`)).headers.get('x-request-id')!
})

describe('tenant isolation (ACCEPTANCE 10)', () => {
  const routes: [string, string, unknown?][] = [
    ['GET', '/api/apps/:id'],
    ['PUT', '/api/apps/:id', { files: HELLO }],
    ['PUT', '/api/apps/:id/draft', { files: HELLO }],
    ['POST', '/api/apps/:id/deploy', {}],
    ['POST', '/api/apps/:id/validate', {}],
    ['GET', '/api/apps/:id/status'],
    ['GET', '/api/apps/:id/deploy-status'],
    ['GET', '/api/apps/:id/versions'],
    ['GET', '/api/apps/:id/versions/1'],
    ['POST', '/api/apps/:id/rollback', { version: 1 }],
    ['POST', '/api/apps/:id/clone', {}],
    ['GET', '/api/apps/:id/env'],
    ['PUT', '/api/apps/:id/env', { env: { X: '1' } }],
    ['PUT', '/api/apps/:id/settings', { idleMinutes: 5 }],
    ['GET', '/api/apps/:id/requests'],
    ['GET', '/api/apps/:id/requests/:rid'],
    ['DELETE', '/api/apps/:id'],
  ]
  for (const [method, route, body] of routes) {
    test(`${method} ${route} with another tenant's id → 404`, async () => {
      const path = route.replace(':id', appId).replace(':rid', requestId)
      const r = await p.json(method, path, { token: b.token, body })
      expect(r.status).toBe(404)
      expect(JSON.stringify(r.body)).not.toContain('A private')
    })
  }

  test("the owner still has the app afterwards, and B's list is empty", async () => {
    expect((await p.json('GET', `/api/apps/${appId}`, { token: a.token })).status).toBe(200)
    expect((await p.json('GET', '/api/apps', { token: b.token })).body.apps).toEqual([])
  })

  test('another user cannot revoke my token', async () => {
    const t = await p.json('POST', '/api/tokens', { token: a.token, body: { name: 'mine' } })
    expect((await p.json('DELETE', `/api/tokens/${t.body.id}`, { token: b.token })).status).toBe(404)
    expect((await p.json('GET', '/api/auth/me', { token: t.body.token })).status).toBe(200)
  })
})

describe('JWT handling (ACCEPTANCE 12)', () => {
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url')
  const claims = () => {
    const [, payload] = a.token.split('.')
    return JSON.parse(Buffer.from(payload!, 'base64url').toString())
  }
  const cases: [string, () => string][] = [
    ['alg none', () => `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims())}.`],
    ['wrong key', () => {
      const body = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(claims())}`
      return `${body}.${createHmac('sha256', 'x'.repeat(32)).update(body).digest('base64url')}`
    }],
    ['tampered payload', () => {
      const [h, , s] = a.token.split('.')
      return `${h}.${b64({ ...claims(), sub: b.id })}.${s}`
    }],
    ['expired', () => {
      const key = p.services.deps.keys.jwt
      const body = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ ...claims(), exp: 1000 })}`
      return `${body}.${createHmac('sha256', key).update(body).digest('base64url')}`
    }],
    ['missing exp', () => {
      const key = p.services.deps.keys.jwt
      const { exp, ...rest } = claims()
      const body = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(rest)}`
      return `${body}.${createHmac('sha256', key).update(body).digest('base64url')}`
    }],
    ['HS512 header', () => {
      const [, pl, s] = a.token.split('.')
      return `${b64({ alg: 'HS512', typ: 'JWT' })}.${pl}.${s}`
    }],
    ['garbage', () => 'not.a.jwt'],
  ]
  for (const [name, make] of cases) {
    test(`${name} → 401`, async () => {
      const r = await p.json('GET', '/api/auth/me', { token: make() })
      expect(r.status).toBe(401)
    })
  }
  test('the genuine token still works', async () => {
    expect((await p.json('GET', '/api/auth/me', { token: a.token })).status).toBe(200)
  })
})
