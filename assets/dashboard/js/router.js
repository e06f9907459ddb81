// A tiny router over the History API: URLs under /app, links that navigate
// without reloading, and a hook that re-renders on navigation.
import { html, useEffect, useState } from './html.js';

const listeners = new Set();

export function navigate(path, { replace = false } = {}) {
  if (path === location.pathname + location.search) return;
  history[replace ? 'replaceState' : 'pushState'](null, '', path);
  listeners.forEach((fn) => fn());
}

window.addEventListener('popstate', () => listeners.forEach((fn) => fn()));

/** The path parts after `/app`, e.g. `['inbox', '12']`, and the query. */
export function useRoute() {
  const [, setTick] = useState(0);
  useEffect(() => {
    const fn = () => setTick((t) => t + 1);
    listeners.add(fn);
    return () => listeners.delete(fn);
  }, []);
  const parts = location.pathname.replace(/^\/app\/?/, '').split('/').filter(Boolean);
  return { parts, query: new URLSearchParams(location.search) };
}

/** An anchor that navigates inside the app unless a modifier asks for a new tab. */
export function Link({ href, children, ...rest }) {
  const onClick = (event) => {
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(href);
  };
  return html`<a href=${href} onClick=${onClick} ...${rest}>${children}</a>`;
}
