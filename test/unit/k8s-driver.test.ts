// The kubernetes driver's bookkeeping with a fake cluster (the real API server is in test/kubernetes):
// Ready pods become endpoints, failure reasons become StartErrors, rollouts and sleeps are expected exits.
import { describe, expect, test } from 'bun:test'
import { KubeConfig } from '@kubernetes/client-node'
import type { KubeApi } from '../../src/runtime/kubernetes/api'
import { createKubernetesRuntime, type DriverDeps } from '../../src/runtime/kubernetes/driver'
import { APP_LABEL, SPEC_HASH, type Manifest } from '../../src/runtime/kubernetes/objects'
import type { PodState } from '../../src/runtime/kubernetes/pods'
import type { AppSpec, RuntimeEvent } from '../../src/runtime/types'

const spec = (hash: string, version = 1): AppSpec => ({
  appId: 'app1', slug: 'a', version, hash, entrypoint: 'app.py', files: { 'app.py': 'x = 1\n' }, env: {},
  limits: { memoryMb: 1, processes: 1, openFiles: 1, fileSizeMb: 1, cpuSeconds: 1 },
})

/** Plays the Deployment controller and kubelet: an applied template gets a pod, which turns Ready (or fails). */
function fakeCluster(mode: { pod: 'ready' | 'crash' | 'none' } = { pod: 'ready' }) {
  const calls: string[] = []
  const pods = new Map<string, PodState>()
  let handlers!: Parameters<DriverDeps['watch']>[0]
  let n = 0
  const tick = () => new Promise((r) => setTimeout(r, 5))
  const update = (p: PodState) => (pods.set(p.name, p), handlers.onPod(p))
  const goAway = async (p: PodState) => {
    update({ ...p, ready: false, deleting: true })
    await tick()
    pods.delete(p.name)
    handlers.onGone(p)
  }
  const api: KubeApi = {
    async apply(m) {
      calls.push(`apply ${m.kind}`)
    },
    async applyAll(ms: Manifest[]) {
      for (const m of ms) await api.apply(m)
      const d = ms.find((m) => m.kind === 'Deployment') as any
      const hash = d.spec.template.metadata.annotations[SPEC_HASH]
      const appId = d.metadata.labels[APP_LABEL]
      if ([...pods.values()].some((p) => p.specHash === hash && !p.deleting) || mode.pod === 'none') return
      const p: PodState = {
        name: `pod-${++n}`, appId, specHash: hash, codeHash: '', version: Number(d.spec.template.metadata.annotations['fp/version']),
        ip: `10.0.0.${n}`, ready: false, started: true, deleting: false, failure: null,
      }
      const old = [...pods.values()].filter((o) => o.appId === appId)
      void (async () => {
        await tick()
        update(p)
        await tick()
        if (mode.pod === 'crash') return update({ ...p, failure: 'the app keeps crashing (CrashLoopBackOff); last exit code 1' })
        update({ ...p, ready: true })
        await tick()
        for (const o of old) await goAway(o) // the rollout scales the old ReplicaSet down
      })()
    },
    async scale(_name, replicas) {
      calls.push(`scale ${replicas}`)
      if (replicas === 0) for (const p of [...pods.values()]) void goAway(p)
    },
    async deleteAll(sel) {
      calls.push(`delete ${sel}`)
      for (const p of [...pods.values()]) void goAway(p)
    },
    async pruneCode() {},
    async deploymentProblem() {
      return 'ReplicaFailure: pods "x" is forbidden: violates PodSecurity "restricted:latest"'
    },
  }
  const lines: ((line: string) => void)[] = []
  const deps: Partial<DriverDeps> = {
    api,
    watch: (h) => ((handlers = h), { synced: Promise.resolve(), stop: async () => {} }),
    probe: async () => {},
    follow: (_p, onLine) => (lines.push(onLine), () => {}),
  }
  return { calls, pods, deps, lines, update, lose: (name: string) => goAway(pods.get(name)!) }
}

