// A kubelet for every pod of a namespace in the test cluster: kwok marks pods Running/Ready but runs
// nothing, so this watches the pods (a real watch on the real API server) and, for each one that has
// an IP, starts the runner image's entry (runPod from kube.ts) on that loopback IP; it stops it when
// the pod is deleted. Requests the platform sends to a pod IP are then answered by the app's code.
import { CoreV1Api, KubeConfig, makeInformer, type V1Pod } from '@kubernetes/client-node'
import { runPod, type Kube, type PodProcess } from './kube'

/** Runner processes standing in for a namespace's containers. */
export interface Kubelet {
  /** Pod name → its runner, for the pods running now. */
  running(): Map<string, PodProcess>
  /** Problems starting runners (a test asserts there are none). */
  errors: string[]
  stop(): Promise<void>
}

/** A container state a real kubelet would report instead of running the pod (e.g. an image it cannot pull). */
export type FailWith = (pod: V1Pod) => { reason: string; message: string } | null

/** Starts the stand-in kubelet for `namespace` (admin credentials: it reads Secrets like a kubelet). */
export async function startKubelet(kube: Kube, namespace: string, failWith: FailWith = () => null): Promise<Kubelet> {
  const kc = new KubeConfig()
  kc.loadFromFile(kube.kubeconfig)
  const core = kc.makeApiClient(CoreV1Api)
  const informer = makeInformer<V1Pod>(kc, `/api/v1/namespaces/${namespace}/pods`, () => core.listNamespacedPod({ namespace }))
  const starting = new Map<string, Promise<PodProcess | null>>() // pod name → runner
  const ready = new Map<string, PodProcess>()
  const stopping = new Map<string, Promise<void>>() // pod IP → runner shutting down (IPs are reused)
  const errors: string[] = []

  const stopPod = (name: string) => {
    const p = starting.get(name)
    if (!p) return
    starting.delete(name)
    void p.then((proc) => {
      if (!proc) return
      ready.delete(name)
      const done = proc.stop()
      stopping.set(proc.ip, done)
      return done.finally(() => stopping.get(proc.ip) === done && stopping.delete(proc.ip))
    })
  }

  const onPod = (pod: V1Pod) => {
    const name = pod.metadata!.name!
    if (pod.metadata?.deletionTimestamp) return stopPod(name)
    const ip = pod.status?.podIP
    if (!ip || starting.has(name)) return
    const failure = failWith(pod)
    if (failure) {
      starting.set(name, reportWaiting(kube, namespace, name, failure).then(() => null, (err) => (errors.push(String(err)), null)))
      return
    }
    starting.set(name, (async () => {
      await stopping.get(ip) // the previous holder of this IP must have let go of the port
      try {
        const proc = await runPod(kube, namespace, name)
        if (starting.has(name)) ready.set(name, proc)
        else await proc.stop()
        return proc
      } catch (err) {
        errors.push(`pod ${name}: ${(err as Error).message}`)
        return null
      }
    })())
  }
  informer.on('add', onPod)
  informer.on('update', onPod)
  informer.on('delete', (pod) => stopPod(pod.metadata!.name!))
  await informer.start()
  return {
    running: () => ready,
    errors,
    async stop() {
      await informer.stop()
      const all = await Promise.all([...starting.values()])
      starting.clear()
      await Promise.all([...all.filter((p): p is PodProcess => p !== null).map((p) => p.stop()), ...stopping.values()])
    },
  }
}

/** Reports the pod's container as waiting (not Ready) through the status subresource, as a kubelet does. */
async function reportWaiting(kube: Kube, namespace: string, pod: string, waiting: { reason: string; message: string }): Promise<void> {
  const status = {
    phase: 'Pending',
    conditions: [{ type: 'Ready', status: 'False', reason: 'ContainersNotReady' }],
    containerStatuses: [{ name: 'app', ready: false, restartCount: 0, image: '', imageID: '', state: { waiting } }],
  }
  await kube.kubectlOk(['-n', namespace, 'patch', 'pod', pod, '--subresource=status', '--type=merge', '-p', JSON.stringify({ status })])
}
