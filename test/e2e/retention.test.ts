// The retention sweeper on the real database: what is past the retention period goes, the rest stays.
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { MongoClient } from 'mongodb'
import { startRetention } from '../../src/loops/retention'
import { startPlatform, testMongoUrl, type TestPlatform } from '../helpers/platform'

let p: TestPlatform
let client: MongoClient
beforeAll(async () => {
  p = await startPlatform()
  client = new MongoClient(await testMongoUrl())
  await client.connect()
})
afterAll(async () => {
  await client.close()
  await p.close()
})

test('ended runs past the retention period and cron slots older than a day are deleted; newer ones stay', async () => {
  const db = client.db(p.services.deps.config.dbName)
  const day = 86_400_000
  const now = Date.now()
  const run = (id: string, ageDays: number) => ({
    _id: id, appId: 'a1', ownerId: 'u1', trigger: 'async', status: 'succeeded', attempts: [],
    createdAt: new Date(now - ageDays * day), updatedAt: new Date(now - ageDays * day), nextAttemptAt: new Date(now - ageDays * day),
  })
  await db.collection('runs').insertMany([run('old-run', 8), run('new-run', 1)] as never[])
  await db.collection('cron_slots').insertMany([{ _id: 'old-slot', at: new Date(now - 2 * day) }, { _id: 'new-slot', at: new Date(now - 3600_000) }] as never[])
  const retention = startRetention({ repos: p.services.deps.repos, now: () => now }, { retentionDays: 7, logsPerApp: 500, requestsPerApp: 10_000 }, 3_600_000)
  const result = await retention.tick()
  await retention.stop()
  expect(result).toMatchObject({ runs: 1, slots: 1 })
  expect((await db.collection('runs').find({}).toArray()).map((d) => d._id)).toEqual(['new-run'] as never[])
  expect((await db.collection('cron_slots').find({}).toArray()).map((d) => d._id)).toEqual(['new-slot'] as never[])
})

test('request records: an older install’s one-per-document records are packed into pages; detail by id, caps and expiry work on pages', async () => {
  const db = client.db(p.services.deps.config.dbName)
  const events = p.services.deps.repos.events
  const logs = p.services.deps.repos.logs
  const now = Date.now()
  const legacy = Array.from({ length: 30 }, (_, i) => ({
    _id: `legacy-${i}`, appId: 'app-r', requestId: `legacy-${i}`, method: 'GET', path: `/p${i}`, status: i % 10 === 0 ? 500 : 200,
    latencyMs: 1, cold: false, wakeMs: null, error: i % 10 === 0 ? 'boom' : null, traceback: i % 10 === 0 ? 'Traceback: boom' : null,
    at: new Date(now - (30 - i) * 1000),
  }))
  await db.collection('request_logs').insertMany(legacy as never[])
  expect(await events.packLegacy()).toBe(30)
  expect(await events.packLegacy()).toBe(0)
  const newest = await events.requests('app-r', { limit: 5 })
  expect(newest.map((r) => r._id)).toEqual(['legacy-29', 'legacy-28', 'legacy-27', 'legacy-26', 'legacy-25'])
  const errors = await events.requests('app-r', { limit: 10, errorsOnly: true })
  expect(errors.map((r) => r._id)).toEqual(['legacy-20', 'legacy-10', 'legacy-0'])
  const older = await events.requests('app-r', { limit: 3, before: newest[4]!.at })
  expect(older.map((r) => r._id)).toEqual(['legacy-24', 'legacy-23', 'legacy-22'])
  expect(await events.request('app-r', 'legacy-10')).toMatchObject({ traceback: 'Traceback: boom', path: '/p10' })
  // records the proxy writes now, in pages per flush; their ids carry the time
  await events.insertRequests([{ _id: 'mhzzzzzzzAAAAAAAA', appId: 'app-r', method: 'POST', path: '/new', status: 201, latencyMs: 2, cold: true, wakeMs: 9.5, at: new Date(now) }])
  expect(await events.wakeTimes('app-r')).toEqual([9.5])
  expect(await events.request('app-r', 'mhzzzzzzzAAAAAAAA')).toMatchObject({ status: 201, traceback: null })
  expect(await events.request('app-r', 'nope')).toBeNull()
  // cap: whole pages beyond the newest `keep` records go; expiry: pages whose newest record is old
  expect(await logs.capRequests('app-r', 1)).toBe(30)
  expect((await events.requests('app-r', { limit: 100 })).map((r) => r._id)).toEqual(['mhzzzzzzzAAAAAAAA'])
  expect(await logs.expire(new Date(now + 1))).toMatchObject({ requests: 1 })
  expect(await events.requests('app-r', { limit: 100 })).toEqual([])
})
