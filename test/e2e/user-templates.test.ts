// User templates on a real platform (real FerretDB, real runner): save an app version as a template →
// private to its owner → an admin publishes it → another user starts an app from it (same files,
// no secret values) → rename → delete; every permission error; a deleted user leaves nothing dangling.
import { beforeAll, describe, expect, test } from 'bun:test'
import { MAX_TEMPLATES_PER_USER } from '../../src/domain/user-templates'
import { HELLO, startPlatform, type TestPlatform } from '../helpers/platform'

let p: TestPlatform
let admin: { token: string; id: string }
let alice: { token: string; id: string }
let bob: { token: string; id: string }
let appId = ''
const SECRET = 'sk-live-do-not-leak-4242'
const FILES = { ...HELLO, 'static/readme.md': '# notes\n' }

beforeAll(async () => {
  p = await startPlatform()
  admin = await p.user() // the first user is the admin
  alice = await p.user()
  bob = await p.user()
  const c = await p.json('POST', '/api/apps', { token: alice.token, body: { name: 'alice api', files: FILES, env: { API_KEY: SECRET, MODE: 'prod' } } })
  expect(c.body.status).toBe('running')
  appId = c.body.id
  // the draft moves on after the deploy: the template must hold the deployed version, not the draft
  await p.json('PUT', `/api/apps/${appId}/draft`, { token: alice.token, body: { files: { 'app.py': 'broken(' } } })
}, 60_000)

const save = (token: string, body: Record<string, unknown>) => p.json('POST', '/api/templates', { token, body })
const list = async (token: string) => (await p.json('GET', '/api/templates', { token })).body
const names = (xs: { name: string }[] | undefined) => (xs ?? []).map((x) => x.name)

