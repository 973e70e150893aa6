// Pure builders of the Kubernetes objects one app runs as (Secret, ConfigMap, Deployment, Service)
// and of the namespace's NetworkPolicy. No I/O: the driver applies what these return (STYLE rule 9).
import { createHash } from 'node:crypto'
import { pathProblem } from '../../lib/files'
import type { AppSpec } from '../types'

/** Label every object the platform creates carries (the Role and the watch select on it). */
export const MANAGED_BY = { key: 'app.kubernetes.io/managed-by', value: 'fastapi-platform' } as const
/** Label naming the app an object belongs to. */
export const APP_LABEL = 'fp/app'
/** Pod template annotations: the code hash (a new one rolls the Deployment) and the whole pod spec's hash. */
export const CODE_HASH = 'fp/code-hash'
export const SPEC_HASH = 'fp/spec-hash'
export const VERSION = 'fp/version'
/** The runner's container name, port and code mount (docs/kubernetes.md). */
export const CONTAINER = 'app'
export const PORT = 8000
export const CODE_DIR = '/app/code'
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
 * A code file's ConfigMap key. Keys allow only `[-._a-zA-Z0-9]`, so '/' cannot appear: '_' is the
 * escape character ('_' → '__', '/' → '_s'), which keeps the mapping reversible and collision-free.
 */
export function encodeKey(path: string): string {
  const why = pathProblem(path)
  if (why) throw new Error(`unsafe file path "${String(path).slice(0, 80)}": ${why}`)
  return path.replace(/_/g, '__').replace(/\//g, '_s')
}

/** The inverse of encodeKey. */
export function decodeKey(key: string): string {
  return key.replace(/_(_|s)/g, (_m, c: string) => (c === '_' ? '_' : '/'))
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
  return { apiVersion: 'v1', kind: 'Secret', metadata: meta(objectName(spec.appId), o, spec.appId), type: 'Opaque', data: secretData(spec) }
}

/** The ConfigMap holding the app's code files under encoded keys. */
export function buildConfigMap(spec: AppSpec, o: ObjectOptions): Manifest {
  const data: Record<string, string> = {}
  for (const [path, content] of Object.entries(spec.files)) data[encodeKey(path)] = content
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: meta(objectName(spec.appId), o, spec.appId, { [CODE_HASH]: spec.hash }), data }
}

/** A hash of everything that shapes the pod: a change rolls the Deployment, and start() waits for pods carrying it. */
export function specHash(spec: AppSpec, o: ObjectOptions): string {
  const h = createHash('sha256')
  h.update(JSON.stringify([spec.hash, spec.entrypoint, o.image, o.cpu, o.memory, Object.entries(secretData(spec)).sort()]))
  return h.digest('hex').slice(0, 32)
}

/** The pod's environment besides the Secret: the runner's contract, which the app cannot override. */
export function runnerEnv(spec: AppSpec): { name: string; value: string }[] {
  const entry = spec.entrypoint
  if (pathProblem(entry) || !entry.endsWith('.py')) throw new Error(`invalid entrypoint "${String(entry).slice(0, 80)}"`)
  return Object.entries({
    FP_CODE_DIR: CODE_DIR, FP_ENTRYPOINT: entry, PORT: String(PORT), HOST: '0.0.0.0',
    HOME: '/tmp', TMPDIR: '/tmp', PYTHONUNBUFFERED: '1', PYTHONDONTWRITEBYTECODE: '1',
  }).map(([name, value]) => ({ name, value }))
}

/** The Deployment of the runner image: Pod Security "restricted", read-only root, rolling with no downtime. */
export function buildDeployment(spec: AppSpec, o: ObjectOptions, replicas: 0 | 1): Manifest {
  const name = objectName(spec.appId)
  const resources = { cpu: checkQuantity('cpu', o.cpu), memory: checkQuantity('memory', o.memory) }
  const codeItems = Object.keys(spec.files).sort().map((path) => ({ key: encodeKey(path), path }))
  const sources: unknown[] = [{ configMap: { name, items: codeItems } }]
  // Frameworks that sign sessions read .sesskey from the code dir: it comes from the Secret, not the ConfigMap.
  if (spec.env.PLATFORM_SESSION_KEY && !('.sesskey' in spec.files)) {
    sources.push({ secret: { name, items: [{ key: 'PLATFORM_SESSION_KEY', path: '.sesskey' }] } })
  }
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
          labels: labels(spec.appId),
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
            envFrom: [{ secretRef: { name } }],
            readinessProbe: { tcpSocket: { port: PORT }, periodSeconds: 1, failureThreshold: 3 },
            resources: { requests: resources, limits: resources },
            securityContext: {
              runAsNonRoot: true, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true,
              capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' },
            },
            volumeMounts: [{ name: 'code', mountPath: CODE_DIR, readOnly: true }, { name: 'tmp', mountPath: '/tmp' }],
          }],
          volumes: [
            { name: 'code', projected: { defaultMode: 0o440, sources } },
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
      selector: labels(spec.appId),
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
