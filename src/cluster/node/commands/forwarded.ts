/**
 * SK.FWD, the receiving side of forwarding (see ../forward.ts):
 * `SK.FWD <epoch> <protocol> <command> <args...>` runs the command as if the
 * client had sent it here, encodes its reply in the client's protocol, and
 * marks it forwarded, so that a key this node does not own either gets MOVED
 * instead of a second hop.
 *
 * The epoch is checked (shard versioning, as MongoDB's shards check the
 * router's version): a request routed under an older epoch is served when
 * this node still owns the key and refused with MOVED when the partition has
 * moved (the sender refreshes its map); a request routed under a newer epoch
 * than this node's map is refused with TRYAGAIN, since this node cannot yet
 * tell whether it still owns the key (it learns the map within moments).
 */
import type { ReplyWriter, Protocol } from '../../resp/reply-writer.js';
import type { NodeContext, Session } from '../context.js';
import { defineCommands, dispatch } from '../command-table.js';
import { EPOCH_AHEAD_REFUSAL } from '../forward.js';

function forwarded(ctx: NodeContext, s: Session, a: Buffer[], w: ReplyWriter): void {
  const epoch = Number((a[1] as Buffer).toString('latin1'));
  const proto = (a[2] as Buffer).toString('latin1');
  if (!Number.isSafeInteger(epoch) || epoch < 0 || (proto !== '2' && proto !== '3')) return w.error('ERR SK.FWD needs <epoch> <2|3> <command> ...');
  if (s.forwarded) return w.error('ERR SK.FWD inside a forwarded request (forwarding loop)');
  const mine = ctx.ownership().epoch;
  if (epoch > mine) return w.error(`${EPOCH_AHEAD_REFUSAL} ${epoch}; this node's map is epoch ${mine}`);
  ctx.counters.forwardedIn++;
  const saved = w.protocol;
  w.protocol = Number(proto) as Protocol;
  s.forwarded = true;
  try {
    const inner = a.slice(3);
    const outcome = dispatch(ctx, s, inner, w);
    if (outcome !== undefined && outcome !== 'close') w.error('ERR forwarding loop');
  } finally {
    s.forwarded = false;
    w.protocol = saved;
  }
}

defineCommands([{ name: 'sk.fwd', arity: -4, flags: ['internal'], firstKey: 0, lastKey: 0, step: 0, group: 'shardkit', summary: 'A request forwarded by another node (internal).', handler: forwarded }]);
