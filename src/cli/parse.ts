/**
 * Parsers for the CLI's numeric options. Every count has a documented
 * maximum: it is shown in `--help` (`(1–4096)`) and named in the error, so a
 * typo like `--partitions 1e9` is refused in microseconds instead of running
 * out of memory. O(1) each.
 */
import { InvalidArgumentError as CommanderArgumentError, Option } from 'commander';

/** `n` with thousands separators (`1,000,000`), for help and errors. */
export function grouped(n: number): string {
  return n.toLocaleString('en-US');
}

/** A commander argument parser for a decimal integer from `min` to `max`; the error names both. */
export function integer(flag: string, min: number, max: number): (value: string) => number {
  return (value: string): number => {
    const text = value.trim();
    const n = Number(text);
    if (!/^\d+$/.test(text) || n < min || n > max) throw new CommanderArgumentError(`${flag} must be an integer from ${grouped(min)} to ${grouped(max)} (given: ${value})`);
    return n;
  };
}

/**
 * An option taking an integer from `min` to `max`, with the range appended to
 * its description (`(1–4096)`), so `--help` documents the bound.
 */
export function integerOption(flags: string, description: string, min: number, max: number): Option {
  const name = flags.split(/[ ,]+/).find((f) => f.startsWith('--')) ?? flags;
  return new Option(flags, `${description} (${grouped(min)}–${grouped(max)})`).argParser(integer(name, min, max));
}
