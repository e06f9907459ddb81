// A node:test reporter that prints one closing line, `N passed, N failed`
// (and `, N skipped`), for CI to read. It counts tests, not the suites or
// files that hold them; a holder that fails by itself (a crashed file, a
// failing hook) counts as one failure.

export default async function* summary(source) {
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  // children[n]: results at nesting n + 1 since the last one at nesting n.
  const children = [];
  const failedChildren = [];
  for await (const event of source) {
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    const n = event.data.nesting;
    const kids = children[n + 1] || 0;
    const failedKids = failedChildren[n + 1] || 0;
    children[n + 1] = 0;
    failedChildren[n + 1] = 0;
    children[n] = (children[n] || 0) + 1;
    const fail = event.type === 'test:fail';
    if (fail) failedChildren[n] = (failedChildren[n] || 0) + 1;
    if (kids > 0) {
      if (fail && failedKids === 0) failed += 1;
    } else if (fail) {
      failed += 1;
    } else if (event.data.skip || event.data.todo) {
      skipped += 1;
    } else {
      passed += 1;
    }
  }
  yield `${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}\n`;
}
