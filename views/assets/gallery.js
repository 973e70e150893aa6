// The template gallery: filters cards by search text, tag and level; hides empty sections; shows which
// template is picked; scrolls to the template a teacher's link points at. Re-binds after htmx swaps.
(function () {
  'use strict'
  function $(id) { return document.getElementById(id) }
  function filter() {
    const form = $('new-app'); if (!form) return
    const q = ($('g-search').value || '').trim().toLowerCase()
    const tag = $('g-tag').value
    const level = $('g-level').value
    let shown = 0
    form.querySelectorAll('.g-section').forEach(function (section) {
      const cards = section.querySelectorAll('.tpl-card')
      let visible = 0
      cards.forEach(function (card) {
        const words = q.split(/\s+/).filter(Boolean)
        const ok = words.every(function (w) { return card.dataset.search.indexOf(w) >= 0 }) &&
          (!tag || card.dataset.tags.split(' ').indexOf(tag) >= 0) && (!level || card.dataset.level === level)
        card.hidden = !ok
        if (ok) visible++
      })
      shown += visible
      const filtering = q || tag || level
      section.hidden = !!filtering && visible === 0
      const count = section.querySelector('.g-count'); if (count) count.textContent = String(filtering ? visible : cards.length)
    })
    $('g-none').hidden = shown > 0
    $('g-shown').textContent = (q || tag || level) ? shown + (shown === 1 ? ' template matches' : ' templates match') : ''
  }
  function picked() {
    const r = document.querySelector('#new-app input[name=template]:checked')
    document.querySelectorAll('.tpl-card').forEach(function (c) { c.classList.toggle('on', !!r && c.dataset.template === r.value) })
    if (r && $('g-picked')) $('g-picked').textContent = r.closest('.tpl-card').dataset.title
  }
  function init() {
    const form = $('new-app'); if (!form || form.dataset.ready) return
    form.dataset.ready = '1'
    form.addEventListener('input', function (e) { if (e.target.id === 'g-search') filter() })
    form.addEventListener('change', function (e) {
      if (e.target.id === 'g-tag' || e.target.id === 'g-level') filter()
      if (e.target.name === 'template') picked()
    })
    picked()
    const focus = form.dataset.focus && $('tpl-' + form.dataset.focus)
    if (focus) focus.scrollIntoView({ block: 'center' })
    document.body.dataset.galleryReady = '1'
  }
  document.addEventListener('DOMContentLoaded', init)
  document.addEventListener('htmx:afterSettle', init)
  if (document.readyState !== 'loading') init()
})()
