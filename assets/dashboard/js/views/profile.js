// The signed-in person's profile: name, display name, availability and
// password.
import { html, useState } from '../html.js';
import { AVAILABILITY, saveProfile as save, toast, useSession } from '../store.js';
import { Field, Form, FormFields, useAction } from '../ui.js';

export function Profile() {
  const { profile } = useSession();
  const [values, setValues] = useState({
    name: profile.name, display_name: profile.display_name || '', availability: profile.availability,
  });
  const details = useAction();
  const submitDetails = () => details.run(async () => {
    await save({ name: values.name, display_name: values.display_name.trim() || null, availability: values.availability });
    toast('Profile saved', 'success');
  });

  const [passwords, setPasswords] = useState({ current_password: '', password: '', confirm: '' });
  const password = useAction();
  const submitPassword = () => {
    if (passwords.password !== passwords.confirm) {
      password.setError(new Error('The new password and its repetition differ.'));
      return;
    }
    password.run(async () => {
      await save({ current_password: passwords.current_password, password: passwords.password });
      setPasswords({ current_password: '', password: '', confirm: '' });
      toast('Password changed', 'success');
    });
  };

  return html`<div class="page">
    <header class="page-head"><h1>Your profile</h1></header>
    <div class="columns">
      <section class="card"><h2>Details</h2>
        <${Form} onSubmit=${submitDetails} busy=${details.busy} error=${details.error}>
          <${FormFields} values=${values} onChange=${setValues} error=${details.error} fields=${[
            { name: 'name', label: 'Name', required: true },
            { name: 'display_name', label: 'Display name', hint: 'What contacts see; your name when empty' },
            { name: 'availability', label: 'Availability', type: 'select', options: AVAILABILITY },
          ]} />
          <${Field} label="Email">${(id) => html`<input id=${id} value=${profile.email} disabled />`}</${Field}>
        </${Form}>
      </section>
      <section class="card"><h2>Password</h2>
        <${Form} onSubmit=${submitPassword} busy=${password.busy} error=${password.error} submitLabel="Change password">
          <${FormFields} values=${passwords} onChange=${setPasswords} error=${password.error} fields=${[
            { name: 'current_password', label: 'Current password', type: 'password', required: true },
            { name: 'password', label: 'New password', type: 'password', required: true },
            { name: 'confirm', label: 'Repeat the new password', type: 'password', required: true },
          ]} />
        </${Form}>
      </section>
    </div>
  </div>`;
}
