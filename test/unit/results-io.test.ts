import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AbwError } from '../../kernel-bridge/src/errors';
import { Journal, readJournal } from '../../kernel-bridge/src/results/journal';
import { journalPath, newRunId, runFilePath } from '../../kernel-bridge/src/results/paths';
import { readRunFile } from '../../kernel-bridge/src/results/read-run';
import { validateRunFile } from '../../kernel-bridge/src/results/validate';
import { writeRunFileAtomic } from '../../kernel-bridge/src/results/write-run';
import { fixtureRecord, fixtureRun } from '../helpers/run-fixture';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'abw-results-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function abwError(fn: () => unknown): AbwError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(AbwError);
    return e as AbwError;
  }
  throw new Error('expected an AbwError');
}

function writeText(name: string, text: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
}

/** The fixture as JSON with one field changed by `edit`. */
function edited(name: string, edit: (run: any) => void): string {
  const run = JSON.parse(JSON.stringify(fixtureRun()));
  edit(run);
  return writeText(name, JSON.stringify(run));
}

describe('run files', () => {
  it('round-trips through an atomic write, leaving no temporary files', async () => {
    const run = fixtureRun();
    const file = runFilePath(path.join(dir, 'store'), run.run.machine.key, run.run.id);
    await writeRunFileAtomic(file, run);
    expect(readRunFile(file)).toEqual(run);
    expect(fs.readdirSync(path.dirname(file))).toEqual([path.basename(file)]);
    // Overwrite in place.
    await writeRunFileAtomic(file, fixtureRun(1));
    expect(readRunFile(file).records).toHaveLength(1);
  });

  it('refuses to write a run that would not read back (NaN), leaving the old file', async () => {
    const file = path.join(dir, 'nan-write.json');
    await writeRunFileAtomic(file, fixtureRun(1));
    const bad = fixtureRun(1);
    (bad.records[0].timing!.stats as { median: number }).median = NaN;
    await expect(writeRunFileAtomic(file, bad)).rejects.toThrow(/nan-write\.json: \/records\/0\/timing\/stats\/median must be number/);
    expect(readRunFile(file).records[0].timing!.stats.median).toBeGreaterThan(0);
  });

  it('reports corrupt JSON with the file and the position', () => {
    const file = writeText('corrupt.json', '{\n  "schema": "abw.run",\n  "schemaVersion": 1,,\n}');
    const e = abwError(() => readRunFile(file));
    expect(e.code).toBe('ABW_ESCHEMA');
    expect(e.message).toContain('corrupt.json: invalid JSON at line 3');
  });

  it('reports a truncated file as truncated', () => {
    const text = JSON.stringify(fixtureRun());
    const file = writeText('truncated.json', text.slice(0, Math.floor(text.length / 2)));
    const e = abwError(() => readRunFile(file));
    expect(e.code).toBe('ABW_ESCHEMA');
    expect(e.message).toMatch(/truncated\.json: .*truncated/);
    expect(abwError(() => readRunFile(writeText('empty.json', ''))).message).toMatch(/empty\.json: the file is empty/);
  });

  it('rejects another schema version, naming it', () => {
    const file = edited('v2.json', (r) => (r.schemaVersion = 2));
    const e = abwError(() => readRunFile(file));
    expect(e.message).toBe(`${file}: /schemaVersion is 2; this abw reads version 1`);
    expect(e.field).toBe('/schemaVersion');
  });

  it('names the JSON path of a missing field', () => {
    const file = edited('missing.json', (r) => delete r.records[1].timing.stats.median);
    const e = abwError(() => readRunFile(file));
    expect(e.code).toBe('ABW_ESCHEMA');
    expect(e.message).toBe(`${file}: /records/1/timing/stats must have required property 'median'`);
  });

  it('names the JSON path of a NaN written as a string', () => {
    const file = edited('nan-string.json', (r) => (r.records[2].timing.stats.median = 'NaN'));
    expect(abwError(() => readRunFile(file)).message).toBe(`${file}: /records/2/timing/stats/median must be number`);
  });

  it('names unknown fields and bad enum values', () => {
    const file = edited('enum.json', (r) => {
      r.records[0].status = 'exploded';
      r.records[0].surprise = 1;
    });
    const msg = abwError(() => readRunFile(file)).message;
    expect(msg).toContain('/records/0 has an unknown field "surprise"');
    expect(msg).toContain('/records/0/status must be equal to one of the allowed values: ok, unsupported, error, timeout, oom, crash');
  });

  it('rejects hostile __proto__ and constructor keys without polluting prototypes', () => {
    const text = JSON.stringify(fixtureRun()).replace('"params":{', '"params":{"__proto__":{"polluted":true},');
    const file = writeText('proto.json', text);
    const e = abwError(() => readRunFile(file));
    expect(e.message).toBe(`${file}: forbidden key at /records/0/params/__proto__ (prototype keys are not allowed)`);
    expect(({} as { polluted?: boolean }).polluted).toBeUndefined();
    const ctor = writeText('ctor.json', JSON.stringify(fixtureRun()).replace('"options":{', '"options":{"constructor":{"prototype":{}},'));
    expect(abwError(() => readRunFile(ctor)).message).toContain('forbidden key at /run/options/constructor');
  });

  it('refuses an oversized file before reading it, naming limit and size', () => {
    const file = writeText('big.json', JSON.stringify(fixtureRun()));
    const size = fs.statSync(file).size;
    const e = abwError(() => readRunFile(file, { maxBytes: 1000 }));
    expect(e.message).toBe(`${file}: the file is ${size} bytes, over the limit of 1000 bytes (maxBytes)`);
    expect(e.field).toBe('maxBytes');
  });

  it('validates objects directly, naming the source', () => {
    expect(validateRunFile(fixtureRun(), 'memory').records).toHaveLength(3);
    expect(abwError(() => validateRunFile({ schema: 'abw.run' }, 'memory')).message).toMatch(/^memory: \/ must have required property/);
    expect(abwError(() => validateRunFile(null, 'memory')).message).toBe('memory: / must be object');
  });

  it('reports a missing file as ABW_EIO', () => {
    expect(abwError(() => readRunFile(path.join(dir, 'nope.json'))).code).toBe('ABW_EIO');
  });
});

