/**
 * The bodies of `shardkit cluster up | down | status` (loaded only when one
 * runs): call the operations and print what a user needs — addresses, pids,
 * the line to paste, where the logs are — or JSON for scripts. In the
 * foreground, `up` waits for SIGINT or SIGTERM and then stops every child by
 * pid (nodes first, then the metadata service); a child that exits on its own
 * is reported, and the others keep running.
 */
import { paths } from './cluster-dir.js';
import { clusterDown, clusterStatus, formatStatus } from './status.js';
import { type UpOptions, type UpResult, clusterUp, stopAll } from './up.js';

const out = (s: string): void => void process.stdout.write(`${s}\n`);

function describeUp(r: UpResult, o: { dir: string; detach: boolean }): string {
  const ranges = (i: number): string => {
    const mine = r.map.owners?.filter((x) => x.node === i) ?? [];
    return mine.length === 0 ? '' : `  slots ${mine.map((x) => `${x.first}-${x.last}`).join(',')}`;
  };
  const meta = r.started.find((s) => s.rec.name === 'meta');
  const pidOf = (name: string): number | undefined => r.started.find((s) => s.rec.name === name)?.rec.pid;
  const kind = r.topology.meta.kind === 'zookeeper' ? ' (ZooKeeper)' : r.topology.meta.kind === 'external' ? ' (running elsewhere, not started here)' : '';
  const lines = [
    `shardkit cluster ${r.topology.name} ${r.restarted ? 'restarted' : 'up'} in ${o.dir}: ${r.map.strategy}, ${r.topology.nodes.length} node(s), epoch ${r.map.epoch}`,
    `  meta  ${r.topology.meta.url.padEnd(22)}  ${meta === undefined ? '' : `pid ${meta.rec.pid}`}${kind}`,
    ...r.topology.nodes.map((n, i) => `  ${n.id.padEnd(4)}  ${`${n.host}:${n.port}`.padEnd(22)}  pid ${pidOf(n.id)}${ranges(i)}`),
    `logs: ${paths.logs(o.dir)}/`,
    r.map.strategy === 'redis-slots' ? `connect: redis-cli -c -p ${r.topology.nodes[0]!.port}` : `connect: redis-cli -p ${r.topology.nodes[0]!.port} (${r.map.strategy}: Redis clients cannot compute the owner; start with --forward, or use ClusterClient)`,
    o.detach ? `running in the background; stop with: shardkit cluster down --dir ${o.dir}` : 'Ctrl-C stops the cluster.',
  ];
  return lines.join('\n');
}

/** `cluster up`. */
export async function runUp(o: UpOptions & { detach: boolean; json: boolean }): Promise<void> {
  const r = await clusterUp(o);
  if (o.json) out(JSON.stringify({ dir: o.dir, name: r.topology.name, strategy: r.map.strategy, epoch: r.map.epoch, restarted: r.restarted, meta: { url: r.topology.meta.url, kind: r.topology.meta.kind ?? 'embedded', pid: r.started.find((s) => s.rec.name === 'meta')?.rec.pid ?? null }, nodes: r.topology.nodes.map((n) => ({ ...n, pid: r.started.find((s) => s.rec.name === n.id)?.rec.pid ?? null })) }));
  else out(describeUp(r, o));
  if (o.detach) return;
  // The children are unref'd (they must outlive a detached `up`): hold the event loop open ourselves.
  const hold = setInterval(() => undefined, 1 << 30);
  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (why: string): void => {
      if (stopping) return;
      stopping = true;
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      out(`stopping (${why})...`);
      stopAll(o.dir, r.started).finally(() => clearInterval(hold)).then(
        () => {
          out('stopped.');
          resolve();
        },
        (e: unknown) => {
          process.stderr.write(`shardkit cluster: stopping failed: ${(e as Error).message}\n`);
          process.exitCode = 1;
          resolve();
        },
      );
    };
    const onInt = (): void => stop('SIGINT');
    const onTerm = (): void => stop('SIGTERM');
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
    for (const s of r.started) {
      void s.exited.then((how) => {
        if (!stopping) process.stderr.write(`shardkit cluster: ${s.rec.name} (pid ${s.rec.pid}) exited on its own (${how}); see ${paths.log(o.dir, s.rec.name)}\n`);
      });
    }
  });
}

/** `cluster down`. */
export async function runDown(dir: string, json: boolean): Promise<void> {
  const r = await clusterDown(dir);
  if (json) return out(JSON.stringify(r));
  if (r.processes.length === 0) return out(`no processes of ${dir} to stop (no pid files)`);
  for (const p of r.processes) out(`${p.name.padEnd(5)} pid ${p.pid}: ${p.outcome}`);
}

/** `cluster status`; exits 1 when some process does not answer (for scripts). */
export async function runStatus(dir: string, json: boolean): Promise<void> {
  const s = await clusterStatus(dir);
  out(json ? JSON.stringify(s) : formatStatus(s));
  if (!s.meta.alive || s.nodes.some((n) => !n.alive)) process.exitCode = 1;
}

