"""The page's own JavaScript: small click handlers that hand events to Python.

Each runs from a `gr.HTML(js_on_load=...)` (where `element` is that component
and `trigger` fires its events) or as an event's `js`.
"""

SCROLL_TO_CITED = """() => { setTimeout(() => {
  const el = document.getElementById('cited');
  if (el) el.scrollIntoView({block: 'center'});
}, 300); }"""
# Cards carry data-open="i"; a click on one (not on its text field, not on the
# summary of its "also in" list, not while selecting text) sends the index to
# Python as a "click" event with {open: i}.
OPEN_ON_CLICK = """
element.addEventListener('click', (event) => {
  const button = event.target.closest('.foi-open');
  const card = event.target.closest('[data-open]');
  if (!card || !element.contains(card)) return;
  if (!button && (event.target.closest('input, textarea, a, summary') || String(window.getSelection()).trim())) return;
  trigger('click', {open: Number(card.dataset.open)});
});
"""
# The chat's [n] markers are links whose href names their passage (see
# chat.marker_link). The chat runs no script of ours, so the citation cards'
# component listens on the document and sends the href as {marker: href}; one
# listener per page, using the latest mount's trigger.
OPEN_MARKER = """
if (!document.foiMarkerTrigger) {
  document.addEventListener('click', (event) => {
    const link = event.target.closest('#foi-chat a.foi-marker');
    if (!link) return;
    event.preventDefault();
    document.foiMarkerTrigger('click', {marker: link.getAttribute('href')});
  });
}
document.foiMarkerTrigger = trigger;
"""
# Facet buttons carry data-facet and data-value; a click applies that filter.
FACET_ON_CLICK = """
element.addEventListener('click', (event) => {
  const button = event.target.closest('button[data-facet]');
  if (!button || !element.contains(button)) return;
  trigger('click', {facet: button.dataset.facet, facet_value: button.dataset.value});
});
"""
