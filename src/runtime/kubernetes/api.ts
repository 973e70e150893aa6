// The few API server calls the driver makes, behind one small interface (unit tests pass a fake).
// Verbs used here are exactly what the platform's Role grants (docs/kubernetes.md).
import { AppsV1Api, KubernetesObjectApi, PatchStrategy, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node'
import type { Manifest } from './objects'

/** Owner of the fields the platform applies (server-side apply). */
export const FIELD_MANAGER = 'fastapi-platform'

/** The kinds one app consists of, deleted in this order. */
const APP_KINDS = [
  { apiVersion: 'apps/v1', kind: 'Deployment' },
  { apiVersion: 'v1', kind: 'Service' },
  { apiVersion: 'v1', kind: 'ConfigMap' },
  { apiVersion: 'v1', kind: 'Secret' },
] as const

/** What the driver asks of the API server. */
export interface KubeApi {
  /** Server-side apply of one object (forced: the platform owns these fields). */
  apply(m: Manifest): Promise<void>
  /** Applies objects in order. */
  applyAll(ms: Manifest[]): Promise<void>
  /** Sets a Deployment's replicas; a missing Deployment is fine. */
  scale(name: string, replicas: number): Promise<void>
  /** Deletes every app object matching the label selector (pods go with their Deployment). */
  deleteAll(labelSelector: string): Promise<void>
  /** Deletes the app's code ConfigMaps except `keep` (old versions' code, once a new one serves). */
  pruneCode(labelSelector: string, keep: string): Promise<void>
  /** Why a Deployment is not progressing (e.g. pods refused by admission), or null. */
  deploymentProblem(name: string): Promise<string | null>
}

const notFound = (err: unknown) => (err as { code?: number })?.code === 404

/** The real API, for one namespace. */
export function createApi(kc: KubeConfig, namespace: string): KubeApi {
  const objects = KubernetesObjectApi.makeApiClient(kc)
  const apps = kc.makeApiClient(AppsV1Api)
  const api: KubeApi = {
    async apply(m) {
      await objects.patch(m as KubernetesObject, undefined, undefined, FIELD_MANAGER, true, PatchStrategy.ServerSideApply)
    },
    async applyAll(ms) {
      for (const m of ms) await api.apply(m)
    },
    async scale(name, replicas) {
      const body = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace }, spec: { replicas } }
      await objects.patch(body, undefined, undefined, FIELD_MANAGER, undefined, PatchStrategy.MergePatch).catch((err) => {
        if (!notFound(err)) throw err
      })
    },
    async deleteAll(labelSelector) {
      for (const k of APP_KINDS) {
        const list = await objects.list(k.apiVersion, k.kind, namespace, undefined, undefined, undefined, undefined, labelSelector)
        for (const item of list.items) {
          const ref = { apiVersion: k.apiVersion, kind: k.kind, metadata: { name: item.metadata!.name!, namespace } }
          await objects.delete(ref, undefined, undefined, undefined, undefined, 'Foreground').catch((err) => {
            if (!notFound(err)) throw err
          })
        }
      }
    },
    async pruneCode(labelSelector, keep) {
      const list = await objects.list('v1', 'ConfigMap', namespace, undefined, undefined, undefined, undefined, labelSelector)
      for (const item of list.items) {
        if (item.metadata?.name === keep) continue
        await objects.delete({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: item.metadata!.name!, namespace } }).catch((err) => {
          if (!notFound(err)) throw err
        })
      }
    },
    async deploymentProblem(name) {
      const d = await apps.readNamespacedDeployment({ name, namespace })
      const conds = d.status?.conditions ?? []
      const bad = conds.find((c) => c.type === 'ReplicaFailure' && c.status === 'True') ?? conds.find((c) => c.type === 'Progressing' && c.status === 'False')
      if (bad) return `${bad.reason ?? bad.type}: ${bad.message ?? ''}`.trim()
      return null
    },
  }
  return api
}
