// What `guru apply` is asked to do: its command-line flags, as the apply
// steps (in place, or in a VM) read them.
import type { KernelTargetOptions } from '../kernelFacts/kernelTarget.js';

export interface ApplyOptions extends KernelTargetOptions {
  /** A patch spec (YAML) or a module built by guru build. */
  target: string;
  run?: string;
  /** The user (name or uid) --run's command runs as. */
  as?: string;
  duration?: string;
  ttl?: string;
  detach?: boolean;
  /** --param K=V: knob values set before the probes are armed. */
  param?: string[];
  json?: boolean;
  output?: string;
  /** --metrics-file: a node_exporter textfile kept current; --metrics-port: /metrics on 127.0.0.1. */
  metricsFile?: string;
  metricsPort?: number;
  /** --top N: keyed maps in the summary show their N largest keys. */
  top?: number;
  /** Kernel to apply in, inside a disposable VM. */
  vm?: string;
  vmTimeout?: string;
  /** Most kernel probes the spec may place (--max-probes). */
  maxProbes?: number;
}
