// The one place that binds the vendored libraries: views import from here.
import { h, render, Fragment } from '../vendor/preact.js';
import htm from '../vendor/htm.js';

export const html = htm.bind(h);
export { render, Fragment };
export {
  useState, useEffect, useRef, useMemo, useCallback, useId, useLayoutEffect,
} from '../vendor/hooks.js';
