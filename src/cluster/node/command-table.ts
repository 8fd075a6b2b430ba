/**
 * The command table and dispatch, in Redis's order (processCommand):
 * unknown command, wrong arity, then the cluster checks on the keys
 * (CROSSSLOT, MOVED/ASK, or forwarding), then the handler. Names are looked up
 * lowercased in a Map. Each spec carries what COMMAND INFO reports (arity as
 * Redis counts it: positive exact, negative minimum, command name included;
 * flags; first key, last key, step).
 */
import type { ReplyWriter } from '../resp/reply-writer.js';
import type { MapNode } from '../map.js';
import type { NodeContext, Session } from './context.js';
import { redirectText } from './ownership.js';
import { redisKeySlot } from '../../hash/redis-slot.js';
import { storeKey } from './keyspace.js';

/** What the connection does after a command. */
export type Outcome = undefined | 'close' | { readonly forwardTo: MapNode };

/** A handler: reads args (args[0] is the name), writes exactly one reply. */
export type Handler = (ctx: NodeContext, session: Session, args: Buffer[], w: ReplyWriter) => Outcome | void;

/** One command. */
export interface CommandSpec {
  readonly name: string;
  readonly arity: number;
  readonly flags: readonly string[];
  readonly firstKey: number;
  readonly lastKey: number;
  readonly step: number;
  readonly group: string;
  readonly summary: string;
  readonly handler: Handler;
  /** Subcommands (CLUSTER, CLIENT, COMMAND), for COMMAND INFO. */
  readonly subcommands?: readonly CommandSpec[];
}

const TABLE = new Map<string, CommandSpec>();
/** Commands flagged `write`: refused while the node is fenced. */
const WRITES = new Set<CommandSpec>();

/** Names as clients send them (`SET`, `get`, ...) to their specs: saves lowercasing known names. Bounded. */
const AS_SENT = new Map<string, CommandSpec>();
const AS_SENT_MAX = 1024;

/** Add commands to the table (at module load of each command file). */
export function defineCommands(specs: readonly CommandSpec[]): void {
  for (const s of specs) {
    TABLE.set(s.name, s);
    if (s.flags.includes('write')) WRITES.add(s);
  }
  AS_SENT.clear();
}

/** The reply to a write while the node's lease could have expired. */
export const FENCED_REPLY = 'CLUSTERDOWN this node cannot renew its lease with the metadata service, so it accepts no writes until it can (reads are still served)';

/** The spec of `name` (any case), or undefined. */
export function lookupCommand(name: string): CommandSpec | undefined {
  const hit = AS_SENT.get(name);
  if (hit !== undefined) return hit;
  const spec = TABLE.get(name.toLowerCase());
  if (spec !== undefined && AS_SENT.size < AS_SENT_MAX) AS_SENT.set(name, spec);
  return spec;
}

/** Every command, in name order. */
export function allCommands(): CommandSpec[] {
  return [...TABLE.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
}

/** Redis's arity check. */
export function arityOk(arity: number, argc: number): boolean {
  return arity >= 0 ? argc === arity : argc >= -arity;
}

/** "ERR wrong number of arguments for 'x' command". */
export function arityError(w: ReplyWriter, fullName: string): void {
  w.error(`ERR wrong number of arguments for '${fullName}' command`);
}

function unknownCommand(w: ReplyWriter, args: Buffer[]): void {
  let rest = '';
  for (let i = 1; i < args.length && rest.length < 128; i++) rest += `'${(args[i] as Buffer).toString('utf8').slice(0, 128 - rest.length)}' `;
  w.error(`ERR unknown command '${(args[0] as Buffer).toString('utf8').slice(0, 128)}', with args beginning with: ${rest}`);
}

/** Key positions of a command (Redis's first/last/step). */
export function keysOf(spec: CommandSpec, args: Buffer[]): Buffer[] {
  if (spec.firstKey <= 0) return [];
  const last = spec.lastKey < 0 ? args.length + spec.lastKey : spec.lastKey;
  const keys: Buffer[] = [];
  for (let i = spec.firstKey; i <= last && i < args.length; i += spec.step) keys.push(args[i] as Buffer);
  return keys;
}

/**
 * Execute one command. Writes one reply to `w`, or returns `{ forwardTo }`
 * (nothing written) when the node forwards it, or 'close' after QUIT or a
 * fatal error.
 */
export function dispatch(ctx: NodeContext, session: Session, args: Buffer[], w: ReplyWriter): Outcome {
  ctx.counters.commands++;
  const spec = lookupCommand((args[0] as Buffer).toString('latin1'));
  const asking = session.asking;
  session.asking = false;
  if (spec === undefined) {
    unknownCommand(w, args);
    return undefined;
  }
  if (!arityOk(spec.arity, args.length)) {
    arityError(w, spec.name);
    return undefined;
  }
  if (spec.firstKey > 0) {
    const keys = keysOf(spec, args);
    const blocked = checkKeys(ctx, session, keys, asking, w, WRITES.has(spec));
    if (blocked !== false) return blocked;
  }
  if (WRITES.has(spec) && !ctx.writable()) {
    ctx.counters.fencedWrites++;
    w.error(FENCED_REPLY);
    return undefined;
  }
  return spec.handler(ctx, session, args, w) ?? undefined;
}

/** The cluster checks on a command's keys: false to go on, else the outcome (reply written unless forwarding). */
function checkKeys(ctx: NodeContext, session: Session, keys: Buffer[], asking: boolean, w: ReplyWriter, writes: boolean): Outcome | false {
  if (keys.length === 0) return false;
  const own = ctx.ownership();
  const first = keys[0] as Buffer;
  if (keys.length > 1) {
    const slot = redisKeySlot(first);
    const owner = own.ownerOf(first);
    for (let i = 1; i < keys.length; i++) {
      const k = keys[i] as Buffer;
      if (redisKeySlot(k) !== slot || own.ownerOf(k) !== owner) {
        w.error("CROSSSLOT Keys in request don't hash to the same slot");
        return undefined;
      }
    }
  }
  const route = own.route(first, asking, () => ctx.store.get(storeKey(own.partitionOf(first), first)) !== undefined);
  if (route.kind === 'local') {
    if (writes && own.hasFences && own.fenced(own.partitionOf(first))) {
      ctx.counters.movingWrites++;
      w.error(`TRYAGAIN partition ${own.partitionOf(first)} is switching to another node (a rebalancing move); retry in a few milliseconds`);
      return undefined;
    }
    return false;
  }
  if (route.kind === 'moved' && ctx.forward && !session.forwarded) {
    ctx.counters.forwarded++;
    return { forwardTo: route.node };
  }
  ctx.counters.moved++;
  w.error(redirectText(route));
  return undefined;
}