function runtime(c: ReturnType<typeof fakeCluster>, startTimeoutMs = 2000) {
  const rt = createKubernetesRuntime({ kc: new KubeConfig(), namespace: 'ns', image: 'img', cpu: '250m', memory: '128Mi', startTimeoutMs, log: () => {} }, c.deps)
  const events: RuntimeEvent[] = []
  rt.onEvent((e) => events.push(e))
  return { rt, events }
}

describe('kubernetes driver (fake cluster)', () => {
  test('start applies the objects and resolves with the Ready pod IP; logs become events', async () => {
    const c = fakeCluster()
    const { rt, events } = runtime(c)
    const ep = await rt.start(spec('a'.repeat(64)))
    expect(c.calls).toEqual(['apply NetworkPolicy', 'apply Secret', 'apply ConfigMap', 'apply Deployment', 'apply Service'])
    expect(ep).toMatchObject({ instanceId: 'pod-1', version: 1, baseUrl: 'http://10.0.0.1:8000' })
    expect(ep.unix).toBeUndefined()
    expect(rt.running()).toEqual(['app1'])
    expect(rt.endpoint('app1')).toBe(ep)
    c.lines[0]!('hello from the pod')
    expect(events).toContainEqual(expect.objectContaining({ type: 'log', appId: 'app1', instanceId: 'pod-1', line: 'hello from the pod' }))
    c.lines[0]!('\x1ereq_123\x1fhandling it')
    expect(events.at(-1)).toMatchObject({ type: 'log', line: 'handling it', requestId: 'req_123' })
    await rt.close()
  })

  test('a crash-looping pod fails the start with its reason, and the app is scaled back to 0', async () => {
    const c = fakeCluster({ pod: 'crash' })
    const { rt } = runtime(c)
    await expect(rt.start(spec('a'.repeat(64)))).rejects.toThrow(/CrashLoopBackOff.*last exit code 1/)
    expect(c.calls.at(-1)).toBe('scale 0')
    expect(rt.running()).toEqual([])
  })

  test('no pod at all → a timeout that says why the Deployment is stuck', async () => {
    const c = fakeCluster({ pod: 'none' })
    const { rt } = runtime(c, 100)
    await expect(rt.start(spec('a'.repeat(64)))).rejects.toThrow(/no pod became Ready within 0 s: ReplicaFailure: .*violates PodSecurity/)
  })

  test('a redeploy rolls: the old pod serves until the new one is Ready, and its removal is no crash', async () => {
    const c = fakeCluster()
    c.deps.probe = () => Bun.sleep(60) // the old pod is scaled down while the new one's probe runs
    const { rt, events } = runtime(c)
    await rt.start(spec('a'.repeat(64)))
    const rolling = rt.start(spec('b'.repeat(64), 2))
    await Bun.sleep(40)
    expect(c.pods.has('pod-1')).toBe(false)
    // A wake asked for meanwhile (with the spec it knew) gets the new version, not a rollback.
    const wake = rt.start(spec('a'.repeat(64)))
    const ep2 = await rolling
    expect(await wake).toBe(ep2)
    expect(ep2).toMatchObject({ instanceId: 'pod-2', version: 2 })
    await Bun.sleep(30)
    expect(rt.endpoint('app1')?.instanceId).toBe('pod-2')
    expect(events.filter((e) => e.type === 'exit' && !e.expected)).toEqual([])
  })

  test('a pod lost unexpectedly is an exit; stop scales to 0 and is an expected one', async () => {
    const c = fakeCluster()
    const { rt, events } = runtime(c)
    await rt.start(spec('a'.repeat(64)))
    await c.lose('pod-1')
    expect(events.at(-1)).toMatchObject({ type: 'exit', instanceId: 'pod-1', expected: false })
    expect(rt.endpoint('app1')).toBeUndefined()

    const ep = await rt.start(spec('a'.repeat(64)))
    expect(ep.instanceId).toBe('pod-2')
    await rt.stop('app1')
    expect(c.calls.at(-1)).toBe('scale 0')
    expect(events.at(-1)).toMatchObject({ type: 'exit', instanceId: 'pod-2', expected: true })
    expect(rt.running()).toEqual([])
    expect([...c.pods.values()].filter((p) => p.ready)).toEqual([]) // stop returns once the pods are going
  })

  test('a serving pod killed for memory is an unexpected exit whose reason says so', async () => {
    const c = fakeCluster()
    const { rt, events } = runtime(c)
    await rt.start(spec('a'.repeat(64)))
    const pod = c.pods.get('pod-1')!
    await c.update({ ...pod, ready: false, failure: 'out of memory: the container was killed (OOMKilled, limit 128Mi)' })
    expect(events.at(-1)).toMatchObject({ type: 'exit', instanceId: 'pod-1', expected: false, reason: expect.stringContaining('OOMKilled') })
    expect(rt.endpoint('app1')).toBeUndefined()
  })

  test('a start right after a stop waits for it, then gets a new pod (never the one going away)', async () => {
    const c = fakeCluster()
    const { rt } = runtime(c)
    await rt.start(spec('a'.repeat(64)))
    const [, ep] = await Promise.all([rt.stop('app1'), rt.start(spec('a'.repeat(64)))])
    expect(c.calls.slice(-5)).toEqual(['scale 0', 'apply Secret', 'apply ConfigMap', 'apply Deployment', 'apply Service'])
    expect(c.calls.indexOf('scale 0')).toBeLessThan(c.calls.lastIndexOf('apply Deployment'))
    expect(ep.instanceId).toBe('pod-2')
  })

  test('remove deletes every labelled object', async () => {
    const c = fakeCluster()
    const { rt } = runtime(c)
    await rt.start(spec('a'.repeat(64)))
    await rt.remove('app1')
    expect(c.calls.at(-1)).toBe('delete app.kubernetes.io/managed-by=fastapi-platform,fp/app=app1')
    expect(rt.endpoint('app1')).toBeUndefined()
  })
})

