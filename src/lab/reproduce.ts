/**
 * The command that reproduces a lab report: `shardkit lab` with every option
 * that changes its numbers (--seed, --quick, --only, --keys, --column,
 * --sample-size, --max-key-bytes), shell-quoted, so the "Reproduce with" line
 * of the HTML report and of the terminal gives the same results when run on
 * the same files. Options that only change where output goes (--out, --json,
 * --no-progress) are left out. O(options).
 */
import { DEFAULT_MAX_KEY_BYTES, DEFAULT_SAMPLE_SIZE } from './key-limits.js';
import type { LabReport } from './runner.js';

/** `s` quoted for a POSIX shell when it holds anything but safe characters. */
export function shellQuote(s: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The argv (after `shardkit`) that reproduces `report`. */
export function reproduceArgs(report: Pick<LabReport, 'seed' | 'quick' | 'only' | 'keySource'>): string[] {
  const args = ['lab', '--seed', String(report.seed)];
  if (report.quick) args.push('--quick');
  if (report.only !== undefined && report.only.length > 0) args.push('--only', report.only.join(','));
  const k = report.keySource;
  if (k.kind === 'file') {
    args.push('--keys', k.description);
    if (k.column !== undefined) args.push('--column', k.column);
    if (k.sampleSize !== undefined && k.sampleSize !== DEFAULT_SAMPLE_SIZE) args.push('--sample-size', String(k.sampleSize));
    if (k.maxKeyBytes !== undefined && k.maxKeyBytes !== DEFAULT_MAX_KEY_BYTES) args.push('--max-key-bytes', String(k.maxKeyBytes));
  }
  return args;
}

/** `shardkit lab …` as one shell line. */
export function reproduceCommand(report: Pick<LabReport, 'seed' | 'quick' | 'only' | 'keySource'>): string {
  return ['shardkit', ...reproduceArgs(report)].map(shellQuote).join(' ');
}
