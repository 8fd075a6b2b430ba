/**
 * Hostile values for bad-input tests (issue 12 §4): the inputs that slip past
 * naive checks — bigint, null-prototype objects, getters that change or
 * throw, proxies with throwing traps, revoked proxies, circular objects, lone
 * surrogates, NaN / ±Infinity / −0 / 2^53+1, a 10 MB string, symbols,
 * functions, arrays where scalars are expected, boxed primitives, objects
 * whose coercion throws. A test applies each to a public constructor or
 * method and asserts a typed ShardkitError (or a documented acceptance) and an
 * unchanged structure: `expectTypedOrAccepted` below.
 *
 * Values are built fresh by `make()` each time (a getter with a counter must
 * start over), and the list is fixed: no randomness, the same inputs every
 * run. Test-only: nothing in the library imports this file.
 */
import { expect } from 'vitest';
import { ShardkitError } from '../errors.js';

/** One hostile value: a readable name for failure messages and a factory. */
export interface Hostile {
  readonly name: string;
  /** What kind of value it is, so a test can say which kinds a parameter accepts. */
  readonly kind: 'string' | 'number' | 'other';
  make(): unknown;
}

const TEN_MB = 10 * 1024 * 1024;
let bigString: string | undefined;
/** A 10 MB string, built once (10,485,760 ASCII characters). */
export function tenMegabyteString(): string {
  bigString ??= 'x'.repeat(TEN_MB);
  return bigString;
}

function circular(): Record<string, unknown> {
  const o: Record<string, unknown> = { id: 'loop' };
  o['self'] = o;
  return o;
}

function throwingProxy(): object {
  const boom = (): never => {
    throw new Error('hostile proxy trap');
  };
  return new Proxy({}, { get: boom, has: boom, ownKeys: boom, getOwnPropertyDescriptor: boom, getPrototypeOf: boom });
}

function revokedProxy(): object {
  const r = Proxy.revocable({}, {});
  r.revoke();
  return r.proxy;
}

/** A getter that gives a different answer on every read. */
function shiftyId(): object {
  let n = 0;
  return {
    get id(): string {
      return `shifty-${n++}`;
    },
    get weight(): number {
      return n++ % 2 === 0 ? 1 : -1;
    },
  };
}

function throwingGetter(): object {
  return {
    get id(): string {
      throw new Error('hostile getter');
    },
  };
}

function coercionThrows(): object {
  return {
    toString(): string {
      throw new Error('hostile toString');
    },
    valueOf(): number {
      throw new Error('hostile valueOf');
    },
  };
}

const H = (name: string, kind: Hostile['kind'], make: () => unknown): Hostile => ({ name, kind, make });

/** Every hostile value, in a fixed order. */
export function hostileValues(): readonly Hostile[] {
  return [
    H('undefined', 'other', () => undefined),
    H('null', 'other', () => null),
    H('bigint 10n', 'other', () => 10n),
    H('bigint -2^64', 'other', () => -(2n ** 64n)),
    H('NaN', 'number', () => Number.NaN),
    H('Infinity', 'number', () => Number.POSITIVE_INFINITY),
    H('-Infinity', 'number', () => Number.NEGATIVE_INFINITY),
    H('-0', 'number', () => -0),
    H('2^53+1', 'number', () => 2 ** 53 + 1),
    H('-1', 'number', () => -1),
    H('1.5', 'number', () => 1.5),
    H('2^31', 'number', () => 2 ** 31),
    H('empty string', 'string', () => ''),
    H('lone high surrogate', 'string', () => 'a\ud800'),
    H('lone low surrogate', 'string', () => '\udc00b'),
    H('10 MB string', 'string', tenMegabyteString),
    H('string "__proto__"', 'string', () => '__proto__'),
    H('symbol', 'other', () => Symbol('hostile')),
    H('function', 'other', () => () => 'a'),
    H('empty array', 'other', () => []),
    H('array of one string', 'other', () => ['a']),
    H('array of numbers', 'other', () => [1, 2, 3]),
    H('sparse array', 'other', () => new Array(5)),
    H('empty object', 'other', () => ({})),
    H('null-prototype object', 'other', () => Object.create(null)),
    H('null-prototype object with id', 'other', () => Object.assign(Object.create(null), { id: 'np' })),
    H('object with a changing getter', 'other', shiftyId),
    H('object with a throwing getter', 'other', throwingGetter),
    H('proxy with throwing traps', 'other', throwingProxy),
    H('revoked proxy', 'other', revokedProxy),
    H('circular object', 'other', circular),
    H('object whose coercion throws', 'other', coercionThrows),
    H('boxed string', 'other', () => new String('a')),
    H('boxed number', 'other', () => new Number(3)),
    H('Date', 'other', () => new Date(0)),
    H('Map', 'other', () => new Map([['id', 'm']])),
    H('Uint8Array', 'other', () => new Uint8Array([1, 2, 3])),
    H('DataView', 'other', () => new DataView(new ArrayBuffer(4))),
    H('true', 'other', () => true),
  ];
}

/** What a call did: returned (with its value) or threw (with the error). */
export type Outcome = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: unknown };

/** Run `call` and report what happened, never throwing. */
export function attempt(call: () => unknown): Outcome {
  try {
    return { ok: true, value: call() };
  } catch (error) {
    return { ok: false, error };
  }
}

/**
 * Assert the outcome of a call with a hostile argument: when `accepted` is
 * true the argument is in the documented domain and the call may return or
 * throw a ShardkitError (e.g. NotFoundError for an unknown but valid id);
 * when false the call must throw a ShardkitError. Any other throw (a plain
 * TypeError, RangeError, an error from inside a proxy) fails with `label`.
 * Returns the outcome for further checks.
 */
export function expectTypedOrAccepted(label: string, call: () => unknown, accepted: boolean): Outcome {
  const out = attempt(call);
  if (!out.ok) {
    const e = out.error;
    if (!(e instanceof ShardkitError)) {
      expect.fail(`${label}: threw ${e instanceof Error ? `${e.constructor.name}: ${e.message}` : String(e)} instead of a typed ShardkitError`);
    }
  } else if (!accepted) {
    expect.fail(`${label}: accepted a value outside its domain`);
  }
  return out;
}

/** True for a non-empty, well-formed string: the domain of node ids. */
export function isWellFormedId(v: unknown): boolean {
  return typeof v === 'string' && v.length > 0 && (v as unknown as { isWellFormed(): boolean }).isWellFormed();
}

/** Array.isArray that answers false instead of throwing (a revoked proxy throws). */
export function safeIsArray(v: unknown): boolean {
  try {
    return Array.isArray(v);
  } catch {
    return false;
  }
}

/** True for a non-null object that is not an array (never throws). */
export function isObjectLike(v: unknown): boolean {
  return v !== null && typeof v === 'object' && !safeIsArray(v);
}

/** True for a key: any string (lone surrogates hash as U+FFFD, as TextEncoder does) or a Uint8Array. */
export function isKey(v: unknown): boolean {
  if (typeof v === 'string') return true;
  try {
    return v instanceof Uint8Array;
  } catch {
    return false;
  }
}
