// The one place that binds the vendored libraries: views import from here.
import { h, render } from '../vendor/preact.js';
import htm from '../vendor/htm.js';

export const html = htm.bind(h);
export { render };
export { useState, useEffect, useRef, useId } from '../vendor/hooks.js';
