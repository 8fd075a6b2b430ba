import { describe, it, expect } from 'vitest';
import { InvalidArgumentError } from '../errors.js';
import { RangeStore } from './store.js';

describe('range store: bad values and options (issues 11 §6, 12 §4)', () => {
  it('options or a split policy whose fields throw when read (a trapping proxy) get an InvalidArgumentError, not the proxy\'s error', () => {
    const trap = (): never => {
      throw new Error('proxy trap');
    };
    const proxy = new Proxy({}, { get: trap, has: trap, ownKeys: trap, getOwnPropertyDescriptor: trap, getPrototypeOf: trap });
    expect(() => new RangeStore({ split: proxy } as never)).toThrow(InvalidArgumentError);
    expect(() => new RangeStore(proxy as never)).toThrow(InvalidArgumentError);
    expect(() => new RangeStore({ split: proxy } as never)).toThrow(/reading them threw: "proxy trap"/);
  });

  it('minPartitionSize equal to maxPartitionSize is allowed, and splits and merges stay within it', () => {
    const s = new RangeStore<string>({ maxPartitionSize: 4, minPartitionSize: 4 });
    for (let i = 0; i < 40; i++) s.put(`k${String(i).padStart(3, '0')}`, 'v');
    s.checkInvariants();
    for (let i = 0; i < 36; i++) s.delete(`k${String(i).padStart(3, '0')}`);
    s.mergeSmallPartitions();
    s.checkInvariants();
    expect(s.rangeScan('').map(([k]) => k)).toEqual(['k036', 'k037', 'k038', 'k039']);
    expect(() => new RangeStore({ maxPartitionSize: 4, minPartitionSize: 5 })).toThrow(InvalidArgumentError);
  });

  it('a value the default size cannot measure (circular, bigint inside) is an InvalidArgumentError and changes nothing', () => {
    const s = new RangeStore<unknown>({ maxPartitionSize: 10 });
    s.put('a', 1);
    const circular: Record<string, unknown> = {};
    circular['self'] = circular;
    expect(() => s.put('b', circular)).toThrow(InvalidArgumentError);
    expect(() => s.put('a', { n: 10n })).toThrow(InvalidArgumentError);
    expect(s.get('a')).toBe(1);
    expect(s.get('b')).toBeUndefined();
    expect(s.stats().totalKeys).toBe(1);
    s.checkInvariants();
  });

  it('nodes.remove with an unknown measure is an InvalidArgumentError and removes nothing (it removed n1 and returned NaN)', () => {
    const s = new RangeStore<string>({ maxPartitionSize: 4, nodes: ['n1', 'n2'] });
    for (let i = 0; i < 20; i++) s.put(`k${i}`, 'v');
    s.nodes.apply(s.nodes.planBalance({ by: 'keys', tolerance: 0.5 }));
    expect(() => s.nodes.remove('n1', 'bogus' as 'bytes')).toThrow(InvalidArgumentError);
    expect([...s.nodes.loads('keys').keys()]).toEqual(['n1', 'n2']);
    s.checkInvariants();
    expect(() => s.nodes.planBalance({ by: 'bogus' as 'bytes' })).toThrow(InvalidArgumentError);
  });
});
