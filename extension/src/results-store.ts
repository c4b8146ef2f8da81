/**
 * The results store as the browser sees it, through the Jupyter contents API (so it works on a
 * remote server): `results/baselines/<machine>.json`, `results/runs/<machine>/<run>.json` and
 * `results/machines/<machine>.json` (ceilings), found from the path of an opened run file.
 */
import type { Contents } from '@jupyterlab/services';
import type { RunFile } from '../../kernel-bridge/src/results/record';
import type { MachineFile } from '../../kernel-bridge/src/results/ceilings';
import { checkSize, MAX_DASHBOARD_BYTES, parseMachineText, parseRunText } from './run-file';

export interface StoredFile {
  /** Path relative to the server root. */
  readonly path: string;
  readonly kind: 'baseline' | 'run';
  readonly machine: string;
  /** File name without `.json` (a run id for runs). */
  readonly name: string;
  readonly size?: number;
}

/**
 * The `results` folder an opened file belongs to: `a/results/runs/<machine>/x.json` → `a/results`,
 * `results/baselines/x.json` → `results`. Files elsewhere have none (the picker is then empty,
 * apart from files opened by path).
 */
export function resultsRootOf(path: string): string | undefined {
  const m = /^(?:(.*)\/)?(?:runs\/[^/]+|baselines)\/[^/]+\.json$/.exec(path);
  return m ? (m[1] ?? '') : undefined;
}

/** Newest first by name (run ids start with their UTC time), baselines before runs. */
export function sortStored(files: readonly StoredFile[]): StoredFile[] {
  return [...files].sort((a, b) => (a.kind === b.kind ? (a.machine === b.machine ? b.name.localeCompare(a.name) : a.machine.localeCompare(b.machine)) : a.kind === 'baseline' ? -1 : 1));
}

function jsonFiles(model: Contents.IModel): Contents.IModel[] {
  return ((model.content as Contents.IModel[] | null) ?? []).filter((m) => m.type !== 'directory' && m.name.endsWith('.json') && !m.name.endsWith('.journal.json'));
}

async function listDir(contents: Contents.IManager, path: string): Promise<Contents.IModel | undefined> {
  try {
    return await contents.get(path, { content: true });
  } catch {
    return undefined; // an absent folder just lists nothing
  }
}

/** Every stored baseline and run of every machine under `root`. */
export async function listStored(contents: Contents.IManager, root: string): Promise<StoredFile[]> {
  const join = (...p: string[]) => [root, ...p].filter((x) => x !== '').join('/');
  const out: StoredFile[] = [];
  const baselines = await listDir(contents, join('baselines'));
  if (baselines) {
    for (const f of jsonFiles(baselines)) out.push({ path: f.path, kind: 'baseline', machine: f.name.replace(/\.json$/, ''), name: f.name.replace(/\.json$/, ''), ...(f.size !== undefined ? { size: f.size } : {}) });
  }
  const runs = await listDir(contents, join('runs'));
  const machines = ((runs?.content as Contents.IModel[] | null) ?? []).filter((m) => m.type === 'directory');
  const perMachine = await Promise.all(machines.map((m) => listDir(contents, m.path)));
  perMachine.forEach((dir, i) => {
    if (!dir) return;
    for (const f of jsonFiles(dir)) out.push({ path: f.path, kind: 'run', machine: machines[i]!.name, name: f.name.replace(/\.json$/, ''), ...(f.size !== undefined ? { size: f.size } : {}) });
  });
  return sortStored(out);
}

/** Reads and validates a run file; its size is checked before its content is fetched. */
export async function loadRun(contents: Contents.IManager, path: string, maxBytes = MAX_DASHBOARD_BYTES): Promise<RunFile> {
  const meta = await contents.get(path, { content: false });
  if (typeof meta.size === 'number') checkSize(meta.size, path, maxBytes);
  const model = await contents.get(path, { content: true, format: 'text', type: 'file' });
  return parseRunText(String(model.content ?? ''), path, maxBytes);
}

/** The newest run of every machine except `skip` (for the cross-machine plot), unreadable ones left out. */
export async function latestOtherMachines(contents: Contents.IManager, files: readonly StoredFile[], skip: readonly string[]): Promise<RunFile[]> {
  const newest = new Map<string, StoredFile>();
  for (const f of files) if (f.kind === 'run' && !skip.includes(f.machine) && !newest.has(f.machine)) newest.set(f.machine, f);
  const runs = await Promise.all([...newest.values()].map((f) => loadRun(contents, f.path).catch(() => undefined)));
  return runs.filter((r): r is RunFile => r !== undefined);
}

/** The measured ceilings of `machine` (results/machines/<machine>.json), or undefined when not calibrated or unreadable. */
export async function loadCeilings(contents: Contents.IManager, root: string, machine: string): Promise<MachineFile | undefined> {
  const path = [root, 'machines', `${machine}.json`].filter((x) => x !== '').join('/');
  try {
    const meta = await contents.get(path, { content: false });
    if (typeof meta.size === 'number') checkSize(meta.size, path);
    const model = await contents.get(path, { content: true, format: 'text', type: 'file' });
    return parseMachineText(String(model.content ?? ''), path);
  } catch {
    return undefined; // no ceilings: the roofline says "not calibrated", as in `abw report`
  }
}
