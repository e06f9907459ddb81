// Settings → Workspace: its name.
import { html, useState } from '../../html.js';
import { api, acct } from '../../api.js';
import { session, toast } from '../../store.js';
import { Form, FormFields, useAction } from '../../ui.js';

export function WorkspaceSettings({ account }) {
  const [values, setValues] = useState({ name: account.name });
  const { busy, error, run } = useAction();
  const submit = () => run(async () => {
    const workspace = await api.patch(acct(), { name: values.name });
    session.set({ account: { ...session.get().account, name: workspace.name } });
    toast('Workspace saved', 'success');
  });
  return html`<section>
    <header class="page-head"><h1>Workspace</h1></header>
    <div class="card">
      <${Form} onSubmit=${submit} busy=${busy} error=${error}>
        <${FormFields} values=${values} onChange=${setValues} error=${error}
          fields=${[{ name: 'name', label: 'Workspace name', required: true }]} />
      </${Form}>
    </div>
  </section>`;
}
