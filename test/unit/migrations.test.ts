import { expect, test } from 'bun:test'
import { migrate } from '../../src/data/migrations'
import type { SettingsRepo } from '../../src/data/settings.repo'

test('a migration runs until it has succeeded once; later starts skip it', async () => {
  const stored = new Map<string, unknown>()
  const settings = {
    get: async <T>(k: string, fallback: T) => (stored.has(k) ? (stored.get(k) as T) : fallback),
    set: async (k: string, v: unknown) => void stored.set(k, v),
  } as unknown as SettingsRepo
  const calls: string[] = []
  const logs: string[] = []
  let failOnce = true
  const steps = () => [
    ['m:a', async () => (calls.push('a'), 3), (n: number) => `moved ${n}`],
    ['m:b', async () => {
      calls.push('b')
      if (failOnce) {
        failOnce = false
        throw new Error('db away')
      }
      return 0
    }, () => 'never'],
  ] as Parameters<typeof migrate>[1]
  await migrate(settings, steps(), (m) => logs.push(m))
  await migrate(settings, steps(), (m) => logs.push(m))
  await migrate(settings, steps(), (m) => logs.push(m))
  expect(calls).toEqual(['a', 'b', 'b'])
  expect(logs).toEqual(['moved 3', '[db] m:b failed (retried at the next start): db away'])
})
