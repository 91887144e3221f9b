/**
 * A jsonb object as the row types see it. The domain types free-form facts as
 * Record<string, unknown>, which TypeORM's insert types cannot take (`unknown` may be undefined);
 * JSON drops undefined members anyway, so the mapper drops them first.
 */
export type JsonObject = Record<string, {} | null>;

export const toJsonObject = (value: Record<string, unknown>): JsonObject => {
  const out: JsonObject = {};
  for (const [key, member] of Object.entries(value)) {
    if (member !== undefined) out[key] = member;
  }
  return out;
};
