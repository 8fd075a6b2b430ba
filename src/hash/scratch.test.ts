import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { stringToScratch } from './scratch.js';
import { scratchBytes } from './key.js';

const enc = new TextEncoder();
const written = (s: string): number[] => {
  const n = stringToScratch(s);
  return Array.from(scratchBytes().subarray(0, n));
};

describe('stringToScratch (allocation-free UTF-8)', () => {
  it('encodes 1-, 2-, 3- and 4-byte sequences and lone surrogates exactly as TextEncoder', () => {
    for (const s of ['', 'user:1', 'é', 'ß€', '日本語', '😀', 'a\ud800b', '\udc00', '\ud800', '\udbff\udfff', '\uffff', '\u07ff\u0800']) {
      expect(written(s), JSON.stringify(s)).toEqual(Array.from(enc.encode(s)));
    }
  });

  it('equals TextEncoder for any string, including lone surrogates (property, seeded)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (s) => {
        expect(written(s)).toEqual(Array.from(enc.encode(s)));
      }),
      { seed: 8, numRuns: 1000 },
    );
  });

  it('grows the scratch buffer for a key longer than it', () => {
    const long = 'é'.repeat(5000);
    expect(written(long)).toEqual(Array.from(enc.encode(long)));
  });
});
