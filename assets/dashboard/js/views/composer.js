// The reply box: reply or private note, canned responses by /shortcode,
// attachments by picker, paste or drop, and Ctrl/Cmd+Enter to send.
import { html, useEffect, useRef, useState } from '../html.js';
import { api, acct, listOf } from '../api.js';
import { sendTyping } from '../live.js';
import { fileSize } from '../ui.js';

const MAX_FILES = 15;
const TYPING_EVERY_MS = 3000;

export function Composer({ handle, conversation, onSend }) {
  const [mode, setMode] = useState('reply');
  const [text, setText] = useState('');
  const [files, setFiles] = useState([]);
  const [canned, setCanned] = useState(null);
  const [dragging, setDragging] = useState(false);
  const [problem, setProblem] = useState(null);
  const box = useRef(null);
  const cannedAll = useRef(null);
  const cannedTicket = useRef(0);
  const lastTyping = useRef(0);
  const isNote = mode === 'note';

  handle.current = {
    focus(next) {
      setMode(next);
      box.current?.focus();
    },
  };

  useEffect(() => () => {
    files.forEach((f) => URL.revokeObjectURL(f.preview));
    if (lastTyping.current) sendTyping(conversation.id, false, isNote);
  }, []);

  const addFiles = (list) => {
    const added = [...list].map((file) => ({ file, preview: file.type.startsWith('image/') ? URL.createObjectURL(file) : null }));
    if (!added.length) return;
    setFiles((current) => {
      const all = [...current, ...added];
      if (all.length > MAX_FILES) {
        setProblem(`At most ${MAX_FILES} files go with one message.`);
        all.slice(MAX_FILES).forEach((f) => f.preview && URL.revokeObjectURL(f.preview));
        return all.slice(0, MAX_FILES);
      }
      return all;
    });
  };
  const removeFile = (index) => setFiles((current) => {
    if (current[index].preview) URL.revokeObjectURL(current[index].preview);
    return current.filter((_, i) => i !== index);
  });

  const findCanned = async (value, caret) => {
    const ticket = ++cannedTicket.current;
    const match = /(?:^|\s)\/([\w-]*)$/.exec(value.slice(0, caret));
    if (!match) return setCanned(null);
    let all;
    try {
      cannedAll.current ??= api.get(acct('/canned_responses')).then((b) => listOf(b, 'canned_responses'));
      all = await cannedAll.current;
    } catch (e) {
      cannedAll.current = null;
      setProblem(e.message);
      return undefined;
    }
    // Keystrokes may overtake the first load: only the latest one counts.
    if (ticket !== cannedTicket.current) return undefined;
    const query = match[1].toLowerCase();
    const items = all
      .filter((c) => c.short_code.toLowerCase().startsWith(query) || c.content.toLowerCase().includes(query))
      .slice(0, 8);
    setCanned(items.length ? { items, index: 0, query: match[1], caret } : null);
    return undefined;
  };

  const pickCanned = (item) => {
    const start = canned.caret - canned.query.length - 1;
    const next = text.slice(0, start) + item.content + text.slice(canned.caret);
    setText(next);
    setCanned(null);
    requestAnimationFrame(() => {
      const at = start + item.content.length;
      box.current.focus();
      box.current.setSelectionRange(at, at);
    });
  };

  const onInput = (e) => {
    setText(e.target.value);
    setProblem(null);
    findCanned(e.target.value, e.target.selectionStart);
    const now = Date.now();
    if (now - lastTyping.current > TYPING_EVERY_MS) {
      lastTyping.current = now;
      sendTyping(conversation.id, true, isNote);
    }
  };

  const submit = () => {
    const content = text.trim();
    if (!content && !files.length) {
      setProblem('Write a message or attach a file first.');
      return;
    }
    onSend({ content, isPrivate: isNote, files: files.map((f) => f.file) });
    files.forEach((f) => f.preview && URL.revokeObjectURL(f.preview));
    setText('');
    setFiles([]);
    setCanned(null);
    lastTyping.current = 0;
    sendTyping(conversation.id, false, isNote);
  };

  const onKeyDown = (e) => {
    if (canned) {
      const n = canned.items.length;
      if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
        e.preventDefault();
        setCanned({ ...canned, index: (canned.index + (e.key === 'ArrowDown' ? 1 : n - 1)) % n });
        return;
      }
      if (e.key === 'Enter' || e.key === 'Tab') {
        e.preventDefault();
        pickCanned(canned.items[canned.index]);
        return;
      }
      if (e.key === 'Escape') {
        e.preventDefault();
        setCanned(null);
        return;
      }
    }
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      submit();
    } else if (e.key === 'Escape') {
      e.target.blur();
    }
  };

  const onDrop = (e) => {
    e.preventDefault();
    setDragging(false);
    addFiles(e.dataTransfer.files);
  };
  const onPaste = (e) => {
    if (e.clipboardData?.files?.length) {
      e.preventDefault();
      addFiles(e.clipboardData.files);
    }
  };

  const cannedId = `canned-${conversation.id}`;
  const label = isNote ? 'Private note (only agents see it)' : 'Reply to the contact';
  return html`<div class=${`composer${isNote ? ' note' : ''}${dragging ? ' dragging' : ''}`}
      onDragOver=${(e) => { e.preventDefault(); setDragging(true); }} onDragLeave=${() => setDragging(false)} onDrop=${onDrop}>
    <div class="composer-modes" role="group" aria-label="Message kind">
      <button type="button" aria-pressed=${!isNote} class=${!isNote ? 'mode active' : 'mode'} onClick=${() => setMode('reply')}>Reply</button>
      <button type="button" aria-pressed=${isNote} class=${isNote ? 'mode active' : 'mode'} onClick=${() => setMode('note')}>Private note</button>
    </div>
    ${!conversation.can_reply && !isNote ? html`<p class="hint">This conversation no longer takes replies; you can still add notes.</p>` : null}
    <label class="visually-hidden" for=${`reply-${conversation.id}`}>${label}</label>
    <textarea id=${`reply-${conversation.id}`} ref=${box} rows="3" value=${text}
      placeholder=${isNote ? 'Write a note for your team…' : 'Write a reply… (type / for canned responses)'}
      role="combobox" aria-autocomplete="list" aria-expanded=${!!canned} aria-controls=${cannedId}
      aria-activedescendant=${canned ? `${cannedId}-${canned.index}` : null}
      onInput=${onInput} onKeyDown=${onKeyDown} onPaste=${onPaste}
      onBlur=${() => { if (lastTyping.current) { lastTyping.current = 0; sendTyping(conversation.id, false, isNote); } }}></textarea>
    <ul id=${cannedId} class="canned" role="listbox" aria-label="Canned responses" hidden=${!canned}>
      ${canned?.items.map((c, i) => html`<li id=${`${cannedId}-${i}`} key=${c.id} role="option" aria-selected=${i === canned.index}
        onMouseDown=${(e) => { e.preventDefault(); pickCanned(c); }}>
        <strong>/${c.short_code}</strong> <span>${c.content}</span>
      </li>`)}
    </ul>
    ${files.length ? html`<ul class="pending-files" aria-label="Files to send">
      ${files.map((f, i) => html`<li key=${`${f.file.name}-${i}`}>
        ${f.preview ? html`<img src=${f.preview} alt="" />` : null}
        <span>${f.file.name} <small>${fileSize(f.file.size)}</small></span>
        <button type="button" class="icon-button" aria-label=${`Remove ${f.file.name}`} onClick=${() => removeFile(i)}>×</button>
      </li>`)}
    </ul>` : null}
    ${problem ? html`<p class="field-error" role="alert">${problem}</p>` : null}
    <div class="composer-actions">
      <label class="button secondary">
        Attach files
        <input type="file" multiple class="visually-hidden" onChange=${(e) => { addFiles(e.target.files); e.target.value = ''; }} />
      </label>
      <span class="hint">Paste or drop files · Ctrl/⌘+Enter sends</span>
      <button type="button" class="primary" onClick=${submit}>${isNote ? 'Add note' : 'Send'}</button>
    </div>
  </div>`;
}
