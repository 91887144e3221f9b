import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { SECRET_META_KEY, parseSecretPath, secret, secretPathsOf } from '../secret.js';

describe('secret()', () => {
  it('marks fields at any depth, through wrappers, lists, records, unions and pipes', () => {
    const schema = z
      .strictObject({
        name: z.string(),
        token: secret(z.string()).optional(),
        mailboxes: z.array(z.object({ user: z.string(), password: secret(z.string().min(8)) })).min(1),
        byTenant: z.record(z.string(), z.object({ apiKey: secret(z.string()) })),
        auth: z.union([z.object({ kind: z.literal('basic'), password: secret(z.string()) }), z.object({ kind: z.literal('none') })]),
        nested: z.object({ deep: z.object({ key: secret(z.string()).default('x') }).prefault({}) }).optional(),
        piped: z.object({ clientSecret: secret(z.string()) }).transform((v) => v),
      })
      .superRefine(() => {});
    expect(secretPathsOf(schema)).toEqual([
      ['token'],
      ['mailboxes', '*', 'password'],
      ['byTenant', '*', 'apiKey'],
      ['auth', 'password'],
      ['nested', 'deep', 'key'],
      ['piped', 'clientSecret'],
    ]);
  });

  it('keeps the schema working and its description', () => {
    const field = secret(z.string().min(3).describe('the API token'));
    expect(field.safeParse('ab').success).toBe(false);
    expect(field.parse('abc')).toBe('abc');
    expect(field.meta()).toMatchObject({ description: 'the API token', [SECRET_META_KEY]: true });
    expect(z.toJSONSchema(z.object({ token: field }))).toMatchObject({ properties: { token: { [SECRET_META_KEY]: true } } });
  });

  it('reads the mark through the schema itself, not through this copy of zod', () => {
    // What another copy of zod 4 hands over looks like this: its own classes, its own registry.
    const foreignString = { meta: () => ({ [SECRET_META_KEY]: true }), _zod: { def: { type: 'string' } } };
    const foreign = { _zod: { def: { type: 'object', shape: { user: { _zod: { def: { type: 'string' } } }, password: foreignString } } } };
    expect(secretPathsOf(foreign)).toEqual([['password']]);
    expect(secretPathsOf({ safeParse: () => ({ success: true }) })).toEqual([]);
  });

  it('survives recursive schemas', () => {
    interface Node {
      password: string;
      children: Node[];
    }
    const node: z.ZodType<Node> = z.lazy(() => z.object({ password: secret(z.string()), children: z.array(node) }));
    expect(secretPathsOf(z.object({ root: node }))).toContainEqual(['root', 'password']);
  });

  it('parses the fallback list entries', () => {
    expect(parseSecretPath('token')).toEqual(['token']);
    expect(parseSecretPath('mailboxes[].password')).toEqual(['mailboxes', '*', 'password']);
    expect(parseSecretPath('tenants.*.key')).toEqual(['tenants', '*', 'key']);
  });
});