describe('user templates', () => {
  test.each([
    ['a name with spaces', { name: 'Bad Name', title: 'x' }, 400, 'lower-case'],
    ['a name ending in a dash', { name: 'bad-', title: 'x' }, 400, 'lower-case'],
    ['a reserved name', { name: 'blank', title: 'x' }, 400, 'reserved'],
    ["a built-in's name", { name: 'hello-api', title: 'x' }, 409, 'exists'],
    ['no title', { name: 'fine-name', title: '  ' }, 400, 'title'],
    ['an unknown level', { name: 'fine-name', title: 'T', level: 'expert' }, 400, 'level'],
    ['a bad tag', { name: 'fine-name', title: 'T', tags: ['<b>'] }, 400, 'tag'],
    ['a missing version', { name: 'fine-name', title: 'T', version: 99 }, 404, 'version'],
  ])('saving with %s → %d', async (_, extra, status, message) => {
    const r = await save(alice.token, { app_id: appId, ...extra })
    expect(r.status).toBe(status)
    expect(r.body.message).toContain(message)
  })

  test("another user cannot save somebody else's app (404), nor without a login (401)", async () => {
    expect((await save(bob.token, { app_id: appId, name: 'stolen', title: 'x' })).status).toBe(404)
    expect((await p.json('POST', '/api/templates', { body: { app_id: appId, name: 'anon', title: 'x' } })).status).toBe(401)
  })

  test('save → only its owner sees it; the name is then taken (409)', async () => {
    const r = await save(alice.token, { app_id: appId, name: 'class-hello', title: 'Class hello', description: 'Week 1 starter', tags: ['Class', 'api'], level: 'beginner' })
    expect(r.status).toBe(201)
    expect(r.body).toMatchObject({ name: 'class-hello', kind: 'user', published: false, mine: true, tags: ['class', 'api'] })
    expect((await save(alice.token, { app_id: appId, name: 'class-hello', title: 'again' })).status).toBe(409)
    expect(names((await list(alice.token)).mine)).toEqual(['class-hello'])
    const b = await list(bob.token)
    expect([...names(b.mine), ...names(b.published), ...names(b.others)]).not.toContain('class-hello')
    expect((await p.json('GET', '/api/templates/class-hello', { token: bob.token })).status).toBe(404)
    expect((await p.json('GET', '/api/templates/class-hello')).status).toBe(404)
    expect(names((await list(admin.token)).others)).toContain('class-hello')
  })

  test('the template holds the deployed version and env names, never env values', async () => {
    const t = (await p.json('GET', '/api/templates/class-hello', { token: alice.token })).body
    expect(t.files).toEqual(FILES)
    expect(t.entrypoint).toBe('app.py')
    expect(t.env).toEqual({ API_KEY: '', MODE: '' })
    const stored = await p.services.deps.repos.templates.byName('class-hello')
    expect(JSON.stringify(stored)).not.toContain(SECRET)
    expect(JSON.stringify(stored)).not.toContain('prod')
  })

  test('only an admin publishes; then every user sees it and can start from it', async () => {
    expect((await p.json('POST', '/api/templates/class-hello/publish', { token: alice.token })).status).toBe(403)
    expect((await p.json('POST', '/api/templates/class-hello/publish', { token: bob.token })).status).toBe(403)
    const pub = await p.json('POST', '/api/templates/class-hello/publish', { token: admin.token })
    expect(pub.status).toBe(200)
    expect(pub.body.published).toBe(true)
    expect(names((await list(bob.token)).published)).toContain('class-hello')

    const c = await p.json('POST', '/api/apps', { token: bob.token, body: { name: 'from class', template: 'class-hello' } })
    expect(c.status).toBe(201)
    expect(c.body.status).toBe('running')
    const detail = (await p.json('GET', `/api/apps/${c.body.id}`, { token: bob.token })).body
    expect(detail.files).toEqual(FILES)
    expect(detail.draftEntrypoint).toBe('app.py')
    const env = (await p.json('GET', `/api/apps/${c.body.id}/env?reveal=true`, { token: bob.token })).body.env
    expect(env).toEqual([{ name: 'API_KEY', value: '', masked: false }, { name: 'MODE', value: '', masked: false }])
    const r = await p.call('GET', `/app/${c.body.slug}/`)
    expect(await r.json()).toEqual({ message: 'Hello, world!' })
  }, 30_000)

  test('rename: others may not; the owner may (bad and taken names refused); the old name is gone', async () => {
    expect((await p.json('PATCH', '/api/templates/class-hello', { token: bob.token, body: { title: 'mine now' } })).status).toBe(403)
    expect((await p.json('PATCH', '/api/templates/hello-api', { token: admin.token, body: { title: 'x' } })).status).toBe(403)
    expect((await p.json('PATCH', '/api/templates/class-hello', { token: alice.token, body: { name: 'No!' } })).status).toBe(400)
    expect((await p.json('PATCH', '/api/templates/class-hello', { token: alice.token, body: { name: 'json-crud' } })).status).toBe(409)
    const r = await p.json('PATCH', '/api/templates/class-hello', { token: alice.token, body: { name: 'week-1', title: 'Week 1: hello' } })
    expect(r.status).toBe(200)
    expect(r.body).toMatchObject({ name: 'week-1', title: 'Week 1: hello', published: true })
    expect((await p.json('GET', '/api/templates/class-hello', { token: bob.token })).status).toBe(404)
    expect((await p.json('GET', '/api/templates/week-1', { token: bob.token })).body.title).toBe('Week 1: hello')
  })

  test('unpublish makes it private again; delete: not by others, yes by the owner', async () => {
    expect((await p.json('DELETE', '/api/templates/week-1/publish', { token: admin.token })).body.published).toBe(false)
    expect((await p.json('GET', '/api/templates/week-1', { token: bob.token })).status).toBe(404)
    expect((await p.json('DELETE', '/api/templates/week-1', { token: bob.token })).status).toBe(404)
    expect((await p.json('DELETE', '/api/templates/hello-api', { token: admin.token })).status).toBe(403)
    expect((await p.json('DELETE', '/api/templates/week-1', { token: alice.token })).status).toBe(200)
    expect((await p.json('GET', '/api/templates/week-1', { token: alice.token })).status).toBe(404)
    expect(names((await list(alice.token)).mine)).toEqual([])
  })

  test('an admin may delete any user template', async () => {
    expect((await save(alice.token, { app_id: appId, name: 'to-moderate', title: 'T' })).status).toBe(201)
    expect((await p.json('DELETE', '/api/templates/to-moderate', { token: admin.token })).status).toBe(200)
    expect(await p.services.deps.repos.templates.byName('to-moderate')).toBeNull()
  })

  test("deleting a user removes their private templates and keeps their published ones (owned by nobody)", async () => {
    const carol = await p.user()
    const c = await p.json('POST', '/api/apps', { token: carol.token, body: { name: 'carol', files: HELLO, deploy: false } })
    expect((await save(carol.token, { app_id: c.body.id, name: 'carol-private', title: 'P' })).status).toBe(201)
    expect((await save(carol.token, { app_id: c.body.id, name: 'carol-public', title: 'Q' })).status).toBe(201)
    await p.json('POST', '/api/templates/carol-public/publish', { token: admin.token })
    const del = await p.call('DELETE', `/admin/users/${carol.id}`, { token: admin.token })
    expect(del.status).toBe(200)
    expect(await p.services.deps.repos.templates.byName('carol-private')).toBeNull()
    const kept = await p.services.deps.repos.templates.byName('carol-public')
    expect(kept?.ownerId).toBeNull()
    const seen = (await list(bob.token)).published.find((t: { name: string }) => t.name === 'carol-public')
    expect(seen).toMatchObject({ owner: null, mine: false })
    expect((await p.json('POST', '/api/apps', { token: bob.token, body: { name: 'x', template: 'carol-public', deploy: false } })).status).toBe(201)
  }, 30_000)

  test('an app never deployed is saved from its draft; one user keeps at most MAX_TEMPLATES_PER_USER templates (409 past it)', async () => {
    const dave = await p.user()
    const c = await p.json('POST', '/api/apps', { token: dave.token, body: { name: 'dave', files: HELLO, deploy: false } })
    for (let i = 0; i < MAX_TEMPLATES_PER_USER; i++) {
      expect((await save(dave.token, { app_id: c.body.id, name: `dave-${i}`, title: `D ${i}` })).status).toBe(201)
    }
    expect((await p.json('GET', '/api/templates/dave-0', { token: dave.token })).body.files).toEqual(HELLO)
    const over = await save(dave.token, { app_id: c.body.id, name: 'dave-more', title: 'one too many' })
    expect(over.status).toBe(409)
    expect(over.body.message).toContain('delete one first')
  }, 30_000)

  test('built-ins stay public and listed without a login', async () => {
    const r = await p.json('GET', '/api/templates')
    expect(names(r.body.templates)).toContain('fasthtml-htmx')
    expect(r.body.mine).toBeUndefined()
  })
})
