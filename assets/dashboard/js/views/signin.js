// The screens before the app: sign-in, and the first run's setup of the
// workspace and its first administrator.
import { html, useState } from '../html.js';
import { api } from '../api.js';
import { Field, Form, FormFields, useAction } from '../ui.js';

function Welcome({ title, children }) {
  return html`<main class="welcome" id="main">
    <div class="welcome-card">
      <div class="brand"><img src=${new URL('../../icon.svg', import.meta.url).pathname} alt="" width="32" height="32" /> Deskwoot</div>
      <h1>${title}</h1>
      ${children}
    </div>
  </main>`;
}

export function SignIn({ onSignedIn, notice }) {
  const [values, setValues] = useState({ email: '', password: '' });
  const { busy, error, run } = useAction();
  const submit = () => run(async () => onSignedIn(await api.post('/auth/sign_in', values)));
  return html`<${Welcome} title="Sign in">
    ${notice ? html`<p class="notice" role="status">${notice}</p>` : null}
    <${Form} onSubmit=${submit} submitLabel="Sign in" busy=${busy} error=${error}>
      <${FormFields} values=${values} onChange=${setValues} fields=${[
        { name: 'email', label: 'Email', type: 'email', required: true },
        { name: 'password', label: 'Password', type: 'password', required: true },
      ]} />
    </${Form}>
  </${Welcome}>`;
}

export function Setup({ onSignedIn }) {
  const [values, setValues] = useState({ workspace: '', name: '', email: '', password: '' });
  const [confirm, setConfirm] = useState('');
  const { busy, error, run, setError } = useAction();
  const submit = () => {
    if (values.password !== confirm) {
      setError(new Error('The two passwords differ; type the same password twice.'));
      return;
    }
    run(async () => onSignedIn(await api.post('/api/v1/setup', values)));
  };
  return html`<${Welcome} title="Set up Deskwoot">
    <p>No workspace exists yet. Create yours and its first administrator; you will be signed in as them.</p>
    <${Form} onSubmit=${submit} submitLabel="Create workspace" busy=${busy} error=${error}>
      <${FormFields} values=${values} onChange=${setValues} error=${error} fields=${[
        { name: 'workspace', label: 'Workspace name', required: true, hint: 'Your company or team, e.g. Acme Support' },
        { name: 'name', label: 'Your name', required: true },
        { name: 'email', label: 'Your email', type: 'email', required: true },
        { name: 'password', label: 'Password', type: 'password', required: true },
      ]} />
      <${Field} label="Repeat the password">
        ${(id) => html`<input id=${id} type="password" required value=${confirm} onInput=${(e) => setConfirm(e.target.value)} />`}
      </${Field}>
    </${Form}>
  </${Welcome}>`;
}