describe('journal', () => {
  it('recovers the complete records before a torn last line, and appends after it', async () => {
    const run = fixtureRun(0).run;
    const file = journalPath(path.join(dir, 'store'), run.machine.key, run.id);
    const journal = await Journal.create(file, run);
    for (let i = 0; i < 3; i++) await journal.append(fixtureRecord(i));
    await journal.close();
    // A crash in the middle of the fourth line.
    const line = JSON.stringify(fixtureRecord(3));
    fs.appendFileSync(file, line.slice(0, line.length - 40));

    const torn = readJournal(file);
    expect(torn.records.map((r) => r.label)).toEqual(['matmul 64x64x64 #0', 'matmul 64x64x64 #1', 'matmul 64x64x64 #2']);
    expect(torn.truncatedTail).toBe(true);
    expect(torn.run).toEqual(run);

    // Resuming: the torn line is closed off, new records land on their own lines.
    const resumed = await Journal.open(file);
    await resumed.append(fixtureRecord(3));
    await resumed.close();
    const after = readJournal(file);
    expect(after.records).toHaveLength(4);
    expect(after.truncatedTail).toBe(false);
    expect(after.skippedLines).toEqual([5]);
    expect(after.records[3]).toEqual(fixtureRecord(3));

    await (await Journal.open(file)).remove();
    expect(fs.existsSync(file)).toBe(false);
  });

  it('refuses to create over an existing journal and to append when closed', async () => {
    const file = path.join(dir, 'j2.journal.jsonl');
    const j = await Journal.create(file, fixtureRun(0).run);
    await expect(Journal.create(file, fixtureRun(0).run)).rejects.toThrow(/already exists/);
    await j.close();
    await expect(j.append(fixtureRecord(0))).rejects.toThrow(/closed/);
  });
});

describe('paths', () => {
  it('builds run paths and checks their parts', () => {
    expect(runFilePath('/r', 'linux-x64-cpu-2c-4g', '2026-11-21T23-40-12Z-3fa9')).toBe(
      path.join('/r', 'runs', 'linux-x64-cpu-2c-4g', '2026-11-21T23-40-12Z-3fa9.json'),
    );
    const e = abwError(() => runFilePath('/r', '../etc', 'x'));
    expect(e.field).toBe('machineKey');
    expect(e.message).toMatch(/^machineKey: must be/);
    expect(abwError(() => runFilePath('/r', 'ok', 'a/b')).field).toBe('runId');
    expect(abwError(() => runFilePath('/r', 'x'.repeat(129), 'a')).field).toBe('machineKey');
  });

  it('makes sortable run ids from a date', () => {
    const id = newRunId(new Date('2026-11-21T23:40:12.345Z'));
    expect(id).toMatch(/^2026-11-21T23-40-12Z-[0-9a-f]{4}$/);
    expect(runFilePath('/r', 'm', id)).toContain(id);
    expect(newRunId()).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}Z-[0-9a-f]{4}$/);
  });
});
