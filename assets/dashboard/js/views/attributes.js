// Typed custom attributes (text, number, currency, percent, link, date,
// list, checkbox), each edited in place and saved on its own.
import { html, useEffect, useState } from '../html.js';
import { toast } from '../store.js';

function toInput(type, value) {
  if (value === undefined || value === null) return type === 'checkbox' ? false : '';
  if (type === 'date') return String(value).slice(0, 10);
  return value;
}

function fromInput(type, raw) {
  if (type === 'checkbox') return raw;
  if (raw === '') return null;
  if (['number', 'currency', 'percent'].includes(type)) return Number(raw);
  return raw;
}

const INPUT_TYPES = { number: 'number', currency: 'number', percent: 'number', link: 'url', date: 'date', text: 'text' };

function AttributeRow({ definition, value, onSave }) {
  const type = definition.attribute_display_type;
  const [draft, setDraft] = useState(toInput(type, value));
  const [busy, setBusy] = useState(false);
  useEffect(() => setDraft(toInput(type, value)), [value]);
  const id = `attr-${definition.attribute_model}-${definition.attribute_key}`;
  const save = async (raw) => {
    const next = fromInput(type, raw);
    if (next === (value ?? null)) return;
    setBusy(true);
    try {
      await onSave(definition.attribute_key, next);
    } catch (e) {
      toast(`${definition.attribute_display_name}: ${e.message}`, 'error');
      setDraft(toInput(type, value));
    } finally {
      setBusy(false);
    }
  };
  let input;
  if (type === 'checkbox') {
    input = html`<input id=${id} type="checkbox" checked=${!!draft} disabled=${busy}
      onChange=${(e) => { setDraft(e.target.checked); save(e.target.checked); }} />`;
  } else if (type === 'list') {
    input = html`<select id=${id} value=${draft} disabled=${busy} onChange=${(e) => { setDraft(e.target.value); save(e.target.value); }}>
      <option value="">—</option>
      ${definition.attribute_values.map((v) => html`<option value=${v}>${v}</option>`)}
    </select>`;
  } else {
    input = html`<input id=${id} type=${INPUT_TYPES[type] || 'text'} value=${draft} disabled=${busy}
      step=${type === 'number' ? 'any' : type === 'currency' ? '0.01' : null}
      onInput=${(e) => setDraft(e.target.value)} onBlur=${(e) => save(e.target.value)}
      onKeyDown=${(e) => e.key === 'Enter' && e.target.blur()} />`;
  }
  return html`<div class=${`attribute ${type}`}>
    <label for=${id} title=${definition.attribute_description || ''}>${definition.attribute_display_name}${type === 'percent' ? ' (%)' : ''}</label>
    ${input}
  </div>`;
}

/** The attributes of one model; `onSave(key, value)` stores one value. */
export function Attributes({ definitions, values, onSave }) {
  if (!definitions.length) return html`<p class="hint">No custom attributes are defined; administrators add them in Settings → Custom attributes.</p>`;
  return html`<div class="attributes">
    ${definitions.map((d) => html`<${AttributeRow} key=${d.id} definition=${d} value=${values?.[d.attribute_key]} onSave=${onSave} />`)}
  </div>`;
}
