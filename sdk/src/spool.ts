// The disk spool: queued events are appended to JSON-lines segment files before they are sent,
// and a segment is deleted once every event in it has been answered. A process that starts
// with segments left behind (it crashed, or stopped while Runwatch was unreachable) sends them
// first. Events carry their eventId in the file, so a segment replayed after a partial delivery
// only produces duplicates, which Runwatch applies once.
import { appendFile, mkdir, readdir, readFile, rm } from "node:fs/promises";
import path from "node:path";

/** One file of the spool; deleted when sealed and nothing in it is outstanding. */
export class Segment {
  outstanding = 0;
  lines = 0;
  sealed = false;
  constructor(readonly file: string) {}
}

const SEGMENT_LINES = 10_000;

export class Spool {
  private current: Segment | undefined;
  private counter = 0;

  constructor(
    readonly dir: string,
    private readonly onError: (message: string, err: unknown) => void,
  ) {}

  /** Segments a previous process left behind, oldest first, with their events (JSON texts). */
  async recover(): Promise<{ segment: Segment; lines: string[] }[]> {
    await mkdir(this.dir, { recursive: true });
    const files = (await readdir(this.dir)).filter((f) => f.endsWith(".jsonl")).sort();
    const found: { segment: Segment; lines: string[] }[] = [];
    for (const name of files) {
      const segment = new Segment(path.join(this.dir, name));
      segment.sealed = true;
      const text = await readFile(segment.file, "utf8");
      // a crash mid-append leaves a torn last line: it never reached the file whole, skip it
      const lines = text.split("\n").filter((line) => {
        if (!line) return false;
        try {
          JSON.parse(line);
          return true;
        } catch {
          return false;
        }
      });
      if (lines.length === 0) await this.remove(segment);
      else found.push({ segment, lines });
    }
    return found;
  }

  /** Appends events (JSON texts); resolves with their segment once they are on disk. */
  async append(lines: string[]): Promise<Segment> {
    if (!this.current || this.current.sealed) {
      const stamp = String(Date.now()).padStart(15, "0");
      this.current = new Segment(path.join(this.dir, `${stamp}-${process.pid}-${String(this.counter++).padStart(6, "0")}.jsonl`));
    }
    const segment = this.current;
    segment.outstanding += lines.length;
    segment.lines += lines.length;
    if (segment.lines >= SEGMENT_LINES) segment.sealed = true;
    await appendFile(segment.file, lines.join("\n") + "\n");
    return segment;
  }

  /** Marks `count` events of a segment answered; deletes the file when none is left. */
  async settle(segment: Segment, count: number): Promise<void> {
    segment.outstanding -= count;
    if (segment.outstanding > 0) return;
    segment.sealed = true;
    if (this.current === segment) this.current = undefined;
    await this.remove(segment);
  }

  private async remove(segment: Segment): Promise<void> {
    await rm(segment.file, { force: true }).catch((err) => this.onError(`could not delete spool segment ${segment.file}`, err));
  }
}
