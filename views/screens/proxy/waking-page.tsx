// The "waking up" page a browser sees while a sleeping app starts; it reloads itself once ready.
import { Bare } from '../../layouts/bare'

/** Props of the waking page. */
export interface WakingProps {
  appName: string
  /** Same-origin URL that answers once the app is ready (the proxy's `__fp/wake`). */
  wakeUrl: string
}

/** A small page that waits for the app and then shows it, without an error flash. */
export function WakingPage({ appName, wakeUrl }: WakingProps) {
  const script = `(function(){var u=${JSON.stringify(wakeUrl).replace(/</g, '\\u003c')};
function go(){fetch(u,{cache:'no-store'}).then(function(r){return r.json()}).then(function(){location.reload()},
function(){setTimeout(go,1000)})}go()})()`
  return (
    <Bare title={`Waking up ${appName}…`} safeHead={`<meta http-equiv="refresh" content="30"><style>${WAKE_CSS}</style>`}>
      <span class="badge wait">sleeping → waking</span>
      <h1>
        Waking up <span safe>{appName}</span>
      </h1>
      <p>It was asleep to save resources. This takes a moment; the page switches to the app by itself.</p>
      <div class="bar">
        <div />
      </div>
      <script>{script}</script>
    </Bare>
  )
}

const WAKE_CSS = `.bar{height:4px;background:#1f2937;border-radius:4px;overflow:hidden;margin-top:18px}
.bar div{height:100%;width:40%;background:#60a5fa;border-radius:4px;animation:s 1.1s ease-in-out infinite}
@keyframes s{0%{margin-left:-40%}100%{margin-left:100%}}`
