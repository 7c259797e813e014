/**
 * Progress of a bench run on stderr (stdout carries only the JSON document):
 *
 *   [bench +42s] phase 3/11 capacity 500 clients (ETA 07:12)
 *
 * The ETA is the estimated time left for the whole run: the estimates of the phases
 * not finished yet, scaled by how the finished phases compared with their estimates
 * (joins and server starts are slower on a loaded machine).
 */
export interface PhaseEstimate {
  name: string;
  estimateS: number;
}

export class Progress {
  private readonly started = performance.now();
  private next = 0;
  private spentOnDone = 0;
  private estimatedDone = 0;
  private current?: { index: number; at: number };

  constructor(
    private readonly phases: PhaseEstimate[],
    private readonly write: (line: string) => void = (line) => process.stderr.write(line),
  ) {}

  get total(): number {
    return this.phases.length;
  }

  private finishCurrent(now: number): void {
    if (!this.current) return;
    this.spentOnDone += (now - this.current.at) / 1000;
    this.estimatedDone += this.phases[this.current.index].estimateS;
    this.current = undefined;
  }

  /** Starts the phase called `name` (skipping any planned phases before it). */
  phase(name: string, detail = ""): void {
    const now = performance.now();
    this.finishCurrent(now);
    const index = this.phases.findIndex((p, i) => i >= this.next && p.name === name);
    if (index < 0) throw new Error(`bench progress: no phase "${name}" left in the plan`);
    // Phases skipped (a search that stopped early) count as done in no time.
    for (let i = this.next; i < index; i++) this.estimatedDone += this.phases[i].estimateS;
    this.next = index + 1;
    this.current = { index, at: now };
    const left = this.phases.slice(index).reduce((s, p) => s + p.estimateS, 0);
    const pace = this.estimatedDone > 30 ? Math.min(3, Math.max(0.5, this.spentOnDone / this.estimatedDone)) : 1;
    this.log(`phase ${index + 1}/${this.phases.length} ${name}${detail ? ` ${detail}` : ""} (ETA ${mmss(left * pace)})`);
  }

  /** A line inside the current phase. */
  log(msg: string): void {
    this.write(`[bench +${((performance.now() - this.started) / 1000).toFixed(0)}s] ${msg}\n`);
  }

  done(): void {
    this.finishCurrent(performance.now());
    this.log(`done in ${mmss((performance.now() - this.started) / 1000)}`);
  }
}

export function mmss(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  return `${String(Math.floor(s / 60)).padStart(2, "0")}:${String(s % 60).padStart(2, "0")}`;
}
