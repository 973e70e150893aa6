import { expect, test } from 'bun:test'
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { moveDatabases } from '../../src/data/embedded'

test("an install from before the split: apps' database files move to the apps' server, the platform's stay", () => {
  const root = mkdtempSync(join(tmpdir(), 'fp-move-'))
  const from = join(root, 'ferretdb')
  const to = join(root, 'appdb')
  require('node:fs').mkdirSync(from)
  for (const f of ['platform.sqlite', 'platform.sqlite-wal', 'app_abc.sqlite', 'app_abc.sqlite-wal', 'app_abc.sqlite-shm', 'app_def.sqlite', 'state.json']) {
    writeFileSync(join(from, f), f)
  }
  expect(moveDatabases(from, to, 'app_').sort()).toEqual(['app_abc', 'app_def'])
  expect(readdirSync(from).sort()).toEqual(['platform.sqlite', 'platform.sqlite-wal', 'state.json'])
  expect(readdirSync(to).sort()).toEqual(['app_abc.sqlite', 'app_abc.sqlite-shm', 'app_abc.sqlite-wal', 'app_def.sqlite'])
  expect(moveDatabases(from, to, 'app_')).toEqual([]) // a second start moves nothing
  expect(moveDatabases(join(root, 'missing'), to, 'app_')).toEqual([])
  expect(existsSync(join(to, 'platform.sqlite'))).toBe(false)
})
