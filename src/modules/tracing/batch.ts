/**
 * The batch span processor (opentelemetry-go's BatchSpanProcessor with its
 * defaults): ended spans go into a bounded queue; a batch is exported when
 * max_export_batch_size spans wait or schedule_delay has passed since the
 * first of them, one export at a time. A full queue drops the span, so a
 * request never waits on the collector; a failed export drops its batch.
 * Both are logged, at most once per 5 s, with how many spans were lost.
 */
import type { BatchSettings } from './env.js';
import type { SpanExporter } from './exporter.js';
import type { SpanRecord } from './span.js';

export type Report = (level: 'warn' | 'error', msg: string, fields: Record<string, unknown>) => void;

const REPORT_EVERY_MS = 5000;

export class BatchSpanProcessor {
  private queue: SpanRecord[] = [];
  private timer: NodeJS.Timeout | null = null;
  private exporting: Promise<void> | null = null;
  private stopped = false;
  private droppedQueue = 0;
  private droppedExport = 0;
  private lastError = '';
  private lastReport = 0;

  constructor(
    private readonly exporter: SpanExporter,
    private readonly cfg: BatchSettings,
    private readonly report: () => Report,
  ) {}

  /** Called when a sampled span ends; never blocks. */
  onEnd(span: SpanRecord): void {
    if (this.stopped) return;
    if (this.queue.length >= this.cfg.maxQueueSize) {
      this.droppedQueue++;
      this.reportLosses();
      return;
    }
    this.queue.push(span);
    if (this.queue.length >= this.cfg.maxExportBatchSize) this.kick();
    else if (this.timer === null) {
      this.timer = setTimeout(() => {
        this.timer = null;
        this.kick();
      }, this.cfg.scheduleDelayMs);
      // Spans waiting for their batch never keep a stopping process alive: stop() flushes them.
      this.timer.unref();
    }
  }

  /** Exports everything queued now (and what arrives meanwhile) and resolves when done. */
  async forceFlush(): Promise<void> {
    while (this.exporting !== null || this.queue.length > 0) {
      if (this.exporting === null) this.kick();
      await this.exporting;
    }
  }

  /** Flushes, then closes the exporter; later spans are ignored. */
  async shutdown(): Promise<void> {
    await this.forceFlush();
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.reportLosses(true);
    await this.exporter.shutdown();
  }

  private kick(): void {
    if (this.exporting !== null || this.queue.length === 0) return;
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    const batch = this.queue.splice(0, this.cfg.maxExportBatchSize);
    this.exporting = this.exportBatch(batch).finally(() => {
      this.exporting = null;
      if (this.stopped) return;
      // Go's processor exports the next batch at once when a full one is waiting.
      if (this.queue.length >= this.cfg.maxExportBatchSize) this.kick();
      else if (this.queue.length > 0 && this.timer === null) {
        this.timer = setTimeout(() => {
          this.timer = null;
          this.kick();
        }, this.cfg.scheduleDelayMs);
        this.timer.unref();
      }
    });
  }

  private async exportBatch(batch: SpanRecord[]): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.exporter.export(batch),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`traces export: context deadline exceeded after ${this.cfg.exportTimeoutMs} ms`)), this.cfg.exportTimeoutMs);
        }),
      ]);
    } catch (err) {
      this.droppedExport += batch.length;
      this.lastError = err instanceof Error ? err.message : String(err);
      this.reportLosses();
    } finally {
      clearTimeout(timer);
    }
  }

  private reportLosses(now = false): void {
    if (this.droppedQueue === 0 && this.droppedExport === 0) return;
    const t = Date.now();
    if (!now && t - this.lastReport < REPORT_EVERY_MS) return;
    this.lastReport = t;
    const report = this.report();
    if (this.droppedExport > 0) report('error', 'exporting spans failed; spans dropped', { dropped: this.droppedExport, error: this.lastError });
    if (this.droppedQueue > 0) report('warn', 'span queue full; spans dropped', { dropped: this.droppedQueue, max_queue_size: this.cfg.maxQueueSize });
    this.droppedExport = 0;
    this.droppedQueue = 0;
  }
}
