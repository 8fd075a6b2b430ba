import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, StateError } from '../../errors.js';
import { mulberry32 } from '../../util/random.js';
import { decodeMessage, encodeMessage, MembershipMessageError, type SwimMessage } from './messages.js';
import { DEFAULT_SWIM_OPTIONS, resolveSwimOptions, retransmitLimit, suspicionMaxTimeoutMs, suspicionMinTimeoutMs, suspicionTimeoutMs, type SwimOptions } from './options.js';
import { RELAYS_MAX, Swim, type Outgoing } from './swim.js';

/** Only probes: gossip, push/pull and reconnect off, so each test sees exactly the probe traffic. */
const PROBES_ONLY: Partial<SwimOptions> = { gossipIntervalMs: 0, pushPullIntervalMs: 0, reconnectIntervalMs: 0 };

/** Member `self` that already knows `others` as alive at incarnation 0. */
function node(self: string, others: string[], options: Partial<SwimOptions> = PROBES_ONLY, seed = 7): Swim {
  const s = new Swim(self, mulberry32(seed), options, 0);
  s.receive(others[0] as string, { type: 'sync', from: others[0] as string, reply: false, members: others.map((m) => ({ member: m, incarnation: 0, status: 'alive' as const })) }, 0);
  s.checkInvariants();
  return s;
}

const peers = (n: number) => Array.from({ length: n }, (_, i) => `p${i}`);

function only(out: { messages: Outgoing[] }, type: SwimMessage['type']): Outgoing[] {
  return out.messages.filter((m) => m.message.type === type);
}

/** Tick at the next deadline; return the single ping sent. */
function nextPing(s: Swim): { at: number; to: string; seq: number } {
  const at = s.nextDeadlineMs();
  const pings = only(s.tick(at), 'ping');
  expect(pings).toHaveLength(1);
  const p = pings[0] as Outgoing;
  if (p.message.type !== 'ping') throw new Error('not a ping');
  expect(p.message.target).toBe(p.to);
  return { at, to: p.to, seq: p.message.seq };
}

function ack(s: Swim, from: string, seq: number, at: number) {
  return s.receive(from, { type: 'ack', seq, from, updates: [] }, at);
}

