// Small shared pieces: loading, empty and error states, dialogs, form fields,
// copy buttons, confirmations, toasts, avatars and time formatting.
import { html, useEffect, useId, useRef, useState } from './html.js';
import { toasts, dismissToast, toast } from './store.js';

export function Loading({ label = 'Loading…' }) {
  return html`<div class="state" role="status"><span class="spinner" aria-hidden="true"></span>${label}</div>`;
}

export function Empty({ title, children }) {
  return html`<div class="state empty"><strong>${title}</strong>${children ? html`<div>${children}</div>` : null}</div>`;
}

export function ErrorNote({ error, onRetry }) {
  if (!error) return null;
  return html`<div class="error-note" role="alert">
    <span>${error.message || String(error)}</span>
    ${onRetry ? html`<button type="button" class="link" onClick=${onRetry}>Try again</button>` : null}
  </div>`;
}

/** A modal dialog on the native <dialog>: focus is kept inside, Escape closes. */
export function Modal({ title, onClose, children, wide = false }) {
  const ref = useRef(null);
  const titleId = useId();
  useEffect(() => {
    const dialog = ref.current;
    dialog.showModal();
    return () => dialog.open && dialog.close();
  }, []);
  const onCancel = (event) => {
    event.preventDefault();
    onClose();
  };
  return html`<dialog ref=${ref} class=${wide ? 'modal wide' : 'modal'} aria-labelledby=${titleId} onCancel=${onCancel}>
    <header class="modal-head">
      <h2 id=${titleId}>${title}</h2>
      <button type="button" class="icon-button" aria-label="Close" onClick=${onClose}>×</button>
    </header>
    <div class="modal-body">${children}</div>
  </dialog>`;
}

/** One labelled form control with its hint and error. */
export function Field({ label, error, hint, children, inline = false }) {
  const id = useId();
  const control = typeof children === 'function' ? children(id) : children;
  return html`<div class=${inline ? 'field inline' : 'field'}>
    <label for=${id}>${label}</label>
    ${control}
    ${hint ? html`<small class="hint">${hint}</small>` : null}
    ${error ? html`<small class="field-error" role="alert">${error}</small>` : null}
  </div>`;
}

/**
 * Renders `fields` (`{name, label, type, options, hint, required}`) bound to
 * `values`; `error` is the last ApiError, whose field messages show inline.
 */
export function FormFields({ fields, values, onChange, error }) {
  const set = (name, value) => onChange({ ...values, [name]: value });
  return fields.map((f) => html`<${Field} key=${f.name} label=${f.label} hint=${f.hint} error=${error?.field?.(f.name)}>
    ${(id) => control(id, f, values[f.name], (v) => set(f.name, v))}
  </${Field}>`);
}

function control(id, f, value, set) {
  const common = { id, name: f.name, required: f.required, disabled: f.disabled };
  switch (f.type) {
    case 'textarea':
      return html`<textarea ...${common} rows=${f.rows || 4} value=${value ?? ''} onInput=${(e) => set(e.target.value)}></textarea>`;
    case 'checkbox':
      return html`<input ...${common} type="checkbox" checked=${!!value} onChange=${(e) => set(e.target.checked)} />`;
    case 'select':
      return html`<select ...${common} value=${value ?? ''} onChange=${(e) => set(e.target.value)}>
        ${f.options.map(([v, label]) => html`<option value=${v}>${label}</option>`)}
      </select>`;
    case 'number':
      return html`<input ...${common} type="number" value=${value ?? ''} onInput=${(e) => set(e.target.value === '' ? null : Number(e.target.value))} />`;
    default:
      return html`<input ...${common} type=${f.type || 'text'} value=${value ?? ''} onInput=${(e) => set(e.target.value)} />`;
  }
}

