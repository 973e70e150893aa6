// The dashboard's database panel: which database, isolation, collections, documents.

/** A collection row. */
export interface CollectionRow {
  name: string
  count: number
  size: number
}

/** The database panel. */
export function DatabasePanel({ appId, name, boundTo, isolation, collections }: { appId: string; name: string; boundTo: string | null; isolation: string; collections: CollectionRow[] }) {
  return (
    <div class="panel" id="database">
      <div class="panel-head">
        <h2>Database</h2>
        <span class="mono faint" safe>{name}</span>
        {boundTo ? <span class="pill">shared</span> : ''}
      </div>
      <p class="faint" style="margin-top:0" safe>{isolation}</p>
      {!collections.length ? (
        <div class="muted">No collections yet. Your app writes to it with <code>MongoClient(os.environ["PLATFORM_MONGO_URI"]).get_default_database()</code>.</div>
      ) : (
        <table>
          <thead><tr><th>Collection</th><th>Documents</th><th>Size</th><th></th></tr></thead>
          <tbody>
            {collections.map((c) => (
              <tr class="click" hx-get={`/apps/${appId}/db/${encodeURIComponent(c.name)}`} hx-target="#documents">
                <td class="mono" safe>{c.name}</td>
                <td safe>{String(c.count)}</td>
                <td class="faint">{c.size ? `${(c.size / 1024).toFixed(1)} KB` : '—'}</td>
                <td style="text-align:right"><span class="pill">browse ›</span></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <div id="documents"></div>
    </div>
  )
}

/** Documents of one collection, with a filter, pagination, delete and export. */
export function DocumentsView(p: { appId: string; collection: string; filter: string; skip: number; limit: number; total: number; documents: { id: string; json: string }[]; error?: string }) {
  const base = `/apps/${p.appId}/db/${encodeURIComponent(p.collection)}`
  return (
    <div style="margin-top:12px">
      <form class="row" hx-get={base} hx-target="#documents">
        <input name="filter" class="mono grow" placeholder='{"status": "open"}' value={p.filter} aria-label="Filter (JSON)" />
        <button class="btn sm" type="submit">Filter</button>
        <a class="btn sm" href={`/api/apps/${p.appId}/db/collections/${encodeURIComponent(p.collection)}/export`}>Export JSONL</a>
      </form>
      {p.error ? <div class="alert" style="margin-top:8px" safe>{p.error}</div> : ''}
      <div class="faint" style="margin:8px 0" safe>
        {`${p.total} document${p.total === 1 ? '' : 's'}${p.total > p.limit ? ` · showing ${p.skip + 1}–${Math.min(p.skip + p.limit, p.total)}` : ''}`}
      </div>
      {p.documents.map((d) => (
        <div style="position:relative;margin-bottom:8px">
          <pre class="code" safe>{d.json}</pre>
          <button class="btn sm danger" style="position:absolute;top:6px;right:6px" hx-delete={`${base}/${encodeURIComponent(d.id)}`}
            hx-vals={JSON.stringify({ filter: p.filter, skip: String(p.skip) })} hx-target="#documents" hx-confirm="Delete this document?">Delete</button>
        </div>
      ))}
      <div class="row">
        {p.skip > 0 ? <button class="btn sm" hx-get={`${base}?skip=${Math.max(0, p.skip - p.limit)}&filter=${encodeURIComponent(p.filter)}`} hx-target="#documents">‹ Newer</button> : ''}
        {p.skip + p.limit < p.total ? <button class="btn sm" hx-get={`${base}?skip=${p.skip + p.limit}&filter=${encodeURIComponent(p.filter)}`} hx-target="#documents">Older ›</button> : ''}
      </div>
    </div>
  )
}
