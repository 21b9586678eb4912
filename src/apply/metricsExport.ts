// guru apply's metrics exports (docs/cli.md#guru-apply): --metrics-file F
// keeps a node_exporter textfile-collector file current, --metrics-port N
// serves /metrics on 127.0.0.1:N, both in Prometheus text format
// (prometheusText.ts), for the session's patch.
//
// The file is written whole to F.<pid>.tmp beside it and renamed over F (a
// rename within a directory is atomic: the collector reads the old file or
// the new one, never half of one; and it reads *.prom only, so the temp
// file is never collected), every 10 s and once more at the end, after the
// patch is disarmed: that last file stays, with guru_patch_armed 0 and the
// session's final counts (node_exporter's node_textfile_mtime_seconds says
// how old it is). The server listens before the patch is loaded, so a port
// in use fails the session before anything happens, and closes at its end.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { Manifest } from '../render/manifest.js';
import { UserError } from '../errors.js';
import { patchMetrics } from './patchMetrics.js';
import { prometheusText, type PatchMetrics } from './prometheusText.js';

export const METRICS_FILE_INTERVAL_MS = 10_000;

export interface MetricsExportOptions {
  file?: string;
  port?: number;
  /** Messages (a failed write), once each. */
  messages: NodeJS.WritableStream;
  intervalMs?: number;
}

/** The port of --metrics-port: 1 ... 65535. */
export function parseMetricsPort(text: string | number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new UserError(`--metrics-port ${text}: not a port`, 'a TCP port from 1 to 65535, e.g. --metrics-port 9464');
  return n;
}

export class MetricsExport {
  private timer?: NodeJS.Timeout;
  private source?: () => PatchMetrics;
  private warned = false;
  private finished = false;

  private constructor(
    private readonly opts: MetricsExportOptions,
    private readonly server?: http.Server,
  ) {}

  /** Listen on the port (if any): a port in use is the user's mistake, said before the patch loads. */
  static async start(opts: MetricsExportOptions): Promise<MetricsExport> {
    if (opts.file !== undefined && !fs.existsSync(path.dirname(path.resolve(opts.file)))) {
      throw new UserError(`--metrics-file ${opts.file}: its directory does not exist`, 'node_exporter reads the directory its --collector.textfile.directory names, e.g. /var/lib/prometheus/node-exporter');
    }
    if (opts.port === undefined) return new MetricsExport(opts);
    let exporter: MetricsExport | undefined;
    const server = http.createServer((req, res) => exporter!.serve(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) => {
        if (err.code === 'EADDRINUSE') reject(new UserError(`--metrics-port ${opts.port}: 127.0.0.1:${opts.port} is in use`, `pick another port, or stop what listens there (ss -ltnp 'sport = :${opts.port}')`));
        else if (err.code === 'EACCES') reject(new UserError(`--metrics-port ${opts.port}: not allowed to listen there (${err.code})`, 'ports below 1024 need root; pick a higher one'));
        else reject(err);
      });
      server.listen(opts.port, '127.0.0.1', () => resolve());
    });
    exporter = new MetricsExport(opts, server);
    return exporter;
  }

  /** From now on the exports show MODULE (armed): the file every interval, the server on each request. */
  watch(module: string, manifest: Manifest): void {
    this.source = () => patchMetrics(module, manifest);
    if (this.opts.file === undefined) return;
    this.writeFile();
    this.timer = setInterval(() => this.writeFile(), this.opts.intervalMs ?? METRICS_FILE_INTERVAL_MS);
    this.timer.unref();
  }

  /** The session's end: the last file (FINAL, read after disarm), and the server closes. */
  async finish(final?: PatchMetrics): Promise<void> {
    if (this.finished) return;
    this.finished = true;
    if (this.timer) clearInterval(this.timer);
    if (final) this.source = () => final;
    if (this.opts.file !== undefined && final) this.writeFile();
    this.source = undefined;
    if (this.server) {
      this.server.closeAllConnections();
      await new Promise<void>((resolve) => this.server!.close(() => resolve()));
    }
  }

  private text(): string {
    return this.source ? prometheusText([this.source()]) : '';
  }

  private writeFile(): void {
    const file = this.opts.file!;
    const tmp = `${file}.${process.pid}.tmp`;
    try {
      fs.writeFileSync(tmp, this.text());
      fs.renameSync(tmp, file);
    } catch (err) {
      fs.rmSync(tmp, { force: true });
      if (!this.warned) this.opts.messages.write(`guru: cannot write --metrics-file ${file}: ${(err as Error).message}\n`);
      this.warned = true;
    }
  }

  private serve(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD' }).end();
      return;
    }
    if (url !== '/metrics') {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('guru serves /metrics\n');
      return;
    }
    let body: string;
    try {
      body = this.text();
    } catch (err) {
      res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' }).end(`${(err as Error).message}\n`);
      return;
    }
    res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' }).end(req.method === 'HEAD' ? undefined : body);
  }
}
