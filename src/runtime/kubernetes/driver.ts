// The kubernetes runtime: each app is a Deployment of the runner image (0 or 1 replicas) that the
// platform applies server-side, watches until a pod of the wanted spec is Ready, and routes to by pod IP.
import { KubeConfig } from '@kubernetes/client-node'
import { KeyedMutex } from '../../lib/keyed-mutex'
import { untag } from '../log-tag'
import type { AppSpec, Endpoint, Runtime, RuntimeEvent } from '../types'
import { StartError } from '../types'
import { createApi, type KubeApi } from './api'
import { followPodLog } from './logs'
import { buildAppObjects, buildNetworkPolicy, configMapName, CONTAINER, objectName, selector, specHash, type ObjectOptions } from './objects'
import { podUrl, type PodState } from './pods'
import { probeHealth } from './probe'
import { drained, waitFor, type Waiter } from './waits'
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

/** What the driver talks to; tests replace parts with fakes. */
export interface DriverDeps {
  api: KubeApi
  watch(handlers: { onPod(p: PodState): void; onGone(p: PodState): void; log(msg: string): void }): PodWatch
  probe(baseUrl: string, deadline: number, cancelled: () => boolean): Promise<void>
  follow(p: PodState, onLine: (line: string) => void, onError: (msg: string) => void): () => void
}

