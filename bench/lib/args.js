'use strict';
// Command-line options of the bench scripts: node's parseArgs, plus --help (the script's leading
// doc comment) and a one-line error for an unknown or malformed option instead of a stack trace.
const fs = require('fs');
const { parseArgs } = require('util');

/** The first block comment of `file`, without its comment markers. */
function usageOf(file) {
  const m = /\/\*\*([\s\S]*?)\*\//.exec(fs.readFileSync(file, 'utf8'));
  return m ? m[1].split('\n').map((l) => l.replace(/^\s*\* ?/, '')).join('\n').trim() : '';
}

/** parseArgs({ options }) for the script `file`; exits 0 after --help, 2 on a bad option. */
function benchArgs(file, options) {
  try {
    const { values } = parseArgs({ options: { ...options, help: { type: 'boolean', default: false } } });
    if (values.help) {
      console.log(usageOf(file));
      process.exit(0);
    }
    return values;
  } catch (e) {
    if (!String(e.code).startsWith('ERR_PARSE_ARGS')) throw e;
    console.error(`${e.message.split('\n')[0]}\n(--help lists the options)`);
    process.exit(2);
  }
}

module.exports = { benchArgs, usageOf };
