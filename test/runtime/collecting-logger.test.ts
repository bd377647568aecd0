/** The logger a run hands to its component: methods usable when taken off the logger, lines redacted. */
import { createCollectingLogger } from '../../src/runtime/context';

describe('the collecting logger', () => {
  it('keeps lines written through methods taken off the logger, redacted and in order', () => {
    const { logger, entries } = createCollectingLogger(['s3cret'], () => 7);
    const { info, warn } = logger;
    info('token', 's3cret');
    warn('careful');
    logger.error('failed');
    expect(entries).toEqual([
      { level: 'info', message: expect.not.stringContaining('s3cret') as unknown, at: 7 },
      { level: 'warn', message: 'careful', at: 7 },
      { level: 'error', message: 'failed', at: 7 },
    ]);
  });
});
