// The test cluster itself (scripts/k8s-testenv.sh + test/helpers/kube.ts): a Deployment shaped like
// the driver's becomes a Ready pod on a loopback IP, runPod serves the app's real code from the
// ConfigMap at that IP, scaling to 0 removes the pod, and `down` leaves nothing listening.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { eventually, installRuntimeAccess, requireKube, runPod, servePods, startKube, type Kube, type PodProcess } from '../helpers/kube'

const NS = 'fastapi-platform'
const ok = requireKube()

const APP = `import os
from fastapi import FastAPI
from lib.words import shout

app = FastAPI()

print("app imported", flush=True)

@app.get("/")
def root():
    print("served / for", os.environ["GREETING"], flush=True)
    return {"msg": shout(os.environ["GREETING"]), "db": os.environ["PLATFORM_MONGO_URI"]}
`

function objects(replicas: number, app = 'a1') {
  const labels = { 'app.kubernetes.io/managed-by': 'fastapi-platform', 'fp/app': app }
  const podLabels = { ...labels, 'app.kubernetes.io/component': 'app' }
  return [
    { apiVersion: 'v1', kind: 'Secret', metadata: { name: `fp-${app}-env`, namespace: NS, labels },
      stringData: { GREETING: 'hello', PLATFORM_MONGO_URI: 'mongodb://u:p@db:27017/app_a1' } },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `fp-${app}-code-1`, namespace: NS, labels },
      data: {
        '__manifest.json': JSON.stringify({ files: { f0: 'app.py', f1: 'lib/__init__.py', f2: 'lib/words.py' } }),
        f0: APP, f1: '', f2: 'def shout(s):\n    return s.upper() + "!"\n',
      } },
    { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: `fp-${app}`, namespace: NS, labels },
      spec: {
        replicas, selector: { matchLabels: labels },
        template: {
          metadata: { labels: podLabels },
          spec: {
            automountServiceAccountToken: false, enableServiceLinks: false,
            securityContext: { runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, fsGroup: 10001, seccompProfile: { type: 'RuntimeDefault' } },
            containers: [{
              name: 'app', image: 'fastapi-platform-runner:0.1.0', ports: [{ name: 'http', containerPort: 8000 }],
              env: [{ name: 'FP_ENTRYPOINT', value: 'app.py' }], envFrom: [{ secretRef: { name: `fp-${app}-env` } }],
              securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
              volumeMounts: [{ name: 'code', mountPath: '/app/code', readOnly: true }, { name: 'tmp', mountPath: '/tmp' }],
            }],
            volumes: [{ name: 'code', configMap: { name: `fp-${app}-code-1` } }, { name: 'tmp', emptyDir: {} }],
          },
        },
      } },
  ]
}

const readyPods = async (kube: Kube, app = 'a1') => {
  const list = JSON.parse(await kube.kubectlOk(['-n', NS, 'get', 'pods', '-l', `fp/app=${app}`, '-o', 'json']))
  return list.items.filter((p: any) => !p.metadata.deletionTimestamp
    && p.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True'))
}

describe.skipIf(!ok)('the Kubernetes test environment', () => {
  let kube: Kube
  let pod: PodProcess | undefined
  let startedIn = 0

  beforeAll(async () => {
    const t0 = performance.now()
    kube = await startKube()
    startedIn = performance.now() - t0
    await installRuntimeAccess(kube)
  }, 90_000)

  afterAll(async () => {
    await pod?.stop()
    await kube?.stop()
  })

  test('up writes a working admin kubeconfig and env, quickly', async () => {
    console.log(`[kube] cluster up in ${(startedIn / 1000).toFixed(1)}s`)
    expect(startedIn).toBeLessThan(45_000)
    expect(kube.env.KUBECONFIG).toBe(kube.kubeconfig)
    expect(kube.apiUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/)
    const version = JSON.parse(await kube.kubectlOk(['version', '-o', 'json']))
    expect(version.serverVersion.gitVersion).toMatch(/^v1\.30\./)
    expect((await kube.kubectlOk(['auth', 'whoami', '-o', 'jsonpath={.status.userInfo.groups}']))).toContain('system:masters')
    const node = JSON.parse(await kube.kubectlOk(['get', 'node', 'kwok-node-0', '-o', 'json']))
    expect(node.spec.podCIDR).toBe('127.1.0.0/24')
  })

  test('a Deployment shaped like the driver\'s becomes a Ready pod on a loopback IP, and runPod serves it there', async () => {
    await kube.kubectlOk(['apply', '-f', '-'], { stdin: objects(1).map((o) => JSON.stringify(o)).join('\n') })
    const [p] = await eventually('a Ready pod of fp-a1', async () => {
      const pods = await readyPods(kube)
      return pods.length === 1 ? pods : undefined
    })
    expect(p.status.podIP).toMatch(/^127\.1\.0\.\d+$/)
    pod = await runPod(kube, NS, p.metadata.name)
    expect(pod.url).toBe(`http://${p.status.podIP}:8000`)
    const res = await fetch(pod.url + '/')
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ msg: 'HELLO!', db: 'mongodb://u:p@db:27017/app_a1' })

    // the runner's output is the pod's log, through the API server and kwok (what the driver follows)
    const logs = await eventually('the pod log', async () => {
      const out = await kube.kubectlOk(['-n', NS, 'logs', p.metadata.name, '-c', 'app'])
      return out.includes('served / for hello') ? out : undefined
    }, 10_000)
    expect(logs).toContain('app imported')
  }, 60_000)

  test('replicas 0 removes the pod; replicas 1 brings a Ready one back', async () => {
    await pod?.stop()
    pod = undefined
    await kube.kubectlOk(['-n', NS, 'scale', 'deployment/fp-a1', '--replicas=0'])
    await eventually('no pod of fp-a1', async () => {
      const list = JSON.parse(await kube.kubectlOk(['-n', NS, 'get', 'pods', '-l', 'fp/app=a1', '-o', 'json']))
      return list.items.length === 0 ? true : undefined
    })
    await kube.kubectlOk(['-n', NS, 'scale', 'deployment/fp-a1', '--replicas=1'])
    const t0 = performance.now()
    await eventually('a Ready pod again', async () => ((await readyPods(kube)).length === 1 ? true : undefined))
    console.log(`[kube] scale 0→1 Ready in ${Math.round(performance.now() - t0)}ms`)
  }, 60_000)

  test('deleting the Deployment garbage-collects its ReplicaSet and pods', async () => {
    await kube.kubectlOk(['-n', NS, 'delete', 'deployment/fp-a1', 'secret/fp-a1-env', 'configmap/fp-a1-code-1'])
    await eventually('no labelled object left', async () => {
      const out = await kube.kubectlOk(['-n', NS, 'get', 'deploy,rs,pods,cm,secret', '-l', 'fp/app=a1', '-o', 'name'])
      return out.trim() === '' ? true : undefined
    })
  }, 60_000)

  test('down stops every process and is idempotent', async () => {
    const dir = kube.dir
    const pids = readFileSync(join(dir, 'pids'), 'utf8').trim().split('\n').map((l) => Number(l.split(' ')[1]))
    expect(pids.length).toBe(5)
    const script = join(import.meta.dir, '../../scripts/k8s-testenv.sh')
    expect(spawnSync('bash', [script, 'down', dir]).status).toBe(0)
    for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow()
    expect(existsSync(join(dir, 'pids'))).toBe(false)
    expect(spawnSync('bash', [script, 'down', dir]).status).toBe(0)
    expect(await fetch(kube.apiUrl + '/readyz', { tls: { rejectUnauthorized: false } } as RequestInit).then(() => 'open', () => 'refused')).toBe('refused')
  }, 30_000)
})