describe('probing (SWIM §3.1)', () => {
  it('a probe answered by an ack raises no suspicion and sends no ping-req', () => {
    const s = node('a', peers(5));
    const p = nextPing(s);
    ack(s, p.to, p.seq, p.at + 10);
    const later = s.tick(p.at + 600);
    expect(only(later, 'ping-req')).toHaveLength(0);
    expect(s.statusOf(p.to)).toBe('alive');
    expect(s.healthScore).toBe(0);
  });

  it('probes follow a shuffled round-robin: each member once per round, in a new order each round', () => {
    const members = peers(8);
    const s = node('a', members);
    const rounds: string[][] = [];
    for (let r = 0; r < 4; r++) {
      const round: string[] = [];
      for (let i = 0; i < members.length; i++) {
        const p = nextPing(s);
        ack(s, p.to, p.seq, p.at + 1);
        round.push(p.to);
      }
      expect([...round].sort()).toEqual(members);
      rounds.push(round);
    }
    expect(new Set(rounds.map((r) => r.join())).size).toBeGreaterThan(1);
  });

  it('no ack within the probe timeout sends ping-req with the same seq to indirectChecks other alive members', () => {
    const s = node('a', peers(6));
    const p = nextPing(s);
    expect(s.nextDeadlineMs()).toBe(p.at + DEFAULT_SWIM_OPTIONS.probeTimeoutMs);
    const out = s.tick(p.at + DEFAULT_SWIM_OPTIONS.probeTimeoutMs);
    const reqs = only(out, 'ping-req');
    expect(reqs).toHaveLength(3);
    for (const r of reqs) {
      expect(r.to).not.toBe(p.to);
      expect(r.message).toMatchObject({ type: 'ping-req', seq: p.seq, target: p.to, from: 'a' });
    }
    expect(new Set(reqs.map((r) => r.to)).size).toBe(3);
  });

  it('an ack relayed by an indirect prober saves the target from suspicion', () => {
    const s = node('a', peers(6));
    const p = nextPing(s);
    const reqs = only(s.tick(p.at + 500), 'ping-req');
    ack(s, reqs[0]?.to as string, p.seq, p.at + 700);
    const out = s.tick(p.at + 1000);
    expect(out.events).toEqual([]);
    expect(s.statusOf(p.to)).toBe('alive');
  });

  it('a relay pings the target for the requester, forwards its ack under the requester seq, or sends a nack on timeout', () => {
    const r = node('r', ['a', 't', 'x']);
    const out = r.receive('a', { type: 'ping-req', seq: 41, from: 'a', target: 't', updates: [] }, 100);
    const ping = only(out, 'ping')[0] as Outgoing;
    expect(ping.to).toBe('t');
    if (ping.message.type !== 'ping') throw new Error('expected ping');
    const fwd = ack(r, 't', ping.message.seq, 150);
    expect(only(fwd, 'ack')).toEqual([{ to: 'a', message: expect.objectContaining({ type: 'ack', seq: 41, from: 'r' }) }]);

    const out2 = r.receive('a', { type: 'ping-req', seq: 42, from: 'a', target: 't', updates: [] }, 200);
    expect(only(out2, 'ping')).toHaveLength(1);
    expect(only(r.tick(699), 'nack')).toHaveLength(0);
    expect(only(r.tick(700), 'nack')).toEqual([{ to: 'a', message: expect.objectContaining({ type: 'nack', seq: 42 }) }]);
  });

  it('a relay holds at most RELAYS_MAX indirect probes; beyond that it nacks at once', () => {
    const r = node('r', ['a', 't']);
    for (let i = 0; i < RELAYS_MAX; i++) expect(only(r.receive('a', { type: 'ping-req', seq: i, from: 'a', target: 't', updates: [] }, 1), 'ping')).toHaveLength(1);
    const over = r.receive('a', { type: 'ping-req', seq: 5000, from: 'a', target: 't', updates: [] }, 1);
    expect(only(over, 'ping')).toEqual([]);
    expect(only(over, 'nack')).toEqual([{ to: 'a', message: expect.objectContaining({ seq: 5000 }) }]);
  });

  it('a member answers a ping addressed to it with an ack of the same seq, and ignores one meant for another id', () => {
    const t = node('t', ['a', 'b']);
    expect(only(t.receive('a', { type: 'ping', seq: 9, from: 'a', target: 't', updates: [] }, 5), 'ack')).toEqual([
      { to: 'a', message: expect.objectContaining({ type: 'ack', seq: 9, from: 't' }) },
    ]);
    expect(t.receive('a', { type: 'ping', seq: 10, from: 'a', target: 'old-name', updates: [] }, 6).messages).toEqual([]);
  });
});

