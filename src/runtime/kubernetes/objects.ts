// Pure builders of the Kubernetes objects one app runs as (Secret, ConfigMap, Deployment, Service)
// and of the namespace's NetworkPolicy. No I/O: the driver applies what these return (STYLE rule 9).
import { createHash } from 'node:crypto'
import { pathProblem } from '../../lib/files'
import type { AppSpec } from '../types'

/** Label every object the platform creates carries (the Role and the watch select on it). */
export const MANAGED_BY = { key: 'app.kubernetes.io/managed-by', value: 'fastapi-platform' } as const
/** Label naming the app an object belongs to. */
export const APP_LABEL = 'fp/app'
/** Pod template annotation with the code hash: a new one rolls the Deployment. */
export const CODE_HASH = 'fp/code-hash'
/** Pod template annotation with the hash of everything that shapes the pod: start() waits for pods carrying it. */
export const SPEC_HASH = 'fp/spec-hash'
/** Pod template annotation with the app version the pod runs (reported in endpoints). */
export const VERSION = 'fp/version'
/** Label of app pods (the NetworkPolicy and people tell them from the platform's own pods by it). */
export const COMPONENT = { key: 'app.kubernetes.io/component', value: 'app' } as const
/** The runner's container name (docs/kubernetes.md §2). */
export const CONTAINER = 'app'
/** The runner's HTTP port, named `http` (docs/kubernetes.md §2). */
export const PORT = 8000
/** Where the code ConfigMap is mounted (FP_CODE_DIR, docs/kubernetes.md §3). */
export const CODE_DIR = '/app/code'
/** The ConfigMap key mapping file keys to paths (docs/kubernetes.md §3). */
export const MANIFEST_KEY = '__manifest.json'
/** Name of the per-namespace NetworkPolicy. */
export const POLICY_NAME = 'fastapi-platform-apps'
/** Label of the platform's own pods (k8s/ manifests): the only ingress the apps accept. */
export const PLATFORM_POD = { key: 'app.kubernetes.io/name', value: 'fastapi-platform' } as const

/** What the builders need besides the app spec. */
export interface ObjectOptions {
  namespace: string
  image: string
  /** CPU and memory, as Kubernetes quantities: requests equal limits (Guaranteed QoS). */
  cpu: string
  memory: string
}

/** A Kubernetes object as sent to the API server (plain JSON). */
export interface Manifest {
  apiVersion: string
  kind: string
  metadata: { name: string; namespace: string; labels: Record<string, string>; annotations?: Record<string, string> }
  [field: string]: unknown
}

const APP_ID = /^[A-Za-z0-9](?:[A-Za-z0-9_.-]{0,61}[A-Za-z0-9])?$/
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/
const QUANTITY = /^[0-9]+(?:\.[0-9]+)?(?:m|k|Ki|M|Mi|G|Gi|T|Ti)?$/

/** Rejects an app id that cannot be a label value (it would otherwise reach a selector). */
export function checkAppId(appId: string): string {
  if (!APP_ID.test(appId)) throw new Error(`invalid app id "${String(appId).slice(0, 80)}"`)
  return appId
}

/** Rejects a CPU or memory setting that is not a plain Kubernetes quantity. */
export function checkQuantity(what: string, q: string): string {
  if (!QUANTITY.test(q)) throw new Error(`${what} must be a Kubernetes quantity such as 250m or 128Mi, got "${q.slice(0, 40)}"`)
  return q
}

/** The app's own CPU and memory (its settings), else the platform's defaults. */
function resourcesOf(spec: AppSpec, o: ObjectOptions): { cpu: string; memory: string } {
  return spec.resources ?? { cpu: o.cpu, memory: o.memory }
}

/** The DNS-1035 name shared by an app's objects: readable, lowercase, and unique per (case-sensitive) id. */
export function objectName(appId: string): string {
  checkAppId(appId)
  const readable = appId.toLowerCase().replace(/[^a-z0-9]/g, 'x').slice(0, 40)
  const digest = createHash('sha256').update(appId).digest('hex').slice(0, 8)
  return `fp-${readable}-${digest}`
}

/** Label selector of one app's objects (or of every managed object without `appId`). */
export function selector(appId?: string): string {
  const base = `${MANAGED_BY.key}=${MANAGED_BY.value}`
  return appId === undefined ? base : `${base},${APP_LABEL}=${checkAppId(appId)}`
}

