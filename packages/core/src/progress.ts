import cliProgress from 'cli-progress';

export interface ProgressOptions {
  /** Shown before the bar. */
  label: string;
  total: number;
  /** `bytes` formats values as MB; `items` as plain counts. */
  unit?: 'bytes' | 'items';
  /** Defaults to stderr being a TTY, so logs and CI stay clean. */
  enabled?: boolean;
  stream?: NodeJS.WriteStream;
}

export interface Progress {
  update(value: number, extra?: Record<string, string | number>): void;
  increment(delta?: number, extra?: Record<string, string | number>): void;
  stop(): void;
}

const silent: Progress = { update() {}, increment() {}, stop() {} };

/** A progress bar on stderr when it is a terminal, a no-op otherwise. */
export function createProgress(options: ProgressOptions): Progress {
  const stream = options.stream ?? process.stderr;
  if (!(options.enabled ?? stream.isTTY === true)) return silent;
  const bytes = options.unit === 'bytes';
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: bytes
        ? `${options.label} [{bar}] {percentage}% | {valueMb}/{totalMb} MB | {rateMb} MB/s | ETA {eta_formatted}`
        : `${options.label} [{bar}] {percentage}% | {value}/{total} | ETA {eta_formatted} {info}`,
      hideCursor: true,
      etaBuffer: 50,
      fps: 5,
    },
    cliProgress.Presets.shades_classic,
  );
  const started = Date.now();
  const payload = (value: number, extra?: Record<string, string | number>) => {
    if (!bytes) return { info: '', ...extra };
    const seconds = Math.max((Date.now() - started) / 1000, 1e-3);
    return {
      valueMb: (value / 1e6).toFixed(1),
      totalMb: (options.total / 1e6).toFixed(1),
      rateMb: (value / 1e6 / seconds).toFixed(1),
      ...extra,
    };
  };
  let current = 0;
  bar.start(options.total, 0, payload(0));
  return {
    update(value, extra) {
      current = value;
      bar.update(value, payload(value, extra));
    },
    increment(delta = 1, extra) {
      current += delta;
      bar.update(current, payload(current, extra));
    },
    stop() {
      bar.stop();
    },
  };
}
