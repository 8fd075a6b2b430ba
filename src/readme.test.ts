/**
 * Every ```ts example of README.md runs, and what it shows is what it does.
 *
 * Each block is run as a module, with `shardkit/<sub>` imports mapped to
 * `src/<sub>/index.ts` (and `shardkit` to `src/index.ts`). Two notations in
 * the block say what it gives, and are checked:
 *
 * - `expr;  // → <value>` (or `const x = expr;  // → <value>`): the value of
 *   that line's last statement. `<value>` is a JavaScript literal; text after
 *   ` — ` is commentary. Objects match on the keys they list (the rest of the
 *   object is not shown); arrays match element by element and in length; a
 *   number with decimals matches to the digits written (0.21 is 0.205…0.215).
 * - A comment `// prints:` followed by `//   <line>` comments at the end of a
 *   block: everything the block writes with console.log, line by line.
 *
 * A block that throws, a value that differs, or output that differs fails the
 * test with README.md's line number.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { format, inspect, isDeepStrictEqual } from 'node:util';

const root = resolve(import.meta.dirname, '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8').split('\n');

interface Block {
  /** README.md line of the first code line (1-based). */
  readonly line: number;
  readonly code: string[];
}

function tsBlocks(): Block[] {
  const blocks: Block[] = [];
  for (let i = 0; i < readme.length; i++) {
    if (readme[i]?.trim() !== '```ts') continue;
    const start = i + 1;
    let end = start;
    while (end < readme.length && readme[end]?.trim() !== '```') end++;
    blocks.push({ line: start + 1, code: readme.slice(start, end) });
    i = end;
  }
  return blocks;
}

/** Where each `// →` is, and the block's `// prints:` lines. */
interface Expectations {
  readonly values: Array<{ line: number; text: string }>;
  readonly prints: string[] | undefined;
}

const ARROW = '// →';

/** Rewrite a block into a module that reports its values through `__readme.check`; collect the expectations. */
function instrument(block: Block): { source: string; expect: Expectations } {
  const values: Array<{ line: number; text: string }> = [];
  let prints: string[] | undefined;
  const out = block.code.map((raw, k) => {
    const line = block.line + k;
    let src = raw.replace(/from '(shardkit(?:\/[a-z]+)?)'/g, (_, spec: string) => `from ${JSON.stringify(pathToFileURL(join(root, 'src', spec === 'shardkit' ? 'index.ts' : `${spec.slice('shardkit/'.length)}/index.ts`)).href)}`);
    if (/^\s*\/\/ prints:\s*$/.test(src)) prints = [];
    else if (prints !== undefined && /^\s*\/\//.test(src)) prints.push(src.replace(/^\s*\/\/ {0,3}/, ''));
    const at = src.indexOf(ARROW);
    if (at < 0) return src;
    const text = (src.slice(at + ARROW.length).split(' — ')[0] as string).trim();
    values.push({ line, text });
    const code = src.slice(0, at).trimEnd().replace(/;$/, '');
    const decl = /^(\s*)(const|let)\s+(\w+)\s*=\s*([\s\S]+)$/.exec(code);
    if (decl) return `${code}; __readme.check(${line}, ${decl[3]});`;
    const lastSemi = code.lastIndexOf('; ');
    const [before, last] = lastSemi < 0 ? ['', code] : [`${code.slice(0, lastSemi + 1)} `, code.slice(lastSemi + 2)];
    src = `${before}__readme.check(${line}, (${last.trim()}));`;
    return src;
  });
  return { source: out.join('\n'), expect: { values, prints } };
}

/** Whether `actual` is what `expected` shows (see the header). */
function shows(actual: unknown, expected: unknown): boolean {
  if (typeof expected === 'number' && !Number.isInteger(expected) && typeof actual === 'number') {
    const decimals = (String(expected).split('.')[1] ?? '').length;
    return Math.abs(actual - expected) <= 0.5 * 10 ** -decimals + 1e-12;
  }
  if (Array.isArray(expected)) return Array.isArray(actual) && actual.length === expected.length && expected.every((e, i) => shows(actual[i], e));
  if (expected instanceof Map) return actual instanceof Map && [...expected].every(([k, v]) => actual.has(k) && shows(actual.get(k), v));
  if (expected !== null && typeof expected === 'object') {
    if (actual === null || typeof actual !== 'object') return false;
    return Object.entries(expected).every(([k, v]) => shows((actual as Record<string, unknown>)[k], v));
  }
  return isDeepStrictEqual(actual, expected);
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'shardkit-readme-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  delete (globalThis as { __readme?: unknown }).__readme;
});

describe('README.md examples', () => {
  const blocks = tsBlocks();

  it('the notation: objects match on the keys shown, arrays in full, decimals to the digits written', () => {
    expect(shows({ a: 1, b: [1, 2], c: 'x' }, { b: [1, 2] })).toBe(true);
    expect(shows({ a: 1 }, { a: 2 })).toBe(false);
    expect(shows([1, 2, 3], [1, 2])).toBe(false);
    expect(shows(0.2108, 0.211)).toBe(true);
    expect(shows(0.2158, 0.211)).toBe(false);
    expect(shows(3, 3.0)).toBe(true);
    expect(shows(undefined, 0)).toBe(false);
    expect(instrument({ line: 10, code: ["import { x } from 'shardkit/hash';", 'const a = f(1); // → 2 — text', 'g(); h(2);  // → [1]', '// prints:', '//   out'] })).toEqual({
      source: expect.stringContaining('__readme.check(11, a);') as unknown as string,
      expect: { values: [{ line: 11, text: '2' }, { line: 12, text: '[1]' }], prints: ['out'] },
    });
    expect(instrument({ line: 1, code: ['g(); h(2);  // → [1]'] }).source).toBe('g(); __readme.check(1, (h(2)));');
    expect(instrument({ line: 1, code: ["import { x } from 'shardkit/hash';"] }).source).toContain('/src/hash/index.ts"');
  });

  it('there are examples, and each shows at least one checked result', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(6);
    for (const b of blocks) {
      const { expect: e } = instrument(b);
      expect(e.values.length + (e.prints?.length ?? 0), `README.md:${b.line}`).toBeGreaterThan(0);
    }
  });

  for (const block of blocks) {
    it(`the example at README.md:${block.line} runs and gives what it shows`, async () => {
      const { source, expect: e } = instrument(block);
      const seen = new Map<number, unknown>();
      (globalThis as { __readme?: unknown }).__readme = { check: (line: number, value: unknown) => seen.set(line, value) };
      const printed: string[] = [];
      const log = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
        printed.push(...format(...args).split('\n'));
      });
      const file = join(dir, `block-${block.line}.ts`);
      writeFileSync(file, `${source}\nexport {};\n`);
      try {
        await import(pathToFileURL(file).href);
      } finally {
        log.mockRestore();
      }
      const wrong: string[] = [];
      for (const { line, text } of e.values) {
        const expected: unknown = new Function(`return (${text});`)();
        const actual = seen.get(line);
        if (!seen.has(line) || !shows(actual, expected)) wrong.push(`README.md:${line}: shows ${text}, gives ${inspect(actual, { depth: 4, breakLength: Infinity })}`);
      }
      if (e.prints !== undefined && !isDeepStrictEqual(printed, e.prints)) wrong.push(`README.md:${block.line}: prints\n${printed.join('\n')}\n(README shows\n${e.prints.join('\n')})`);
      expect(wrong).toEqual([]);
    });
  }
});
