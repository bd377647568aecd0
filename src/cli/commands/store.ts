/**
 * `keyway migrate` and `keyway keys rotate`: schema migrations and re-encryption under the newest key.
 */
import type { Command } from 'commander';
import { migrateStore, openStore, rotateKeys, storeConfigFromEnv } from '../../store';
import type { RotationProgress, StoreConfig } from '../../store';

interface StoreFlags {
  readonly databaseUrl?: string;
  readonly dataDir?: string;
}

function configFrom(flags: StoreFlags): StoreConfig {
  return storeConfigFromEnv(process.env, {
    ...(flags.databaseUrl !== undefined ? { databaseUrl: flags.databaseUrl } : {}),
    ...(flags.dataDir !== undefined ? { dataDir: flags.dataDir } : {}),
  });
}

function withStoreFlags(command: Command): Command {
  return command
    .option(
      '--database-url <url>',
      'PostgreSQL URL (env KEYWAY_DATABASE_URL); default: SQLite in the data dir',
    )
    .option('--data-dir <dir>', 'directory of the SQLite database and generated key (env KEYWAY_DATA_DIR)');
}

/**
 * A one-line progress bar for a terminal (redrawn in place) or plain lines otherwise. Writes to `out`,
 * which is stderr so stdout stays clean for scripts.
 */
export function progressBar(
  out: NodeJS.WritableStream & { isTTY?: boolean },
  width = 30,
): { update(p: RotationProgress): void; done(): void } {
  let lastLine = '';
  return {
    update(p) {
      const ratio = p.total === 0 ? 1 : Math.min(1, p.done / p.total);
      const filled = Math.round(ratio * width);
      const line = `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${p.done}/${p.total} ${p.column}`;
      if (line === lastLine) return;
      lastLine = line;
      out.write(out.isTTY === true ? `\r${line}` : `${line}\n`);
    },
    done() {
      if (out.isTTY === true && lastLine !== '') out.write('\n');
      lastLine = '';
    },
  };
}

/** Registers `migrate` and `keys rotate` on the program. */
export function registerStoreCommands(program: Command): void {
  withStoreFlags(
    program.command('migrate').description('apply pending database migrations (also done on start)'),
  ).action(async (flags: StoreFlags) => {
    const report = await migrateStore(configFrom(flags));
    process.stdout.write(
      report.applied.length === 0
        ? 'Database schema is up to date.\n'
        : `Applied ${report.applied.length} migration(s): ${report.applied.join(', ')}\n`,
    );
  });

  const keys = program.command('keys').description('manage the encryption keys of stored secrets');
  withStoreFlags(
    keys
      .command('rotate')
      .description(
        're-encrypt every stored secret under the newest key in KEYWAY_ENCRYPTION_KEYS (resumable, safe while serving)',
      )
      .option('--batch-size <n>', 'rows per transaction', '100'),
  ).action(async (flags: StoreFlags & { batchSize: string }) => {
    const store = await openStore(configFrom(flags));
    const bar = progressBar(process.stderr);
    try {
      const report = await rotateKeys(store, {
        batchSize: Number(flags.batchSize),
        onProgress: (p) => bar.update(p),
      });
      process.stdout.write(
        `Re-encrypted ${report.rewritten} secret(s) under key "${report.primaryKeyId}".\n`,
      );
      if (report.failures.length > 0) {
        for (const f of report.failures) process.stderr.write(`  ${f.code} ${f.column} id=${f.id}\n`);
        process.stderr.write(
          `${report.failures.length} secret(s) could not be decrypted and were left as they are; keep the old key until they are fixed or deleted.\n`,
        );
        process.exitCode = 1;
      }
    } finally {
      bar.done();
      await store.close();
    }
  });
}
