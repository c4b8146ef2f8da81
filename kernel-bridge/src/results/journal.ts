/**
 * The run journal: an append-only JSON-lines file, one ResultRecord per line, each line
 * fsync'd before the next case starts, so a crash, a kill or a power cut loses at most the
 * case in flight. The first line may be a header with the run's info (Journal.create), which
 * is what a resumed run needs. readJournal tolerates a torn last line.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { AbwError } from '../errors';
import type { ResultRecord, RunInfo } from './record';
import { maxResultBytes, readLimitedText, RESULT_LIMIT_HINT } from './read-run';
import { parseUntrustedJson } from './safe-json';
import { fsyncDir } from './write-run';

export const JOURNAL_FORMAT = 'abw.journal';
export const JOURNAL_VERSION = 1;
/** Journals hold raw samples of every case: allowed larger than run files by default. */
export const DEFAULT_MAX_JOURNAL_BYTES = 1024 * 2 ** 20;

/** The first line of a journal: the run's info, and what a resumed run needs to go on. */
export interface JournalHeader {
  readonly journal: typeof JOURNAL_FORMAT;
  readonly version: typeof JOURNAL_VERSION;
  readonly run: RunInfo;
  /** The matrix as parsed (name, description, version, defaults, cases, source, hash) and the
   * execution settings, so `abw run --resume` does not depend on the matrix file staying put. */
  readonly resume?: Readonly<Record<string, unknown>>;
}

export class Journal {
  private fd: number | undefined;

  private constructor(
    readonly path: string,
    fd: number,
  ) {
    this.fd = fd;
  }

  /** Opens `file` for appending (created with its directories when missing). */
  static async open(file: string): Promise<Journal> {
    try {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      const existed = fs.existsSync(file);
      const fd = fs.openSync(file, 'a', 0o644);
      if (!existed) fsyncDir(path.dirname(file));
      const journal = new Journal(file, fd);
      journal.endTornLine();
      return journal;
    } catch (e) {
      if (e instanceof AbwError) throw e;
      throw new AbwError('ABW_EIO', `cannot open journal ${file}: ${(e as Error).message}`, file);
    }
  }

  /**
   * Starts a new journal whose first line records the run's info (and `resume`, see
   * JournalHeader). Creation is exclusive: an existing file is an ABW_EIO error with
   * `exists: true`, never appended to, so two runs can never share a journal.
   */
  static async create(file: string, run: RunInfo, resume?: JournalHeader['resume']): Promise<Journal> {
    let fd: number;
    try {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fd = fs.openSync(file, 'wx', 0o644);
    } catch (e) {
      const exists = (e as NodeJS.ErrnoException).code === 'EEXIST';
      const err = new AbwError('ABW_EIO', exists ? `journal ${file} already exists` : `cannot create journal ${file}: ${(e as Error).message}`, file);
      Object.assign(err, { exists });
      throw err;
    }
    fsyncDir(path.dirname(file));
    const journal = new Journal(file, fd);
    const header: JournalHeader = { journal: JOURNAL_FORMAT, version: JOURNAL_VERSION, run, ...(resume ? { resume } : {}) };
    journal.writeLine(JSON.stringify(header));
    return journal;
  }

  /** Appends one record as one line and fsyncs it. */
  async append(record: ResultRecord): Promise<void> {
    this.writeLine(JSON.stringify(record));
  }

  async close(): Promise<void> {
    if (this.fd === undefined) return;
    const fd = this.fd;
    this.fd = undefined;
    fs.closeSync(fd);
  }

  /** Closes and deletes the journal (its records are in the run file now). */
  async remove(): Promise<void> {
    await this.close();
    fs.rmSync(this.path, { force: true });
  }

  private writeLine(line: string): void {
    if (this.fd === undefined) throw new AbwError('ABW_EIO', `journal ${this.path} is closed`, this.path);
    try {
      fs.writeSync(this.fd, `${line}\n`);
      fs.fsyncSync(this.fd);
    } catch (e) {
      throw new AbwError('ABW_EIO', `cannot append to journal ${this.path}: ${(e as Error).message}`, this.path);
    }
  }

  /** After a crash mid-line, start on a fresh line so the next record is not glued to the torn one. */
  private endTornLine(): void {
    const size = fs.fstatSync(this.fd!).size;
    if (size === 0) return;
    const last = Buffer.alloc(1);
    const rfd = fs.openSync(this.path, 'r');
    try {
      fs.readSync(rfd, last, 0, 1, size - 1);
    } finally {
      fs.closeSync(rfd);
    }
    if (last[0] !== 10) fs.writeSync(this.fd!, '\n');
  }
}

export interface JournalContents {
  readonly run?: RunInfo;
  readonly header?: JournalHeader;
  readonly records: ResultRecord[];
  /** The last line was incomplete (a crash mid-write) and was dropped. */
  readonly truncatedTail: boolean;
  /** Complete lines that did not parse (e.g. torn lines followed by later appends), dropped. */
  readonly skippedLines: number[];
}

function isHeader(v: unknown): v is JournalHeader {
  return typeof v === 'object' && v !== null && (v as { journal?: unknown }).journal === JOURNAL_FORMAT;
}

/**
 * The records of a journal. A last line without its newline that does not parse is a torn
 * write: dropped, `truncatedTail` true. Lines are parsed like untrusted JSON (prototype keys
 * rejected) but not schema-validated: the run file is, when it is written.
 */
export function readJournal(file: string, options: { maxBytes?: number } = {}): JournalContents {
  const text =
    options.maxBytes !== undefined
      ? readLimitedText(file, options.maxBytes)
      : readLimitedText(file, maxResultBytes(DEFAULT_MAX_JOURNAL_BYTES), RESULT_LIMIT_HINT);
  const lines = text.split('\n');
  const endsWithNewline = text.endsWith('\n');
  const records: ResultRecord[] = [];
  const skippedLines: number[] = [];
  let run: RunInfo | undefined;
  let header: JournalHeader | undefined;
  let truncatedTail = false;
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    const isLast = i === lines.length - 1 && !endsWithNewline;
    let value: unknown;
    try {
      value = parseUntrustedJson(line, `${file}:${i + 1}`);
    } catch (e) {
      if (isLast) truncatedTail = true;
      else if (e instanceof AbwError && /forbidden key/.test(e.message)) throw e;
      else skippedLines.push(i + 1);
      return;
    }
    if (isHeader(value)) {
      header ??= value;
      run ??= value.run;
    } else records.push(value as ResultRecord);
  });
  return { ...(run ? { run } : {}), ...(header ? { header } : {}), records, truncatedTail, skippedLines };
}
