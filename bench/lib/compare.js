'use strict';
// How far one output is from another, as the GPU benchmarks and device checks judge variants.

/** max |a − b| / max |b| over two arrays of the same length. */
function maxRelDiff(a, b) {
  let num = 0, den = 0;
  for (let i = 0; i < a.length; i++) {
    num = Math.max(num, Math.abs(a[i] - b[i]));
    den = Math.max(den, Math.abs(b[i]));
  }
  return num / den;
}

module.exports = { maxRelDiff };
