// The kubernetes runtime: each app is a Deployment of the runner image (0 or 1 replicas) that the
// platform applies server-side, watches until a pod of the wanted spec is Ready, and routes to by pod IP.
import { KubeConfig } from '@kubernetes/client-node'
import type { AppSpec, Endpoint, Runtime, RuntimeEvent } from '../types'
import { StartError } from '../types'
import { createApi, type KubeApi } from './api'
import { followPodLog } from './logs'
import { buildAppObjects, buildNetworkPolicy, configMapName, CONTAINER, objectName, selector, specHash, type ObjectOptions } from './objects'
import { podUrl, type PodState } from './pods'
import { probeHealth } from './probe'
import { watchPods, type PodWatch } from './watch'

/** Settings of the kubernetes driver. */
export interface KubernetesRuntimeOptions extends ObjectOptions {
  kc: KubeConfig
  /** How long a start may wait for a Ready pod, in ms. */
  startTimeoutMs: number
  /** TCP ports the NetworkPolicy lets app pods reach MongoDB on. */
  mongoPorts?: number[]
  log?: (msg: string) => void
}

/** The kubeconfig file when one is given, else in-cluster (KUBERNETES_SERVICE_HOST set), else ~/.kube/config. */
export function loadKubeConfig(file?: string, env: Record<string, string | undefined> = process.env): KubeConfig {
  const kc = new KubeConfig()
  if (file) kc.loadFromFile(file)
  else if (env.KUBERNETES_SERVICE_HOST) kc.loadFromCluster()
  else kc.loadFromDefault()
  if (!kc.getCurrentCluster()) throw new Error('RUNTIME=kubernetes: no cluster found (set KUBECONFIG or run inside the cluster)')
  return kc
}

interface Instance extends Endpoint {
  appId: string
}

interface Waiter {
  appId: string
  specHash: string
  resolve(p: PodState): void
  reject(e: StartError): void
}

