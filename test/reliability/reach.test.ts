// ACCEPTANCE 7: from inside a deployed app (local runtime, its own uid), the platform's own admin port
// and another tenant's database. What holds today: the platform's HTTP port is reachable over
// loopback but every platform route wants credentials the app never gets; another app's env, files,
// processes and socket are out of reach; another tenant's database is 404 through the API and, on a
// MongoDB with roles, refused to the app's own user. What does NOT hold on the embedded FerretDB
// (no users, no roles): the database server itself is open to every app — "known limit" pins that.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { detectCapabilities, refusesAnonymous, withoutCredentials } from '../../src/data/appdb.repo'
import { listen } from '../../src/serve'
import { startPlatform, type TestPlatform } from '../helpers/platform'

const ROOT = process.getuid?.() === 0
const PROBE = `
import asyncio, os, urllib.request, urllib.error
from fastapi import FastAPI
from pymongo import MongoClient
app = FastAPI()

def http_status(url):
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code
    except Exception as e:
        return type(e).__name__

def try_read(path):
    try:
        if os.path.isdir(path):
            return sorted(os.listdir(path))
        with open(path, "rb") as f:
            return f.read(200).decode("latin-1")
    except Exception as e:
        return type(e).__name__

async def try_connect(path):
    try:
        _, w = await asyncio.open_unix_connection(path)
        w.close()
        return "connected"
    except Exception as e:
        return type(e).__name__

@app.post("/http")
def http(body: dict):
    return {p: http_status(body["base"] + p) for p in body["paths"]}

@app.post("/read")
def read(body: dict):
    return {p: try_read(p) for p in body["paths"]}

@app.post("/connect")
async def connect(body: dict):
    return {p: await try_connect(p) for p in body["paths"]}

@app.get("/env")
def env():
    return dict(os.environ)

@app.get("/whoami")
def whoami():
    return {"uid": os.getuid(), "gid": os.getgid(), "groups": os.getgroups(), "pid": os.getpid()}

@app.post("/db")
def db(body: dict):
    client = MongoClient(os.environ["PLATFORM_MONGO_URI"], serverSelectionTimeoutMS=3000)
    out = {}
    try:
        out["databases"] = client.list_database_names()
    except Exception as e:
        out["databases"] = type(e).__name__
    for name, coll in body["read"]:
        try:
            out[name + "." + coll] = [str(d) for d in client[name][coll].find({}, limit=5)]
        except Exception as e:
            out[name + "." + coll] = type(e).__name__
    if body.get("write"):
        name, coll = body["write"]
        try:
            client[name][coll].insert_one({"written_by": os.environ["PLATFORM_APP_ID"]})
            out["write"] = "ok"
        except Exception as e:
            out["write"] = type(e).__name__
    return out
`
const VICTIM = `
import os
from fastapi import FastAPI
from pymongo import MongoClient
app = FastAPI()

@app.post("/seed")
def seed():
    MongoClient(os.environ["PLATFORM_MONGO_URI"]).get_default_database()["secrets"].insert_one({"card": "4111-victim"})
    with open(os.path.join(os.environ["TMPDIR"], "private.txt"), "w") as f:
        f.write("victim-file-content")
    return {"pid": os.getpid()}
`

let p: TestPlatform
let server: Awaited<ReturnType<typeof listen>>['server']
let attacker: { id: string; slug: string }
let victim: { id: string; slug: string }
let victimPid: number
let tokenA: string
let tokenB: string
const post = async (path: string, body: unknown) => (await p.json('POST', `/app/${attacker.slug}${path}`, { body })).body

beforeAll(async () => {
  p = await startPlatform()
  server = (await listen(p.services, { port: 0, hostname: '127.0.0.1' })).server
  const a = await p.user()
  const b = await p.user()
  tokenA = a.token
  tokenB = b.token
  const v = await p.json('POST', '/api/apps', { token: tokenB, body: { name: 'victim', files: { 'app.py': VICTIM }, env: { VICTIM_SECRET: 'victim-env-value' } } })
  expect(v.body.status).toBe('running')
  victim = v.body
  victimPid = (await p.json('POST', `/app/${victim.slug}/seed`)).body.pid
  const c = await p.json('POST', '/api/apps', { token: tokenA, body: { name: 'prober', files: { 'app.py': PROBE } } })
  expect([c.body.status, c.body.deploy]).toEqual(['running', expect.anything()])
  attacker = c.body
}, 60_000)

afterAll(() => server?.stop(true))