/**
 * The code ConfigMap's data. Keys allow only `[-._a-zA-Z0-9]`, so a path such as `pkg/util.py`
 * cannot be one: files go under `f0`, `f1`, … (sorted by path) and `__manifest.json` maps each key
 * to its relative path; the runner lays them out (docs/kubernetes.md §3).
 */
export function encodeFiles(files: Record<string, string>): Record<string, string> {
  const data: Record<string, string> = {}
  const manifest: Record<string, string> = {}
  Object.keys(files).sort().forEach((path, i) => {
    const why = pathProblem(path)
    if (why) throw new Error(`unsafe file path "${String(path).slice(0, 80)}": ${why}`)
    data[`f${i}`] = files[path]!
    manifest[`f${i}`] = path
  })
  data[MANIFEST_KEY] = JSON.stringify({ files: manifest })
  return data
}

/** The name of the app's env Secret. */
export function secretName(appId: string): string {
  return `${objectName(appId)}-env`
}

/** The name of a code ConfigMap: one per code hash, so a rollout never changes the files under old pods. */
export function configMapName(appId: string, hash: string): string {
  if (!/^[a-f0-9]{8,64}$/.test(hash)) throw new Error(`invalid code hash "${String(hash).slice(0, 80)}"`)
  return `${objectName(appId)}-code-${hash.slice(0, 12)}`
}

function labels(appId: string): Record<string, string> {
  return { [MANAGED_BY.key]: MANAGED_BY.value, [APP_LABEL]: appId }
}

function meta(name: string, o: ObjectOptions, appId: string, annotations?: Record<string, string>) {
  return { name, namespace: o.namespace, labels: labels(appId), ...(annotations ? { annotations } : {}) }
}

/** The app's own environment as Secret data (names that cannot be variables are dropped). */
export function secretData(spec: AppSpec): Record<string, string> {
  const data: Record<string, string> = {}
  for (const [k, v] of Object.entries(spec.env)) {
    if (ENV_NAME.test(k)) data[k] = Buffer.from(String(v)).toString('base64')
  }
  return data
}

/** The Secret holding the app's env (PLATFORM_MONGO_URI included). */
export function buildSecret(spec: AppSpec, o: ObjectOptions): Manifest {
  return { apiVersion: 'v1', kind: 'Secret', metadata: meta(secretName(spec.appId), o, spec.appId), type: 'Opaque', data: secretData(spec) }
}

/** The ConfigMap holding the app's code files (immutable: a new code hash gets a new one). */
export function buildConfigMap(spec: AppSpec, o: ObjectOptions): Manifest {
  const metadata = meta(configMapName(spec.appId, spec.hash), o, spec.appId, { [CODE_HASH]: spec.hash })
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata, immutable: true, data: encodeFiles(spec.files) }
}

/** A hash of everything that shapes the pod: a change rolls the Deployment, and start() waits for pods carrying it. */
export function specHash(spec: AppSpec, o: ObjectOptions): string {
  const h = createHash('sha256')
  const r = resourcesOf(spec, o)
  h.update(JSON.stringify([spec.hash, spec.entrypoint, o.image, r.cpu, r.memory, Object.entries(secretData(spec)).sort()]))
  return h.digest('hex').slice(0, 32)
}

/** The pod's environment besides the Secret: the runner's contract, which the app cannot override. */
export function runnerEnv(spec: AppSpec): { name: string; value: string }[] {
  const entry = spec.entrypoint
  if (pathProblem(entry) || !entry.endsWith('.py')) throw new Error(`invalid entrypoint "${String(entry).slice(0, 80)}"`)
  return Object.entries({
    FP_CODE_DIR: CODE_DIR, FP_APP_DIR: '/tmp/app', FP_ENTRYPOINT: entry, FP_HOST: '0.0.0.0', PORT: String(PORT),
    HOME: '/tmp', TMPDIR: '/tmp', PYTHONUNBUFFERED: '1', PYTHONDONTWRITEBYTECODE: '1',
  }).map(([name, value]) => ({ name, value }))
}

