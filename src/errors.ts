/**
 * One error hierarchy for all of shardkit (ARCHITECTURE.md, principle 8).
 *
 * Every error names what was wrong and what is allowed, carries a stable
 * machine-readable `code`, and says whether retrying the same call can help
 * (`retriable`, as in KafkaJS). Operations that throw leave every structure
 * exactly as it was before the call.
 */
export class ShardkitError extends Error {
  /** Stable identifier, e.g. `INVALID_ARGUMENT`. */
  readonly code: string;
  /** True when the same call may succeed later (e.g. a full queue, a node that is down). */
  readonly retriable: boolean;

  constructor(code: string, message: string, options: { retriable?: boolean; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retriable = options.retriable ?? false;
  }
}

/**
 * Render a value for an error message: short (at most about 100 characters),
 * unambiguous (`10n` for a bigint, `-0`), and it never throws — not on a
 * revoked proxy, a throwing getter, a null-prototype object or a symbol —
 * because an error about bad input must not fail on the bad input. O(1) for
 * strings (sliced first), O(1) otherwise.
 */
export function describeValue(value: unknown): string {
  try {
    if (value === undefined) return 'undefined';
    if (value === null) return 'null';
    if (typeof value === 'string') return JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value);
    if (typeof value === 'number') return Object.is(value, -0) ? '-0' : String(value);
    if (typeof value === 'boolean') return String(value);
    if (typeof value === 'bigint') {
      const s = value.toString();
      return s.length > 40 ? `${s.slice(0, 37)}...n` : `${s}n`;
    }
    if (typeof value === 'symbol') {
      const d = value.description ?? '';
      return `symbol(${JSON.stringify(d.length > 40 ? `${d.slice(0, 37)}...` : d)})`;
    }
    if (typeof value === 'function') return 'function';
    if (value instanceof Uint8Array) return `Uint8Array(${value.length})`;
    if (Array.isArray(value)) return `array(${value.length})`;
    const tag = Object.prototype.toString.call(value);
    return `object ${tag.length > 60 ? `${tag.slice(0, 57)}...` : tag}`;
  } catch {
    return `${typeof value} (not inspectable)`;
  }
}

/**
 * A caller passed something outside what is allowed. Not retriable: the same
 * call fails the same way. The message names the parameter, the value given
 * and what is allowed.
 */
export class InvalidArgumentError extends ShardkitError {
  readonly parameter: string;
  readonly allowed: string;
  constructor(parameter: string, given: unknown, allowed: string) {
    super('INVALID_ARGUMENT', `invalid ${parameter}: got ${describeValue(given)}; allowed: ${allowed}`);
    this.parameter = parameter;
    this.allowed = allowed;
  }
}

/**
 * A named thing (node, topic, partition, field, algorithm, strategy) does not
 * exist. `id` may be any value a caller passed (a bigint, an object...): it is
 * rendered with describeValue, never by a conversion that can throw.
 */
export class NotFoundError extends ShardkitError {
  readonly kind: string;
  /** The id as given when it is a string; otherwise its describeValue rendering. */
  readonly id: string;
  constructor(kind: string, id: string, known?: readonly string[], options: { retriable?: boolean } = {}) {
    const list = known === undefined ? '' : `; known: ${known.length === 0 ? '(none)' : known.slice(0, 20).join(', ')}${known.length > 20 ? ', ...' : ''}`;
    const given: unknown = id;
    const shown = typeof given === 'string' ? JSON.stringify(given.length > 200 ? `${given.slice(0, 197)}...` : given) : describeValue(given);
    super('NOT_FOUND', `unknown ${kind} ${shown}${list}`, options);
    this.kind = kind;
    this.id = typeof given === 'string' ? given : describeValue(given);
  }
}

/** The operation is not valid in the current state (empty ring, stale generation, closed log...). */
export class StateError extends ShardkitError {
  constructor(message: string, options: { retriable?: boolean; code?: string; cause?: unknown } = {}) {
    super(options.code ?? 'INVALID_STATE', message, options);
  }
}

/** A bounded resource is full; the caller may retry after it drains. */
export class CapacityError extends ShardkitError {
  constructor(message: string, options: { code?: string; cause?: unknown } = {}) {
    super(options.code ?? 'CAPACITY_EXCEEDED', message, { retriable: true, cause: options.cause });
  }
}

/**
 * The file system is full (ENOSPC) or the quota is spent (EDQUOT) while
 * writing `file`. Retriable: the same call can succeed once space is freed.
 * The write that failed was undone (or the store says it is unusable).
 */
export class DiskFullError extends CapacityError {
  constructor(
    readonly file: string,
    operation: string,
    cause?: unknown,
  ) {
    super(`disk full while ${operation} ${file}; free space and retry`, { code: 'DISK_FULL', cause });
  }
}

