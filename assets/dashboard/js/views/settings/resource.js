// The settings page that most resources share: a table, a dialog to create
// or edit one item through a field list, and deletion with a confirmation.
import { html, useState } from '../../html.js';
import { api, acct, listOf } from '../../api.js';
import { toast } from '../../store.js';
import { ConfirmButton, Empty, ErrorNote, Form, FormFields, Loading, Modal, useAction, useLoad } from '../../ui.js';

/**
 * `spec`: `{title, noun, intro, path, key, columns: [[heading, item => cell]],
 * fields: item => [field], blank, fromItem(item), toBody(values, item), canWrite, after(),
 * extra(item, reload), reveal(saved)}`. `reveal` may return what to show
 * once after a create (a generated password), instead of closing.
 */
export function ResourceSettings({ spec }) {
  const list = useLoad(() => api.get(acct(spec.path)).then((b) => listOf(b, spec.key)), [spec.path]);
  const [editing, setEditing] = useState(null);
  const changed = () => {
    list.reload();
    spec.after?.();
  };
  const remove = async (item) => {
    try {
      await api.del(acct(`${spec.path}/${item.id}`));
      toast(`${spec.noun} deleted`, 'success');
      changed();
    } catch (e) {
      toast(e.message, 'error');
    }
  };
  return html`<section>
    <header class="page-head">
      <h1>${spec.title}</h1>
      ${spec.canWrite ? html`<button type="button" class="primary" onClick=${() => setEditing({})}>Add ${spec.noun.toLowerCase()}</button>` : null}
    </header>
    ${spec.intro ? html`<p class="hint">${spec.intro}</p>` : null}
    <${ErrorNote} error=${list.error} onRetry=${list.reload} />
    ${list.loading && !list.data ? html`<${Loading} />` : null}
    ${list.data && !list.data.length ? html`<${Empty} title=${`No ${spec.title.toLowerCase()} yet`} />` : null}
    ${list.data?.length ? html`<div class="table-wrap"><table>
      <thead><tr>${spec.columns.map(([heading]) => html`<th scope="col" key=${heading}>${heading}</th>`)}<th><span class="visually-hidden">Actions</span></th></tr></thead>
      <tbody>${list.data.map((item) => html`<tr key=${item.id}>
        ${spec.columns.map(([heading, cell]) => html`<td key=${heading}>${cell(item)}</td>`)}
        <td class="actions">
          ${spec.extra?.(item, list.reload)}
          ${spec.canWrite ? html`<button type="button" class="secondary" onClick=${() => setEditing(item)}>Edit</button>
            <${ConfirmButton} label="Delete" confirmLabel=${`Delete ${spec.noun.toLowerCase()}`} onConfirm=${() => remove(item)} />` : null}
        </td>
      </tr>`)}</tbody>
    </table></div>` : null}
    ${editing ? html`<${ItemDialog} spec=${spec} item=${editing.id ? editing : null}
      onClose=${() => setEditing(null)} onSaved=${() => { setEditing(null); changed(); }} />` : null}
  </section>`;
}

function ItemDialog({ spec, item, onClose, onSaved }) {
  const [values, setValues] = useState(item ? { ...(spec.fromItem ? spec.fromItem(item) : item) } : { ...spec.blank });
  const [revealed, setRevealed] = useState(null);
  const { busy, error, run } = useAction();
  const submit = () => run(async () => {
    const body = spec.toBody ? spec.toBody(values, item) : values;
    const saved = item ? await api.patch(acct(`${spec.path}/${item.id}`), body) : await api.post(acct(spec.path), body);
    toast(`${spec.noun} saved`, 'success');
    const shown = !item && spec.reveal?.(saved);
    if (shown) setRevealed(shown);
    else onSaved(saved);
  });
  const title = item ? `Edit ${spec.noun.toLowerCase()}` : `New ${spec.noun.toLowerCase()}`;
  return html`<${Modal} title=${title} onClose=${revealed ? onSaved : onClose}>
    ${revealed ? html`${revealed}<div class="form-actions"><button type="button" class="primary" onClick=${onSaved}>Done</button></div>`
      : html`<${Form} onSubmit=${submit} busy=${busy} error=${error} onCancel=${onClose}>
      <${FormFields} fields=${spec.fields(item)} values=${values} onChange=${setValues} error=${error} />
    </${Form}>`}
  </${Modal}>`;
}
