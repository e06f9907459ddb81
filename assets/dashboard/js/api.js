// The fetch wrapper every view uses: JSON in and out, the session's CSRF
// token on changes, and errors turned into ApiError with the server's message.

let csrfToken = null;
let accountId = null;
let onSessionLost = null;

export function setSession(token) {
  csrfToken = token;
}

export function setAccount(id) {
  accountId = id;
}

/** Called with the error when a request answers 401 after sign-in. */
export function whenSessionLost(fn) {
  onSessionLost = fn;
}

/** `/api/v1/accounts/{id}` + `rest`: the workspace's API. */
export function acct(rest = '') {
  return `/api/v1/accounts/${accountId}${rest}`;
}

class ApiError extends Error {
  constructor(status, body) {
    const details = Array.isArray(body?.details) ? body.details : [];
    const base = body?.message || body?.error || `The server answered ${status}`;
    const message = details.length
      ? details.map((d) => `${d.field}: ${d.message}`).join('; ')
      : base;
    super(message);
    this.status = status;
    this.code = body?.error || 'error';
    this.details = details;
  }

  /** The message for one form field, if the server named it. */
  field(name) {
    return this.details.find((d) => d.field === name || d.field.endsWith(`.${name}`))?.message;
  }
}

function queryString(query) {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === '') continue;
    if (Array.isArray(value)) value.forEach((v) => params.append(`${key}[]`, v));
    else params.append(key, value);
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

async function request(method, path, { json, form, query } = {}) {
  const headers = { Accept: 'application/json' };
  if (method !== 'GET' && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  let body;
  if (json !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(json);
  } else if (form) {
    body = form;
  }
  let response;
  try {
    response = await fetch(path + queryString(query), {
      method, headers, body, credentials: 'same-origin',
    });
  } catch {
    throw new ApiError(0, {
      error: 'network',
      message: 'Cannot reach the Deskwoot server; check the connection and try again.',
    });
  }
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = { message: text };
  }
  if (!response.ok) {
    const error = new ApiError(response.status, data);
    if (response.status === 401 && csrfToken && onSessionLost) onSessionLost(error);
    throw error;
  }
  return data;
}

export const api = {
  get: (path, query) => request('GET', path, { query }),
  post: (path, json = {}, query = undefined) => request('POST', path, { json, query }),
  patch: (path, json) => request('PATCH', path, { json }),
  put: (path, json) => request('PUT', path, { json }),
  del: (path, json) => request('DELETE', path, { json }),
  upload: (path, form) => request('POST', path, { form }),
};

/** A list out of Chatwoot's envelopes: `[...]`, `{payload: [...]}` or `{payload: {key: [...]}}`. */
export function listOf(body, key) {
  if (Array.isArray(body)) return body;
  const payload = body?.payload ?? body?.data?.payload ?? body?.[key];
  if (Array.isArray(payload)) return payload;
  if (payload && Array.isArray(payload[key])) return payload[key];
  return [];
}

/** An item out of `{payload: {key: item}}`, `{payload: item}` or the item itself. */
export function itemOf(body, key) {
  const payload = body?.payload ?? body;
  return payload?.[key] ?? payload;
}

/** A same-origin URL made relative, so it loads under the page's CSP wherever the server thinks it lives. */
export function localUrl(url) {
  if (!url) return url;
  try {
    const parsed = new URL(url, location.href);
    return parsed.pathname + parsed.search;
  } catch {
    return url;
  }
}
