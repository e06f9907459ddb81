// Keyboard shortcuts: one listener on the document, handlers registered by
// the views that are on screen, and the sheet that `?` opens.
import { html, useEffect, useRef } from './html.js';
import { Modal } from './ui.js';

/** Every shortcut, for the sheet: [key, what it does]. */
export const SHORTCUTS = [
  ['j', 'Next conversation'],
  ['k', 'Previous conversation'],
  ['r', 'Reply to the open conversation'],
  ['n', 'Write a private note'],
  ['e', 'Resolve or reopen the open conversation'],
  ['a', 'Assign the open conversation to me'],
  ['/', 'Search'],
  ['Ctrl/⌘ + Enter', 'Send the reply or note'],
  ['?', 'Show these shortcuts'],
  ['Esc', 'Close a dialog or menu'],
];

const handlers = new Map();

function typingInField(target) {
  return target.closest?.('input, textarea, select, [contenteditable="true"], dialog');
}

document.addEventListener('keydown', (event) => {
  if (event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) return;
  if (typingInField(event.target)) return;
  const handler = handlers.get(event.key);
  if (handler) {
    event.preventDefault();
    handler(event);
  }
});

/** Binds `keys` (`{j: fn, ...}`) while the component is mounted. */
export function useShortcuts(keys) {
  const current = useRef(keys);
  current.current = keys;
  useEffect(() => {
    const names = Object.keys(current.current);
    const bound = names.map((key) => {
      const fn = (event) => current.current[key]?.(event);
      handlers.set(key, fn);
      return [key, fn];
    });
    return () => bound.forEach(([key, fn]) => handlers.get(key) === fn && handlers.delete(key));
  }, []);
}

export function ShortcutSheet({ onClose }) {
  return html`<${Modal} title="Keyboard shortcuts" onClose=${onClose}>
    <dl class="shortcuts">
      ${SHORTCUTS.map(([key, what]) => html`<div key=${key}><dt><kbd>${key}</kbd></dt><dd>${what}</dd></div>`)}
    </dl>
  </${Modal}>`;
}
