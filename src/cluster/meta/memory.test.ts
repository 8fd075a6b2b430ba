import { ManualClock } from '../../util/clock.js';
import { MemoryMetaStore } from './memory.js';
import { metaStoreSuite } from './metastore.suite.js';

metaStoreSuite('memory', {
  async create() {
    const clock = new ManualClock(1_000_000);
    const store = new MemoryMetaStore({ clock, tickIntervalMs: 0 });
    return {
      store,
      other: store,
      compact: async (revision) => store.compact(revision),
      advance: async (ms) => {
        clock.advance(ms);
        store.tick();
      },
      close: () => store.close(),
    };
  },
});
