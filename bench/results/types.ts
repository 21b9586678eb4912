// What one `npm run bench` measured, as data: bench/results/formatResults.ts
// turns it into bench/RESULTS.md, and bench/results.json keeps it as is.

export interface BenchResults {
  /** ISO time the run started. */
  date: string;
  /** `npm run bench -- --quick`: fewer runs, shorter loops; figures indicative only. */
  quick: boolean;
  machine: Machine;
  /** Every kernel a benchmark ran on or built for. */
  kernels: KernelInfo[];
  /** The tools measured and their versions (guru's own commit included). */
  tools: ToolVersion[];
  /** How the run went on the host: the load average during it (sampled), sequential or parallel. */
  conditions?: string;
  sections: Section[];
}

export interface Machine {
  cpu: string;
  cores: number;
  /** QEMU's accelerator for the guests (TCG here: no usable KVM), and why. */
  accelerator: string;
  node: string;
}

export interface KernelInfo {
  ref: string;
  release: string;
  packageVersion: string;
}

export interface ToolVersion {
  name: string;
  version: string;
}

/** One benchmark: how it measured, what, and the targets it checks. */
export interface Section {
  title: string;
  /** Which benchmark of bench/run.ts made it (overhead, module, armed). */
  benchmark?: string;
  /** When it was measured, if not in this run (`--only` keeps the other benchmarks' sections of the last run). */
  measuredAt?: string;
  /** How it was measured: tool, runs, interleaving, boots; one line each. */
  how: string[];
  /** Load average (1 min) before and after, beside every wall-time figure. */
  load?: { before: number; after: number };
  tables: MeasureTable[];
  targets: Target[];
  /** What did not run and why (a tool's error, verbatim), and other remarks. */
  notes: string[];
}

export interface MeasureTable {
  /** e.g. "guest instructions per write(2), added to none (debian:6.1)". */
  caption: string;
  /** Unit of the samples: printed in the column heads. */
  unit: string;
  /** Digits after the point for the samples. */
  digits: number;
  rows: Measure[];
}

export interface Measure {
  name: string;
  /** One per run; empty when the measure could not be taken (see note). */
  samples: number[];
  /** The row whose median this one's median is divided by (a "ratio" column). */
  vs?: string;
  note?: string;
}

export interface Target {
  /** As the issue states it, e.g. "guru guard-miss <= 1.10x the floor". */
  text: string;
  /** The figures it is judged on, e.g. "1.04x (kernel 6.1, icount)". */
  figure: string;
  /** undefined: not measured in this run (why says why). */
  holds: boolean | undefined;
  why?: string;
}
