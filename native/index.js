'use strict';
// Loads the compiled addon. When loading fails, one message lists the possible fixes.
const path = require('path');
const fs = require('fs');

function candidates() {
  const dirs = [];
  // ABW_NATIVE_BUILD: a build folder (e.g. native/build-fault/Release), relative to the working directory.
  if (process.env.ABW_NATIVE_BUILD) dirs.push(path.resolve(process.env.ABW_NATIVE_BUILD));
  dirs.push(path.join(__dirname, 'build', 'Release'), path.join(__dirname, 'build', 'Debug'));
  return dirs.map((d) => path.join(d, 'abw_native.node'));
}

function load() {
  const tried = [];
  for (const file of candidates()) {
    if (!fs.existsSync(file)) {
      tried.push(`${file} (missing)`);
      continue;
    }
    try {
      return require(file);
    } catch (err) {
      tried.push(`${file} (${err.message})`);
    }
  }
  const e = new Error(
    'The abw native addon could not be loaded.\n' +
      `Tried:\n  ${tried.join('\n  ')}\n` +
      'Possible fixes:\n' +
      '  - build it: `npm run build --workspace @abw/native` (needs CMake >= 3.18 and a C++17 compiler)\n' +
      '  - after upgrading Node, rebuild: `npm rebuild` or `npm run build`\n' +
      '  - on Linux, for BLAS/FFT speed: `apt-get install libopenblas-dev libfftw3-dev pkg-config` then rebuild\n' +
      '  - `npx abw doctor` says what was found',
  );
  e.code = 'ABW_NATIVE_LOAD';
  throw e;
}

module.exports = load();
