// Pure readings of a pod's status: which app and version it runs, whether it is Ready, and why it fails.
import type { V1Pod } from '@kubernetes/client-node'
import { APP_LABEL, CODE_HASH, PORT, SPEC_HASH, VERSION } from './objects'

/** What the driver needs to know about one pod. */
export interface PodState {
  name: string
  appId: string
  specHash: string
  codeHash: string
  version: number
  ip: string | null
  ready: boolean
  /** The container has started at least once (its log can be followed). */
  started: boolean
  deleting: boolean
  /** Set when the pod cannot become Ready on its own: a person-readable reason. */
  failure: string | null
}

/** Waiting reasons that will not resolve without a change (image or config) or that mean a crash loop. */
const STUCK: Record<string, string> = {
  ImagePullBackOff: 'the runner image cannot be pulled (ImagePullBackOff)',
  ErrImagePull: 'the runner image cannot be pulled (ErrImagePull)',
  InvalidImageName: 'the runner image name is invalid (InvalidImageName)',
  CreateContainerConfigError: 'the pod configuration is invalid (CreateContainerConfigError)',
  CreateContainerError: 'the container cannot be created (CreateContainerError)',
  CrashLoopBackOff: 'the app keeps crashing (CrashLoopBackOff)',
}

/** Why a pod's container cannot serve, or null while it may still become Ready. */
export function podFailure(pod: V1Pod): string | null {
  for (const cs of pod.status?.containerStatuses ?? []) {
    const term = cs.state?.terminated ?? cs.lastState?.terminated
    const waiting = cs.state?.waiting
    if (term?.reason === 'OOMKilled') return `out of memory: the container was killed (OOMKilled, limit ${memoryLimit(pod)})`
    if (waiting?.reason && STUCK[waiting.reason]) {
      const detail = waiting.reason === 'CrashLoopBackOff' && term ? `; last exit code ${term.exitCode}${term.reason ? ` (${term.reason})` : ''}` : ''
      const msg = waiting.message ? `: ${waiting.message.slice(0, 300)}` : ''
      return `${STUCK[waiting.reason]}${detail}${msg}`
    }
  }
  if (pod.status?.phase === 'Failed') return `the pod failed${pod.status.reason ? ` (${pod.status.reason})` : ''}${pod.status.message ? `: ${pod.status.message.slice(0, 300)}` : ''}`
  return null
}

function memoryLimit(pod: V1Pod): string {
  return String(pod.spec?.containers?.[0]?.resources?.limits?.memory ?? 'unknown')
}

/** True when the Ready condition is True. */
export function isReady(pod: V1Pod): boolean {
  return (pod.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True')
}

/** Reads a pod into a PodState; null for a pod that is not one of ours. */
export function readPod(pod: V1Pod): PodState | null {
  const appId = pod.metadata?.labels?.[APP_LABEL]
  const name = pod.metadata?.name
  if (!appId || !name) return null
  const ann = pod.metadata?.annotations ?? {}
  const deleting = Boolean(pod.metadata?.deletionTimestamp)
  const ip = pod.status?.podIP || null
  return {
    name, appId, ip, deleting,
    specHash: ann[SPEC_HASH] ?? '',
    codeHash: ann[CODE_HASH] ?? '',
    version: Number(ann[VERSION] ?? 0) || 0,
    ready: isReady(pod) && !deleting && ip !== null,
    started: (pod.status?.containerStatuses ?? []).some((cs) => cs.state?.running || cs.state?.terminated || cs.lastState?.terminated),
    failure: podFailure(pod),
  }
}

/** The base URL of a pod's runner (IPv6 addresses are bracketed). */
export function podUrl(ip: string): string {
  return ip.includes(':') ? `http://[${ip}]:${PORT}` : `http://${ip}:${PORT}`
}
