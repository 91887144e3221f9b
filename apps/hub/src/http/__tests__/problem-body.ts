import { z } from 'zod';

// Reads a problem+json answer with its type checked, so assertions can reach into it.
const ProblemBody = z.looseObject({
  type: z.string(),
  title: z.string(),
  status: z.number(),
  detail: z.string(),
  code: z.string().optional(),
  errors: z.array(z.object({ field: z.string(), message: z.string().optional() })).optional(),
});

export const readProblem = async (response: Response) => ProblemBody.parse(await response.json());
