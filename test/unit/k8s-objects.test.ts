// The kubernetes driver's pure parts: object builders (restricted pod spec, labels, hash annotations,
// file encoding, hostile input), pod status readings, log line splitting and the K8S_* config.
import { describe, expect, test } from 'bun:test'
import type { V1Pod } from '@kubernetes/client-node'
import { loadConfig } from '../../src/config'
import { lineSink } from '../../src/runtime/kubernetes/logs'
import {
  APP_LABEL, buildAppObjects, buildDeployment, buildNetworkPolicy, checkAppId, CODE_HASH, configMapName, encodeFiles,
  MANAGED_BY, MANIFEST_KEY, mongoPorts, objectName, secretData, selector, SPEC_HASH, specHash, type Manifest,
} from '../../src/runtime/kubernetes/objects'
import { podFailure, podUrl, readPod } from '../../src/runtime/kubernetes/pods'
import type { AppSpec } from '../../src/runtime/types'

const OPTS = { namespace: 'fastapi-platform', image: 'runner:1', cpu: '250m', memory: '128Mi' }
const spec = (over: Partial<AppSpec> = {}): AppSpec => ({
  appId: 'AbC123xyz789', slug: 'hello', version: 3, hash: 'a'.repeat(64), entrypoint: 'app.py',
  files: { 'app.py': 'from fastapi import FastAPI\napp = FastAPI()\n', 'pkg/util.py': 'X = 1\n', 'static/my_file.css': 'a{}' },
  env: { GREETING: 'hi', PLATFORM_MONGO_URI: 'mongodb://db:27017/app_x', PLATFORM_SESSION_KEY: 'k'.repeat(64) },
  limits: { memoryMb: 1024, processes: 64, openFiles: 1024, fileSizeMb: 64, cpuSeconds: 3600 },
  ...over,
})
const podSpec = (d: Manifest) => (d.spec as any).template.spec
const DNS1035 = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/

