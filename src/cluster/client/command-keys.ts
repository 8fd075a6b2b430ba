/**
 * Which arguments of a command are keys: what a client (or the routing tier)
 * routes by. A small table of the commands shardkit nodes serve; a command
 * not in it has no key and may go to any node. No I/O, O(arguments).
 */
import type { CommandArg } from '../resp/request-encoder.js';

/** How a command's keys are laid out. */
export type KeySpec = 'none' | 'first' | 'all' | 'pairs';

const SPECS: ReadonlyMap<string, KeySpec> = new Map<string, KeySpec>([
  ...['GET', 'SET', 'INCR', 'INCRBY', 'DECR', 'DECRBY', 'TYPE', 'TTL', 'PTTL', 'GETSET', 'APPEND', 'STRLEN', 'SETNX', 'SETEX', 'PSETEX', 'GETDEL', 'EXPIRE', 'PEXPIRE', 'PERSIST'].map((c) => [c, 'first'] as const),
  ...['DEL', 'EXISTS', 'MGET', 'UNLINK', 'TOUCH'].map((c) => [c, 'all'] as const),
  ['MSET', 'pairs'],
  ['MSETNX', 'pairs'],
]);

/** The command's name in upper case (`args[0]`). */
export function upperName(arg: CommandArg): string {
  return (typeof arg === 'string' ? arg : Buffer.from(arg.buffer, arg.byteOffset, arg.byteLength).toString('latin1')).toUpperCase();
}

/** The key layout of the command named by `args[0]`. */
export function keySpecOf(args: readonly CommandArg[]): KeySpec {
  if (args.length === 0) return 'none';
  return SPECS.get(upperName(args[0] as CommandArg)) ?? 'none';
}

/** Indices into `args` of the command's keys (empty for a keyless command). */
export function keyIndices(args: readonly CommandArg[]): number[] {
  const spec = keySpecOf(args);
  const out: number[] = [];
  if (spec === 'first') {
    if (args.length > 1) out.push(1);
  } else if (spec === 'all') {
    for (let i = 1; i < args.length; i++) out.push(i);
  } else if (spec === 'pairs') {
    for (let i = 1; i < args.length; i += 2) out.push(i);
  }
  return out;
}
