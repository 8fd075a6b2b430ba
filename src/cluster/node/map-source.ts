/**
 * Where a node gets its cluster map: a small interface so a static file (a
 * fixed cluster, tests) and the metadata service (`--meta`) both work. A node
 * switches to a map only when its epoch is higher than the one it runs.
 */
import * as fs from 'node:fs';
import { type ClusterMap, decodeMap } from '../map.js';

/** A source of cluster maps. */
export interface MapSource {
  /** The current map. Rejects with a typed error when there is none or it is invalid. */
  load(): Promise<ClusterMap>;
  /** Call `onMap` with every newer map from now on (never an older epoch). */
  watch(onMap: (map: ClusterMap) => void): void;
  /** Register this node as running (with a lease, for the metadata service); a no-op for files. */
  register(info: { readonly id: string; readonly host: string; readonly port: number; readonly pid: number }): Promise<void>;
  /** Stop watching, end the registration. */
  close(): Promise<void>;
  /** A short description for the startup line and INFO. */
  describe(): string;
  /**
   * Fencing: the node accepts writes only while this monotonic time
   * (`performance.now()` ms) lies ahead, a time before which its registration
   * lease cannot have expired on the metadata service. Absent: the source
   * holds no lease (a fixed map file), and writes are always accepted.
   */
  writableUntilMs?(): number;
}

/** A map read from a JSON file (the format of encodeMap). Never changes while the node runs. */
export class FileMapSource implements MapSource {
  constructor(private readonly file: string) {}

  async load(): Promise<ClusterMap> {
    return decodeMap(await fs.promises.readFile(this.file));
  }

  watch(): void {}

  async register(): Promise<void> {}

  async close(): Promise<void> {}

  describe(): string {
    return `file ${this.file}`;
  }
}
