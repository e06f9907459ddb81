// Light and dark themes: the system's choice unless the person picks one,
// remembered in this browser.
import { html, useState } from './html.js';

const KEY = 'deskwoot.theme';
const NEXT = { system: 'light', light: 'dark', dark: 'system' };
const LABEL = { system: 'Theme: system', light: 'Theme: light', dark: 'Theme: dark' };

export function applyTheme(theme = localStorage.getItem(KEY) || 'system') {
  if (theme === 'system') delete document.documentElement.dataset.theme;
  else document.documentElement.dataset.theme = theme;
}

export function ThemeToggle() {
  const [theme, setTheme] = useState(localStorage.getItem(KEY) || 'system');
  const next = () => {
    const value = NEXT[theme];
    localStorage.setItem(KEY, value);
    applyTheme(value);
    setTheme(value);
  };
  return html`<button type="button" class="ghost" onClick=${next} title="Switch between system, light and dark themes">${LABEL[theme]}</button>`;
}