test('a pod log is followed over the API (client-node under Bun) and split into lines', async () => {
  // A stand-in API server that streams a pod log in pieces, like kube-apiserver does with follow=true.
  let asked = ''
  const server = Bun.serve({
    port: 0,
    hostname: '127.0.0.1',
    fetch(req) {
      asked = new URL(req.url).pathname + new URL(req.url).search
      return new Response(new ReadableStream({
        async start(ctrl) {
          ctrl.enqueue(new TextEncoder().encode('INFO: started\nGET / 2'))
          await Bun.sleep(20)
          ctrl.enqueue(new TextEncoder().encode('00\n'))
          await Bun.sleep(300) // still following when the driver stops: the abort is no error
          ctrl.close()
        },
      }))
    },
  })
  const kc = new KubeConfig()
  kc.loadFromOptions({
    clusters: [{ name: 'c', server: `http://127.0.0.1:${server.port}`, skipTLSVerify: true }],
    users: [{ name: 'u', token: 't' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  })
  const lines: string[] = []
  const errors: string[] = []
  const { followPodLog } = await import('../../src/runtime/kubernetes/logs')
  const stop = followPodLog(kc, { namespace: 'ns', pod: 'fp-x-1', container: 'app' }, (l) => lines.push(l), (e) => errors.push(e))
  for (let i = 0; i < 100 && lines.length < 2; i++) await Bun.sleep(10)
  stop()
  await Bun.sleep(50)
  server.stop(true)
  expect(errors).toEqual([])
  expect(asked).toStartWith('/api/v1/namespaces/ns/pods/fp-x-1/log?container=app&follow=true')
  expect(lines).toEqual(['INFO: started', 'GET / 200'])
})
