import { z } from 'zod';

/** A column, or a column with a value map (`{column: state, map: {Done: closed}, default: open}`). */
const field = z.union([
  z.string().min(1),
  z.strictObject({
    column: z.string().min(1).optional(),
    map: z.record(z.string(), z.string()).optional(),
    default: z.string().optional(),
  }),
]);
export type FieldMapping = z.output<typeof field>;
/** One or more columns (`[email, email2]`); a cell may hold several values split by `;`. */
const columns = z.union([z.string().min(1), z.array(z.string().min(1))]);

const file = {
  /** The CSV file, relative to the mapping file. */
  file: z.string().min(1),
  /** The column holding the record's id in the old system. */
  id: z.string().min(1),
};
const dates = { createdAt: z.string().min(1), updatedAt: z.string().min(1).optional() };
const attributes = { attributes: z.array(z.string().min(1)).default([]) };

export const csvMappingSchema = z.strictObject({
  /** The `<system>` of the external ids: `legacy:<system>:ticket:<id>`. */
  system: z.string().regex(/^[a-z0-9-]+$/, 'a system name is [a-z0-9-]+'),
  csv: z
    .strictObject({
      delimiter: z.string().min(1).max(2).default(','),
      /** Offset of dates written without one (`2024-03-01 12:00`): `Z` or `+02:00`. */
      timezone: z.string().regex(/^(Z|[+-]\d{2}:\d{2})$/).default('Z'),
    })
    .default({ delimiter: ',', timezone: 'Z' }),
  entities: z.strictObject({
    organization: z.strictObject({ ...file, name: z.string().min(1), domains: columns.optional(), ...dates, ...attributes }).optional(),
    user: z.strictObject({
      ...file,
      name: columns.optional(),
      emails: columns.optional(),
      phones: columns.optional(),
      organization: z.string().min(1).optional(),
      ...dates,
      ...attributes,
    }),
    ticket: z.strictObject({
      ...file,
      user: z.string().min(1),
      subject: z.string().min(1).optional(),
      /** To `open`, `pending` or `closed`; a value neither mapped nor one of those fails its row. */
      status: field.optional(),
      channel: field.optional(),
      priority: field.optional(),
      ...dates,
      ...attributes,
    }),
    entry: z.strictObject({
      ...file,
      ticket: z.string().min(1),
      /** To `inbound`, `outbound` or `internal`. */
      direction: field,
      author: z.string().min(1).optional(),
      authorId: z.string().min(1).optional(),
      subject: z.string().min(1).optional(),
      text: z.string().min(1).optional(),
      html: z.string().min(1).optional(),
      messageId: z.string().min(1).optional(),
      occurredAt: z.string().min(1),
      updatedAt: z.string().min(1).optional(),
    }),
  }),
});
export type CsvMapping = z.output<typeof csvMappingSchema>;
