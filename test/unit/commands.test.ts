// STYLE rule 9: builders for the runtime get hostile input and must not let it through.
import { describe, expect, test } from 'bun:test'
import { join } from 'node:path'
import { dbServerArgv } from '../../src/data/embedded'
import { appPaths, buildSpawnCommand, exitReason, safeJoin } from '../../src/runtime/local/commands'
import type { AppSpec } from '../../src/runtime/types'

const spec = (over: Partial<AppSpec> = {}): AppSpec => ({
  appId: 'abc123', slug: 's', version: 1, hash: 'deadbeef', files: {}, entrypoint: 'app.py', env: {}, uid: 200001,
  limits: { memoryMb: 512, processes: 64, openFiles: 256, fileSizeMb: 16, cpuSeconds: 60 }, ...over,
})
const where = { instanceId: 'inst1', codeDir: '/d/code', socketPath: '/d/s.sock', logSocket: '/d/l.sock', tmpDir: '/d/tmp', dropPrivileges: true }
const HOSTILE = ['../../etc', '$(rm -rf /)', "a'; DROP", 'a b', 'x/../../y', '`id`', '', 'a\0b']

describe('runtime command builders', () => {
  for (const bad of HOSTILE) {
    test(`appPaths refuses app id ${JSON.stringify(bad)}`, () => expect(() => appPaths('/apps', bad, 'ab')).toThrow())
    test(`safeJoin refuses ${JSON.stringify(bad)}`, () => expect(() => safeJoin('/root', bad)).toThrow())
    test(`spawn refuses entrypoint ${JSON.stringify(bad)}`, () => expect(() => buildSpawnCommand(spec({ entrypoint: bad }), where)).toThrow())
    test(`spawn refuses instance id ${JSON.stringify(bad)}`, () => expect(() => buildSpawnCommand(spec(), { ...where, instanceId: bad })).toThrow())
  }
  test('safeJoin keeps good paths inside the root', () => {
    expect(safeJoin('/root/code', 'pkg/mod.py')).toBe(join('/root/code', 'pkg/mod.py'))
  })
  test('env: odd names dropped, platform basics win over the app', () => {
    const cmd = buildSpawnCommand(spec({ env: { GOOD: 'v', 'BAD NAME': 'x', '$(x)': 'y', PATH: '/evil', NUL: 'a\0b' } }), where)
    expect(cmd.env.GOOD).toBe('v')
    expect(cmd.env['BAD NAME']).toBeUndefined()
    expect(cmd.env['$(x)']).toBeUndefined()
    expect(cmd.env.NUL).toBeUndefined()
    expect(cmd.env.PATH).toBe('/usr/local/bin:/usr/bin:/bin')
    expect(cmd.env.HOME).toBe('/d/tmp')
  })
  test('privileges are dropped only when asked', () => {
    expect(buildSpawnCommand(spec(), where).uid).toBe(200001)
    expect(buildSpawnCommand(spec(), { ...where, dropPrivileges: false }).uid).toBeNull()
  })
  test('exit reasons read like English', () => {
    expect(exitReason(null, 9)).toContain('out of memory')
    expect(exitReason(1, null)).toBe('exited with code 1')
    expect(exitReason(null, 24)).toContain('CPU')
  })
  test('database server argv keeps a hostile data dir as one argument', () => {
    const argv = dbServerArgv('ferretdb', '/bin/ferretdb', '/tmp/a b;$(x)', { port: 27017 })
    expect(argv).toContain('--sqlite-url=file:/tmp/a b;$(x)/?_pragma=synchronous(normal)')
    expect(argv).toContain('--listen-addr=127.0.0.1:27017')
    expect(argv[0]).toBe('/bin/ferretdb')
  })
  test("the platform's own server listens only on its Unix socket", () => {
    const argv = dbServerArgv('ferretdb', '/bin/ferretdb', '/d', { unix: '/d/db.sock' })
    expect(argv).toContain('--listen-addr=')
    expect(argv).toContain('--listen-unix=/d/db.sock')
    expect(() => dbServerArgv('mongod', '/bin/mongod', '/d', { unix: '/d/db.sock' })).toThrow()
  })
})