describe('suspicion and refutation (SWIM §4.2, Lifeguard)', () => {
  it('no ack by the end of the probe interval makes the target suspect', () => {
    const s = node('a', peers(10));
    const p = nextPing(s);
    s.tick(p.at + 500);
    expect(s.tick(p.at + 999).events).toEqual([]);
    expect(s.tick(p.at + 1000).events).toEqual([{ type: 'suspect', member: p.to, incarnation: 0 }]);
    expect(s.statusOf(p.to)).toBe('suspect');
    s.checkInvariants();
  });

  it('a suspect is declared dead when the suspicion timeout runs out: the maximum with no confirmations', () => {
    const s = node('a', peers(9)); // N = 10: min 4 s, max 24 s
    const n = 10;
    const maxMs = suspicionMaxTimeoutMs(s.options, n);
    expect(maxMs).toBe(24_000);
    s.receive('p1', { type: 'gossip', from: 'p1', updates: [{ kind: 'suspect', member: 'p0', incarnation: 0, from: 'p1' }] }, 1000);
    expect(s.suspicionDeadlineMs('p0')).toBe(1000 + maxMs);
    // Every probe is acknowledged (p0 included: an ack is no refutation), so no confirmation is added.
    for (;;) {
      const at = s.nextDeadlineMs();
      if (at >= 1000 + maxMs) break;
      const out = s.tick(at);
      for (const m of only(out, 'ping')) if (m.message.type === 'ping') ack(s, m.to, m.message.seq, at);
      expect(out.events.filter((e) => e.type === 'dead')).toEqual([]);
    }
    expect(s.statusOf('p0')).toBe('suspect');
    const out = s.tick(1000 + maxMs);
    expect(out.events).toContainEqual({ type: 'dead', member: 'p0', incarnation: 0 });
    expect(s.statusOf('p0')).toBe('dead');
  });

  it('independent confirmations shorten the suspicion timeout from max toward min; repeats do not count', () => {
    const s = node('a', peers(9));
    const minMs = suspicionMinTimeoutMs(s.options, 10);
    const maxMs = suspicionMaxTimeoutMs(s.options, 10);
    const sus = (from: string): SwimMessage => ({ type: 'gossip', from, updates: [{ kind: 'suspect', member: 'p0', incarnation: 0, from }] });
    s.receive('p1', sus('p1'), 0);
    expect(s.suspicionDeadlineMs('p0')).toBe(maxMs);
    s.receive('p1', sus('p1'), 10);
    expect(s.suspicionDeadlineMs('p0')).toBe(maxMs);
    s.receive('p2', sus('p2'), 20);
    const one = s.suspicionDeadlineMs('p0') as number;
    // k = suspicionMult - 2 = 2: one confirmation of two gives max - (max - min) * log 2 / log 3.
    expect(one).toBe(Math.floor(maxMs - ((maxMs - minMs) * Math.log(2)) / Math.log(3)));
    s.receive('p3', sus('p3'), 30);
    expect(s.suspicionDeadlineMs('p0')).toBe(minMs);
    s.receive('p4', sus('p4'), 40);
    expect(s.suspicionDeadlineMs('p0')).toBe(minMs);
    for (;;) {
      const at = s.nextDeadlineMs();
      if (at >= minMs) break;
      const out = s.tick(at);
      for (const m of only(out, 'ping')) if (m.message.type === 'ping') ack(s, m.to, m.message.seq, at);
      expect(out.events.filter((e) => e.type === 'dead')).toEqual([]);
    }
    expect(s.tick(minMs).events).toContainEqual({ type: 'dead', member: 'p0', incarnation: 0 });
  });

  it('the suspicion timeout formula matches memberlist: max at 0, min once k confirmations arrive, never below min', () => {
    expect(suspicionTimeoutMs(0, 3, 2000, 30_000)).toBe(30_000);
    expect(suspicionTimeoutMs(1, 3, 2000, 30_000)).toBe(16_000);
    expect(suspicionTimeoutMs(3, 3, 2000, 30_000)).toBe(2000);
    expect(suspicionTimeoutMs(5, 3, 2000, 30_000)).toBe(2000);
    expect(suspicionTimeoutMs(0, 0, 2000, 30_000)).toBe(2000);
    expect(suspicionMinTimeoutMs(DEFAULT_SWIM_OPTIONS, 5)).toBe(4000);
    expect(suspicionMinTimeoutMs(DEFAULT_SWIM_OPTIONS, 100)).toBe(8000);
    expect(suspicionMinTimeoutMs(DEFAULT_SWIM_OPTIONS, 1000)).toBe(12_000);
  });

  it('a suspected member refutes with a higher incarnation, and peers take it back as alive', () => {
    const t = node('t', ['a', 'b', 'c']);
    t.receive('a', { type: 'gossip', from: 'a', updates: [{ kind: 'suspect', member: 't', incarnation: 0, from: 'a' }] }, 100);
    expect(t.incarnationOf('t')).toBe(1);
    expect(t.statusOf('t')).toBe('alive');
    const reply = t.receive('b', { type: 'ping', seq: 1, from: 'b', target: 't', updates: [] }, 110);
    const ackMsg = only(reply, 'ack')[0]?.message;
    expect(ackMsg?.type === 'ack' && ackMsg.updates).toContainEqual({ kind: 'alive', member: 't', incarnation: 1, from: 't' });

    const a = node('a', ['t', 'b', 'c']);
    a.receive('b', { type: 'gossip', from: 'b', updates: [{ kind: 'suspect', member: 't', incarnation: 0, from: 'b' }] }, 100);
    expect(a.statusOf('t')).toBe('suspect');
    const out = a.receive('t', ackMsg as SwimMessage, 120);
    expect(out.events).toEqual([{ type: 'alive', member: 't', incarnation: 1 }]);
    expect(a.statusOf('t')).toBe('alive');
    // An alive at the suspected incarnation refutes nothing.
    a.receive('b', { type: 'gossip', from: 'b', updates: [{ kind: 'suspect', member: 't', incarnation: 1, from: 'b' }] }, 130);
    a.receive('c', { type: 'gossip', from: 'c', updates: [{ kind: 'alive', member: 't', incarnation: 1, from: 't' }] }, 140);
    expect(a.statusOf('t')).toBe('suspect');
  });

  it('a suspicion at a higher incarnation than the one suspected starts a new suspicion with its own timer', () => {
    const a = node('a', peers(9));
    a.receive('p1', { type: 'gossip', from: 'p1', updates: [{ kind: 'suspect', member: 'p0', incarnation: 0, from: 'p1' }] }, 0);
    a.receive('p2', { type: 'gossip', from: 'p2', updates: [{ kind: 'suspect', member: 'p0', incarnation: 0, from: 'p2' }] }, 10);
    const out = a.receive('p3', { type: 'gossip', from: 'p3', updates: [{ kind: 'suspect', member: 'p0', incarnation: 2, from: 'p3' }] }, 500);
    expect(out.events).toEqual([{ type: 'suspect', member: 'p0', incarnation: 2 }]);
    expect(a.incarnationOf('p0')).toBe(2);
    expect(a.suspicionDeadlineMs('p0')).toBe(500 + suspicionMaxTimeoutMs(a.options, 10));
    a.checkInvariants();
  });

  it('a member that hears an accusation older than its incarnation re-announces its alive update', () => {
    const t = node('t', ['a', 'b', 'c']);
    t.receive('a', { type: 'gossip', from: 'a', updates: [{ kind: 'suspect', member: 't', incarnation: 0, from: 'a' }] }, 1);
    for (let i = 0; i < 20; i++) t.receive('b', { type: 'ping', seq: i, from: 'b', target: 't', updates: [] }, 2 + i); // spend the retransmissions
    const out = t.receive('c', { type: 'ping', seq: 99, from: 'c', target: 't', updates: [{ kind: 'suspect', member: 't', incarnation: 0, from: 'c' }] }, 30);
    const m = only(out, 'ack')[0]?.message;
    expect(m?.type === 'ack' && m.updates).toContainEqual({ kind: 'alive', member: 't', incarnation: 1, from: 't' });
    expect(t.incarnationOf('t')).toBe(1);
  });

  it('a member declared dead refutes too, and a dead member comes back only with a higher incarnation', () => {
    const t = node('t', ['a', 'b']);
    t.receive('a', { type: 'gossip', from: 'a', updates: [{ kind: 'dead', member: 't', incarnation: 3, from: 'a' }] }, 1);
    expect(t.incarnationOf('t')).toBe(4);
    const a = node('a', ['t', 'b']);
    a.receive('b', { type: 'gossip', from: 'b', updates: [{ kind: 'dead', member: 't', incarnation: 0, from: 'b' }] }, 1);
    expect(a.statusOf('t')).toBe('dead');
    a.receive('b', { type: 'gossip', from: 'b', updates: [{ kind: 'alive', member: 't', incarnation: 0, from: 't' }] }, 2);
    expect(a.statusOf('t')).toBe('dead');
    a.receive('b', { type: 'gossip', from: 'b', updates: [{ kind: 'alive', member: 't', incarnation: 4, from: 't' }] }, 3);
    expect(a.statusOf('t')).toBe('alive');
  });

  it('a full-state sync treats another member\'s "dead" as a suspicion to check, and "left" as left', () => {
    const a = node('a', ['b', 'c', 'd']);
    const out = a.receive('b', { type: 'sync', from: 'b', reply: true, members: [{ member: 'c', incarnation: 0, status: 'dead' }, { member: 'd', incarnation: 0, status: 'left' }, { member: 'e', incarnation: 2, status: 'alive' }] }, 5);
    expect(a.statusOf('c')).toBe('suspect');
    expect(a.statusOf('d')).toBe('left');
    expect(a.statusOf('e')).toBe('alive');
    expect(only(out, 'sync')).toEqual([{ to: 'b', message: expect.objectContaining({ type: 'sync', reply: false }) }]);
  });
});

