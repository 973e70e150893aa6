import { describe, expect, test } from 'bun:test'
import { deadlines } from '../../src/proxy/forward'
import { downstreamHeaders, readTraceback, upstreamHeaders } from '../../src/proxy/headers'
import { matchApp } from '../../src/proxy/resolve'

describe('matchApp', () => {
  const cases: [string, string, string | undefined, ReturnType<typeof matchApp>][] = [
    ['http://h/app/hello/', 'h', undefined, { slug: 'hello', path: '/', prefix: '/app/hello' }],
    ['http://h/app/hello/docs?x=1', 'h', undefined, { slug: 'hello', path: '/docs?x=1', prefix: '/app/hello' }],
    ['http://h/app/hello', 'h', undefined, { slug: 'hello', path: '/', prefix: '/app/hello', redirect: '/app/hello/' }],
    ['http://h/app/Bad_Slug/', 'h', undefined, null],
    ['http://h/api/apps', 'h', undefined, null],
    ['http://hello.apps.test/x', 'hello.apps.test:8080', 'apps.test', { slug: 'hello', path: '/x', prefix: '' }],
    ['http://evil.hello.apps.test/x', 'evil.hello.apps.test', 'apps.test', null],
    ['http://apps.test/', 'apps.test', 'apps.test', null],
  ]
  for (const [url, host, domain, want] of cases) {
    test(`${url} (host ${host}, domain ${domain ?? '-'})`, () => expect(matchApp(new URL(url), host, domain)).toEqual(want))
  }
})

describe('headers', () => {
  test('upstream: hop-by-hop and spoofed forwarding headers dropped, X-Forwarded-* set', () => {
    const h = new Headers({
      connection: 'keep-alive, x-secret', 'keep-alive': '5', 'x-secret': 'a', te: 'trailers', 'transfer-encoding': 'chunked',
      'x-forwarded-prefix': '/evil', 'x-request-id': 'spoof', 'accept-encoding': 'gzip', cookie: 'a=1', 'x-forwarded-for': '1.2.3.4',
    })
    const out = upstreamHeaders(h, { requestId: 'rid', clientIp: '10.0.0.1', proto: 'http', host: 'h', prefix: '/app/x' })
    for (const k of ['connection', 'keep-alive', 'x-secret', 'te', 'transfer-encoding']) expect(out.has(k)).toBe(false)
    expect(out.get('x-forwarded-prefix')).toBe('/app/x')
    expect(out.get('x-request-id')).toBe('rid')
    expect(out.get('x-forwarded-for')).toBe('1.2.3.4, 10.0.0.1')
    expect(out.get('accept-encoding')).toBe('identity')
    expect(out.get('cookie')).toBe('a=1')
  })
  test('downstream: every Set-Cookie kept, traceback header never leaves', () => {
    const h = new Headers()
    h.append('set-cookie', 'a=1; Path=/')
    h.append('set-cookie', 'b=2; Path=/')
    h.set('x-fp-traceback', Buffer.from('Traceback…').toString('base64'))
    h.set('connection', 'close')
    const out = downstreamHeaders(h, 'rid')
    expect(out.getSetCookie()).toEqual(['a=1; Path=/', 'b=2; Path=/'])
    expect(out.has('x-fp-traceback')).toBe(false)
    expect(out.has('connection')).toBe(false)
    expect(readTraceback(h)).toBe('Traceback…')
  })
})

describe('deadlines (one coarse timer for every in-flight request)', () => {
  test('a deadline past its time aborts; one marked done never does; the timer stops when none is left', async () => {
    const d = deadlines(10)
    const late = d.add(30)
    const early = d.add(30)
    d.done(early)
    expect(d.size()).toBe(1)
    await Bun.sleep(80)
    expect(late.ctrl.signal.aborted).toBe(true)
    expect(early.ctrl.signal.aborted).toBe(false)
    expect(d.size()).toBe(0)
  })
})
