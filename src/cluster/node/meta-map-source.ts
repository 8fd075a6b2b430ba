/**
 * The cluster map from the metadata service (`--meta <url>`). Waits for the
 * metadata client of the meta service; until it is part of this build,
 * `--meta` is refused with a clear error and nodes run from `--map` files.
 */
import { StateError } from '../../errors.js';
import type { MapSource } from './map-source.js';

/** A MapSource over the metadata service. */
export const MetaMapSource = {
  async connect(url: string): Promise<MapSource> {
    throw new StateError(`--meta ${url}: this build has no metadata client yet; run the node with --map <file>`);
  },
};
