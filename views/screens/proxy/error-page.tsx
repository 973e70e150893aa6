// What a browser sees when an app cannot answer: a clear reason, the traceback, what to do next.
import { Bare } from '../../layouts/bare'

/** Props of the proxy error page. */
export interface ProxyErrorProps {
  status: number
  title: string
  message: string
  appName?: string
  traceback?: string | null
  hint?: string
}

/** The proxy's HTML error page. */
export function ProxyErrorPage(p: ProxyErrorProps) {
  return (
    <Bare title={`${p.status} · ${p.title}`}>
      <span class="badge" safe>{String(p.status)}</span>
      <h1 safe>{p.appName ? `${p.appName}: ${p.title}` : p.title}</h1>
      <p safe>{p.message}</p>
      {p.traceback ? <pre safe>{p.traceback}</pre> : ''}
      {p.hint ? <p safe>{p.hint}</p> : ''}
    </Bare>
  )
}