/** A form whose submit runs `onSubmit` and shows its error; the button says busy. */
export function Form({ onSubmit, submitLabel = 'Save', error, children, busy, onCancel }) {
  const submit = (event) => {
    event.preventDefault();
    onSubmit();
  };
  return html`<form class="form" onSubmit=${submit} novalidate>
    ${children}
    <${ErrorNote} error=${error} />
    <div class="form-actions">
      ${onCancel ? html`<button type="button" class="secondary" onClick=${onCancel}>Cancel</button>` : null}
      <button type="submit" class="primary" disabled=${busy}>${busy ? 'Saving…' : submitLabel}</button>
    </div>
  </form>`;
}

/** Runs an async action, keeping its busy flag and its last error. */
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const run = async (fn) => {
    setBusy(true);
    setError(null);
    try {
      return await fn();
    } catch (e) {
      setError(e);
      return undefined;
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, run, setError };
}

/** Loads `fn()` when `deps` change: `{data, error, loading, reload, setData}`. */
export function useLoad(fn, deps) {
  const [state, setState] = useState({ data: null, error: null, loading: true });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true, error: null }));
    fn().then(
      (data) => live && setState({ data, error: null, loading: false }),
      (error) => live && setState({ data: null, error, loading: false }),
    );
    return () => {
      live = false;
    };
  }, [...deps, tick]);
  return {
    ...state,
    reload: () => setTick((t) => t + 1),
    setData: (data) => setState((s) => ({ ...s, data: typeof data === 'function' ? data(s.data) : data })),
  };
}

export function CopyButton({ text, label = 'Copy' }) {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setCopied(true);
      setTimeout(() => setCopied(false), 2000);
    } catch {
      toast('The browser refused to copy; select the text and copy it by hand.', 'error');
    }
  };
  return html`<button type="button" class="secondary" onClick=${copy}>${copied ? 'Copied' : label}</button>`;
}

/** A button that asks again before doing something that cannot be undone. */
export function ConfirmButton({ label, confirmLabel = 'Yes, do it', onConfirm, className = 'danger' }) {
  const [asking, setAsking] = useState(false);
  if (!asking) {
    return html`<button type="button" class=${className} onClick=${() => setAsking(true)}>${label}</button>`;
  }
  return html`<span class="confirm" role="group" aria-label=${label}>
    <span>Sure?</span>
    <button type="button" class="danger" onClick=${() => { setAsking(false); onConfirm(); }}>${confirmLabel}</button>
    <button type="button" class="secondary" onClick=${() => setAsking(false)}>Cancel</button>
  </span>`;
}

export function Toasts() {
  const [state, setState] = useState(toasts.get());
  useEffect(() => toasts.subscribe(setState), []);
  return html`<div class="toasts" role="status" aria-live="polite">
    ${state.items.map((t) => html`<div key=${t.id} class=${`toast ${t.kind}`}>
      <span>${t.message}</span>
      <button type="button" class="icon-button" aria-label="Dismiss" onClick=${() => dismissToast(t.id)}>×</button>
    </div>`)}
  </div>`;
}

export function Avatar({ name, size = 'md' }) {
  const initials = (name || '?').split(/\s+/).filter(Boolean).slice(0, 2).map((w) => w[0].toUpperCase()).join('');
  let hue = 0;
  for (const ch of name || '') hue = (hue * 31 + ch.charCodeAt(0)) % 360;
  return html`<span class=${`avatar ${size} hue-${hue % 8}`} aria-hidden="true">${initials || '?'}</span>`;
}

/** "now", "5m", "3h", "2d" or a date: for lists. */
export function ago(ts) {
  if (!ts) return '';
  const seconds = Math.max(0, Date.now() / 1000 - ts);
  if (seconds < 60) return 'now';
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)}h`;
  if (seconds < 7 * 86400) return `${Math.floor(seconds / 86400)}d`;
  return new Date(ts * 1000).toLocaleDateString();
}

/** A full local date and time, for titles and details. */
export function when(ts) {
  return ts ? new Date(ts * 1000).toLocaleString() : '—';
}

export function fileSize(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
