// The template gallery behind "New app": search, tag and level filters, sections for built-in,
// mine and published templates; one card can be focused by a teacher's link (issue 9).

/** A template as a gallery card shows it. */
export interface TemplateCard {
  name: string
  title: string
  description: string
  level: string
  tags: string[]
  kind?: 'builtin' | 'user'
  published?: boolean
  owner?: string | null
  mine?: boolean
}

/** The gallery's sections. */
export interface GallerySections {
  builtin: TemplateCard[]
  mine: TemplateCard[]
  published: TemplateCard[]
  /** Private templates of other users (admins only: to publish them). */
  others: TemplateCard[]
}

const BLANK: TemplateCard = { name: 'blank', title: 'Blank app', description: 'An empty FastAPI app with one route.', level: 'beginner', tags: ['fastapi'], kind: 'builtin' }

/** Actions on a user template: rename, retitle, edit its guide, publish (admins), delete; each reloads the gallery or shows an alert in the card. */
function CardActions({ t, isAdmin }: { t: TemplateCard; isAdmin: boolean }) {
  if (t.kind !== 'user' || !(t.mine || isAdmin)) return ''
  const at = (action: string) => `/templates/${encodeURIComponent(t.name)}/${action}`
  return (
    <div class="tpl-actions">
      <button type="button" class="btn sm" hx-post={at('rename')} hx-prompt="New name (lower-case letters, digits, dashes)" hx-target="next .tpl-msg" hx-swap="innerHTML">Rename</button>
      <button type="button" class="btn sm" hx-post={at('title')} hx-prompt="New title" hx-target="next .tpl-msg" hx-swap="innerHTML">Edit title</button>
      <button type="button" class="btn sm" hx-get={at('guide')} hx-target="next .tpl-msg" hx-swap="innerHTML">Edit guide</button>
      {isAdmin ? (
        <button type="button" class="btn sm" hx-post={at(t.published ? 'unpublish' : 'publish')} hx-target="next .tpl-msg" hx-swap="innerHTML">
          {t.published ? 'Unpublish' : 'Publish'}
        </button>
      ) : ''}
      <button type="button" class="btn sm danger" hx-delete={`/templates/${encodeURIComponent(t.name)}`} hx-target="next .tpl-msg" hx-swap="innerHTML"
        hx-confirm={`Delete the template "${t.name}"? Apps made from it keep their code.`}>Delete</button>
    </div>
  )
}

/** One card: a radio button wrapped in a label, with data-* the filter script reads. */
function Card({ t, pick, focus, isAdmin }: { t: TemplateCard; pick: string; focus?: string; isAdmin: boolean }) {
  const search = `${t.name} ${t.title} ${t.description}`.toLowerCase()
  return (
    <label class={`tpl-card${t.name === focus ? ' focus' : ''}`} id={`tpl-${t.name}`} data-template={t.name}
      data-search={search} data-tags={t.tags.join(' ')} data-level={t.level} data-title={t.title}>
      <div class="row">
        <input type="radio" name="template" value={t.name} checked={t.name === pick} />
        <strong class="grow tpl-title" safe>{t.title}</strong>
        <span class={`pill level ${t.level}`} safe>{t.level}</span>
      </div>
      <div class="tpl-desc" safe>{t.description}</div>
      {t.tags.length ? <div class="tpl-meta">{t.tags.map((tag) => <span class="tag" safe>{`#${tag}`}</span>)}</div> : ''}
      <div class="tpl-foot">
        <span class="mono tpl-name" safe>{t.name}</span>
        {t.kind === 'user' ? (
          <>
            <span safe>{t.mine ? '· yours' : t.owner ? `· by ${t.owner}` : '· by a former user'}</span>
            <span class={`pill ${t.published ? 'published' : 'private'}`}>{t.published ? 'published' : 'private'}</span>
          </>
        ) : ''}
        <span class="grow"></span>
        {t.name === 'blank' ? '' : (
          <button type="button" class="linkish" data-name={t.name} title="Copy a link that opens the gallery on this template"
            onclick="navigator.clipboard&&navigator.clipboard.writeText(location.origin+'/new?template='+encodeURIComponent(this.dataset.name));this.textContent='Link copied'">
            Copy link
          </button>
        )}
      </div>
      <CardActions t={t} isAdmin={isAdmin} />
      <div class="tpl-msg"></div>
    </label>
  )
}

function Section({ id, title, note, cards, empty, pick, focus, isAdmin }: {
  id: string; title: string; note: string; cards: TemplateCard[]; empty?: string; pick: string; focus?: string; isAdmin: boolean
}) {
  return (
    <section class="g-section" data-section={id}>
      <div class="g-head">
        <h2 safe>{title}</h2>
        <span class="pill g-count">{cards.length}</span>
        <span class="faint" safe>{note}</span>
      </div>
      {cards.length ? (
        <div class="grid">{cards.map((t) => <Card t={t} pick={pick} focus={focus} isAdmin={isAdmin} />)}</div>
      ) : <div class="placeholder" safe>{empty ?? ''}</div>}
    </section>
  )
}

/** The whole gallery: filter toolbar then the sections. */
export function Gallery({ sections, pick, focus, isAdmin }: { sections: GallerySections; pick: string; focus?: string; isAdmin: boolean }) {
  const all = [...sections.builtin, ...sections.mine, ...sections.published, ...sections.others]
  const tags = [...new Set(all.flatMap((t) => t.tags))].sort()
  const common = { pick, focus, isAdmin }
  return (
    <div class="gallery">
      <div class="toolbar g-tools">
        <input type="search" id="g-search" placeholder="Search templates…" aria-label="Search templates" />
        <select id="g-tag" aria-label="Filter by tag">
          <option value="">All tags</option>
          {tags.map((t) => <option value={t} safe>{`#${t}`}</option>)}
        </select>
        <select id="g-level" aria-label="Filter by level">
          <option value="">All levels</option>
          <option value="beginner">Beginner</option>
          <option value="intermediate">Intermediate</option>
        </select>
        <span class="grow"></span>
        <span class="faint" id="g-shown" aria-live="polite"></span>
      </div>
      <Section id="builtin" title="Built-in" note="Deployed and checked through the proxy on every CI run." cards={[...sections.builtin, BLANK]} {...common} />
      <Section id="mine" title="My templates" note="Private to you until an admin publishes them." cards={sections.mine}
        empty="Nothing saved yet. On an app's dashboard, press “Save as template” next to any version." {...common} />
      <Section id="published" title="Published" note="Shared with everybody on this platform." cards={sections.published}
        empty="No templates published yet." {...common} />
      {isAdmin && sections.others.length ? (
        <Section id="others" title="Other users' private templates" note="Only admins see these; publish one to share it." cards={sections.others} {...common} />
      ) : ''}
      <div class="panel empty" id="g-none" hidden>
        <h2>No template matches</h2>
        <p>Try another word, or clear the tag and level filters.</p>
      </div>
    </div>
  )
}
