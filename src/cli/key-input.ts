/**
 * Where `shardkit hash` and `shardkit locate` get their keys: argv strings
 * (hashed as their UTF-8 bytes), argv in hex or base64 (`--hex`,
 * `--base64`: raw bytes, which argv cannot carry), or a file or stdin
 * (`--file <path>`, `--file -`) with one key per line.
 *
 * A file is read as bytes, never decoded: a line is every byte between two
 * LF (0x0A) bytes, so invalid UTF-8 is hashed as it is; one CR (0x0D) before
 * the LF is dropped (CRLF files), and the empty piece after a final LF is not
 * a key. With `--hex` or `--base64`, each line of the file is decoded the
 * same way as an argument. An argv key that contains U+FFFD gets a warning
 * on stderr: Node turns invalid UTF-8 in argv into U+FFFD, so the bytes the
 * user typed may not be the bytes hashed. Cost: O(total key bytes).
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { InvalidArgumentError } from '../errors.js';
import type { Key } from '../hash/key.js';
import { grouped } from './parse.js';

/** Most keys one command reads from a file or stdin. */
export const MAX_FILE_KEYS = 10_000_000;

/** Key-input flags, as commander hands them to an action. */
export interface KeyInputFlags {
  hex?: boolean;
  base64?: boolean;
  file?: string;
}

/** One key to hash or locate, and how to show it. */
export interface InputKey {
  /** What is hashed: the argv string, or bytes. */
  readonly key: Key;
  /** The key as text: the string itself, or the bytes decoded when they are valid UTF-8 (absent otherwise). */
  readonly text?: string;
  /** The bytes in hex, for keys given as bytes. */
  readonly hex?: string;
}

/** Add --hex, --base64 and --file to `command`. */
export function addKeyInputOptions(command: Command): Command {
  return command
    .option('--hex', 'each key is hex bytes (e.g. ff00): raw bytes that argv cannot carry')
    .option('--base64', 'each key is base64 bytes')
    .option('--file <path>', `read keys from a file, one per line, as raw bytes ("-" for stdin; at most ${grouped(MAX_FILE_KEYS)}); a CR before each LF is dropped`);
}

const fatalUtf8 = new TextDecoder('utf-8', { fatal: true });

function asText(bytes: Uint8Array): string | undefined {
  try {
    return fatalUtf8.decode(bytes);
  } catch {
    return undefined;
  }
}

function decode(text: string, flags: KeyInputFlags, where: string): Uint8Array {
  if (flags.hex) {
    const t = text.trim();
    if (!/^(?:[0-9a-fA-F]{2})*$/.test(t)) throw new InvalidArgumentError(`--hex key ${where}`, text, 'an even number of hex digits (0-9, a-f)');
    return Buffer.from(t, 'hex');
  }
  const t = text.trim();
  if (!/^[A-Za-z0-9+/\-_]*={0,2}$/.test(t) || t.replace(/=+$/, '').length % 4 === 1) throw new InvalidArgumentError(`--base64 key ${where}`, text, 'base64 (A-Z a-z 0-9 + / or - _, = padding)');
  return Buffer.from(t, 'base64');
}

function bytesKey(bytes: Uint8Array): InputKey {
  const text = asText(bytes);
  const hex = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('hex');
  return text === undefined ? { key: bytes, hex } : { key: bytes, text, hex };
}

/** Split file bytes into lines: LF-separated, one trailing CR dropped, no key after a final LF. */
export function splitLines(data: Uint8Array): Uint8Array[] {
  const lines: Uint8Array[] = [];
  let start = 0;
  while (start < data.length) {
    let end = data.indexOf(0x0a, start);
    const next = end < 0 ? data.length : end + 1;
    if (end < 0) end = data.length;
    if (end > start && data[end - 1] === 0x0d) end--;
    lines.push(data.subarray(start, end));
    if (lines.length > MAX_FILE_KEYS) throw new InvalidArgumentError('--file', `${grouped(lines.length)}+ lines`, `at most ${grouped(MAX_FILE_KEYS)} keys`);
    start = next;
  }
  return lines;
}

function readInput(path: string): Uint8Array {
  try {
    return readFileSync(path === '-' ? 0 : path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new InvalidArgumentError('--file', path, `a readable file (${code === 'ENOENT' ? 'no such file' : (code ?? (e as Error).message)})`);
  }
}

/**
 * The keys of one invocation, in order: argv keys, then file lines. Throws
 * InvalidArgumentError for --hex with --base64, bad hex or base64, an
 * unreadable file, or no key at all. Writes the U+FFFD warning to stderr.
 */
export function readKeys(args: readonly string[], flags: KeyInputFlags): InputKey[] {
  if (flags.hex && flags.base64) throw new InvalidArgumentError('--hex/--base64', 'both', 'one of --hex or --base64');
  const bytesMode = flags.hex === true || flags.base64 === true;
  const keys: InputKey[] = [];
  args.forEach((arg, i) => {
    if (bytesMode) {
      keys.push(bytesKey(decode(arg, flags, `${i + 1}`)));
      return;
    }
    if (arg.includes('\uFFFD')) {
      process.stderr.write(
        `shardkit: warning: key ${i + 1} (${JSON.stringify(arg)}) contains U+FFFD, the replacement character; if the argument was not valid UTF-8 the shell's bytes were replaced and EF BF BD is hashed instead: give raw bytes with --hex, --base64 or --file\n`,
      );
    }
    keys.push({ key: arg, text: arg });
  });
  if (flags.file !== undefined) {
    const lines = splitLines(readInput(flags.file));
    lines.forEach((line, i) => keys.push(bytesMode ? bytesKey(decode(Buffer.from(line).toString('latin1'), flags, `on line ${i + 1} of ${flags.file}`)) : bytesKey(line)));
  }
  if (keys.length === 0) throw new InvalidArgumentError('keys', flags.file ?? '(none)', flags.file === undefined ? 'one or more keys, or --file <path> (- for stdin)' : 'a file with at least one line');
  return keys;
}
