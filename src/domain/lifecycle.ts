// Reacts to what the runtime reports: output lines go to the bus, unexpected exits are crashes.
import type { AppLogDoc } from '../data/logs.repo'
import type { RuntimeEvent } from '../runtime/types'
import type { DomainDeps } from './context'
import type { CrashTracker } from './crashes'
import type { LogBuffer } from './logs'
import type { LogStore } from './logstore'

/** One line of app output as published on `logs:<appId>`: a stored line without its id. */
export type LogLine = Omit<AppLogDoc, '_id'>

/** Subscribes to runtime events; returns the unsubscribe function. */
export function watchRuntime(deps: Pick<DomainDeps, 'runtime' | 'repos' | 'bus'>, crashes: CrashTracker, logs: LogBuffer, stored: LogStore): () => void {
  return deps.runtime.onEvent((e: RuntimeEvent) => {
    if (e.type === 'log') {
      const line: LogLine = { appId: e.appId, instanceId: e.instanceId, stream: e.stream, line: e.line, at: e.at, ...(e.requestId ? { requestId: e.requestId } : {}) }
      logs.push(line)
      stored.push(line)
      deps.bus.publish(`logs:${e.appId}`, line)
      return
    }
    if (e.expected) return
    const looping = crashes.record(e.appId)
    const line: LogLine = { appId: e.appId, instanceId: e.instanceId, stream: 'system', line: `instance ${e.reason}`, at: new Date() }
    logs.push(line)
    stored.push(line)
    deps.bus.publish(`logs:${e.appId}`, line)
    const set = looping
      ? { status: 'error' as const, error: `crash loop: the app keeps exiting (last: ${e.reason}); deploy a fix` }
      : { error: `the app ${e.reason}; it restarts on the next request` }
    void deps.repos.apps.update(e.appId, set).catch(() => {})
  })
}
