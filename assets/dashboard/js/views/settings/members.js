// The members of a team or an inbox: a checkbox per agent; saving replaces
// the set.
import { html, useEffect, useState } from '../../html.js';
import { api, acct, listOf } from '../../api.js';
import { useSession } from '../../store.js';
import { ErrorNote, Loading, Modal, useLoad } from '../../ui.js';

/** `path` lists the current members; `save(ids)` stores the new set. */
export function MembersDialog({ title, path, save, onClose }) {
  const { agents } = useSession();
  const members = useLoad(() => api.get(acct(path)).then((b) => listOf(b, 'agents')), [path]);
  const [chosen, setChosen] = useState(null);
  const [error, setError] = useState(null);
  useEffect(() => {
    if (members.data) setChosen(new Set(members.data.map((m) => m.id)));
  }, [members.data]);
  const submit = async (e) => {
    e.preventDefault();
    try {
      await save([...chosen]);
      onClose();
    } catch (err) {
      setError(err);
    }
  };
  return html`<${Modal} title=${title} onClose=${onClose}>
    <${ErrorNote} error=${members.error || error} />
    ${!chosen ? html`<${Loading} />` : html`<form onSubmit=${submit}>
      <fieldset class="attributes"><legend class="visually-hidden">Agents</legend>
        ${agents.map((a) => html`<label class="check" key=${a.id}>
          <input type="checkbox" checked=${chosen.has(a.id)}
            onChange=${(e) => { const next = new Set(chosen); if (e.target.checked) next.add(a.id); else next.delete(a.id); setChosen(next); }} />
          ${a.available_name || a.name} <span class="hint">${a.email}</span></label>`)}
      </fieldset>
      <div class="form-actions"><button type="button" class="secondary" onClick=${onClose}>Cancel</button>
        <button type="submit" class="primary">Save members</button></div>
    </form>`}
  </${Modal}>`;
}
