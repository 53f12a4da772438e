// A progress bar on stderr: share done, rows per second and the time left. Redrawn in place on
// a terminal; one line every 10 % otherwise, so logs stay readable.
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return "?";
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  return h ? `${h}h${String(m).padStart(2, "0")}m` : m ? `${m}m${String(r).padStart(2, "0")}s` : `${r}s`;
}

export function formatCount(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(n >= 1e7 ? 1 : 2)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(n >= 1e4 ? 0 : 1)}k`;
  return String(Math.round(n));
}

export type ProgressState = { done: number; total: number; rows: number; elapsedSeconds: number };

/** The bar's text; pure so it is tested without a terminal. */
export function progressLine(p: ProgressState, width = 30): string {
  const share = p.total ? Math.min(1, p.done / p.total) : 1;
  const filled = Math.round(share * width);
  const perSecond = p.elapsedSeconds > 0 ? p.done / p.elapsedSeconds : 0;
  const rowsPerSecond = p.elapsedSeconds > 0 ? p.rows / p.elapsedSeconds : 0;
  const eta = perSecond > 0 ? (p.total - p.done) / perSecond : Infinity;
  return (
    `[${"#".repeat(filled)}${".".repeat(width - filled)}] ${(share * 100).toFixed(1).padStart(5)}% ` +
    `${formatCount(p.done)}/${formatCount(p.total)} executions, ${formatCount(p.rows)} rows, ` +
    `${formatCount(rowsPerSecond)} rows/s (${formatCount(perSecond)} executions/s), ETA ${formatDuration(eta)}`
  );
}

export class ProgressBar {
  private readonly started = Date.now();
  private lastDraw = 0;
  private lastTenth = -1;
  private readonly tty: boolean;

  constructor(
    private readonly total: number,
    private readonly out: NodeJS.WriteStream = process.stderr,
  ) {
    this.tty = !!out.isTTY;
  }

  update(done: number, rows: number, force = false): void {
    const now = Date.now();
    const state = { done, total: this.total, rows, elapsedSeconds: (now - this.started) / 1000 };
    if (this.tty) {
      if (!force && now - this.lastDraw < 200) return;
      this.lastDraw = now;
      this.out.write(`\r${progressLine(state)}\x1b[K`);
    } else {
      const tenth = Math.floor((done / Math.max(1, this.total)) * 10);
      if (tenth === this.lastTenth && !force) return;
      this.lastTenth = tenth;
      this.out.write(`${progressLine(state)}\n`);
    }
  }

  finish(): void {
    if (this.tty) this.out.write("\n");
  }

  note(message: string): void {
    this.out.write(`${this.tty ? "\r\x1b[K" : ""}${message}\n`);
  }
}
