/** The tokens one request used, as recorded in the request log (SPEC §4). */
export interface TokenUsage {
  promptTokens: number
  completionTokens: number
  totalTokens: number
  /** Prompt tokens served from the provider's cache (billed at a discount). */
  cachedTokens: number
  /** Completion tokens spent on hidden reasoning (o-series, gpt-5). */
  reasoningTokens: number
}

type Json = Record<string, unknown>

/**
 * Reads a `usage` object in either of OpenAI's two vocabularies: Chat Completions, Completions
 * and Embeddings (`prompt_tokens`, `completion_tokens`, `*_tokens_details`) or the Responses,
 * Images and Audio APIs (`input_tokens`, `output_tokens`, `*_tokens_details`). DeepSeek's
 * `prompt_cache_hit_tokens` counts as cached. Null when the object carries no token count.
 */
export function normalizeUsage(usage: unknown): TokenUsage | null {
  if (!isObject(usage)) return null
  const prompt = count(usage['prompt_tokens']) ?? count(usage['input_tokens'])
  const completion = count(usage['completion_tokens']) ?? count(usage['output_tokens'])
  const total = count(usage['total_tokens'])
  if (prompt === null && completion === null && total === null) return null
  const promptDetails = details(usage, 'prompt_tokens_details', 'input_tokens_details')
  const completionDetails = details(usage, 'completion_tokens_details', 'output_tokens_details')
  return {
    promptTokens: prompt ?? 0,
    completionTokens: completion ?? 0,
    totalTokens: total ?? (prompt ?? 0) + (completion ?? 0),
    cachedTokens:
      count(promptDetails?.['cached_tokens']) ?? count(usage['prompt_cache_hit_tokens']) ?? 0,
    reasoningTokens: count(completionDetails?.['reasoning_tokens']) ?? 0,
  }
}

function details(usage: Json, chatName: string, responsesName: string): Json | undefined {
  const value = usage[chatName] ?? usage[responsesName]
  return isObject(value) ? value : undefined
}

function count(value: unknown): number | null {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : null
}

export function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
