import { createRoute, z } from '@hono/zod-openapi';
import type { LedgerQueries } from '@switchboard/core';
import { requireScope } from '../../http/auth.js';
import { createRouter } from '../../http/openapi-router.js';
import { errorResponses, json } from '../shared/views.js';

const LedgerProblemSchema = z
  .object({
    kind: z.enum(['entry_changed', 'chain_broken', 'entries_missing', 'tail_removed', 'head_changed', 'conversation_removed', 'conversation_row_missing', 'unanchored']),
    conversationId: z.string(),
    seq: z.number().int().optional().openapi({ description: 'The first sequence number concerned' }),
    toSeq: z.number().int().optional().openapi({ description: 'The last sequence number concerned, for a range' }),
    entryId: z.string().optional(),
    detail: z.string(),
  })
  .openapi('LedgerProblem');

const LedgerVerificationSchema = z
  .object({
    ok: z.boolean(),
    conversations: z.number().int(),
    entries: z.number().int(),
    problems: z.array(LedgerProblemSchema),
  })
  .openapi('LedgerVerification');

const verifyRoute = createRoute({
  method: 'get',
  path: '/verify',
  operationId: 'verifyLedger',
  tags: ['ledger'],
  summary: 'Recompute every hash chain against the hub-wide anchor of chain heads',
  description:
    'Walks the whole ledger (admin: it reads every entry). Names each conversation and sequence number that was edited, removed from the middle, removed from the end, or removed entirely, and entries the anchor never recorded. Erased entries verify by their kept content hash.',
  middleware: [requireScope('admin')],
  responses: { 200: json(LedgerVerificationSchema, 'The verification'), ...errorResponses },
});

export const ledgerRoutes = (deps: { ledger: LedgerQueries }) =>
  createRouter().openapi(verifyRoute, async (c) => c.json(await deps.ledger.verifyAll(), 200));
