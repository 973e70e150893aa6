// One watch (list + watch, via client-node's informer) over the platform's pods in its namespace.
// The driver's view of what runs comes from here: no polling loops.
import { CoreV1Api, makeInformer, type KubeConfig, type V1Pod } from '@kubernetes/client-node'
import { readPod, type PodState } from './pods'

/** A running pod watch. */
export interface PodWatch {
  /** Resolves once the first list has been delivered. */
  synced: Promise<void>
  stop(): Promise<void>
}

/** Watches pods matching `labelSelector`; `onPod` gets every add/update, `onGone` every delete. */
export function watchPods(
  kc: KubeConfig,
  namespace: string,
  labelSelector: string,
  handlers: { onPod(p: PodState): void; onGone(p: PodState): void; log(msg: string): void },
  retryMs = 1000,
): PodWatch {
  const core = kc.makeApiClient(CoreV1Api)
  const path = `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods`
  const informer = makeInformer<V1Pod>(kc, path, () => core.listNamespacedPod({ namespace, labelSelector }), labelSelector)
  let stopped = false
  let retry: Timer | undefined
  const each = (fn: (p: PodState) => void) => (pod: V1Pod) => {
    const p = readPod(pod)
    if (p) fn(p)
  }
  informer.on('add', each(handlers.onPod))
  informer.on('update', each(handlers.onPod))
  informer.on('delete', each(handlers.onGone))
  // The informer stops after an error (API server restarted, watch expired): start it again.
  informer.on('error', (err) => {
    if (stopped) return
    handlers.log(`[kubernetes] pod watch interrupted (${(err as Error)?.message ?? err}); reconnecting`)
    clearTimeout(retry)
    retry = setTimeout(() => void informer.start().catch(() => {}), retryMs)
  })
  // start() resolves once the first list is delivered (or has failed: the error handler retries).
  const synced = informer.start().catch((err) => handlers.log(`[kubernetes] pod watch failed to start: ${(err as Error)?.message ?? err}`))
  return {
    synced,
    async stop() {
      stopped = true
      clearTimeout(retry)
      await informer.stop().catch(() => {})
    },
  }
}
