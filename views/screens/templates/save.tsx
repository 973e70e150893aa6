// "Save as template" on the dashboard: a dialog with the template's name, title, description, tags, level, guide;
// and the guide editor a template's owner opens from its gallery card.

/** The dialog; a version button fills in the version and opens it. */
export function SaveTemplateDialog({ appId }: { appId: string }) {
  return (
    <dialog id="save-template" style="max-width:480px;width:100%">
      <form hx-post={`/apps/${appId}/templates`} hx-target="#save-template-result" hx-swap="innerHTML">
        <h2 id="save-template-heading">Save as template</h2>
        <p class="muted" style="margin-top:0">The template keeps this version's files and its env variable <em>names</em>; env values are never copied. It stays private to you until an admin publishes it.</p>
        <input type="hidden" name="version" id="save-template-version" value="" />
        <div class="field">
          <label for="tpl-name">Name (used in links: /new?template=name)</label>
          <input id="tpl-name" name="name" required maxlength="40" placeholder="week-1-hello" class="mono" />
        </div>
        <div class="field">
          <label for="tpl-title">Title</label>
          <input id="tpl-title" name="title" required maxlength="80" placeholder="Week 1: a hello API" />
        </div>
        <div class="field">
          <label for="tpl-description">Description</label>
          <textarea id="tpl-description" name="description" rows="2" maxlength="300"></textarea>
        </div>
        <div class="row field">
          <div class="grow">
            <label for="tpl-tags">Tags (space separated)</label>
            <input id="tpl-tags" name="tags" placeholder="class api" />
          </div>
          <div>
            <label for="tpl-level">Level</label>
            <select id="tpl-level" name="level"><option value="beginner">Beginner</option><option value="intermediate">Intermediate</option></select>
          </div>
        </div>
        <div class="field">
          <label for="tpl-guide">Guide (Markdown, optional: empty keeps the guide of the template the app came from)</label>
          <textarea id="tpl-guide" name="guide" rows="4" maxlength="8000" class="mono" placeholder={'1. Call `GET /` and read the answer.\n2. Change the message in app.py and press Deploy.'}></textarea>
          <div class="faint">Calls written like <code>GET /items</code> become one-click buttons in the editor's Guide tab.</div>
        </div>
        <div id="save-template-result"></div>
        <div class="row">
          <span class="grow"></span>
          <button class="btn" type="button" onclick="this.closest('dialog').close()">Close</button>
          <button class="btn primary" type="submit">Save template</button>
        </div>
      </form>
    </dialog>
  )
}

/** What the dialog shows once saved: where to find it and the link to hand out. */
export function SavedTemplate({ name, title }: { name: string; title: string }) {
  const link = `/new?template=${encodeURIComponent(name)}`
  return (
    <div class="alert info" role="status">
      Saved <strong safe>{title}</strong>. Find it under “My templates” in the gallery: <a href={link} id="saved-template-link" safe>{link}</a>
    </div>
  )
}

/** The guide editor in a gallery card (no form of its own: the card sits inside the new-app form). */
export function GuideEditor({ name, guide }: { name: string; guide: string }) {
  const id = `guide-${name}`
  return (
    <div class="tpl-guide-edit">
      <label for={id}>Guide (Markdown). Calls written like <code>GET /items</code> become one-click buttons in the editor.</label>
      <textarea id={id} name="guide" rows="8" maxlength="8000" class="mono" safe>{guide}</textarea>
      <div class="row" style="margin-top:6px">
        <button type="button" class="btn sm primary" hx-post={`/templates/${encodeURIComponent(name)}/guide`} hx-include={`#${id}`}
          hx-target="closest .tpl-msg" hx-swap="innerHTML">Save guide</button>
        <button type="button" class="btn sm" onclick="this.closest('.tpl-msg').innerHTML=''">Cancel</button>
      </div>
    </div>
  )
}