describe('local health awareness (Lifeguard)', () => {
  it('a failed probe with no nacks raises the score by the missing nacks and scales the next interval and timeout', () => {
    const s = node('a', peers(6));
    const p = nextPing(s);
    s.tick(p.at + 500);
    const next = only(s.tick(p.at + 1000), 'ping')[0]?.message;
    expect(s.healthScore).toBe(3);
    expect(s.scaledProbeIntervalMs).toBe(4000);
    if (next?.type !== 'ping') throw new Error('expected the next probe in the same tick');
    expect(s.nextDeadlineMs()).toBe(p.at + 1000 + 4 * 500);
    ack(s, next.target, next.seq, p.at + 1005);
    expect(s.healthScore).toBe(2);
    expect(s.nextDeadlineMs()).toBe(p.at + 1000 + 4000);
  });

  it('nacks from the relays mean the network, not we, is slow: the score stays', () => {
    const s = node('a', peers(6));
    const p = nextPing(s);
    const reqs = only(s.tick(p.at + 500), 'ping-req');
    for (const r of reqs) s.receive(r.to, { type: 'nack', seq: p.seq, from: r.to, updates: [] }, p.at + 900);
    s.tick(p.at + 1000);
    expect(s.statusOf(p.to)).toBe('suspect');
    expect(s.healthScore).toBe(0);
  });

  it('refuting a suspicion about ourselves raises the score by one, capped at awarenessMaxMultiplier - 1', () => {
    const t = node('t', ['a'], { ...PROBES_ONLY, awarenessMaxMultiplier: 3 });
    for (let i = 0; i < 5; i++) t.receive('a', { type: 'gossip', from: 'a', updates: [{ kind: 'suspect', member: 't', incarnation: t.incarnationOf('t') as number, from: 'a' }] }, i);
    expect(t.incarnationOf('t')).toBe(5);
    expect(t.healthScore).toBe(2);
  });
});

