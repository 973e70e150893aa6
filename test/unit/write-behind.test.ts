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
