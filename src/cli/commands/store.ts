/**
 * `keyway migrate` and `keyway keys rotate`: schema migrations and re-encryption under the newest key. Both read
 * the store settings with the shared loader (flags > `KEYWAY_*` environment > `--config` file) and print through
 * {@link Output}, so `--json` gives scripts one result object.
 */
import type { Command } from 'commander';
import type { RotationFailure } from '../../store';
import { parsePositiveInt } from '../args';
import { cliAction, loadStoreConfig, loadStore, withCommonOptions, withStore } from '../config';
import type { CommonFlags } from '../config';

/** What `keyway migrate --json` prints. */
export interface MigrateResult {
  /** Names of the migrations this run applied; empty when the schema was up to date. */
  readonly applied: readonly string[];
}

/** What `keyway keys rotate --json` prints. */
export interface RotateResult {
  readonly primaryKeyId: string;
  /** Secrets not under the primary key when the rotation started. */
  readonly total: number;
  /** Secrets this run re-encrypted. */
  readonly rewritten: number;
  /** Secrets that do not decrypt and were left as they were (ids only, never values). */
  readonly failures: readonly RotationFailure[];
}

interface RotateFlags extends CommonFlags {
  readonly batchSize: string;
}

/** Registers `migrate` and `keys rotate` on the program. */
export function registerStoreCommands(program: Command): void {
  withCommonOptions(
    program.command('migrate').description('apply pending database migrations (also done on start)'),
  ).action(
    cliAction(async (out, flags: CommonFlags) => {
      const report = await loadStore().migrateStore(loadStoreConfig(flags));
      const result: MigrateResult = { applied: report.applied };
      out.result(result, () =>
        report.applied.length === 0
          ? 'Database schema is up to date.'
          : `Applied ${report.applied.length} migration(s): ${report.applied.join(', ')}`,
      );
    }),
  );

  const keys = program.command('keys').description('manage the encryption keys of stored secrets');
  withCommonOptions(
    keys
      .command('rotate')
      .description(
        're-encrypt every stored secret under the newest key in KEYWAY_ENCRYPTION_KEYS (resumable, safe while serving)',
      )
      .option('--batch-size <n>', 'rows per transaction', '100'),
  ).action(
    cliAction(async (out, flags: RotateFlags) => {
      const batchSize = parsePositiveInt('--batch-size', flags.batchSize);
      const report = await withStore(loadStoreConfig(flags), async (store) => {
        const bar = out.progress();
        try {
          return await loadStore().rotateKeys(store, {
            batchSize,
            onProgress: (p) => bar.update(p.done, p.total, p.column),
          });
        } finally {
          bar.done();
        }
      });
      const result: RotateResult = {
        primaryKeyId: report.primaryKeyId,
        total: report.total,
        rewritten: report.rewritten,
        failures: report.failures,
      };
      out.result(
        result,
        () => `Re-encrypted ${report.rewritten} secret(s) under key "${report.primaryKeyId}".`,
      );
      if (report.failures.length > 0) {
        for (const f of report.failures) out.note(`  ${f.code} ${f.column} id=${f.id}`);
        out.note(
          `${report.failures.length} secret(s) could not be decrypted and were left as they are; keep the old key until they are fixed or deleted.`,
        );
        process.exitCode = 1;
      }
    }),
  );
}