describe('stalls', () => {
  it('a tick that finds the probe timer overdue by more than a probe interval asks one member for full state', () => {
    const s = node('a', peers(5));
    const p = nextPing(s);
    ack(s, p.to, p.seq, p.at + 1);
    expect(only(s.tick(p.at + 1000), 'sync')).toEqual([]);
    const late = s.tick(p.at + 1000 + 5000);
    expect(only(late, 'sync')).toEqual([{ to: expect.any(String), message: expect.objectContaining({ type: 'sync', reply: true }) }]);
  });

  it('after a stall, suspicions that ran out meanwhile get a probe interval to hear a refutation', () => {
    const s = node('a', peers(9));
    s.receive('p1', { type: 'gossip', from: 'p1', updates: [{ kind: 'suspect', member: 'p0', incarnation: 0, from: 'p1' }] }, 0);
    const deadline = s.suspicionDeadlineMs('p0') as number;
    const wake = deadline + 5000;
    expect(s.tick(wake).events.filter((e) => e.type === 'dead')).toEqual([]);
    expect(s.suspicionDeadlineMs('p0')).toBe(wake + 1000);
    s.receive('p0', { type: 'gossip', from: 'p0', updates: [{ kind: 'alive', member: 'p0', incarnation: 1, from: 'p0' }] }, wake + 300);
    expect(s.statusOf('p0')).toBe('alive');
  });
});

