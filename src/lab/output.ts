/**
 * Writes a run's results to the output directory: `index.html` (the
 * self-contained report) and `results.json` (the same numbers, machine
 * readable, byte-identical for the same seed). Creates the directory.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ShardkitError } from '../errors.js';
import { renderHtml } from './html.js';
import type { LabReport } from './runner.js';

/** The output directory cannot be created or written. */
export class OutputDirError extends ShardkitError {
  constructor(message: string) {
    super('OUTPUT_DIR', message);
  }
}

function outputError(root: string, e: unknown): OutputDirError {
  const err = e as NodeJS.ErrnoException;
  return new OutputDirError(`cannot write the report to ${root}: ${err.code ?? ''} ${err.message.replace(/^\w+: /, '')}`.replace(/\s+/g, ' ').trim());
}

/** Create `dir` (and parents) before a run, so a bad --out fails in a second, not after the experiments. */
export function prepareOutputDir(dir: string): string {
  const root = resolve(dir);
  try {
    mkdirSync(root, { recursive: true });
  } catch (e) {
    throw outputError(root, e);
  }
  return root;
}

/** The results as JSON text (2-space indent, trailing newline). O(size). */
export function reportJson(report: LabReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

/** Write index.html and results.json into `dir`; returns their absolute paths. */
export function writeReport(dir: string, report: LabReport, options: { timingsMs?: ReadonlyMap<string, number>; generatedAt?: Date } = {}): { html: string; json: string } {
  const root = resolve(dir);
  const html = join(root, 'index.html');
  const json = join(root, 'results.json');
  try {
    mkdirSync(root, { recursive: true });
    writeFileSync(html, renderHtml(report, options));
    writeFileSync(json, reportJson(report));
  } catch (e) {
    throw outputError(root, e);
  }
  return { html, json };
}
