// The last lines of each app's output, kept in memory for tails that connect later.
import type { LogLine } from './lifecycle'

/** A ring buffer of recent log lines per app. */
export class LogBuffer {
  private lines = new Map<string, LogLine[]>()

  constructor(private perApp = 300) {}

  push(line: LogLine): void {
    let list = this.lines.get(line.appId)
    if (!list) this.lines.set(line.appId, (list = []))
    list.push(line)
    if (list.length > this.perApp) list.splice(0, list.length - this.perApp)
  }

  recent(appId: string): LogLine[] {
    return [...(this.lines.get(appId) ?? [])]
  }

  forget(appId: string): void {
    this.lines.delete(appId)
  }
}
