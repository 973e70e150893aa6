// Small pieces shared by screens: status badges, HTTP status colours, relative times.

/** A colour-coded status badge (running / sleeping / waking / error / draft). */
export function StatusBadge({ status }: { status: string }) {
  return <span class={`badge ${status}`} safe>{status}</span>
}

/** An HTTP status, coloured by class. */
export function HttpStatus({ code }: { code: number }) {
  return <span class={`status-${String(code)[0]}`} safe>{String(code)}</span>
}

/** "3 min ago" style time, with the exact time as a tooltip. */
export function Ago({ at, now = new Date() }: { at: Date | string | null | undefined; now?: Date }) {
  if (!at) return <span class="faint">never</span>
  const d = new Date(at)
  return <time datetime={d.toISOString()} title={d.toISOString()} safe>{ago(d, now)}</time>
}

/** Relative time in words. */
export function ago(d: Date, now = new Date()): string {
  const s = Math.max(0, Math.round((now.getTime() - d.getTime()) / 1000))
  if (s < 5) return 'just now'
  if (s < 60) return `${s} s ago`
  if (s < 3600) return `${Math.floor(s / 60)} min ago`
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`
  return `${Math.floor(s / 86400)} d ago`
}