describe('an app reaching for the platform and other tenants (ACCEPTANCE 7)', () => {
  test("the platform's own port answers the app, but every admin and tenant route is 401 without credentials (ACCEPTANCE 7)", async () => {
    const paths = ['/api/admin/users', '/api/admin/settings', '/api/apps', `/api/apps/${victim.id}`, `/api/apps/${victim.id}/env`,
      `/api/apps/${victim.id}/database`, `/api/apps/${victim.id}/db/collections/secrets/documents`, '/api/auth/me', '/api/tokens', '/healthz']
    const got = await post('/http', { base: `http://127.0.0.1:${server.port}`, paths })
    expect(got['/healthz']).toBe(200) // it is reachable: this is the loopback of the same host
    for (const path of paths.filter((x) => x !== '/healthz')) expect([path, got[path]]).toEqual([path, 401])
  })

  test('the app gets no platform secret, token or key in its environment (ACCEPTANCE 7)', async () => {
    const env: Record<string, string> = (await p.json('GET', `/app/${attacker.slug}/env`)).body
    const secret = readFileSync(join(p.services.deps.config.dataDir, 'secret.key'), 'utf8').trim()
    const all = JSON.stringify(env)
    expect(all).not.toContain(secret)
    expect(all).not.toContain(tokenA)
    expect(all).not.toContain('victim-env-value')
    expect(all).not.toContain(victim.id)
    expect(all).not.toContain(p.services.deps.config.dbName)
    // the only platform-derived values: its own identity, URL, database URI and a one-way per-app session key
    expect(Object.keys(env).filter((k) => k.startsWith('PLATFORM_')).sort())
      .toEqual(['PLATFORM_APP_ID', 'PLATFORM_APP_NAME', 'PLATFORM_APP_URL', 'PLATFORM_MONGO_URI', 'PLATFORM_SESSION_KEY'])
    expect(env.PLATFORM_MONGO_URI).toContain(`/app_${attacker.id}`)
    expect(env.PLATFORM_SESSION_KEY).not.toBe(secret)
  })

  test.skipIf(!ROOT)("another app's env, files, process and socket, and the platform's key files, are unreadable (ACCEPTANCE 7)", async () => {
    const me = (await p.json('GET', `/app/${attacker.slug}/whoami`)).body
    expect(me.uid).not.toBe(0)
    const { dataDir } = p.services.deps.config
    const victimDir = join(dataDir, 'apps', victim.id)
    const paths = [
      join(dataDir, 'secret.key'), dataDir, join(victimDir, 'code'), join(victimDir, 'tmp'), join(victimDir, 'tmp', 'private.txt'),
      `/proc/${victimPid}/environ`, `/proc/${process.pid}/environ`, `/proc/${process.pid}/mem`,
    ]
    const got = await post('/read', { paths })
    for (const path of paths) expect([path, got[path]]).toEqual([path, 'PermissionError'])
    // the victim's socket and the log socket (where output lines are attributed to instances)
    const sock = p.services.deps.runtime.endpoint(victim.id)!.unix!
    const logs = join(dirname(sock), 'logs.sock')
    const conn = await post('/connect', { paths: [sock, logs] })
    expect(conn).toEqual({ [sock]: 'PermissionError', [logs]: 'PermissionError' })
  })

  test("another tenant's database is 404 through the API, for the attacker's owner (ACCEPTANCE 7)", async () => {
    for (const path of ['/database', '/db/collections', '/db/collections/secrets/documents', '/database?reveal=1']) {
      expect([path, (await p.call('GET', `/api/apps/${victim.id}${path}`, { token: tokenA })).status]).toEqual([path, 404])
    }
    expect((await p.call('GET', `/api/apps/${victim.id}/database`, { token: tokenB })).status).toBe(200)
  })

  test("the database server: refused with roles (MongoDB); OPEN to every app on the embedded FerretDB — known limit (ACCEPTANCE 7)", async () => {
    const caps = p.services.deps.capabilities
    const platformDb = p.services.deps.config.dbName
    const got = await post('/db', {
      read: [[`app_${victim.id}`, 'secrets'], [platformDb, 'users'], [`app_${attacker.id}`, 'anything']], write: [platformDb, 'probe_written_by_an_app'],
    })
    expect(got[`app_${attacker.id}.anything`]).toEqual([]) // its own database works either way
    if (caps.roles) {
      expect(got[`app_${victim.id}.secrets`]).toBe('OperationFailure')
      expect(got[`${platformDb}.users`]).toBe('OperationFailure')
      expect(got.write).toBe('OperationFailure')
      return
    }
    // FerretDB has no users or roles: PLATFORM_MONGO_URI carries no credentials and the server lets
    // any client that reaches 127.0.0.1:<port> list, read (and write) every database, the
    // platform's own included. The platform says so (isolation "not enforced" on the app's page);
    // closing it needs FerretDB auth or a per-app network namespace with a filtered database proxy.
    console.log(`ACCEPTANCE 7 known limit on ${caps.server} ${caps.version}: an app can read other tenants' databases and read and write the platform's own`)
    expect(got.databases).toEqual(expect.arrayContaining([`app_${victim.id}`, platformDb]))
    expect(got[`app_${victim.id}.secrets`].join()).toContain('4111-victim')
    expect(got[`${platformDb}.users`].join()).toContain('passwordHash')
    // …and write to it: an app could rewrite users, tokens or other apps' code.
    expect(got.write).toBe('ok')
    expect(await p.services.deps.appDb.collections(platformDb)).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'probe_written_by_an_app' })]))
    const d = await p.json('GET', `/api/apps/${attacker.id}/database`, { token: tokenA })
    expect(d.body.isolation).toContain('not enforced')
  })

  test("roles count as enforced only if the server refuses a client without credentials, as an app could connect (ACCEPTANCE 7)", async () => {
    // A MongoDB started without --auth creates users happily and then ignores them: the platform
    // tries the server anonymously and only then calls isolation enforced.
    const cases: [string, string][] = [
      ['mongodb://fp:s3cr%40t@db.internal:27017/platform?authSource=admin&tls=true', 'mongodb://db.internal:27017/platform?tls=true'],
      ['mongodb://u:p@h1:1,h2:2/?replicaSet=rs&authMechanism=SCRAM-SHA-256', 'mongodb://h1:1,h2:2/?replicaSet=rs'],
      ['mongodb+srv://u:p@cluster.example.net/db', 'mongodb+srv://cluster.example.net/db'],
      ['mongodb://127.0.0.1:27017', 'mongodb://127.0.0.1:27017/'],
    ]
    for (const [url, bare] of cases) expect(withoutCredentials(url)).toBe(bare)
    expect(() => withoutCredentials('http://example.com/')).toThrow()
    // The real database server of this test run lets anyone in: it is reported as not enforcing.
    const url = p.services.deps.mongoUrl
    expect(await refusesAnonymous(url)).toBe(false)
    const { MongoClient } = await import('mongodb')
    const client = await new MongoClient(url).connect()
    try {
      expect((await detectCapabilities(client, url)).roles).toBe(false)
    } finally {
      await client.close()
    }
  })
})

