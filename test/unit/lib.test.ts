import { describe, expect, test } from 'bun:test'
import { deriveKey, open, seal } from '../../src/lib/crypto'
import { fileSetProblems, hashFiles, pathProblem } from '../../src/lib/files'
import { signJwt, verifyJwt } from '../../src/lib/jwt'
import { KeyedMutex, SingleFlight } from '../../src/lib/keyed-mutex'
import { FailureLimiter } from '../../src/lib/ratelimit'
import { slugify } from '../../src/lib/slug'
import { cpuMillis, memoryBytes } from '../../src/lib/quantity'
import { ReadCoalescer } from '../../src/lib/coalesce'
import { untag } from '../../src/runtime/log-tag'

describe('crypto', () => {
  const key = deriveKey('s'.repeat(48), 'secrets')
  test('seal/open round-trips and binds the associated data', () => {
    const sealed = seal(key, 'top secret', 'app1:env:TOKEN')
    expect(sealed).not.toContain('top secret')
    expect(open(key, sealed, 'app1:env:TOKEN')).toBe('top secret')
    expect(() => open(key, sealed, 'app2:env:TOKEN')).toThrow()
    expect(() => open(deriveKey('other'.repeat(10), 'secrets'), sealed, 'app1:env:TOKEN')).toThrow()
  })
  test('every seal uses a fresh nonce', () => {
    expect(seal(key, 'x', 'a')).not.toBe(seal(key, 'x', 'a'))
  })
})

describe('jwt', () => {
  const key = deriveKey('k'.repeat(48), 'jwt')
  const claims = { sub: 'u1', sid: 's1', iat: 100, exp: 2000 }
  test('verifies its own tokens before exp, not after', () => {
    const t = signJwt(key, claims)
    expect(verifyJwt(key, t, 1000)).toEqual(claims)
    expect(verifyJwt(key, t, 2000)).toBeNull()
  })
  test('refuses short keys', () => {
    expect(() => signJwt(Buffer.alloc(16), claims)).toThrow()
  })
})

describe('slugify', () => {
  const cases: [string, string][] = [
    ['Hello API', 'hello-api'],
    ['  Crème brûlée!! ', 'creme-brulee'],
    ['<script>alert(1)</script>', 'script-alert-1-script'],
    ['$(rm -rf /)', 'rm-rf'],
    ['../../etc', 'etc'],
    ['日本語', 'app'],
    ['a'.repeat(80), 'a'.repeat(40)],
  ]
  for (const [name, slug] of cases) test(`${JSON.stringify(name)} → ${slug}`, () => expect(slugify(name)).toBe(slug))
})

describe('file paths', () => {
  const bad = ['../x.py', '/etc/passwd', 'a/../../b.py', 'a\0.py', 'x'.repeat(201) + '.py', 'a//b.py', './a.py', 'a\\b.py', 'a.exe', '.env', '', 'dir/.hidden.py']
  for (const p of bad) test(`rejects ${JSON.stringify(p.slice(0, 30))}`, () => expect(pathProblem(p)).not.toBeNull())
  const good = ['app.py', 'templates/index.html', 'static/css/site.css', 'pkg/__init__.py', 'README.md', 'data-1.json']
  for (const p of good) test(`accepts ${p}`, () => expect(pathProblem(p)).toBeNull())
  test('limits on count and size', () => {
    const many = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`f${i}.py`, '']))
    expect(fileSetProblems(many)[0]!.message).toContain('too many files')
    expect(fileSetProblems({ 'a.py': 'x'.repeat(100 * 1024 + 1) })[0]!.message).toContain('limit')
    expect(fileSetProblems({})[0]!.message).toContain('no files')
    expect(fileSetProblems({ 'a.py': 1 as unknown as string })[0]!.message).toContain('text')
  })
  test('hash is order-independent and content-sensitive', () => {
    expect(hashFiles({ a: '1', b: '2' }, 'a')).toBe(hashFiles({ b: '2', a: '1' }, 'a'))
    expect(hashFiles({ a: '1' }, 'a')).not.toBe(hashFiles({ a: '2' }, 'a'))
  })
})