/** The Deployment of the runner image: Pod Security "restricted", read-only root, rolling with no downtime. */
export function buildDeployment(spec: AppSpec, o: ObjectOptions, replicas: 0 | 1): Manifest {
  const name = objectName(spec.appId)
  const r = resourcesOf(spec, o)
  const resources = { cpu: checkQuantity('cpu', r.cpu), memory: checkQuantity('memory', r.memory) }
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: meta(name, o, spec.appId, { [CODE_HASH]: spec.hash, [VERSION]: String(spec.version) }),
    spec: {
      replicas,
      revisionHistoryLimit: 2,
      selector: { matchLabels: labels(spec.appId) },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      template: {
        metadata: {
          labels: { ...labels(spec.appId), [COMPONENT.key]: COMPONENT.value },
          annotations: { [CODE_HASH]: spec.hash, [SPEC_HASH]: specHash(spec, o), [VERSION]: String(spec.version) },
        },
        spec: {
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          terminationGracePeriodSeconds: 10,
          securityContext: {
            runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, fsGroup: 10001,
            seccompProfile: { type: 'RuntimeDefault' },
          },
          containers: [{
            name: CONTAINER,
            image: o.image,
            imagePullPolicy: 'IfNotPresent',
            ports: [{ name: 'http', containerPort: PORT, protocol: 'TCP' }],
            env: runnerEnv(spec),
            envFrom: [{ secretRef: { name: secretName(spec.appId) } }],
            readinessProbe: { httpGet: { path: '/health', port: 'http' }, periodSeconds: 1, failureThreshold: 3 },
            resources: { requests: resources, limits: resources },
            securityContext: {
              runAsNonRoot: true, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true,
              capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' },
            },
            volumeMounts: [{ name: 'code', mountPath: CODE_DIR, readOnly: true }, { name: 'tmp', mountPath: '/tmp' }],
          }],
          volumes: [
            { name: 'code', configMap: { name: configMapName(spec.appId, spec.hash), defaultMode: 0o444 } },
            { name: 'tmp', emptyDir: { sizeLimit: '64Mi' } },
          ],
        },
      },
    },
  }
}

/** The ClusterIP Service in front of the app's pods (the platform itself routes to pod IPs). */
export function buildService(spec: AppSpec, o: ObjectOptions): Manifest {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta(objectName(spec.appId), o, spec.appId),
    spec: {
      type: 'ClusterIP',
      selector: { ...labels(spec.appId), [COMPONENT.key]: COMPONENT.value },
      ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }],
    },
  }
}

/** Every object of one app in apply order (what the pods mount exists before the Deployment). */
export function buildAppObjects(spec: AppSpec, o: ObjectOptions, replicas: 0 | 1): Manifest[] {
  return [buildSecret(spec, o), buildConfigMap(spec, o), buildDeployment(spec, o, replicas), buildService(spec, o)]
}

/** The namespace's NetworkPolicy for app pods: ingress only from the platform, egress only DNS and MongoDB. */
export function buildNetworkPolicy(namespace: string, mongoPorts: number[] = [27017]): Manifest {
  const ports = [...new Set(mongoPorts)].filter((p) => Number.isInteger(p) && p > 0 && p < 65536)
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: POLICY_NAME, namespace, labels: { [MANAGED_BY.key]: MANAGED_BY.value } },
    spec: {
      podSelector: { matchLabels: { [MANAGED_BY.key]: MANAGED_BY.value } },
      policyTypes: ['Ingress', 'Egress'],
      ingress: [{
        from: [{ podSelector: { matchLabels: { [PLATFORM_POD.key]: PLATFORM_POD.value } } }],
        ports: [{ protocol: 'TCP', port: PORT }],
      }],
      egress: [
        { to: [{ namespaceSelector: {} }], ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }] },
        { ports: ports.map((port) => ({ protocol: 'TCP', port })) },
      ],
    },
  }
}

/** TCP ports of a MongoDB connection string's hosts, for the NetworkPolicy (27017 when none is named). */
export function mongoPorts(url: string): number[] {
  const m = /^mongodb(?:\+srv)?:\/\/(?:[^@/]*@)?([^/?]*)/.exec(url)
  const ports = new Set<number>()
  for (const host of (m?.[1] ?? '').split(',')) {
    const port = /:(\d{1,5})$/.exec(host)?.[1]
    ports.add(port ? Number(port) : 27017)
  }
  return [...ports].filter((p) => p > 0 && p < 65536)
}
