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
