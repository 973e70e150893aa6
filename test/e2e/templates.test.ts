// Every built-in template deploys and answers its own smoke checks on first try, through the real proxy.
import { beforeAll, describe, expect, test } from 'bun:test'
import { startPlatform, type TestPlatform } from '../helpers/platform'

let p: TestPlatform
let token: string
beforeAll(async () => {
  p = await startPlatform()
  token = (await p.user()).token
})

describe('built-in templates', () => {
  test('templates load without problems', () => {
    expect(p.services.templates.length).toBeGreaterThanOrEqual(11)
    const names = p.services.templates.map((t) => t.name)
    for (const n of ['hello-api', 'json-crud', 'html-pages', 'notes', 'fasthtml-htmx', 'webhook-receiver', 'scheduled-job', 'async-worker', 'jwt-auth', 'file-upload', 'streaming']) {
      expect(names).toContain(n)
    }
  })

  test('each template deploys and passes its smoke checks', async () => {
    for (const t of p.services.templates) {
      const c = await p.json('POST', '/api/apps', { token, body: { name: `tpl ${t.name}`, files: t.files, entrypoint: t.entrypoint, env: t.env } })
      expect({ template: t.name, status: c.body.status, error: c.body.deploy?.message }).toEqual({ template: t.name, status: 'running', error: undefined })
      for (const check of t.checks) {
        const r = await p.call(check.method, `/app/${c.body.slug}${check.path}`, {
          body: check.body, headers: check.body ? { 'content-type': 'application/json' } : {},
        })
        const text = await r.text()
        expect({ template: t.name, path: check.path, status: r.status }).toEqual({ template: t.name, path: check.path, status: check.expect_status })
        if (check.expect_contains) expect(text).toContain(check.expect_contains)
      }
    }
  }, 120_000)
})