describe('per-app objects', () => {
  const objects = buildAppObjects(spec(), OPTS, 1)

  test('are a Secret, a ConfigMap, a Deployment and a Service, all labelled and in the namespace', () => {
    expect(objects.map((o) => o.kind)).toEqual(['Secret', 'ConfigMap', 'Deployment', 'Service'])
    for (const o of objects) {
      expect(o.metadata.labels).toMatchObject({ [MANAGED_BY.key]: MANAGED_BY.value, [APP_LABEL]: 'AbC123xyz789' })
      expect(o.metadata.namespace).toBe('fastapi-platform')
      expect(o.metadata.name).toMatch(DNS1035)
    }
  })

  test('the pod spec meets Pod Security "restricted" and the hardening rules', () => {
    const pod = podSpec(objects[2]!)
    expect(pod.automountServiceAccountToken).toBe(false)
    expect(pod.enableServiceLinks).toBe(false)
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 10001, seccompProfile: { type: 'RuntimeDefault' } })
    expect(pod.hostNetwork ?? false).toBe(false)
    expect(pod.containers).toHaveLength(1)
    const c = pod.containers[0]
    expect(c.securityContext).toEqual({
      runAsNonRoot: true, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' },
    })
    expect(c.resources).toEqual({ requests: { cpu: '250m', memory: '128Mi' }, limits: { cpu: '250m', memory: '128Mi' } })
    // an app's own settings win over the defaults, and change the pod's spec hash (a roll)
    const own = buildDeployment({ ...spec(), resources: { cpu: '1', memory: '1Gi' } }, OPTS, 1) as any
    expect(own.spec.template.spec.containers[0].resources).toEqual({ requests: { cpu: '1', memory: '1Gi' }, limits: { cpu: '1', memory: '1Gi' } })
    expect(own.spec.template.metadata.annotations['fp/spec-hash']).not.toBe((objects[2] as any).spec.template.metadata.annotations['fp/spec-hash'])
    expect(c.volumeMounts).toContainEqual({ name: 'tmp', mountPath: '/tmp' })
    expect(pod.volumes).toContainEqual({ name: 'tmp', emptyDir: { sizeLimit: '64Mi' } })
    // Only volume types "restricted" allows.
    for (const v of pod.volumes) expect(Object.keys(v).filter((k) => k !== 'name')).toEqual([expect.stringMatching(/^(projected|emptyDir|configMap|secret)$/)])
    expect(c.readinessProbe.httpGet).toEqual({ path: '/health', port: 'http' })
  })

  test('the runner contract wins over app env, and the app env lives in the Secret', () => {
    const d = buildDeployment(spec({ env: { PORT: '1', FP_ENTRYPOINT: 'evil.py' } }), OPTS, 1)
    const env = Object.fromEntries(podSpec(d).containers[0].env.map((e: { name: string; value: string }) => [e.name, e.value]))
    expect(env).toMatchObject({ PORT: '8000', FP_ENTRYPOINT: 'app.py', FP_CODE_DIR: '/app/code', FP_HOST: '0.0.0.0' })
    expect(podSpec(d).containers[0].envFrom).toEqual([{ secretRef: { name: `${objectName('AbC123xyz789')}-env` } }])
    const data = secretData(spec({ env: { OK_1: 'v', 'bad-name': 'x', '1x': 'y', 'A B': 'z', PLATFORM_MONGO_URI: 'mongodb://h/db' } }))
    expect(Object.keys(data).sort()).toEqual(['OK_1', 'PLATFORM_MONGO_URI'])
    expect(Buffer.from(data.PLATFORM_MONGO_URI!, 'base64').toString()).toBe('mongodb://h/db')
  })

  test('the code hash is annotated on the pod template: a new hash rolls, the same spec does not', () => {
    const a = buildDeployment(spec(), OPTS, 1)
    const b = buildDeployment(spec({ hash: 'b'.repeat(64) }), OPTS, 1)
    const ann = (d: Manifest) => (d.spec as any).template.metadata.annotations
    expect(ann(a)[CODE_HASH]).toBe('a'.repeat(64))
    expect(ann(b)[CODE_HASH]).toBe('b'.repeat(64))
    expect(ann(a)[SPEC_HASH]).not.toBe(ann(b)[SPEC_HASH])
    expect(buildDeployment(spec(), OPTS, 1)).toEqual(a)
    // Env changes roll too (the Secret is read at container start).
    expect(specHash(spec({ env: { GREETING: 'bye' } }), OPTS)).not.toBe(specHash(spec({ env: { GREETING: 'hi' } }), OPTS))
    expect((a.spec as any).strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } })
    expect((buildDeployment(spec(), OPTS, 0).spec as any).replicas).toBe(0)
  })

  test('the ConfigMap is named by code hash and holds files under keys a ConfigMap accepts', () => {
    const cm = objects[1]!
    expect(cm.metadata.name).toBe(configMapName('AbC123xyz789', 'a'.repeat(64)))
    expect(cm.immutable).toBe(true)
    const data = cm.data as Record<string, string>
    for (const k of Object.keys(data)) expect(k).toMatch(/^[-._a-zA-Z0-9]+$/)
    const manifest = JSON.parse(data[MANIFEST_KEY]!).files as Record<string, string>
    expect(manifest).toEqual({ f0: 'app.py', f1: 'pkg/util.py', f2: 'static/my_file.css' })
    expect(data.f1).toBe('X = 1\n')
    // Secrets (the session key) stay in the Secret, never in the ConfigMap.
    expect(JSON.stringify(data)).not.toContain('k'.repeat(64))
    expect(podSpec(objects[2]!).volumes[0]).toEqual({ name: 'code', configMap: { name: cm.metadata.name, defaultMode: 0o444 } })
  })

  test.each([
    ['../escape.py'], ['/etc/passwd.py'], ['a/../../b.py'], ['$(reboot).py'], ['x\0.py'], ['a//b.py'], ['run.sh'], ['`id`.py'],
  ])('hostile file path %p is refused', (path) => {
    expect(() => encodeFiles({ [path]: 'x' })).toThrow(/unsafe file path/)
  })

  test.each([['a,fp/app=b'], ['x y'], ['../etc'], ['$(id)'], ['-lead'], [''], ['a'.repeat(64)]])('hostile app id %p never reaches a selector', (id) => {
    expect(() => checkAppId(id)).toThrow(/invalid app id/)
    expect(() => selector(id)).toThrow()
    expect(() => buildAppObjects(spec({ appId: id }), OPTS, 1)).toThrow()
  })

  test('names are DNS-1035, stable, and distinct for ids differing only in case', () => {
    expect(objectName('AbC123xyz789')).toMatch(DNS1035)
    expect(objectName('abc')).not.toBe(objectName('ABC'))
    expect(objectName('abc')).toBe(objectName('abc'))
    expect(selector()).toBe('app.kubernetes.io/managed-by=fastapi-platform')
    expect(selector('AbC')).toBe('app.kubernetes.io/managed-by=fastapi-platform,fp/app=AbC')
  })

  test('bad entrypoints, hashes and quantities are refused', () => {
    expect(() => buildDeployment(spec({ entrypoint: '../x.py' }), OPTS, 1)).toThrow(/invalid entrypoint/)
    expect(() => buildDeployment(spec({ entrypoint: 'app.sh' }), OPTS, 1)).toThrow(/invalid entrypoint/)
    expect(() => configMapName('abc', 'ZZZ')).toThrow(/invalid code hash/)
    expect(() => buildDeployment(spec(), { ...OPTS, cpu: '1; rm -rf /' }, 1)).toThrow(/quantity/)
  })
})