/** Creates the kubernetes runtime; its pod watch starts at once. */
export function createKubernetesRuntime(opts: KubernetesRuntimeOptions, given: Partial<DriverDeps> = {}): Runtime {
  const log = opts.log ?? console.error
  const deps: DriverDeps = {
    api: given.api ?? createApi(opts.kc, opts.namespace),
    watch: given.watch ?? ((handlers) => watchPods(opts.kc, opts.namespace, selector(), handlers)),
    probe: given.probe ?? probeHealth,
    follow: given.follow ?? ((p, onLine, onError) => followPodLog(opts.kc, { namespace: opts.namespace, pod: p.name, container: CONTAINER }, onLine, onError)),
  }
  const api = deps.api
  const listeners = new Set<(e: RuntimeEvent) => void>()
  const emit = (e: RuntimeEvent) => listeners.forEach((l) => l(e))
  const pods = new Map<string, PodState>() // pod name → last seen state
  const current = new Map<string, Instance>() // appId → the Ready pod requests go to
  const waiters = new Set<Waiter>()
  const asleep = new Set<string>() // apps scaled to 0 by stop(): their pods going away is expected
  const wanted = new Map<string, string>() // appId → spec hash last applied
  const good = new Map<string, AppSpec>() // appId → last spec that became Ready
  const follows = new Map<string, () => void>() // pod name → stop following its log
  const logTries = new Map<string, number>() // pod name → log requests made
  const retired = new Set<string>() // pods being stopped: Ready until the watch says otherwise, yet never used
  const usable = (p: PodState) => p.ready && !retired.has(p.name)
  const serial = new KeyedMutex() // start, stop and remove of one app never interleave
  const starts = new Map<string, number>() // appId → successful starts so far
  const changed = new Set<() => void>() // called after every pod event
  let policy: Promise<void> | null = null

  const endpointOf = (p: PodState): Instance => ({
    appId: p.appId, instanceId: p.name, version: p.version, baseUrl: podUrl(p.ip!), startedAt: Date.now(),
  })

  function lost(inst: Instance, reason: string): void {
    if (current.get(inst.appId)?.instanceId !== inst.instanceId) return
    current.delete(inst.appId)
    // A rollout scales the old pod down once the new one is Ready: not a crash. Requests arriving
    // before the new pod is confirmed wait for the start in flight (see start()).
    const expected = asleep.has(inst.appId) || [...waiters].some((w) => w.appId === inst.appId)
    emit({ type: 'exit', appId: inst.appId, instanceId: inst.instanceId, version: inst.version, reason, expected })
  }

  /** Follows a started pod's log; a refused request (the log may not exist yet) is retried once the pod is Ready. */
  function follow(p: PodState): void {
    const tries = logTries.get(p.name) ?? 0
    if (follows.has(p.name) || !p.started || p.deleting || tries >= 3 || (tries > 0 && !p.ready)) return
    logTries.set(p.name, tries + 1)
    follows.set(p.name, deps.follow(p, (raw) => {
      const { line, requestId } = untag(raw) // lines printed while serving a request carry its id
      emit({ type: 'log', appId: p.appId, instanceId: p.name, stream: 'stdout', line, at: new Date(), ...(requestId ? { requestId } : {}) })
    }, (msg) => {
      follows.delete(p.name)
      if (tries + 1 >= 3) log(`[kubernetes] ${msg}`)
    }))
  }

  function onPod(p: PodState): void {
    pods.set(p.name, p)
    changed.forEach((fn) => fn())
    follow(p)
    for (const w of waiters) {
      if (w.appId !== p.appId || w.specHash !== p.specHash) continue
      if (usable(p)) w.resolve(p)
      else if (p.failure) w.reject(new StartError(p.failure))
    }
    const inst = current.get(p.appId)
    if (inst?.instanceId === p.name && !p.ready) {
      lost(inst, p.failure ?? (p.deleting ? 'pod is being deleted' : 'pod is no longer Ready'))
    }
    // A Ready pod of the applied spec with nothing routed to it (the Deployment replaced a pod, or the
    // platform restarted): route to it.
    const adopt = usable(p) && !current.has(p.appId) && !asleep.has(p.appId) && (wanted.get(p.appId) ?? p.specHash) === p.specHash
    if (adopt && ![...waiters].some((w) => w.appId === p.appId)) current.set(p.appId, endpointOf(p))
  }

  function onGone(p: PodState): void {
    pods.delete(p.name)
    retired.delete(p.name)
    changed.forEach((fn) => fn())
    follows.get(p.name)?.()
    follows.delete(p.name)
    logTries.delete(p.name)
    const inst = current.get(p.appId)
    if (inst?.instanceId === p.name) lost(inst, p.failure ?? 'pod was deleted')
  }

  const watch: PodWatch = deps.watch({ onPod, onGone, log })

  function ensurePolicy(): Promise<void> {
    policy ??= api.apply(buildNetworkPolicy(opts.namespace, opts.mongoPorts)).catch((err) => {
      policy = null // tried again on the next start
      log(`[kubernetes] warning: cannot apply the apps NetworkPolicy: ${errorText(err)}`)
    })
    return policy
  }

  /** Takes an app's pods out of routing and waits until the API says they are going. */
  async function retire(appId: string, reason: string, action: () => Promise<void>): Promise<void> {
    asleep.add(appId)
    const mine = [...pods.values()].filter((p) => p.appId === appId).map((p) => p.name)
    mine.forEach((name) => retired.add(name))
    const inst = current.get(appId)
    if (inst) lost(inst, reason)
    try {
      await action()
      await drained(pods, changed, appId, 10_000)
    } finally {
      mine.forEach((name) => retired.delete(name))
    }
  }

  async function timeoutReason(appId: string): Promise<string> {
    const secs = Math.round(opts.startTimeoutMs / 1000)
    const why = await api.deploymentProblem(objectName(appId)).catch(() => null)
    return `no pod became Ready within ${secs} s${why ? `: ${why}` : ''}`
  }

  /** After a failed start: the last good spec serves on, or the app is scaled back to 0 (no crash loop left running). */
  async function afterFailure(spec: AppSpec): Promise<void> {
    const prev = good.get(spec.appId)
    const serving = current.get(spec.appId)
    const undo = prev && serving
      ? api.applyAll(buildAppObjects(prev, opts, 1)).then(() => void wanted.set(spec.appId, specHash(prev, opts)))
      : api.scale(objectName(spec.appId), 0)
    await undo.catch((err) => log(`[kubernetes] cannot undo the failed start of ${spec.appId}: ${errorText(err)}`))
  }

  /** Applies the app's objects with one replica and resolves once a pod of this exact spec is Ready and answers. */
  async function startNow(spec: AppSpec): Promise<Endpoint> {
    const objects = buildAppObjects(spec, opts, 1)
    const hash = specHash(spec, opts)
    await watch.synced
    await ensurePolicy()
    asleep.delete(spec.appId)
    wanted.set(spec.appId, hash)
    const deadline = Date.now() + opts.startTimeoutMs
    const wait = waitFor({ pods, waiters, usable }, spec.appId, hash, deadline)
    let pod: PodState
    try {
      await api.applyAll(objects).catch((err) => {
        throw new StartError(`the API server refused the app's objects: ${errorText(err)}`)
      })
      pod = await wait.ready()
      const gone = () => !usable(pods.get(pod.name) ?? pod) || !pods.has(pod.name)
      await deps.probe(podUrl(pod.ip!), deadline, gone).catch((err) => {
        throw new StartError(pods.get(pod.name)?.failure ?? (err as Error).message)
      })
    } catch (err) {
      let e = err instanceof StartError ? err : new StartError(String((err as Error)?.message ?? err))
      if (!e.message) e = new StartError(await timeoutReason(spec.appId))
      await afterFailure(spec)
      throw e
    } finally {
      wait.cancel()
    }
    const inst = endpointOf(pod)
    current.set(spec.appId, inst)
    good.set(spec.appId, spec)
    starts.set(spec.appId, (starts.get(spec.appId) ?? 0) + 1)
    void api.pruneCode(selector(spec.appId), configMapName(spec.appId, spec.hash))
      .catch((err) => log(`[kubernetes] cannot delete old code of ${spec.appId}: ${errorText(err)}`))
    return inst
  }

  return {
    name: 'kubernetes',
    start(spec: AppSpec): Promise<Endpoint> {
      // A start that waited behind another one of the same app (a wake during a deploy) takes what that
      // one started instead of re-applying the spec it was called with, which is now stale.
      const seen = starts.get(spec.appId) ?? 0
      return serial.run(spec.appId, () => {
        const ep = current.get(spec.appId)
        return ep && (starts.get(spec.appId) ?? 0) !== seen ? Promise.resolve(ep) : startNow(spec)
      })
    },
    endpoint: (appId) => current.get(appId),
    running: () => [...current.keys()],
    discard(appId, instanceId) {
      if (current.get(appId)?.instanceId === instanceId) current.delete(appId)
    },
    stop(appId) {
      return serial.run(appId, () => retire(appId, 'stopped', () => api.scale(objectName(appId), 0)))
    },
    remove(appId) {
      return serial.run(appId, () => retire(appId, 'removed', async () => {
        wanted.delete(appId)
        good.delete(appId)
        await api.deleteAll(selector(appId))
      }))
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
