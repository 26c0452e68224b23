// Damage to a stopped node's log segments (Jepsen's truncate and bitflip), done with a shell on
// the node (coreutils: stat, truncate, od, dd), so every deployment that can run a command in a
// node does it the same way, and reads each change back.
import type { FileControl, FileDamage, SegmentFile } from "../../core/cluster.ts";
import { KcError } from "../../core/errors.ts";
import type { BrokerProduct } from "../../products/product.ts";

export type NodeShell = (node: string, command: string) => Promise<{ exitCode: number; output: string }>;

export class SegmentFiles implements FileControl {
  private readonly product: BrokerProduct;
  private readonly shell: NodeShell;
  constructor(product: BrokerProduct, shell: NodeShell) {
    this.product = product;
    this.shell = shell;
  }

  /** The log segments of a partition's replica on a node, oldest first (by base offset, as Kafka names them). */
  async segments(node: string, topic: string, partition: number): Promise<SegmentFile[]> {
    const dir = this.product.partitionDir?.(topic, partition);
    if (!dir) throw new KcError("KC_NO_SEGMENTS", `${this.product.description} keeps no log segments on its nodes`, { hint: "drop the corrupt nemesis" });
    const r = await this.shell(node, `for f in ${dir}/*.log; do [ -f "$f" ] && echo "$(stat -c %s "$f") $f"; done; true`);
    return r.output
      .split("\n")
      .map((l) => /^(\d+) (\S+)$/.exec(l.trim()))
      .filter((m): m is RegExpExecArray => !!m)
      .map((m) => ({ file: m[2], size: Number(m[1]) }))
      .sort((a, b) => a.file.localeCompare(b.file));
  }

  /**
   * The partition's segments on the node as Kafka's DumpLogSegments prints them: every batch
   * (offsets, producer id and epoch, base and last sequence, timestamps) and every record; at
   * most 5 MB. The node's process may be down: the tool reads the files.
   */
  async dump(node: string, topic: string, partition: number): Promise<string> {
    const dir = this.product.partitionDir?.(topic, partition);
    if (!dir) throw new KcError("KC_NO_SEGMENTS", `${this.product.description} keeps no log segments on its nodes`);
    const r = await this.shell(
      node,
      `. /etc/kc/node.env; files=$(ls ${dir}/*.log 2>/dev/null | paste -sd, -); ` +
        `if [ -z "$files" ]; then echo "no segment of ${topic}-${partition} on this node"; else ` +
        `java -Dlog4j.configuration=file:/dev/null -cp "$CLASSPATH" kafka.tools.DumpLogSegments --files "$files" --print-data-log --deep-iteration 2>&1 | head -c 5000000; fi`,
    );
    return r.output;
  }

  /** Cuts `bytes` off the end of a file (at most its size). */
  async truncate(node: string, file: string, bytes: number): Promise<FileDamage> {
    const size = await this.fileSize(node, file);
    const after = Math.max(0, size - bytes);
    await this.ok(node, `truncate -s ${after} '${file}'`, `truncating ${file} on ${node}`);
    const now = await this.fileSize(node, file);
    if (now !== after) throw new KcError("KC_DAMAGE_FAILED", `${file} on ${node} is ${now} bytes after truncating to ${after}`);
    return { mode: "truncate", node, file, sizeBefore: size, sizeAfter: after, cut: [after, size] };
  }

  /** Flips one bit in the byte at each offset (within the file), reading each byte back. */
  async flipBits(node: string, file: string, flips: { offset: number; mask: number }[]): Promise<FileDamage> {
    const size = await this.fileSize(node, file);
    const done: { offset: number; before: number; after: number }[] = [];
    for (const { offset, mask } of flips) {
      if (offset < 0 || offset >= size) continue;
      const read = async () => Number((await this.ok(node, `od -An -tu1 -j ${offset} -N1 '${file}'`, `reading ${file} on ${node}`)).trim());
      const before = await read();
      const want = before ^ mask;
      await this.ok(node, `printf "\\\\$(printf %o ${want})" | dd of='${file}' bs=1 seek=${offset} count=1 conv=notrunc 2>/dev/null`, `writing ${file} on ${node}`);
      const after = await read();
      if (after !== want) throw new KcError("KC_DAMAGE_FAILED", `byte ${offset} of ${file} on ${node} reads ${after} after writing ${want}`);
      done.push({ offset, before, after });
    }
    return { mode: "bitflip", node, file, size, flips: done };
  }

  private async fileSize(node: string, file: string): Promise<number> {
    return Number((await this.ok(node, `stat -c %s '${file}'`, `reading the size of ${file} on ${node}`)).trim());
  }

  private async ok(node: string, command: string, what: string): Promise<string> {
    const r = await this.shell(node, command);
    if (r.exitCode !== 0) throw new KcError("KC_DAMAGE_FAILED", `${what} failed: ${r.output.trim().slice(0, 300)}`);
    return r.output;
  }
}
