// The dashboard's only script (progressive: every page works without it). It replaces session cards
/* global document, window, URLSearchParams, EventSource */
// and the GPU status table from the server's event streams as they change, and asks before
// destructive actions.
(() => {
  document.addEventListener('submit', (event) => {
    const button = event.submitter;
    if (button && button.dataset.confirm && !window.confirm(button.dataset.confirm)) event.preventDefault();
  });
  const capacity = document.querySelector('[data-live-capacity]');
  if (capacity && window.EventSource) {
    const query = new URLSearchParams({ view: 'capacity', gpuResource: capacity.dataset.gpuResource });
    new EventSource('/events?' + query.toString()).addEventListener('capacity', (event) => {
      capacity.innerHTML = JSON.parse(event.data).html;
    });
  }
  const list = document.querySelector('[data-live]');
  if (!list || !window.EventSource) return;
  const params = new URLSearchParams(list.dataset.live === 'all' ? window.location.search : '');
  params.set('view', list.dataset.live);
  if (list.dataset.namespace) params.set('namespace', list.dataset.namespace);
  const state = document.querySelector('[data-live-state]');
  const source = new EventSource('/events?' + params.toString());
  source.addEventListener('open', () => {
    if (state) state.textContent = 'Updates live as sessions change.';
  });
  source.addEventListener('error', () => {
    if (state) state.textContent = 'Live updates interrupted; reconnecting…';
  });
  source.addEventListener('session', (event) => {
    const { id, html } = JSON.parse(event.data);
    const template = document.createElement('template');
    template.innerHTML = html;
    const card = template.content.firstElementChild;
    if (!card) return;
    const old = document.getElementById(id);
    if (old) old.replaceWith(card);
    else {
      list.querySelector('.empty')?.remove();
      list.prepend(card);
    }
  });
  source.addEventListener('removed', (event) => {
    document.getElementById(JSON.parse(event.data).id)?.remove();
  });
})();
