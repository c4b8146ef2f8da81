/**
 * The public API's declarations (kernel-bridge/dist/*.d.ts, what a notebook's cells are
 * type-checked against) compile under tslab's bundled TypeScript 5.0 with tslab's options
 * (converter.js: ESNext modules, node10 resolution, ES2022 target and lib, esModuleInterop).
 * Unlike tslab, this check does not skip library files for our own declarations: syntax newer
 * than 5.0 in dist/ (e.g. `NoInfer`, `const` modifiers on type parameters of classes in later
 * versions) would be an error here, and a cell importing the API would see `any` or fail.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '..', '..');
const DIST = path.join(ROOT, 'kernel-bridge', 'dist');
const FIXTURE = path.join(__dirname, 'fixtures', 'uses-public-api.ts');

// The same compiler tslab runs, from its own dependency.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const ts = require(require.resolve('@tslab/typescript-for-tslab', { paths: [path.join(ROOT, 'node_modules', 'tslab')] })) as typeof import('typescript');

describe('public API declarations under TypeScript 5.0 (tslab)', () => {
  it('is the TypeScript tslab bundles', () => {
    expect(ts.version).toMatch(/^5\.0\./);
  });

  it('a file using every group of the API type-checks, and dist/*.d.ts has no errors', () => {
    expect(fs.existsSync(path.join(DIST, 'index.d.ts')), 'kernel-bridge/dist is missing: npm run build:ts').toBe(true);
    const program = ts.createProgram([FIXTURE], {
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Node10,
      esModuleInterop: true,
      target: ts.ScriptTarget.ES2022,
      lib: ['lib.es2022.d.ts'],
      resolveJsonModule: true,
      strict: true,
      noEmit: true,
      // Declaration files are checked (skipLibCheck would skip dist/); only the diagnostics of
      // our files are asserted: third-party declarations are not ours to fix.
      skipLibCheck: false,
      types: ['node'],
    });
    const ours = (f: ts.SourceFile) => f.fileName === FIXTURE || path.resolve(f.fileName).startsWith(DIST + path.sep);
    const files = program.getSourceFiles().filter(ours);
    // The API resolved to dist/, not to src/ or to nothing.
    expect(files.some((f) => path.resolve(f.fileName) === path.join(DIST, 'index.d.ts'))).toBe(true);
    const diagnostics = [
      ...program.getOptionsDiagnostics(),
      ...files.flatMap((f) => [...program.getSyntacticDiagnostics(f), ...program.getSemanticDiagnostics(f)]),
    ];
    const text = diagnostics.map((d) => `${d.file ? path.relative(ROOT, d.file.fileName) : ''}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
    expect(text).toEqual([]);
  });
});
