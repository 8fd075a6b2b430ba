import { describe, expect, it } from 'vitest';
import { reproduceArgs, reproduceCommand, shellQuote } from './reproduce.js';

describe('the reproduce command of a lab report', () => {
  it('names every option that changes the numbers, and leaves defaults out', () => {
    expect(reproduceCommand({ seed: 42, quick: false, keySource: { kind: 'synthetic', description: 'user:0 … user:9' } })).toBe('shardkit lab --seed 42');
    expect(
      reproduceArgs({
        seed: 7,
        quick: true,
        only: ['hot-keys', 'balance'],
        keySource: { kind: 'file', description: 'k.csv', column: 'email', sampleSize: 5000, maxKeyBytes: 1024 },
      }),
    ).toEqual(['lab', '--seed', '7', '--quick', '--only', 'hot-keys,balance', '--keys', 'k.csv', '--column', 'email', '--sample-size', '5000', '--max-key-bytes', '1024']);
    expect(reproduceArgs({ seed: 1, quick: false, keySource: { kind: 'file', description: 'k.txt', sampleSize: 100_000, maxKeyBytes: 256 } })).toEqual(['lab', '--seed', '1', '--keys', 'k.txt']);
  });

  it('quotes paths and columns for the shell', () => {
    expect(shellQuote("my keys's.txt")).toBe(`'my keys'\\''s.txt'`);
    expect(shellQuote('./data/keys.txt')).toBe('./data/keys.txt');
    expect(reproduceCommand({ seed: 1, quick: false, keySource: { kind: 'file', description: 'a b.csv', column: 'e mail' } })).toBe("shardkit lab --seed 1 --keys 'a b.csv' --column 'e mail'");
  });
});
