'use strict';
/**
 * The CUDA module's record of its library choices (native/src/cuda/choices.h): with
 * ABW_CUDA_CHOICES naming a file, every algorithm / engine a prepare picks is appended there as
 * one JSON line. `choiceLog()` points the variable at a file of this process (unless set) and
 * returns a reader of the lines added since its last call, so each case keeps its own.
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

function choiceLog() {
  const file = process.env.ABW_CUDA_CHOICES || path.join(os.tmpdir(), `abw-cuda-choices-${process.pid}.jsonl`);
  process.env.ABW_CUDA_CHOICES = file;
  let read = 0;
  return function fresh() {
    let bytes;
    try {
      bytes = fs.readFileSync(file);
    } catch {
      return [];
    }
    const text = bytes.subarray(read).toString('utf8');
    read = bytes.length;
    return text
      .split('\n')
      .filter(Boolean)
      .map((l) => {
        try {
          return JSON.parse(l);
        } catch {
          return { unparsed: l };
        }
      });
  };
}

/** Pure: choices counted by op, mode and path ("conv2d f16 graph": 12), for a one-line summary. */
function countChoices(choices) {
  const counts = {};
  for (const c of choices) {
    if (!c.op) continue;
    const key = `${c.op} ${c.mode ?? ''} ${c.api ?? ''}${c.algo !== undefined && c.api === 'rnn' ? ` ${c.algo}` : ''}`.replace(/\s+/g, ' ').trim();
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

module.exports = { choiceLog, countChoices };
