// Waiting on what the pod watch reports: a start for a Ready pod of its exact spec, a stop for an
// app's pods to stop being Ready. The driver owns the state; these only read it and register on it.
import { StartError } from '../types'
import type { PodState } from './pods'

/** A start waiting for a Ready pod of one spec; the driver settles it from watch events. */
export interface Waiter {
  appId: string
  specHash: string
  resolve(p: PodState): void
  reject(e: StartError): void
}

/** The driver state a start waits on. */
export interface ReadyState {
  pods: ReadonlyMap<string, PodState>
  waiters: Set<Waiter>
  usable(p: PodState): boolean
}

/** Registers interest in a Ready pod of `hash` before anything is applied, so no watch event slips by. */
export function waitFor(state: ReadyState, appId: string, hash: string, deadline: number): { ready: () => Promise<PodState>; cancel: () => void } {
  let waiter!: Waiter
  const done = new Promise<PodState>((resolve, reject) => (waiter = { appId, specHash: hash, resolve, reject }))
  state.waiters.add(waiter)
  let timer: Timer | undefined
  return {
    ready() {
      for (const p of state.pods.values()) {
        if (p.appId === appId && p.specHash === hash && state.usable(p)) return Promise.resolve(p)
      }
      const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new StartError('')), deadline - Date.now())))
      return Promise.race([done, timeout])
    },
    cancel() {
      clearTimeout(timer)
      state.waiters.delete(waiter)
    },
  }
}

/** Resolves once no pod of the app is Ready any more (as the watch reports it), or after `ms`; `changed` is called after every pod event. */
export function drained(pods: ReadonlyMap<string, PodState>, changed: Set<() => void>, appId: string, ms: number): Promise<void> {
  const idle = () => ![...pods.values()].some((p) => p.appId === appId && p.ready)
  if (idle()) return Promise.resolve()
  return new Promise<void>((resolve) => {
    const check = () => idle() && finish()
    const timer = setTimeout(() => finish(), ms)
    const finish = () => {
      clearTimeout(timer)
      changed.delete(check)
      resolve()
    }
    changed.add(check)
  })
}