describe('dissemination', () => {
  it('each update is piggybacked retransmitMult * ceil(log10(N + 1)) times, then no more', () => {
    const s = node('a', peers(9));
    s.receive('p1', { type: 'gossip', from: 'p1', updates: [{ kind: 'suspect', member: 'p5', incarnation: 0, from: 'p1' }] }, 0);
    const limit = retransmitLimit(s.options, 10);
    expect(limit).toBe(8);
    let carried = 0;
    for (let i = 0; i < 20; i++) {
      const out = s.receive('p2', { type: 'ping', seq: i, from: 'p2', target: 'a', updates: [] }, 1 + i);
      const m = only(out, 'ack')[0]?.message;
      if (m?.type === 'ack' && m.updates.some((u) => u.member === 'p5')) carried++;
    }
    expect(carried).toBe(limit);
  });

  it('gossip sends pending updates to gossipFanout members every gossipIntervalMs', () => {
    const s = node('a', peers(9), { pushPullIntervalMs: 0, reconnectIntervalMs: 0 });
    s.receive('p1', { type: 'gossip', from: 'p1', updates: [{ kind: 'suspect', member: 'p5', incarnation: 0, from: 'p1' }] }, 0);
    let gossips: Outgoing[] = [];
    for (let i = 0; i < 10 && gossips.length === 0; i++) gossips = only(s.tick(s.nextDeadlineMs()), 'gossip');
    expect(gossips).toHaveLength(3);
  });

  it('a member that leaves tells others directly; they record it as left, and the leaver goes quiet', () => {
    const l = node('l', ['a', 'b']);
    const out = l.leave();
    expect(out.messages.length).toBeGreaterThan(0);
    expect(l.nextDeadlineMs()).toBe(Infinity);
    expect(l.tick(10_000).messages).toEqual([]);
    expect(() => l.leave()).toThrow(StateError);
    const a = node('a', ['l', 'b']);
    const ev = a.receive('l', out.messages[0]?.message as SwimMessage, 5);
    expect(ev.events).toEqual([{ type: 'left', member: 'l', incarnation: 1 }]);
  });

  it('a joining member asks its seeds for full state and retries while it knows no one', () => {
    const j = new Swim('j', mulberry32(1), PROBES_ONLY, 0);
    expect(only(j.join(['s1', 's2', 'j']), 'sync').map((m) => m.to)).toEqual(['s1', 's2']);
    expect(j.nextDeadlineMs()).toBeLessThanOrEqual(1000);
    const retry = only(j.tick(1000), 'sync');
    expect(retry.map((m) => m.to)).toEqual(['s1', 's2']);
  });
});