/** Creates the kubernetes runtime; its pod watch starts at once. */
export function createKubernetesRuntime(opts: KubernetesRuntimeOptions, api: KubeApi = createApi(opts.kc, opts.namespace)): Runtime {
  const log = opts.log ?? console.error
  const listeners = new Set<(e: RuntimeEvent) => void>()
  const emit = (e: RuntimeEvent) => listeners.forEach((l) => l(e))
  const pods = new Map<string, PodState>() // pod name → last seen state
  const current = new Map<string, Instance>() // appId → the Ready pod requests go to
  const waiters = new Set<Waiter>()
  const asleep = new Set<string>() // apps scaled to 0 by stop(): their pods going away is expected
  const wanted = new Map<string, string>() // appId → spec hash last applied
  const good = new Map<string, AppSpec>() // appId → last spec that became Ready
  const follows = new Map<string, () => void>() // pod name → stop following its log
  let policy: Promise<void> | null = null

  const endpointOf = (p: PodState): Instance => ({
    appId: p.appId, instanceId: p.name, version: p.version, baseUrl: podUrl(p.ip!), startedAt: Date.now(),
  })

  function lost(inst: Instance, reason: string): void {
    if (current.get(inst.appId)?.instanceId !== inst.instanceId) return
    current.delete(inst.appId)
    emit({ type: 'exit', appId: inst.appId, instanceId: inst.instanceId, version: inst.version, reason, expected: asleep.has(inst.appId) })
  }

  function follow(p: PodState): void {
    if (follows.has(p.name) || !p.started || p.deleting) return
    const where = { namespace: opts.namespace, pod: p.name, container: CONTAINER }
    follows.set(p.name, followPodLog(opts.kc, where, (line) => {
      emit({ type: 'log', appId: p.appId, instanceId: p.name, stream: 'stdout', line, at: new Date() })
    }, (msg) => log(`[kubernetes] ${msg}`)))
  }

  function onPod(p: PodState): void {
    pods.set(p.name, p)
    follow(p)
    for (const w of waiters) {
      if (w.appId !== p.appId || w.specHash !== p.specHash) continue
      if (p.ready) w.resolve(p)
      else if (p.failure) w.reject(new StartError(p.failure))
    }
    const inst = current.get(p.appId)
    if (inst?.instanceId === p.name && !p.ready) {
      lost(inst, p.failure ?? (p.deleting ? 'pod is being deleted' : 'pod is no longer Ready'))
    }
    // A Ready pod of the applied spec with nothing routed to it (the Deployment replaced a pod, or the
    // platform restarted): route to it.
    const adopt = p.ready && !current.has(p.appId) && !asleep.has(p.appId) && (wanted.get(p.appId) ?? p.specHash) === p.specHash
    if (adopt && ![...waiters].some((w) => w.appId === p.appId)) current.set(p.appId, endpointOf(p))
  }

  function onGone(p: PodState): void {
    pods.delete(p.name)
    follows.get(p.name)?.()
    follows.delete(p.name)
    const inst = current.get(p.appId)
    if (inst?.instanceId === p.name) lost(inst, p.failure ?? 'pod was deleted')
  }

  const watch: PodWatch = watchPods(opts.kc, opts.namespace, selector(), { onPod, onGone, log })

  function ensurePolicy(): Promise<void> {
    policy ??= api.apply(buildNetworkPolicy(opts.namespace, opts.mongoPorts)).catch((err) => {
      policy = null // tried again on the next start
      log(`[kubernetes] warning: cannot apply the apps NetworkPolicy: ${errorText(err)}`)
    })
    return policy
  }

  /** Registers interest in a Ready pod of `hash` before anything is applied, so no watch event slips by. */
  function waitFor(appId: string, hash: string, deadline: number): { ready: () => Promise<PodState>; cancel: () => void } {
    let waiter!: Waiter
    const done = new Promise<PodState>((resolve, reject) => (waiter = { appId, specHash: hash, resolve, reject }))
    waiters.add(waiter)
    let timer: Timer | undefined
    return {
      ready() {
        for (const p of pods.values()) if (p.appId === appId && p.specHash === hash && p.ready) return Promise.resolve(p)
        const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new StartError('')), deadline - Date.now())))
        return Promise.race([done, timeout])
      },
      cancel() {
        clearTimeout(timer)
        waiters.delete(waiter)
      },
    }
  }

  async function timeoutReason(appId: string): Promise<string> {
    const secs = Math.round(opts.startTimeoutMs / 1000)
    const why = await api.deploymentProblem(objectName(appId)).catch(() => null)
    return `no pod became Ready within ${secs} s${why ? `: ${why}` : ''}`
  }

  /** After a failed start: the last good spec serves on, or the app is scaled back to 0 (no crash loop left running). */
  function afterFailure(spec: AppSpec): void {
    const prev = good.get(spec.appId)
    const serving = current.get(spec.appId)
    const undo = prev && serving
      ? api.applyAll(buildAppObjects(prev, opts, 1)).then(() => void wanted.set(spec.appId, specHash(prev, opts)))
      : api.scale(objectName(spec.appId), 0)
    void undo.catch((err) => log(`[kubernetes] cannot undo the failed start of ${spec.appId}: ${errorText(err)}`))
  }

  return {
    name: 'kubernetes',
    async start(spec: AppSpec): Promise<Endpoint> {
      const objects = buildAppObjects(spec, opts, 1)
      const hash = specHash(spec, opts)
      await watch.synced
      await ensurePolicy()
      asleep.delete(spec.appId)
      wanted.set(spec.appId, hash)
      const deadline = Date.now() + opts.startTimeoutMs
      const wait = waitFor(spec.appId, hash, deadline)
      let pod: PodState
      try {
        await api.applyAll(objects).catch((err) => {
          throw new StartError(`the API server refused the app's objects: ${errorText(err)}`)
        })
        pod = await wait.ready()
        const gone = () => !pods.get(pod.name)?.ready
        await probeHealth(podUrl(pod.ip!), deadline, gone).catch((err) => {
          throw new StartError(pods.get(pod.name)?.failure ?? (err as Error).message)
        })
      } catch (err) {
        let e = err instanceof StartError ? err : new StartError(String((err as Error)?.message ?? err))
        if (!e.message) e = new StartError(await timeoutReason(spec.appId))
        afterFailure(spec)
        throw e
      } finally {
        wait.cancel()
      }
      const inst = endpointOf(pod)
      current.set(spec.appId, inst)
      good.set(spec.appId, spec)
      void api.pruneCode(selector(spec.appId), configMapName(spec.appId, spec.hash))
        .catch((err) => log(`[kubernetes] cannot delete old code of ${spec.appId}: ${errorText(err)}`))
      return inst
    },
    endpoint: (appId) => current.get(appId),
    running: () => [...current.keys()],
    discard(appId, instanceId) {
      if (current.get(appId)?.instanceId === instanceId) current.delete(appId)
    },
    async stop(appId) {
      asleep.add(appId)
      const inst = current.get(appId)
      if (inst) lost(inst, 'stopped')
      await api.scale(objectName(appId), 0)
    },
    async remove(appId) {
      asleep.add(appId)
      const inst = current.get(appId)
      if (inst) lost(inst, 'removed')
      wanted.delete(appId)
      good.delete(appId)
      await api.deleteAll(selector(appId))
    },
    onEvent(fn) {
      listeners.add(fn)
      return () => listeners.delete(fn)
    },
    async close() {
      await watch.stop()
      for (const stop of follows.values()) stop()
      follows.clear()
      for (const w of waiters) w.reject(new StartError('the platform is shutting down'))
    },
  }
}

/** The API server's own message for a failed call (its Status body), else the error's. */
export function errorText(err: unknown): string {
  const e = err as { body?: unknown; message?: string; code?: number }
  if (typeof e?.body === 'string') {
    try {
      const status = JSON.parse(e.body) as { message?: string }
      if (status.message) return status.message
    } catch {}
  }
  return e?.message ?? String(err)
}
