/**
 * The limits of `shardkit lab --keys`, in a module of their own so the CLI
 * can show them in `--help` without loading the lab. O(1).
 */

/** Fewest distinct keys the lab accepts by default: below that, shares over 100 nodes are mostly noise. */
export const MIN_KEYS = 1_000;

/** Default sample size: large enough for percent-level shares, small enough for a fast run. */
export const DEFAULT_SAMPLE_SIZE = 100_000;

/** Largest sample `--sample-size` accepts: every experiment hashes each key many times. */
export const MAX_SAMPLE_SIZE = 1_000_000;

/**
 * Default longest key, in UTF-8 bytes: a longer key is cut to its first
 * `maxKeyBytes` bytes (at a character boundary). Every experiment hashes every
 * key many times, so the run's time grows with key bytes: 2,000 keys of
 * 100 KB took over ten minutes uncut. Placement depends on the hash, not on
 * the length, so a prefix keeps what the lab measures unless keys differ only
 * past it (then fewer distinct keys remain, and the report says how many).
 */
export const DEFAULT_MAX_KEY_BYTES = 256;

/** Range of `--max-key-bytes`. */
export const MIN_MAX_KEY_BYTES = 16;
export const MAX_MAX_KEY_BYTES = 1 << 20;