describe.skipIf(!ok)('the test cluster with a ready gate (readiness as a real kubelet would report it)', () => {
  let kube: Kube
  let served: ReturnType<typeof servePods>

  beforeAll(async () => {
    kube = await startKube({ readyGate: true })
    await installRuntimeAccess(kube)
    served = servePods(kube, NS, 'fp/app=a1')
  }, 90_000)

  afterAll(async () => {
    await served?.stop()
    await kube?.stop()
  })

  test('an app pod turns Ready only once its runner answers on the pod IP', async () => {
    await kube.kubectlOk(['apply', '-f', '-'], { stdin: [...objects(1), ...objects(1, 'b2')].map((o) => JSON.stringify(o)).join('\n') })
    const [p] = await eventually('a Ready pod of fp-a1', async () => {
      const pods = await readyPods(kube)
      return pods.length === 1 ? pods : undefined
    })
    // Ready means serving: the first request right after the Ready event is answered
    const res = await fetch(`http://${p.status.podIP}:8000/`)
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ msg: 'HELLO!', db: 'mongodb://u:p@db:27017/app_a1' })
    expect(served.pods.get(p.metadata.name)?.url).toBe(`http://${p.status.podIP}:8000`)
    expect([...served.errors.values()]).toEqual([])

    // a pod nobody serves has an IP and runs, but stays unready
    const b2 = await eventually('a pod of fp-b2 with an IP', async () => {
      const list = JSON.parse(await kube.kubectlOk(['-n', NS, 'get', 'pods', '-l', 'fp/app=b2', '-o', 'json']))
      return list.items.find((x: any) => x.status?.podIP)
    })
    await Bun.sleep(1500)
    const again = JSON.parse(await kube.kubectlOk(['-n', NS, 'get', 'pod', b2.metadata.name, '-o', 'json']))
    expect(again.status.phase).toBe('Running')
    expect(again.status.conditions.find((c: any) => c.type === 'Ready').status).toBe('False')
    expect(again.status.podIP).toMatch(/^127\.1\.0\.\d+$/)
  }, 60_000)

  test('scale to 0 stops the runner; scale to 1 serves again from a new pod', async () => {
    await kube.kubectlOk(['-n', NS, 'scale', 'deployment/fp-a1', '--replicas=0'])
    await eventually('no runner left', async () => (served.pods.size === 0 && (await readyPods(kube)).length === 0 ? true : undefined))
    await kube.kubectlOk(['-n', NS, 'scale', 'deployment/fp-a1', '--replicas=1'])
    const t0 = performance.now()
    const [p] = await eventually('a Ready pod again', async () => {
      const pods = await readyPods(kube)
      return pods.length === 1 ? pods : undefined
    })
    console.log(`[kube] gated scale 0→1 Ready (runner serving) in ${Math.round(performance.now() - t0)}ms`)
    const res = await fetch(`http://${p.status.podIP}:8000/health`)
    expect(res.status).toBe(200)
  }, 60_000)
})