/** `e` as a DiskFullError when it is a Node ENOSPC/EDQUOT error, else `e` unchanged. */
export function asDiskFull(e: unknown, file: string, operation: string): unknown {
  const code = (e as { code?: unknown } | null)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT' ? new DiskFullError(file, operation, e) : e;
}

/** Stored data failed validation (bad CRC, torn write, foreign file). */
export class CorruptionError extends ShardkitError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('CORRUPTION', message, options);
  }
}

/** An internal rule (`checkInvariants()`) was broken: always a bug in shardkit. */
export class InvariantError extends ShardkitError {
  constructor(message: string) {
    super('INVARIANT_VIOLATED', message);
  }
}

/**
 * A name or path for an error message: a string as it is (cut to about 200
 * characters), anything else its describeValue rendering. Never throws. O(1).
 */
export function describeName(value: unknown): string {
  return typeof value === 'string' ? (value.length > 200 ? `${value.slice(0, 197)}...` : value) : describeValue(value);
}

/** Array.isArray that answers false for a revoked proxy instead of throwing. O(1). */
export function isArraySafe(value: unknown): value is readonly unknown[] {
  try {
    return Array.isArray(value);
  } catch {
    return false;
  }
}

/**
 * `value instanceof ctor` that answers false instead of throwing (a proxy
 * whose getPrototypeOf trap throws, a revoked proxy): for checks of values
 * from outside. O(prototype chain).
 */
export function isInstance<T>(value: unknown, ctor: abstract new (...args: never[]) => T): value is T {
  try {
    return value instanceof ctor;
  } catch {
    return false;
  }
}

/** Throw an InvariantError with `message` unless `condition` holds. */
export function invariant(condition: unknown, message: string | (() => string)): asserts condition {
  if (!condition) throw new InvariantError(typeof message === 'function' ? message() : message);
}

/** Validate an integer parameter in [min, max]; returns it. */
export function requireInt(parameter: string, value: unknown, min: number, max: number = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new InvalidArgumentError(parameter, value, `an integer from ${min} to ${max}`);
  }
  return value;
}

/** Validate a finite number parameter in [min, max] (inclusive); returns it. */
export function requireNumber(parameter: string, value: unknown, min: number, max: number = Number.MAX_VALUE): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw new InvalidArgumentError(parameter, value, `a finite number from ${min} to ${max}`);
  }
  return value;
}

/**
 * What a caller's code threw, for an error message: the message of an Error
 * (rendered with describeValue), else the thrown value itself. Never throws,
 * not even on a thrown revoked proxy or an Error whose `message` getter
 * throws. O(1).
 */
export function describeThrown(e: unknown): string {
  try {
    return isInstance(e, Error) ? describeValue(e.message) : describeValue(e);
  } catch {
    return 'a value that cannot be inspected';
  }
}

/**
 * A snapshot of the named fields of an options object from outside, each read
 * exactly once, so a getter that changes cannot give two answers and a getter
 * or proxy trap that throws becomes an InvalidArgumentError naming the field,
 * not the caller's own error. `undefined` is no options (every field
 * undefined); `null`, a non-object or an array is an InvalidArgumentError
 * saying what is allowed. Fields are read as `value[key]`, so inherited ones
 * count; a field that reads as undefined is left out of the snapshot (absent
 * and undefined mean the same: the default). O(keys).
 */
export function readOptions<T extends object, K extends keyof T & string>(
  parameter: string,
  value: T | undefined,
  keys: readonly K[],
  allowed = 'an options object',
): { readonly [P in K]?: T[P] } {
  if (value === undefined) return {};
  if (value === null || typeof value !== 'object' || isArraySafe(value)) throw new InvalidArgumentError(parameter, value, `${allowed} (or undefined)`);
  const out: Partial<Record<K, unknown>> = {};
  for (const key of keys) {
    try {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = v;
    } catch (e) {
      throw new InvalidArgumentError(parameter, value, `${allowed} whose fields can be read (reading ${key} threw: ${describeThrown(e)})`);
    }
  }
  return out as { readonly [P in K]?: T[P] };
}

/**
 * A copy of an array from outside, each element read exactly once (holes
 * read as undefined). Anything that is not an array, or an array proxy whose
 * `length` or elements throw when read, is an InvalidArgumentError saying
 * what is allowed. O(length).
 */
export function readArray(parameter: string, value: unknown, allowed: string): unknown[] {
  if (!isArraySafe(value)) throw new InvalidArgumentError(parameter, value, allowed);
  try {
    const n = value.length;
    const out = new Array<unknown>(n);
    for (let i = 0; i < n; i++) out[i] = value[i];
    return out;
  } catch (e) {
    throw new InvalidArgumentError(parameter, value, `${allowed} whose elements can be read (reading it threw: ${describeThrown(e)})`);
  }
}
