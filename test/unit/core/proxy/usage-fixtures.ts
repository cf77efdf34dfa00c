/** Usage objects as OpenAI sends them, and the TokenUsage each must become. */
export const chatUsage = {
  prompt_tokens: 120,
  completion_tokens: 48,
  total_tokens: 168,
  prompt_tokens_details: { cached_tokens: 64, audio_tokens: 0 },
  completion_tokens_details: { reasoning_tokens: 32, audio_tokens: 0 },
}

export const chatTokens = {
  promptTokens: 120,
  completionTokens: 48,
  totalTokens: 168,
  cachedTokens: 64,
  reasoningTokens: 32,
}

export const responsesUsage = {
  input_tokens: 90,
  input_tokens_details: { cached_tokens: 10 },
  output_tokens: 30,
  output_tokens_details: { reasoning_tokens: 12 },
  total_tokens: 120,
}

export const responsesTokens = {
  promptTokens: 90,
  completionTokens: 30,
  totalTokens: 120,
  cachedTokens: 10,
  reasoningTokens: 12,
}

export function chatChunk(content: string | null, extra: Record<string, unknown> = {}): string {
  const choices =
    content === null ? [] : [{ index: 0, delta: { content }, logprobs: null, finish_reason: null }]
  return JSON.stringify({
    id: 'chatcmpl-1',
    object: 'chat.completion.chunk',
    created: 1_760_000_000,
    model: 'gpt-4o-mini',
    choices,
    ...extra,
  })
}
