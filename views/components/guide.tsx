// A template's guide as the editor's side tab shows it: a little Markdown (numbered steps, paragraphs,
// `code`, **bold**) rendered as escaped elements, and the calls ready to run in one click.

/** A call the guide tab can run (the same shape the catalog produces). */
export interface GuideCall {
  method: string
  path: string
  body?: string
  expect?: number
}

const INLINE = /(`[^`\n]+`|\*\*[^*\n]+\*\*)/

/** Inline Markdown → escaped spans: only code and bold are recognised. */
function Inline({ text }: { text: string }) {
  return (
    <>
      {text.split(INLINE).filter(Boolean).map((part) =>
        part.startsWith('`') && part.endsWith('`') && part.length > 1 ? <code safe>{part.slice(1, -1)}</code>
          : part.startsWith('**') && part.endsWith('**') && part.length > 3 ? <strong safe>{part.slice(2, -2)}</strong>
            : <span safe>{part}</span>)}
    </>
  )
}

/** Splits a guide into blocks: a run of numbered lines is one list, other lines are paragraphs. */
export function guideBlocks(guide: string): { steps?: string[]; text?: string }[] {
  const blocks: { steps?: string[]; text?: string }[] = []
  for (const raw of guide.split('\n')) {
    const line = raw.trim()
    if (!line) continue
    const step = /^\d+[.)]\s+(.*)$/.exec(line)
    const last = blocks[blocks.length - 1]
    if (step) {
      if (last?.steps) last.steps.push(step[1]!)
      else blocks.push({ steps: [step[1]!] })
    } else if (last?.steps && /^\s{2,}/.test(raw)) {
      last.steps[last.steps.length - 1] += ` ${line}`
    } else blocks.push({ text: line })
  }
  return blocks
}

/** The guide pane: steps, then the calls as buttons (editor.js runs them through the test panel). */
export function GuidePane({ guide, calls }: { guide: string; calls: GuideCall[] }) {
  return (
    <div class="guide">
      {guideBlocks(guide).map((b) => b.steps
        ? <ol>{b.steps.map((s) => <li><Inline text={s} /></li>)}</ol>
        : <p><Inline text={b.text!} /></p>)}
      {calls.length ? (
        <>
          <div class="row" style="margin-bottom:6px">
            <strong class="grow">Try these calls</strong>
            <span class="faint">one click runs it on the deployed app</span>
          </div>
          <div class="calls" id="guide-calls">
            {calls.map((c, i) => (
              <button type="button" class="call" data-call={String(i)} data-method={c.method} data-path={c.path} data-body={c.body ?? ''}
                data-expect={c.expect ? String(c.expect) : ''} title="Fill the test panel with this call and send it">
                <span class="m" safe>{c.method}</span>
                <span class="pb">
                  <span class="p" safe>{c.path}</span>
                  {c.body ? <span class="b" safe>{c.body}</span> : ''}
                </span>
                {c.expect ? <span class="x" safe>{`expect ${c.expect}`}</span> : ''}
                <span class="got"></span>
              </button>
            ))}
          </div>
          <div class="result" id="g-result" hidden>
            <div class="meta"><strong id="g-status"></strong><span id="g-latency" class="faint"></span></div>
            <pre class="code" id="g-body"></pre>
          </div>
        </>
      ) : ''}
    </div>
  )
}
