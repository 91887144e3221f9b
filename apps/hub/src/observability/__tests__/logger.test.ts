import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, scrubSecrets, toCoreLogger } from '../logger.js';

const capture = (level = 'debug') => {
  const lines: Record<string, unknown>[] = [];
  const raw: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      raw.push(chunk.toString('utf8'));
      lines.push(JSON.parse(chunk.toString('utf8')));
      done();
    },
  });
  return { lines, raw, logger: createLogger({ level, destination }) };
};

describe('createLogger', () => {
  it('writes JSON lines with a level label, time and message', () => {
    const { lines, logger } = capture('info');
    logger.info({ plugin: 'webhook' }, 'started');
    logger.debug({}, 'hidden below the level');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 'info', plugin: 'webhook', msg: 'started' });
    expect(typeof lines[0]?.['time']).toBe('string');
  });

  it('redacts authorization headers, passwords, secrets, keys and URL credentials', () => {
    const { lines, raw, logger } = capture();
    logger.info(
      {
        req: { method: 'GET', headers: { authorization: 'Bearer sbk_12345678_abc', accept: 'json' } },
        headers: { authorization: 'Bearer top' },
        db: { password: 'pw-1', host: 'db' },
        config: { signingSecret: 'whsec_xyz', channel: 'webhook', nested: { clientSecret: 'cs-1' } },
        apiKey: 'sbk_secret_key',
        key: 'raw-key',
        store: { url: 'postgres://sb:pw-2@db:5432/sb' },
        redisUrl: 'redis://:pw-3@cache:6379',
      },
      'request',
    );
    const [line] = lines;
    expect(line).toMatchObject({
      req: { method: 'GET', headers: { authorization: '[redacted]', accept: 'json' } },
      headers: { authorization: '[redacted]' },
      db: { password: '[redacted]', host: 'db' },
      config: { signingSecret: '[redacted]', channel: 'webhook', nested: { clientSecret: '[redacted]' } },
      apiKey: '[redacted]',
      key: '[redacted]',
      store: { url: 'postgres://sb:[redacted]@db:5432/sb' },
      redisUrl: 'redis://:[redacted]@cache:6379',
    });
    for (const secret of ['sbk_12345678_abc', 'top', 'pw-1', 'whsec_xyz', 'cs-1', 'sbk_secret_key', 'raw-key', 'pw-2', 'pw-3']) {
      expect(raw[0]).not.toContain(`"${secret}`);
      expect(raw[0]).not.toContain(`:${secret}@`);
    }
  });

  it('redacts child bindings and error messages too', () => {
    const { lines, raw, logger } = capture();
    logger.child({ settings: { password: 'child-pw' } }).error({ err: new Error('cannot reach postgres://u:err-pw@db/x') }, 'boom');
    expect(lines[0]).toMatchObject({ settings: { password: '[redacted]' }, err: { type: 'Error', message: 'cannot reach postgres://u:[redacted]@db/x' } });
    expect(raw[0]).not.toContain('child-pw');
    expect(raw[0]).not.toContain('err-pw');
  });
});

describe('scrubSecrets', () => {
  it('leaves harmless values alone and does not change its input', () => {
    const input = { channel: 'email', count: 3, list: [{ token: 't' }], when: new Date(0) };
    expect(scrubSecrets(input)).toEqual({ channel: 'email', count: 3, list: [{ token: '[redacted]' }], when: new Date(0) });
    expect(input.list[0]?.token).toBe('t');
  });
});

describe('toCoreLogger', () => {
  it('adapts pino to the core Logger port, children included', () => {
    const { lines, logger } = capture();
    const core = toCoreLogger(logger);
    core.warn({ a: 1 }, 'warned');
    core.child({ plugin: 'mail' }).error({ attempt: 2 }, 'failed');
    core.debug({}, 'debugged');
    core.info({}, 'informed');
    expect(lines.map((l) => [l['level'], l['msg']])).toEqual([
      ['warn', 'warned'],
      ['error', 'failed'],
      ['debug', 'debugged'],
      ['info', 'informed'],
    ]);
    expect(lines[1]).toMatchObject({ plugin: 'mail', attempt: 2 });
  });
});
