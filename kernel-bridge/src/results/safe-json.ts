/**
 * JSON parsing for untrusted files: parse errors located by line and column (a truncated file
 * says so), and keys that could pollute prototypes (`__proto__`, `constructor`, `prototype`)
 * rejected with their JSON path.
 */
import { AbwError } from '../errors';

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
const MAX_DEPTH = 64;

function lineColumn(text: string, position: number): string {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < position && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return `line ${line}, column ${position - lineStart + 1} (byte ${position})`;
}

/**
 * Where V8 says the error is. Newer messages have `at position N`; others only quote the text
 * around it: `Unexpected token 'o', ..."status":ok,"timing"... is not valid JSON`, where the
 * quoted context starts 10 characters before the error (V8's kMaxContextCharacters).
 */
function errorPosition(text: string, message: string): number | undefined {
  const at = /at position (\d+)/.exec(message);
  if (at) return Number(at[1]);
  const ctx = /^Unexpected token '(.)', (\.\.\.)?"([\s\S]*?)"(?:\.\.\.)? is not valid JSON$/.exec(message);
  if (!ctx) return undefined;
  const [, token, clipped, snippet] = ctx as unknown as [string, string, string | undefined, string];
  const idx = text.indexOf(snippet);
  if (idx < 0) return undefined;
  if (clipped) return idx + 10;
  const t = snippet.indexOf(token);
  return t < 0 ? undefined : idx + t;
}

function parseError(text: string, source: string, e: Error): AbwError {
  if (text.trim().length === 0) return new AbwError('ABW_ESCHEMA', `${source}: the file is empty`, '/');
  const pos = errorPosition(text, e.message);
  if (/end of JSON input|Unterminated/i.test(e.message) || (pos !== undefined && pos >= text.trimEnd().length)) {
    return new AbwError(
      'ABW_ESCHEMA',
      `${source}: invalid JSON, the text ends early at ${lineColumn(text, text.length)}: the file is truncated`,
      '/',
    );
  }
  const where = pos !== undefined ? ` at ${lineColumn(text, pos)}` : '';
  return new AbwError('ABW_ESCHEMA', `${source}: invalid JSON${where}: ${e.message}`, '/');
}

/** JSON path of the first forbidden key or of nesting deeper than MAX_DEPTH, else undefined. */
function findHostileKey(value: unknown, at: string, depth: number): string | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  if (depth > MAX_DEPTH) return `${at} (nested deeper than ${MAX_DEPTH})`;
  for (const key of Object.keys(value)) {
    const here = `${at}/${key}`;
    if (FORBIDDEN_KEYS.has(key)) return here;
    const found = findHostileKey((value as Record<string, unknown>)[key], here, depth + 1);
    if (found) return found;
  }
  return undefined;
}

export function parseUntrustedJson(text: string, source: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw parseError(text, source, e as Error);
  }
  const hostile = findHostileKey(value, '', 0);
  if (hostile) {
    throw new AbwError('ABW_ESCHEMA', `${source}: forbidden key at ${hostile} (prototype keys are not allowed)`, hostile);
  }
  return value;
}
