import { expect, test } from 'bun:test'
import { writeBehind } from '../../src/lib/write-behind'

test('batches are written in order; a failed batch is kept in front, the oldest dropped past the cap; a partly written one keeps only the rest', async () => {
  const written: number[][] = []
  const errors: [number, number][] = []
  let fail: 'all' | 'partly' | null = 'all'
  let dropped = 0
  const w = writeBehind<number>({
    intervalMs: 3_600_000, cap: 4, whenFull: 'oldest', onDrop: (n) => void (dropped += n),
    async write(items) {
      if (fail === 'all') throw new Error('down')
      if (fail === 'partly') throw Object.assign(new Error('half'), { unwritten: items.slice(1) })
      written.push(items)
    },
    onError: (_e, kept, failures) => void errors.push([kept, failures]),
  })
  for (const i of [1, 2, 3]) w.push(i)
  await w.flush()
  w.push(4)
  w.push(5) // full: 1 goes
  expect(dropped).toBe(1)
  fail = 'partly'
  await w.flush()
  fail = null
  await w.flush()
  expect(written).toEqual([[3, 4, 5]])
  expect(errors).toEqual([[3, 1], [3, 2]])
  await w.stop()
})

test("'newest': a full buffer refuses the new item", () => {
  let dropped = 0
  const w = writeBehind<number>({ intervalMs: 3_600_000, cap: 1, whenFull: 'newest', write: async () => {}, onError: () => {}, onDrop: (n) => void (dropped += n) })
  expect(w.push(1)).toBe(true)
  expect(w.push(2)).toBe(false)
  expect(dropped).toBe(1)
  void w.stop()
})

test("the recorder stores an app's last-request time at most every touchMs from its timer, and always when a reader flushes", async () => {
  const { requestRecorder } = await import('../../src/domain/recorder')
  const { Bus } = await import('../../src/lib/bus')
  const touches: string[] = []
  const pages: number[] = []
  const repos = {
    events: { insertRequests: async (docs: unknown[]) => void pages.push(docs.length) },
    apps: { touch: async (id: string) => void touches.push(id) },
  }
  const r = requestRecorder({ repos, bus: new Bus() } as never, { maxBuffer: 2000, intervalMs: 20, touchMs: 60_000 })
  const doc = (id: string) => ({ _id: id, appId: 'a1', method: 'GET', path: '/', status: 200, latencyMs: 1, cold: false, at: new Date() })
  const until = async (ok: () => boolean) => {
    for (let end = Date.now() + 5000; !ok() && Date.now() < end;) await Bun.sleep(5)
  }
  r.record(doc('r1'))
  await until(() => touches.length > 0) // the timer writes the page and the first touch
  expect(pages).toEqual([1])
  expect(touches).toEqual(['a1'])
  r.record(doc('r2'))
  await until(() => pages.length > 1)
  await Bun.sleep(60) // more timer flushes: the touch waits (touched less than touchMs ago)
  expect(pages).toEqual([1, 1])
  expect(touches).toEqual(['a1'])
  await r.flush() // a reader: the pending touch goes now
  expect(touches).toEqual(['a1', 'a1'])
  expect(r.lastRequestAt('a1')).toBeNumber()
  await r.stop()
})
