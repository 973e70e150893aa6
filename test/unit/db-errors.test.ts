// Database outages at the edges: driver errors that mean "unreachable" answer 503 (not a generic 500),
// and a connection lost during insertMany is never read as "every document was a duplicate".
import { describe, expect, test } from 'bun:test'
import { Elysia } from 'elysia'
import { MongoBulkWriteError, MongoNetworkError, MongoServerSelectionError } from 'mongodb'
import { onlyDuplicates, writeErrorsOf } from '../../src/data/bulk'
import { errorsPlugin } from '../../src/plugins/errors'
import { runFilter } from '../../src/domain/runs'

describe('database errors', () => {
  test('an unreachable database answers 503 database_unavailable with Retry-After; other errors stay 500', async () => {
    const app = new Elysia().use(errorsPlugin())
      .get('/down', () => { throw new MongoServerSelectionError('Server selection timed out after 5000 ms', {} as never) })
      .get('/reset', () => { throw new MongoNetworkError('read ECONNRESET') })
      .get('/bug', () => { throw new TypeError('x is undefined') })
      .get('/lost-insert', () => { throw new MongoBulkWriteError(new MongoNetworkError('read ECONNRESET'), {} as never) })
      .get('/dup', () => { throw new MongoBulkWriteError({ message: 'dup', code: 11000, writeErrors: [{ index: 0, code: 11000, errmsg: 'dup' }] } as never, {} as never) })
    for (const path of ['/down', '/reset', '/lost-insert']) {
      const r = await app.handle(new Request(`http://localhost${path}`))
      expect(r.status).toBe(503)
      expect(r.headers.get('retry-after')).toBe('5')
      expect(((await r.json()) as any).error).toBe('database_unavailable')
    }
    const orig = console.error
    console.error = () => {}
    try {
      expect((await app.handle(new Request('http://localhost/bug'))).status).toBe(500)
      expect((await app.handle(new Request('http://localhost/dup'))).status).toBe(500)
    } finally {
      console.error = orig
    }
  })

  test('a bulk write error without write errors (connection lost) is not "only duplicates"', () => {
    const lost = new MongoBulkWriteError(new MongoNetworkError('read ECONNRESET'), {} as never)
    expect(writeErrorsOf(lost)).toBeNull()
    expect(onlyDuplicates(lost)).toBe(false)
    expect(onlyDuplicates(new Error('x'))).toBe(false)
    const dup = new MongoBulkWriteError({ message: 'dup', code: 11000, writeErrors: [{ index: 0, code: 11000, errmsg: 'dup' }] } as never, { insertedCount: 1 } as never)
    const errs = writeErrorsOf(dup)
    expect(errs?.get(0)?.code).toBe(11000)
    expect(onlyDuplicates(dup)).toBe(true)
  })
})

describe('run list filter', () => {
  const now = new Date('2026-11-22T12:00:00Z')
  test('windows, dates and aliases', () => {
    expect(runFilter({ since: '1h' }, now).since).toEqual(new Date('2026-11-22T11:00:00Z'))
    expect(runFilter({ since: '7d' }, now).since).toEqual(new Date('2026-11-15T12:00:00Z'))
    expect(runFilter({ since: '2026-11-20' }, now).since).toEqual(new Date('2026-11-20T00:00:00Z'))
    expect(runFilter({ until: '2026-11-20' }, now).until).toEqual(new Date('2026-11-20T23:59:59.999Z'))
    expect(runFilter({ trigger: 'async', status: 'Dead' }, now)).toMatchObject({ trigger: 'invoke', status: 'dead' })
    expect(runFilter({ limit: '9999' }, now).limit).toBe(200)
    expect(() => runFilter({ since: '9999d' }, now)).toThrow('at most 366 days')
    expect(() => runFilter({ status: 'done' }, now)).toThrow('allowed: queued, running')
  })
})
