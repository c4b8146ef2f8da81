// The benches' reader of the CUDA module's choice records: lines added since the last read, and
// counts by op, mode and path for the one-line summary.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { choiceLog, countChoices } = require('../../bench/lib/cuda-choices') as {
  choiceLog: () => () => Record<string, unknown>[];
  countChoices: (c: Record<string, unknown>[]) => Record<string, number>;
};

const saved = process.env.ABW_CUDA_CHOICES;
afterEach(() => {
  if (saved === undefined) delete process.env.ABW_CUDA_CHOICES;
  else process.env.ABW_CUDA_CHOICES = saved;
});

describe('bench cuda choices', () => {
  it('reads only the lines added since the last call, and keeps an unparsable line visible', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'abw-choices-')), 'c.jsonl');
    process.env.ABW_CUDA_CHOICES = file;
    const fresh = choiceLog();
    expect(fresh()).toEqual([]); // no file yet
    fs.writeFileSync(file, '{"op":"conv2d","mode":"f16","api":"graph"}\n');
    expect(fresh()).toEqual([{ op: 'conv2d', mode: 'f16', api: 'graph' }]);
    fs.appendFileSync(file, '{"op":"lstm","mode":"f32","api":"rnn","algo":"STANDARD"}\nnot json\n');
    expect(fresh()).toEqual([{ op: 'lstm', mode: 'f32', api: 'rnn', algo: 'STANDARD' }, { unparsed: 'not json' }]);
    expect(fresh()).toEqual([]);
  });

  it('counts by op, mode and path', () => {
    expect(
      countChoices([
        { op: 'conv2d', mode: 'f16', api: 'graph' },
        { op: 'conv2d', mode: 'f16', api: 'graph' },
        { op: 'conv2d', mode: 'f16', api: 'legacy' },
        { op: 'lstm', mode: 'f32', api: 'rnn', algo: 'PERSIST_STATIC' },
        { unparsed: 'x' },
      ]),
    ).toEqual({ 'conv2d f16 graph': 2, 'conv2d f16 legacy': 1, 'lstm f32 rnn PERSIST_STATIC': 1 });
  });
});
