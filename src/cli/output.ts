/**
 * How `keyway` commands talk to a terminal or a script: `--json` for scripts (one JSON document on stdout),
 * plain tables for people, progress bars on stderr (so stdout stays clean), and one-line errors that start
 * with the stable `KW_` code. No dependency: a table and a progress bar are a few lines each.
 */
import { KeywayError, isKeywayError } from '../errors';
import { redactText } from '../redact';

/** A stream the CLI writes to; `isTTY` decides whether a progress bar redraws in place. */
export type CliStream = NodeJS.WritableStream & { isTTY?: boolean };

/** One column of {@link renderTable}. */
export interface TableColumn<Row> {
  readonly header: string;
  readonly value: (row: Row) => string;
}

/**
 * Renders rows as an aligned plain-text table with a header line. Cell text is flattened to one line so a
 * value with a newline cannot break the layout.
 */
export function renderTable<Row>(rows: readonly Row[], columns: readonly TableColumn<Row>[]): string {
  const cells = rows.map((row) => columns.map((column) => column.value(row).replace(/\s+/g, ' ')));
  const widths = columns.map((column, i) =>
    Math.max(column.header.length, ...cells.map((line) => (line[i] ?? '').length)),
  );
  const line = (values: readonly string[]) =>
    values
      .map((value, i) => (i === values.length - 1 ? value : value.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(columns.map((column) => column.header)), ...cells.map(line)].join('\n');
}

/** A progress bar: redrawn in place on a terminal, one line per step otherwise (CI logs). */
export interface ProgressBar {
  update(done: number, total: number, label?: string): void;
  done(): void;
}

/** Creates a {@link ProgressBar} writing to `out` (stderr by convention). */
export function progressBar(out: CliStream, width = 30): ProgressBar {
  let lastLine = '';
  return {
    update(done, total, label = '') {
      const ratio = total === 0 ? 1 : Math.min(1, done / total);
      const filled = Math.round(ratio * width);
      const text = `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${total}${label ? ` ${label}` : ''}`;
      if (text === lastLine) return;
      lastLine = text;
      out.write(out.isTTY === true ? `\r${text}\u001b[K` : `${text}\n`);
    },
    done() {
      if (out.isTTY === true && lastLine !== '') out.write('\n');
      lastLine = '';
    },
  };
}

/** What every command prints through: the `--json` switch and the two streams. */
export class Output {
  readonly json: boolean;
  readonly stdout: CliStream;
  readonly stderr: CliStream;

  constructor(options: {
    readonly json?: boolean;
    readonly stdout?: CliStream;
    readonly stderr?: CliStream;
  }) {
    this.json = options.json === true;
    this.stdout = options.stdout ?? process.stdout;
    this.stderr = options.stderr ?? process.stderr;
  }

  /** The command's result: `value` as JSON with `--json`, otherwise the human text. */
  result(value: unknown, human: () => string): void {
    this.stdout.write(this.json ? `${JSON.stringify(value, null, 2)}\n` : `${human()}\n`);
  }

  /** A remark for people (stderr), silent with `--json` so scripts see only the result. */
  note(text: string): void {
    if (!this.json) this.stderr.write(`${text}\n`);
  }

  /** A progress bar on stderr; a silent one with `--json`. */
  progress(): ProgressBar {
    return this.json ? { update: () => undefined, done: () => undefined } : progressBar(this.stderr);
  }

  /**
   * Prints a failure: `error KW_CODE: message` (one line, or the config problems one per line), or with
   * `--json` `{ "error": { code, message, details? } }` on stderr. Messages go through `redactText`, so a
   * token or secret that slipped into a thrown message is still not printed.
   */
  error(err: unknown): void {
    const error = toKeywayError(err);
    const message = redactText(error.message);
    if (this.json) {
      this.stderr.write(
        `${JSON.stringify({ error: { code: error.code, message, ...(error.details ? { details: error.details } : {}) } })}\n`,
      );
    } else {
      this.stderr.write(`error ${error.code}: ${message}\n`);
    }
  }
}

/** Any thrown value as a KeywayError; unknown failures become KW_INTERNAL_ERROR with their message. */
export function toKeywayError(err: unknown): KeywayError {
  if (isKeywayError(err)) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new KeywayError('KW_INTERNAL_ERROR', { message, cause: err });
}

/** Shortens a hash or id for a table (the full value is in `--json`). */
export function short(value: string, length = 12): string {
  return value.length > length ? value.slice(0, length) : value;
}

/** An epoch-ms time as ISO text, or `-`. */
export function when(epochMs: number | null | undefined): string {
  return epochMs === null || epochMs === undefined ? '-' : new Date(epochMs).toISOString();
}
