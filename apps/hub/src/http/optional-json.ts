import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { z } from 'zod';

/**
 * Reads a body that may be absent: no body, or an empty one, is `{}` whatever the content type.
 * Malformed JSON is a 400 and a body that breaks the schema a 422, like every other route.
 */
export const optionalJson = async <T extends z.ZodType>(c: Context, schema: T): Promise<z.output<T>> => {
  const text = (await c.req.text()).trim();
  if (text.length === 0) return schema.parse({});
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new HTTPException(400, { message: 'Malformed JSON in request body' });
  }
  return schema.parse(parsed);
};
