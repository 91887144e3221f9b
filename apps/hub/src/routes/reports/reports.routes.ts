import { createRoute, z } from '@hono/zod-openapi';
import { MAX_REPORT_DAYS, type ReportQueries } from '@switchboard/core';
import { requireScope } from '../../http/auth.js';
import { createRouter } from '../../http/openapi-router.js';
import { errorResponses, json } from '../shared/views.js';

const DEFAULT_DAYS = 7;

const ChannelActivitySchema = z.object({
  channel: z.string(),
  inbound: z.number().int().openapi({ description: 'Messages from customers' }),
  outbound: z.number().int().openapi({ description: 'Messages to customers (agent replies)' }),
  conversations: z.number().int().openapi({ description: 'Conversations with a message on this channel in the window' }),
  customers: z.number().int().openapi({ description: 'Customers who wrote on this channel (as recorded on the entries)' }),
  firstResponse: z.object({
    answered: z.number().int().openapi({ description: 'Conversations that began on this channel in the window and got a reply' }),
    medianSeconds: z.number().nullable().openapi({ description: 'Median seconds from their first message to the first reply; null when none' }),
  }),
});

const ChannelReportSchema = z
  .object({
    from: z.string(),
    to: z.string(),
    channels: z.array(ChannelActivitySchema),
    hops: z.array(z.object({ from: z.string(), to: z.string(), count: z.number().int() })).openapi({ description: 'Customers who wrote on `to` right after writing on `from` in the same conversation, most frequent first' }),
    totals: z.object({
      inbound: z.number().int(),
      outbound: z.number().int(),
      conversations: z.number().int(),
      crossChannelConversations: z.number().int().openapi({ description: 'Conversations that used more than one channel in the window' }),
      hops: z.number().int(),
    }),
  })
  .openapi('ChannelReport');

const channelsRoute = createRoute({
  method: 'get',
  path: '/channels',
  operationId: 'reportChannels',
  tags: ['reports'],
  summary: 'Cross-channel report: traffic and first response per channel, and how customers moved between channels',
  description: `Over ledger messages that occurred in [from, to) (default: the last ${DEFAULT_DAYS} days; at most ${MAX_REPORT_DAYS}). Notes and status entries are not messages. A hop is an inbound message on another channel than the conversation's inbound message before it (as \`hops\` on a conversation).`,
  middleware: [requireScope('read')],
  request: {
    query: z.object({
      from: z.string().datetime({ offset: true }).optional().openapi({ example: '2026-11-01T00:00:00Z' }),
      to: z.string().datetime({ offset: true }).optional().openapi({ example: '2026-12-01T00:00:00Z' }),
    }),
  },
  responses: { 200: json(ChannelReportSchema, 'The report'), ...errorResponses },
});

export const reportRoutes = (deps: { reports: ReportQueries; clock: { now(): Date } }) =>
  createRouter().openapi(channelsRoute, async (c) => {
    const query = c.req.valid('query');
    const to = query.to ? new Date(query.to) : deps.clock.now();
    const from = query.from ? new Date(query.from) : new Date(to.getTime() - DEFAULT_DAYS * 86_400_000);
    const report = await deps.reports.channels(from, to);
    return c.json({ ...report, from: report.from.toISOString(), to: report.to.toISOString() }, 200);
  });
