// The kubernetes runtime against a real API server (kube-apiserver with RBAC and PodSecurity,
// controller-manager, scheduler; kwok as the node), driven through the platform's own API.
// The platform authenticates as its ServiceAccount (the Role of k8s/runtime). With the ready gate,
// app pods turn Ready only once servePods (the kubelet's part) runs the runner entry on the pod's
// loopback IP and it answers /health: requests are answered by the app's real code, and its output is
// the pod's log, which the driver follows through the API server.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { AppsV1Api, CoreV1Api, KubeConfig } from '@kubernetes/client-node'
import { startIdleScaler } from '../../src/loops/idle-scaler'
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { eventually, installRuntimeAccess, kubectlPath, requireKube, servePods, serviceAccountKubeconfig, startKube, type Kube } from '../helpers/kube'
import { HELLO, startPlatform, stopAll, type TestPlatform } from '../helpers/platform'

const NS = 'fastapi-platform'
const enabled = requireKube()

const hello = (message: string) => ({ 'app.py': `print('starting ${message}', flush=True)\n` + HELLO['app.py'].replace('Hello, world!', message) })

describe.skipIf(!enabled)('kubernetes runtime on a real API server', () => {
  let kube: Kube
  let kubelet: ReturnType<typeof servePods>
  let p: TestPlatform
  let token: string
  let saConfig: string
  let apps: AppsV1Api
  let core: CoreV1Api
  let appId = ''

  const sel = () => `fp/app=${appId}`
  const deployment = async () => (await apps.listNamespacedDeployment({ namespace: NS, labelSelector: sel() })).items[0]
  const readyPods = async () =>
    (await core.listNamespacedPod({ namespace: NS, labelSelector: sel() })).items.filter(
      (pod) => !pod.metadata?.deletionTimestamp && pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
    )
  const get = async (path: string) => {
    const r = await p.call('GET', path)
    return { status: r.status, body: await r.text(), timing: r.headers.get('server-timing') }
  }

  beforeAll(async () => {
    kube = await startKube({ readyGate: true })
    await installRuntimeAccess(kube)
    saConfig = await serviceAccountKubeconfig(kube)
    const kc = new KubeConfig()
    kc.loadFromFile(kube.kubeconfig)
    apps = kc.makeApiClient(AppsV1Api)
    core = kc.makeApiClient(CoreV1Api)
    p = await startPlatform({ RUNTIME: 'kubernetes', KUBECONFIG: saConfig, K8S_NAMESPACE: NS, WAKE_TIMEOUT_MS: '40000', WAKE_HOLD_HTML_MS: '0' })
    token = (await p.user()).token
  }, 120_000)

  afterAll(async () => {
    await stopAll()
    await kubelet?.stop()
    await kube?.stop()
  }, 60_000)

  test('deploying through the API creates the labelled Secret, ConfigMap, Deployment and Service, admitted under enforce=restricted', async () => {
    const c = await p.json('POST', '/api/apps', { token, body: { name: 'kube hello', files: hello('Hello, world!'), deploy: false } })
    expect(c.status).toBe(201)
    appId = c.body.id
    kubelet = servePods(kube, NS, `app.kubernetes.io/managed-by=fastapi-platform,fp/app=${appId}`)
    const d = await p.json('POST', `/api/apps/${appId}/deploy`, { token, body: {} })
    expect(d.body).toMatchObject({ ok: true, version: 1 })
    expect(p.services.deps.runtime.name).toBe('kubernetes')

    // kubectl and the API agree on the app's objects.
    const listed = JSON.parse(await kube.kubectlOk(['-n', NS, 'get', 'deploy,svc,cm,secret,networkpolicy', '-l', sel(), '-o', 'json', '--show-managed-fields']))
    const viaKubectl = listed.items.map((o: any) => `${o.kind}/${o.metadata.name}`).sort()
    expect(listed.items.map((o: any) => o.kind).sort()).toEqual(['ConfigMap', 'Deployment', 'Secret', 'Service'])
    const viaApi = [
      ...(await core.listNamespacedConfigMap({ namespace: NS, labelSelector: sel() })).items.map((o) => `ConfigMap/${o.metadata!.name}`),
      ...(await apps.listNamespacedDeployment({ namespace: NS, labelSelector: sel() })).items.map((o) => `Deployment/${o.metadata!.name}`),
      ...(await core.listNamespacedSecret({ namespace: NS, labelSelector: sel() })).items.map((o) => `Secret/${o.metadata!.name}`),
      ...(await core.listNamespacedService({ namespace: NS, labelSelector: sel() })).items.map((o) => `Service/${o.metadata!.name}`),
    ].sort()
    expect(viaKubectl).toEqual(viaApi)
    // Debian's kubectl (kubernetes-client) reads the same objects.
    const debian = join(dirname(kubectlPath()), 'kubectl-debian')
    if (existsSync(debian)) {
      const proc = Bun.spawnSync([debian, '--kubeconfig', kube.kubeconfig, '-n', NS, 'get', 'deploy,svc,cm,secret', '-l', sel(), '-o', 'name'])
      expect(proc.exitCode).toBe(0)
      const names = proc.stdout.toString().trim().split('\n').map((n) => n.replace(/^[a-z]+(\.apps)?\//, '')).sort()
      expect(names).toEqual(viaApi.map((n) => n.split('/')[1]!).sort())
    }
    for (const o of listed.items) expect(o.metadata.labels['app.kubernetes.io/managed-by']).toBe('fastapi-platform')

    // The namespace enforces "restricted", and the ReplicaSet's pod was admitted under it.
    const ns = JSON.parse(await kube.kubectlOk(['get', 'namespace', NS, '-o', 'json']))
    expect(ns.metadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted')
    const [pod] = await readyPods()
    expect(pod!.spec!.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 10001, seccompProfile: { type: 'RuntimeDefault' } })
    expect(pod!.spec!.automountServiceAccountToken).toBe(false)
    // …and it is really enforced: a pod that breaks the profile is refused by the same API server.
    const bad = await kube.kubectl(['-n', NS, 'run', 'rootful', '--image=busybox', '--restart=Never'])
    expect(bad.code).not.toBe(0)
    expect(bad.stderr).toContain('violates PodSecurity "restricted')

    // The NetworkPolicy for app pods is in place (applied by the driver, the same one k8s/runtime ships).
    const np = JSON.parse(await kube.kubectlOk(['-n', NS, 'get', 'networkpolicy', 'fastapi-platform-apps', '-o', 'json', '--show-managed-fields']))
    expect(np.spec.policyTypes).toEqual(['Ingress', 'Egress'])
    expect(np.metadata.managedFields.map((f: any) => f.manager)).toContain('fastapi-platform') // server-side applied by the driver
    const dep = listed.items.find((o: any) => o.kind === 'Deployment')
    expect(dep.metadata.managedFields.find((f: any) => f.manager === 'fastapi-platform').operation).toBe('Apply')

    // The platform routes to the pod IP and the app's own code answers.
    const ep = p.services.deps.runtime.endpoint(appId)!
    expect(ep.baseUrl).toBe(`http://${pod!.status!.podIP}:8000`)
    expect(ep.unix).toBeUndefined()
    const r = await get('/app/kube-hello/')
    expect(r).toMatchObject({ status: 200, body: JSON.stringify({ message: 'Hello, world!' }) })
    expect((await p.json('GET', `/api/apps/${appId}`, { token })).body.status).toBe('running')
    expect([...kubelet.errors.values()]).toEqual([])
    // The app's output reaches the platform's log store from the pod's log stream.
    await eventually('the pod log in the platform', async () => {
      const logs = (await p.json('GET', `/api/apps/${appId}/logs`, { token })).body.logs as { line: string; instanceId: string }[]
      return logs.find((l) => l.line === 'starting Hello, world!' && l.instanceId === pod!.metadata!.name) ? true : undefined
    })
  }, 90_000)

  test('the platform holds exactly its Role: a verb outside it is denied', async () => {
    const allowed = await kube.kubectl(['-n', NS, 'create', 'deployment', 'x', '--image=x', '--dry-run=server'], { kubeconfig: saConfig })
    expect(allowed.code).toBe(0) // creating Deployments is in the Role
    for (const args of [['get', 'nodes'], ['-n', 'default', 'get', 'secrets'], ['-n', NS, 'delete', 'pods', '--all'], ['-n', NS, 'create', 'serviceaccount', 'y']]) {
      const r = await kube.kubectl(args, { kubeconfig: saConfig })
      expect(r.code).not.toBe(0)
      expect(r.stderr).toMatch(/forbidden/i)
    }
    const exec = await kube.kubectl(['-n', NS, 'auth', 'can-i', 'create', 'pods', '--subresource=exec'], { kubeconfig: saConfig })
    expect(exec.stdout.trim()).toBe('no')
  }, 30_000)

  test('idle → replicas 0; a request → replicas 1, waits for Ready, status running', async () => {
    let now = Date.now()
    const s = p.services
    await p.json('PUT', `/api/apps/${appId}/settings`, { token, body: { idleMinutes: 1 } })
    const scaler = startIdleScaler({
      repos: s.deps.repos, runtime: s.deps.runtime, now: () => now,
      lastRequestAt: (id) => s.recorder.lastRequestAt(id), startedAt: (id) => s.deps.runtime.endpoint(id)?.startedAt,
    }, 3_600_000)
    try {
      now += 61_000
      expect(await scaler.tick()).toContain(appId)
    } finally {
      await scaler.stop()
    }
    expect((await deployment())!.spec!.replicas).toBe(0)
    expect(s.deps.runtime.running()).not.toContain(appId)
    expect((await p.json('GET', `/api/apps/${appId}`, { token })).body.status).toBe('sleeping')
    await eventually('the pod to go away', async () => ((await readyPods()).length === 0 ? true : undefined))

    const r = await get('/app/kube-hello/')
    expect(r).toMatchObject({ status: 200, body: JSON.stringify({ message: 'Hello, world!' }) })
    expect(r.timing).toMatch(/^wake;dur=[\d.]+$/)
    expect((await deployment())!.spec!.replicas).toBe(1)
    expect((await readyPods()).length).toBe(1)
    expect(s.deps.runtime.running()).toContain(appId)
    expect((await p.json('GET', `/api/apps/${appId}`, { token })).body.status).toBe('running')
  }, 90_000)

  test('a redeploy changes the code hash and rolls; the old pod answers until the new one is Ready', async () => {
    const before = (await deployment())!.spec!.template.metadata!.annotations!['fp/code-hash']
    const answers: string[] = []
    let rolling = true
    const traffic = (async () => {
      while (rolling) {
        const r = await get('/app/kube-hello/')
        answers.push(r.status === 200 ? JSON.parse(r.body).message : `HTTP ${r.status}`)
      }
    })()
    const d = await p.json('POST', `/api/apps/${appId}/deploy`, { token, body: { files: hello('Hello, v2!') } })
    rolling = false
    await traffic
    expect(d.status).toBe(200)
    const after = (await deployment())!.spec!.template.metadata!.annotations!['fp/code-hash']
    expect(after).not.toBe(before)
    expect(answers.length).toBeGreaterThan(0)
    expect(answers.filter((a) => a !== 'Hello, world!' && a !== 'Hello, v2!')).toEqual([])
    expect(await get('/app/kube-hello/')).toMatchObject({ status: 200, body: JSON.stringify({ message: 'Hello, v2!' }) })
    // Rolled, not replaced: a second ReplicaSet, and the old code's ConfigMap goes once the new one serves.
    const rs = await apps.listNamespacedReplicaSet({ namespace: NS, labelSelector: sel() })
    expect(rs.items.length).toBe(2)
    await eventually('one code ConfigMap', async () => {
      const cms = (await core.listNamespacedConfigMap({ namespace: NS, labelSelector: sel() })).items
      return cms.length === 1 && cms[0]!.metadata!.annotations!['fp/code-hash'] === after ? true : undefined
    })
    expect([...kubelet.errors.values()]).toEqual([])
  }, 90_000)

  test("an app's own CPU and memory: checked against the platform's caps, set on its pod, rolled in", async () => {
    const settings = `/api/apps/${appId}/settings`
    const tooMuch = await p.json('PUT', settings, { token, body: { cpu: '8' } })
    expect(tooMuch.status).toBe(400)
    expect(tooMuch.body.message).toBe('cpu must be between 10m and 2 (the limit set for this platform)')
    const bad = await p.json('PUT', settings, { token, body: { memory: 'lots' } })
    expect(bad.status).toBe(400)
    expect(bad.body.message).toContain('Kubernetes quantity such as 128Mi')
    const resources = () => deployment().then((d) => d!.spec!.template.spec!.containers[0]!.resources)
    const r = await p.json('PUT', settings, { token, body: { cpu: '500m', memory: '256Mi' } })
    expect(r.status).toBe(200)
    expect(await resources()).toEqual({ requests: { cpu: '500m', memory: '256Mi' }, limits: { cpu: '500m', memory: '256Mi' } })
    expect(await get('/app/kube-hello/')).toMatchObject({ status: 200, body: JSON.stringify({ message: 'Hello, v2!' }) })
    await p.json('PUT', settings, { token, body: { cpu: null, memory: '' } }) // back to the defaults
    expect(await resources()).toEqual({ requests: { cpu: '250m', memory: '128Mi' }, limits: { cpu: '250m', memory: '128Mi' } })
    expect((await p.json('GET', `/api/apps/${appId}`, { token })).body.settings).not.toHaveProperty('cpu')
  }, 90_000)

  test('a serving pod killed for memory: the app shows why; routing resumes only once it is Ready again', async () => {
    const [pod] = await readyPods()
    const now = new Date().toISOString()
    const status = {
      conditions: [{ type: 'Ready', status: 'False', reason: 'ContainersNotReady' }],
      containerStatuses: [{
        name: 'app', ready: false, restartCount: 1, image: '', imageID: '',
        state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 10s restarting failed container' } },
        lastState: { terminated: { exitCode: 137, reason: 'OOMKilled', startedAt: now, finishedAt: now } },
      }],
    }
    // What the node reports when the container exceeds its memory limit.
    await kube.kubectlOk(['-n', NS, 'patch', 'pod', pod!.metadata!.name!, '--subresource=status', '--type=merge', '-p', JSON.stringify({ status })])
    const error = await eventually('the reason on the app', async () => {
      const app = (await p.json('GET', `/api/apps/${appId}`, { token })).body
      return app.error?.includes('OOMKilled') ? app.error as string : undefined
    })
    expect(error).toContain('out of memory: the container was killed (OOMKilled, limit 128Mi)')
    // Routing comes back to the pod only when the node reports it Ready again (the restarted container).
    if (p.services.deps.runtime.endpoint(appId)?.instanceId === pod!.metadata!.name) {
      expect((await readyPods()).map((r) => r.metadata!.name)).toContain(pod!.metadata!.name)
    }
  }, 60_000)

  test('a pod whose image cannot be pulled fails the deploy with that reason, and the app is scaled back to 0', async () => {
    const c = await p.json('POST', '/api/apps', { token, body: { name: 'unpullable', files: HELLO, deploy: false } })
    expect(c.status).toBe(201)
    // Nothing serves this app's pods: as a kubelet would, the test reports that the image cannot be pulled.
    const deploying = p.json('POST', `/api/apps/${c.body.id}/deploy`, { token, body: {} })
    const podName = await eventually('the pod to be scheduled', async () => {
      const [pod] = (await core.listNamespacedPod({ namespace: NS, labelSelector: `fp/app=${c.body.id}` })).items
      return pod?.status?.podIP ? pod.metadata!.name! : undefined
    })
    const waiting = { reason: 'ImagePullBackOff', message: 'Back-off pulling image "fastapi-platform-runner:0.1.0"' }
    const status = {
      phase: 'Pending', conditions: [{ type: 'Ready', status: 'False', reason: 'ContainersNotReady' }],
      containerStatuses: [{ name: 'app', ready: false, restartCount: 0, image: '', imageID: '', state: { waiting } }],
    }
    await kube.kubectlOk(['-n', NS, 'patch', 'pod', podName, '--subresource=status', '--type=merge', '-p', JSON.stringify({ status })])
    const d = await deploying
    expect(d.status).toBe(422)
    expect(d.body.message).toMatch(/runner image cannot be pulled \(ImagePullBackOff\): Back-off pulling image/)
    const detail = (await p.json('GET', `/api/apps/${c.body.id}`, { token })).body
    expect(detail.status).toBe('error')
    expect(detail.error).toContain('ImagePullBackOff')
    const dep = (await apps.listNamespacedDeployment({ namespace: NS, labelSelector: `fp/app=${c.body.id}` })).items[0]
    expect(dep!.spec!.replicas).toBe(0)
    expect(p.services.deps.runtime.running()).not.toContain(c.body.id)
  }, 60_000)

  test('deleting the app leaves no labelled object behind', async () => {
    const d = await p.json('DELETE', `/api/apps/${appId}`, { token })
    expect(d.status).toBe(200)
    expect(p.services.deps.runtime.endpoint(appId)).toBeUndefined()
    await eventually('every labelled object to be gone', async () => {
      const left = await kube.kubectlOk(['-n', NS, 'get', 'deploy,rs,pod,svc,cm,secret', '-l', sel(), '-o', 'name'])
      return left.trim() === '' ? true : undefined
    }, 30_000)
    expect((await core.listNamespacedSecret({ namespace: NS, labelSelector: sel() })).items).toEqual([])
    expect(await get('/app/kube-hello/')).toMatchObject({ status: 404 })
  }, 60_000)
})