describe('the embedded database split (ACCEPTANCE 7)', () => {
  test("an app cannot reach the platform's own data: it lives in a server on a root-only Unix socket, apps' databases in another", async () => {
    const q = await startPlatform({ MONGO_URL: '' }) // the embedded default: no MONGO_URL
    try {
      const u = await q.user()
      const c = await q.json('POST', '/api/apps', { token: u.token, body: { name: 'prober', files: { 'app.py': PROBE } } })
      expect(c.body.status).toBe('running')
      const platformDb = q.services.deps.config.dbName
      const platformUrl = q.embedded!.url
      const sock = decodeURIComponent(platformUrl.slice('mongodb://'.length, -1))
      expect(sock.startsWith('/')).toBe(true)
      expect(q.services.deps.mongoUrl).not.toBe(platformUrl) // apps are pointed at the other server
      const probe = async (path: string, body: unknown) => (await q.json('POST', `/app/${c.body.slug}${path}`, { body })).body
      const got = await probe('/db', { read: [[platformDb, 'users']], write: [platformDb, 'probe_written_by_an_app'] })
      expect(got.databases).not.toContain(platformDb)
      expect(got[`${platformDb}.users`]).toEqual([]) // a same-named database on the apps' server is empty
      // whatever the app wrote landed on the apps' server; the platform's own data is untouched
      const { MongoClient } = await import('mongodb')
      const own = await new MongoClient(platformUrl).connect()
      try {
        const names = (await own.db(platformDb).listCollections().toArray()).map((x) => x.name)
        expect(names).toContain('users')
        expect(names).not.toContain('probe_written_by_an_app')
      } finally {
        await own.close()
      }
      // and the platform's socket refuses the app's uid
      expect((await probe('/connect', { paths: [sock] }))[sock]).toBe('PermissionError')
      // the app's own database works
      const mine = await probe('/db', { read: [[`app_${c.body.id}`, 'anything']] })
      expect(mine[`app_${c.body.id}.anything`]).toEqual([])
    } finally {
      await q.close()
    }
  }, 60_000)
})
