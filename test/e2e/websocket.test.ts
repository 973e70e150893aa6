// WebSocket upgrades reach apps through the proxy (path routing), frames relayed both ways.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { listen } from '../../src/serve'
import { startPlatform, type TestPlatform } from '../helpers/platform'

let p: TestPlatform
let base: string
let stop: () => void
beforeAll(async () => {
  p = await startPlatform()
  const { server } = await listen(p.services, { port: 0, hostname: '127.0.0.1' })
  stop = () => server.stop(true)
  base = `127.0.0.1:${server.port}`
})
afterAll(() => stop?.())

describe('websockets to apps', () => {
  test('the chat template: two clients see each other\'s messages, also right after a wake', async () => {
    const token = (await p.user()).token
    const t = p.services.templates.find((x) => x.name === 'websocket-chat')!
    const c = await p.json('POST', '/api/apps', { token, body: { name: 'chat', files: t.files } })
    expect(c.body.status).toBe('running')
    await p.services.deps.runtime.stop(c.body.id) // sleeping: the upgrade wakes it
    const connect = () => new Promise<WebSocket>((resolve, reject) => {
      const ws = new WebSocket(`ws://${base}/app/chat/ws`)
      ws.onopen = () => resolve(ws)
      ws.onerror = () => reject(new Error('could not connect'))
    })
    const a = await connect()
    const b = await connect()
    const got = new Promise<string>((resolve) => (b.onmessage = (e) => resolve(String(e.data))))
    await Bun.sleep(100)
    a.send('hello <b>room</b>')
    expect(await got).toBe('hello <b>room</b>')
    a.close()
    b.close()
    const missing = new WebSocket(`ws://${base}/app/nope/ws`)
    const closed = await new Promise<boolean>((r) => { missing.onerror = () => r(true); missing.onopen = () => r(false) })
    expect(closed).toBe(true)
  })
})