describe('concurrency helpers', () => {
  test('KeyedMutex runs one task per key at a time', async () => {
    const m = new KeyedMutex()
    const order: string[] = []
    const task = (name: string, ms: number) => async () => {
      order.push(`start ${name}`)
      await Bun.sleep(ms)
      order.push(`end ${name}`)
    }
    await Promise.all([m.run('a', task('1', 20)), m.run('a', task('2', 1)), m.run('b', task('3', 1))])
    expect(order.indexOf('end 1')).toBeLessThan(order.indexOf('start 2'))
    expect(order.indexOf('start 3')).toBeLessThan(order.indexOf('end 1'))
  })
  test('SingleFlight coalesces concurrent calls', async () => {
    const sf = new SingleFlight<number>()
    let calls = 0
    const run = () => sf.do('k', async () => (await Bun.sleep(10), ++calls))
    expect(await Promise.all([run(), run(), run()])).toEqual([1, 1, 1])
    expect(await run()).toBe(2)
  })
  test('FailureLimiter locks after max failures within the window', () => {
    let now = 0
    const l = new FailureLimiter(3, 1000, () => now)
    for (let i = 0; i < 3; i++) l.fail('k')
    expect(l.retryAfter('k')).toBe(1)
    now = 1001
    expect(l.retryAfter('k')).toBe(0)
  })
})

describe('request tags in app output', () => {
  test('the first tag names the request; every tag is stripped; untagged lines pass as they are', () => {
    expect(untag('plain line')).toEqual({ line: 'plain line', requestId: null })
    expect(untag('\x1eabc_DEF-1\x1fhello')).toEqual({ line: 'hello', requestId: 'abc_DEF-1' })
    expect(untag('\x1er1\x1fhalf \x1er2\x1fother half')).toEqual({ line: 'half other half', requestId: 'r1' })
    // not a tag: characters outside the id alphabet stay in the line
    expect(untag('\x1ebad id\x1fx')).toEqual({ line: '\x1ebad id\x1fx', requestId: null })
  })
})

describe('ReadCoalescer', () => {
  test('overlapping reads share one call and get their own copies; a write in between starts a fresh read', async () => {
    const c = new ReadCoalescer()
    let calls = 0
    let value = 1
    const read = () => c.read('k', async () => {
      calls++
      const v = value
      await Bun.sleep(20)
      return { v }
    })
    const [a, b] = await Promise.all([read(), read()])
    expect(calls).toBe(1)
    expect(a).toEqual({ v: 1 })
    expect(b).toEqual({ v: 1 })
    expect(a).not.toBe(b)
    const first = read()
    await c.write(async () => {
      value = 2
    })
    const second = read() // began after the write finished: must not join the older read
    expect(await first).toEqual({ v: 1 })
    expect(await second).toEqual({ v: 2 })
    expect(calls).toBe(3)
    await read()
    expect(calls).toBe(4) // finished reads are not cached
  })
})

describe('resource quantities', () => {
  test('CPU in millicores and memory in bytes; anything else is not a quantity', () => {
    expect([cpuMillis('250m'), cpuMillis('1'), cpuMillis('0.5'), cpuMillis('2')]).toEqual([250, 1000, 500, 2000])
    expect([memoryBytes('128Mi'), memoryBytes('1Gi'), memoryBytes('500M'), memoryBytes('1024')]).toEqual([128 * 1024 ** 2, 1024 ** 3, 5e8, 1024])
    for (const bad of ['', '-1', '1 ', '1e3', '250 m', '1; rm -rf /', '{"$gt":0}']) {
      expect(cpuMillis(bad)).toBeNull()
      expect(memoryBytes(bad)).toBeNull()
    }
    expect(cpuMillis('128Mi')).toBeNull()
  })
})
