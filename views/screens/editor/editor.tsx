// The editor: files on the left, Monaco in the middle, test panel / deploy / env on the right.
import { Page, type ShellUser } from '../../layouts/page'
import { StatusBadge } from '../../components/status'
import { GuidePane, type GuideCall } from '../../components/guide'

/** What the editor needs to start (embedded as JSON for views/assets/editor.js). */
export interface EditorData {
  id: string
  name: string
  slug: string
  url: string
  status: string
  files: Record<string, string>
  entrypoint: string
  currentVersion: number | null
  draftDiffers: boolean
  guide: string
  /** The template's calls, ready to run from the guide tab. */
  calls: GuideCall[]
}

/** JSON for a <script type="application/json"> block: `<` escaped so it cannot end the block. */
export function jsonForScript(data: unknown): string {
  return JSON.stringify(data).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029')
}

/** The editor page. */
export function Editor({ user, data }: { user: ShellUser; data: EditorData }) {
  const head = `<script src="/vendor/monaco/vs/loader.js"></script><script defer src="/assets/editor.js"></script>`
  return (
    <Page title={`Edit ${data.name}`} user={user} safeHead={head} bleed>
      <script type="application/json" id="fp-data">{jsonForScript(data)}</script>
      <div class="editor-shell">
        <aside class="files">
          <div class="row" style="margin-bottom:8px">
            <strong class="grow">Files</strong>
            <button class="btn sm" id="file-add" type="button" title="New file">+</button>
          </div>
          <div id="file-list"></div>
          <div class="row" style="margin-top:10px;gap:4px">
            <button class="btn sm" id="file-rename" type="button">Rename</button>
            <button class="btn sm danger" id="file-delete" type="button">Delete</button>
          </div>
          <div style="margin-top:10px">
            <button class="btn sm" id="file-entry" type="button">Make entrypoint</button>
          </div>
        </aside>
        <section class="center">
          <div class="editor-bar">
            <a href={`/apps/${data.id}`} class="muted" title="Back to the dashboard">←</a>
            <strong safe>{data.name}</strong>
            <StatusBadge status={data.status} />
            <span id="save-state" class="save-state">saved</span>
            <span class="grow"></span>
            <a class="btn sm" href={data.url} target="_blank" rel="noopener">Open app</a>
            <button class="btn primary" id="deploy" type="button" title="Ctrl/Cmd+Enter">Deploy</button>
          </div>
          <div id="monaco"></div>
        </section>
        <aside class="side-right">
          <div class="tabs">
            <button type="button" data-tab="test" class="on">Test</button>
            <button type="button" data-tab="deploy">Deploy</button>
            <button type="button" data-tab="env">Env</button>
            {data.guide || data.calls.length ? <button type="button" data-tab="guide">Guide</button> : ''}
          </div>
          <div class="side-body">
            <div data-pane="test">
              <div class="row" style="margin-bottom:8px">
                <select id="t-method" style="width:96px">
                  <option>GET</option><option>POST</option><option>PUT</option><option>PATCH</option><option>DELETE</option>
                </select>
                <input id="t-path" class="grow mono" value="/" aria-label="Path" />
              </div>
              <label for="t-headers">Headers (one per line, Name: value)</label>
              <textarea id="t-headers" rows="2" class="mono" placeholder="Content-Type: application/json"></textarea>
              <label for="t-body" style="margin-top:8px">Body</label>
              <textarea id="t-body" rows="4" class="mono" placeholder='{"name": "tea"}'></textarea>
              <div class="row" style="margin-top:8px">
                <button class="btn primary" id="t-send" type="button">Send</button>
                <span class="faint">calls the deployed app through its URL</span>
              </div>
              <div class="result" id="t-result" hidden>
                <div class="meta">
                  <strong id="t-status"></strong><span id="t-latency" class="faint"></span>
                </div>
                <details><summary class="muted">Headers</summary><pre class="code" id="t-resp-headers"></pre></details>
                <pre class="code" id="t-resp-body" style="margin-top:8px"></pre>
              </div>
            </div>
            <div data-pane="deploy" hidden>
              <div class="muted">Deploy validates first; the running version keeps serving until the new one is ready.</div>
              <div class="progress" id="progress"><div class="faint">No deploy yet in this session.</div></div>
              <div id="problems" style="margin-top:10px"></div>
            </div>
            <div data-pane="env" hidden>
              <div class="muted" style="margin-bottom:8px">Values are encrypted at rest and shown masked. Saving restarts the app.</div>
              <div id="env-rows"></div>
              <div class="row" style="margin-top:8px">
                <button class="btn sm" id="env-add" type="button">+ Variable</button>
                <span class="grow"></span>
                <button class="btn sm primary" id="env-save" type="button">Save env</button>
              </div>
              <div id="env-msg" class="faint" style="margin-top:6px"></div>
            </div>
            {data.guide || data.calls.length ? (
              <div data-pane="guide" hidden>
                <GuidePane guide={data.guide} calls={data.calls} />
              </div>
            ) : ''}
          </div>
        </aside>
      </div>
    </Page>
  )
}