describe('bad input', () => {
  it('encode then decode gives the message back', () => {
    const msgs: SwimMessage[] = [
      { type: 'ping', seq: 1, from: 'a', target: 'b', updates: [{ kind: 'suspect', member: 'c', incarnation: 2, from: 'a' }] },
      { type: 'ack', seq: 1, from: 'b', updates: [] },
      { type: 'ping-req', seq: 3, from: 'a', target: 'c', updates: [] },
      { type: 'nack', seq: 3, from: 'd', updates: [] },
      { type: 'gossip', from: 'a', updates: [{ kind: 'dead', member: 'x', incarnation: 0, from: 'x' }] },
      { type: 'sync', from: 'a', reply: true, members: [{ member: 'a', incarnation: 0, status: 'alive' }] },
    ];
    for (const m of msgs) expect(decodeMessage(encodeMessage(m))).toEqual(m);
  });

  it('bad bytes give a MembershipMessageError naming the field and change nothing', () => {
    const s = node('a', peers(4));
    const before = JSON.stringify(s.snapshot());
    const te = new TextEncoder();
    const bad: Uint8Array[] = [
      new Uint8Array([0xff, 0xfe]),
      te.encode('not json'),
      te.encode('[]'),
      te.encode('{"type":"pong"}'),
      te.encode('{"type":"ping","seq":-1,"from":"b","target":"a","updates":[]}'),
      te.encode('{"type":"ping","seq":1.5,"from":"b","target":"a","updates":[]}'),
      te.encode('{"type":"ping","seq":1,"from":"","target":"a","updates":[]}'),
      te.encode('{"type":"ack","seq":1,"from":"b","updates":[{"kind":"alive","member":"p1","incarnation":"9","from":"p1"}]}'),
      te.encode('{"type":"ack","seq":1,"from":"b","updates":[{"kind":"revive","member":"p1","incarnation":9,"from":"p1"}]}'),
      te.encode('{"type":"sync","from":"b","reply":"yes","members":[]}'),
      te.encode('{"type":"sync","from":"b","reply":true,"members":[{"member":"p1","incarnation":1,"status":"zombie"}]}'),
    ];
    for (const b of bad) {
      expect(() => s.receiveBytes('b', b, 10)).toThrow(MembershipMessageError);
      expect(JSON.stringify(s.snapshot())).toBe(before);
    }
    expect(() => decodeMessage(te.encode('{"type":"gossip","from":"b","updates":7}'))).toThrow(/updates: got 7; allowed: an array/);
  });

  it('any JSON value decodes to a valid message or a MembershipMessageError, never another error; valid messages round-trip', () => {
    const id = fc.string({ minLength: 1, maxLength: 8 });
    const update = fc.record({ kind: fc.constantFrom('alive' as const, 'suspect' as const, 'dead' as const), member: id, incarnation: fc.nat(), from: id });
    const message: fc.Arbitrary<SwimMessage> = fc.oneof(
      fc.record({ type: fc.constantFrom('ping' as const, 'ping-req' as const), seq: fc.nat(), from: id, target: id, updates: fc.array(update, { maxLength: 4 }) }),
      fc.record({ type: fc.constantFrom('ack' as const, 'nack' as const), seq: fc.nat(), from: id, updates: fc.array(update, { maxLength: 4 }) }),
      fc.record({ type: fc.constant('gossip' as const), from: id, updates: fc.array(update, { maxLength: 4 }) }),
      fc.record({ type: fc.constant('sync' as const), from: id, reply: fc.boolean(), members: fc.array(fc.record({ member: id, incarnation: fc.nat(), status: fc.constantFrom('alive' as const, 'suspect' as const, 'dead' as const, 'left' as const) }), { maxLength: 4 }) }),
    );
    fc.assert(
      fc.property(message, (m) => {
        expect(decodeMessage(encodeMessage(m))).toEqual(m);
      }),
      { seed: 1717, numRuns: 300 },
    );
    // Mutations of valid messages and arbitrary JSON: a message or the typed error, nothing else.
    const te = new TextEncoder();
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), message.chain((m) => fc.record({ ...Object.fromEntries(Object.keys(m).map((k) => [k, fc.oneof(fc.constant((m as unknown as Record<string, unknown>)[k]), fc.jsonValue())])) }))), (v) => {
        try {
          const got = decodeMessage(te.encode(JSON.stringify(v) ?? 'null'));
          expect(typeof got.type).toBe('string');
        } catch (e) {
          expect(e).toBeInstanceOf(MembershipMessageError);
        }
      }),
      { seed: 1718, numRuns: 500 },
    );
  });

  it('options outside their range give InvalidArgumentError naming the option and what is allowed', () => {
    expect(() => resolveSwimOptions({ probeIntervalMs: 0 })).toThrow(/probeIntervalMs.*allowed: an integer from 1 to/);
    expect(() => resolveSwimOptions({ probeTimeoutMs: 1000 })).toThrow(/probeTimeoutMs.*less than probeIntervalMs/);
    expect(() => resolveSwimOptions({ indirectChecks: -1 })).toThrow(InvalidArgumentError);
    expect(() => resolveSwimOptions({ suspicionMult: 2.5 })).toThrow(/suspicionMult/);
    expect(() => resolveSwimOptions({ retransmitMult: Number.NaN })).toThrow(/retransmitMult/);
    expect(() => resolveSwimOptions({ probeIntervalMS: 5 } as unknown as Partial<SwimOptions>)).toThrow(/known option names/);
    expect(() => new Swim('', mulberry32(1))).toThrow(InvalidArgumentError);
    expect(resolveSwimOptions()).toEqual(DEFAULT_SWIM_OPTIONS);
  });

  it('time going backwards is refused and changes nothing', () => {
    const s = node('a', peers(3));
    s.tick(500);
    expect(() => s.tick(499)).toThrow(/nowMs.*>= the last one given \(500\)/);
    expect(() => s.receive('p1', { type: 'gossip', from: 'p1', updates: [] }, Number.NaN)).toThrow(InvalidArgumentError);
  });
});