describe('NetworkPolicy', () => {
  test('app pods: ingress only from the platform, egress only DNS and MongoDB', () => {
    const np = buildNetworkPolicy('ns', mongoPorts('mongodb://u:p@a:27018,b/db?x=1'))
    const s = np.spec as any
    expect(s.podSelector).toEqual({ matchLabels: { [MANAGED_BY.key]: MANAGED_BY.value } })
    expect(s.policyTypes).toEqual(['Ingress', 'Egress'])
    expect(s.ingress).toEqual([{ from: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'fastapi-platform' } } }], ports: [{ protocol: 'TCP', port: 8000 }] }])
    expect(s.egress[0].ports).toEqual([{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }])
    expect(s.egress[1]).toEqual({ ports: [{ protocol: 'TCP', port: 27018 }, { protocol: 'TCP', port: 27017 }] })
  })

  test('MongoDB ports come from the connection string', () => {
    expect(mongoPorts('mongodb://127.0.0.1:39001/')).toEqual([39001])
    expect(mongoPorts('mongodb+srv://cluster.example.com/db')).toEqual([27017])
    expect(mongoPorts('mongodb://[::1]:27019/db')).toEqual([27019])
  })
})

const pod = (status: V1Pod['status'], extra: Partial<V1Pod['metadata']> = {}): V1Pod => ({
  metadata: { name: 'fp-x-1', labels: { [APP_LABEL]: 'app1' }, annotations: { [SPEC_HASH]: 's1', 'fp/version': '4' }, ...extra },
  spec: { containers: [{ name: 'app', resources: { limits: { memory: '128Mi' } } }] },
  status,
})

describe('pod status', () => {
  test('Ready needs the condition, an IP and no deletion', () => {
    const ready = { podIP: '127.1.0.5', conditions: [{ type: 'Ready', status: 'True' }] }
    expect(readPod(pod(ready))).toMatchObject({ appId: 'app1', specHash: 's1', version: 4, ready: true, ip: '127.1.0.5' })
    expect(readPod(pod({ ...ready, podIP: undefined }))!.ready).toBe(false)
    expect(readPod(pod(ready, { deletionTimestamp: new Date() }))!.ready).toBe(false)
    expect(readPod(pod({ podIP: '127.1.0.5', conditions: [{ type: 'Ready', status: 'False' }] }))!.ready).toBe(false)
    expect(readPod({ metadata: { name: 'other' } })).toBeNull()
    expect(podUrl('10.0.0.7')).toBe('http://10.0.0.7:8000')
    expect(podUrl('fd00::7')).toBe('http://[fd00::7]:8000')
  })

  test.each([
    ['ImagePullBackOff', { state: { waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image "runner:1"' } } }, /cannot be pulled \(ImagePullBackOff\): Back-off/],
    ['ErrImagePull', { state: { waiting: { reason: 'ErrImagePull' } } }, /cannot be pulled \(ErrImagePull\)/],
    ['CrashLoopBackOff', { state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { exitCode: 2, reason: 'Error' } } }, /keeps crashing \(CrashLoopBackOff\); last exit code 2/],
    ['OOMKilled', { state: { running: {} }, lastState: { terminated: { exitCode: 137, reason: 'OOMKilled' } } }, /out of memory.*OOMKilled, limit 128Mi/],
  ])('%s is a clear failure reason', (_name, cs, expected) => {
    const failure = podFailure(pod({ containerStatuses: [{ name: 'app', image: 'runner:1', imageID: '', ready: false, restartCount: 1, ...cs } as any] }))
    expect(failure).toMatch(expected)
  })

  test('a pod still starting has no failure', () => {
    expect(podFailure(pod({ containerStatuses: [{ name: 'app', image: 'r', imageID: '', ready: false, restartCount: 0, state: { waiting: { reason: 'ContainerCreating' } } }] }))).toBeNull()
  })
})

test('log lines are split across chunks, CRLF trimmed, the tail flushed at the end', async () => {
  const lines: string[] = []
  const sink = lineSink((l) => lines.push(l))
  sink.write(Buffer.from('hello wo'))
  sink.write(Buffer.from('rld\r\nsecond\nthi'))
  await new Promise<void>((resolve) => sink.end(Buffer.from('rd'), resolve))
  expect(lines).toEqual(['hello world', 'second', 'third'])
})

test('K8S_* settings have defaults and refuse what is not a quantity', () => {
  const c = loadConfig({}, '/tmp')
  expect(c.kubernetes).toEqual({ namespace: 'fastapi-platform', runnerImage: 'fastapi-platform-runner:0.1.0', cpu: '250m', memory: '128Mi', maxCpu: '2', maxMemory: '2Gi' })
  expect(loadConfig({ K8S_NAMESPACE: 'apps', K8S_CPU: '1', K8S_MEMORY: '1Gi' }, '/tmp').kubernetes).toMatchObject({ namespace: 'apps', cpu: '1', memory: '1Gi' })
  expect(() => loadConfig({ K8S_MEMORY: '128MB; x' }, '/tmp')).toThrow(/K8S_MEMORY/)
})
