// Pure parts of the template catalog: guide parsing, call merging, name rules, vendored files.
import { describe, expect, test } from 'bun:test'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { guideBlocks } from '../../views/components/guide'
import { loadTemplates } from '../../src/domain/templates'
import { checkTemplateName, guideCalls, mergeCalls } from '../../src/domain/user-templates'

describe('guide calls', () => {
  test.each([
    ['POST `/items` with `{"name": "tea"}`', [{ method: 'POST', path: '/items', body: '{"name": "tea"}' }]],
    ['Run `GET /` below', [{ method: 'GET', path: '/' }]],
    ['GET `/items` lists it; DELETE /items/1 removes it', [{ method: 'GET', path: '/items' }, { method: 'DELETE', path: '/items/1' }]],
    ['Try the path `/hello/Ada`', []],
    ['we GET it, then POST nothing', []],
  ])('%s', (guide, calls) => {
    expect(guideCalls(guide)).toEqual(calls)
  })

  test('smoke checks come first, duplicates are dropped', () => {
    const merged = mergeCalls([{ method: 'GET', path: '/', expect: 200 }], [{ method: 'GET', path: '/' }, { method: 'POST', path: '/x' }])
    expect(merged).toEqual([{ method: 'GET', path: '/', expect: 200 }, { method: 'POST', path: '/x' }])
  })

  test('guide blocks: numbered steps become one list, continuation lines join their step', () => {
    expect(guideBlocks('Intro\n1. one\n   more\n2. two\n\nOutro')).toEqual([
      { text: 'Intro' }, { steps: ['one more', 'two'] }, { text: 'Outro' },
    ])
  })
})

describe('template names', () => {
  test.each(['week-1', 'a', 'x2', 'class-todo-api'])('%s is accepted', (n) => expect(checkTemplateName(n)).toBe(n))
  test.each(['', 'Week', '-a', 'a-', 'a b', '../x', 'a'.repeat(41), 'blank', '<b>', 'ä'])('%p is refused with a 400', (n) => {
    expect(() => checkTemplateName(n)).toThrow(expect.objectContaining({ status: 400 }))
  })
})

describe('vendored template files', () => {
  const load = (vendor: string) => {
    const dir = mkdtempSync(join(tmpdir(), 'fp-tpl-'))
    writeFileSync(join(dir, 't.yaml'), `name: t\ntitle: T\ndescription: d\nentrypoint: app.py\nfiles:\n  app.py: "x = 1"\nvendor:\n  static/lib.js: ${JSON.stringify(vendor)}\n`)
    return loadTemplates(dir)
  }
  test('a package file is copied into the template', () => {
    const r = load('htmx.org/dist/htmx.min.js')
    expect(r.problems).toEqual([])
    expect(r.templates[0]!.files['static/lib.js']).toContain('htmx')
  })
  test.each(['../../etc/passwd', '/etc/passwd', 'htmx.org/../../../etc/passwd', 'htmx.org/dist/nope.js', '$(id)/x'])('%s is reported, never fatal', (from) => {
    const r = load(from)
    expect(r.templates).toEqual([])
    expect(r.problems[0]).toStartWith('t.yaml: ')
  })
})
