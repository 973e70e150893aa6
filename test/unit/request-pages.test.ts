import { describe, expect, test } from 'bun:test'
import { pack, unpack, type StoredRequest } from '../../src/data/request-pages'
import { newRequestId, requestTime } from '../../src/lib/request-id'

const rec = (id: string, appId: string, at: number, over: Partial<StoredRequest> = {}): StoredRequest =>
  ({ _id: id, appId, method: 'GET', path: '/', status: 200, latencyMs: 1.5, cold: false, at: new Date(at), ...over })

describe('request pages', () => {
  test('records are packed one page per app, counted, and unpacked newest first with nulls for absent fields', () => {
    const pages = pack([
      rec('a1', 'A', 1000), rec('b1', 'B', 1001), rec('a2', 'A', 1002, { status: 502, error: 'boom', traceback: 'Traceback…' }),
      rec('a3', 'A', 1003, { cold: true, wakeMs: 12.5 }),
    ])
    expect(pages.map((p) => [p.appId, p.n, p.errors, p.colds, p.from.getTime(), p.at.getTime()])).toEqual([['A', 3, 1, 1, 1000, 1003], ['B', 1, 0, 0, 1001, 1001]])
    const a = unpack(pages[0]!)
    expect(a.map((r) => r._id)).toEqual(['a3', 'a2', 'a1'])
    expect(a[0]).toMatchObject({ requestId: 'a3', appId: 'A', cold: true, wakeMs: 12.5, error: null, traceback: null, at: new Date(1003) })
    expect(a[1]).toMatchObject({ status: 502, error: 'boom', traceback: 'Traceback…' })
    expect('traceback' in unpack(pages[0]!, false)[1]!).toBe(false)
  })

  test('hostile strings survive the JSON round trip as data', () => {
    const path = '/"},{"_id":"x","status":200}<script>'
    const [page] = pack([rec('r', 'A', 5, { path, error: '\u0000\n"' })])
    expect(unpack(page!)[0]).toMatchObject({ path, error: '\u0000\n"' })
  })
})

describe('request ids', () => {
  test('carry their start time; other strings have none', () => {
    const t = Date.UTC(2026, 10, 22, 5, 0, 0)
    const id = newRequestId(t)
    expect(id).toMatch(/^[0-9a-z]{9}[A-Za-z0-9_-]{8}$/)
    expect(requestTime(id)).toBe(t)
    expect(requestTime('V1StGXR8_Z5jdHi6')).toBeNull() // an older nanoid(16)
    expect(requestTime('zzzzzzzzzABCDEFGH')).toBeNull() // far future
    expect(newRequestId()).not.toBe(newRequestId())
  })
})

test('the same records make the same page id (a retried write is recognised as stored)', () => {
  const rs = [rec('a1', 'A', 1), rec('a2', 'A', 2)]
  expect(pack(rs)[0]!._id).toBe(pack(rs)[0]!._id)
  expect(pack([...rs, rec('a3', 'A', 3)])[0]!._id).not.toBe(pack(rs)[0]!._id)
})
