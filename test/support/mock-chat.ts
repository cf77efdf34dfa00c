import {
  chatPromptChars,
  completionPieces,
  expectedTokens,
  mockPiece,
  mockText,
  SPLIT_PIECE_INDEX,
  textInputChars,
  type MockTokens,
} from './mock-content'
import {
  nowSeconds,
  requireModel,
  sendMissingParameter,
  type RouteContext,
} from './mock-route-context'

/** Chat usage with the detail objects a usage accountant must read. */
export function chatUsage(tokens: MockTokens): Record<string, unknown> {
  return {
    prompt_tokens: tokens.prompt,
    completion_tokens: tokens.completion,
    total_tokens: tokens.total,
    prompt_tokens_details: { cached_tokens: tokens.cached, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: tokens.reasoning,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  }
}

/** True when the request asked for the trailing usage chunk. */
function wantsUsage(body: Record<string, unknown>): boolean {
  const options = body.stream_options
  return (
    typeof options === 'object' &&
    options !== null &&
    (options as { include_usage?: unknown }).include_usage === true
  )
}

/** `POST /v1/chat/completions`, JSON or SSE. */
export async function chatCompletions(context: RouteContext): Promise<void> {
  const model = requireModel(context)
  if (!model) return
  const body = context.json
  if (!Array.isArray(body.messages)) return sendMissingParameter(context, 'messages')
  const { exchange } = context
  const pieces = completionPieces(
    context.streamChunks,
    body.max_completion_tokens ?? body.max_tokens,
  )
  const finishReason = pieces < context.streamChunks ? 'length' : 'stop'
  const usage = chatUsage(expectedTokens(chatPromptChars(body), pieces))
  const id = `chatcmpl-mock${exchange.record.seq}`
  const created = nowSeconds()

  if (body.stream !== true) {
    await exchange.sendJson(200, {
      id,
      object: 'chat.completion',
      created,
      model,
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: mockText(pieces), refusal: null, annotations: [] },
          logprobs: null,
          finish_reason: finishReason,
        },
      ],
      usage,
      service_tier: 'default',
      system_fingerprint: 'fp_mock',
    })
    return
  }

  const includeUsage = wantsUsage(body)
  const chunk = (choices: unknown[], extra: Record<string, unknown> = {}): string =>
    JSON.stringify({
      id,
      object: 'chat.completion.chunk',
      created,
      model,
      service_tier: 'default',
      system_fingerprint: 'fp_mock',
      choices,
      ...(includeUsage && { usage: null }),
      ...extra,
    })
  const choice = (delta: Record<string, unknown>, finish: string | null = null): unknown => ({
    index: 0,
    delta,
    logprobs: null,
    finish_reason: finish,
  })

  exchange.startStream()
  if (!(await exchange.event(chunk([choice({ role: 'assistant', content: '', refusal: null })]))))
    return
  for (let i = 0; i < pieces; i++) {
    const data = chunk([choice({ content: mockPiece(i) })])
    if (!(await exchange.event(data, { split: i === SPLIT_PIECE_INDEX }))) return
  }
  if (!(await exchange.event(chunk([choice({}, finishReason)])))) return
  if (includeUsage && !(await exchange.event(chunk([], { usage })))) return
  if (await exchange.event('[DONE]')) exchange.end()
}

/** `POST /v1/completions` (legacy), JSON or SSE. */
export async function legacyCompletions(context: RouteContext): Promise<void> {
  const model = requireModel(context)
  if (!model) return
  const body = context.json
  if (body.prompt === undefined) return sendMissingParameter(context, 'prompt')
  const { exchange } = context
  const pieces = completionPieces(context.streamChunks, body.max_tokens)
  const finishReason = pieces < context.streamChunks ? 'length' : 'stop'
  const tokens = expectedTokens(textInputChars(body.prompt), pieces)
  const usage = chatUsage(tokens)
  const id = `cmpl-mock${exchange.record.seq}`
  const created = nowSeconds()
  const choice = (text: string, finish: string | null): unknown => ({
    text,
    index: 0,
    logprobs: null,
    finish_reason: finish,
  })

  if (body.stream !== true) {
    await exchange.sendJson(200, {
      id,
      object: 'text_completion',
      created,
      model,
      choices: [choice(mockText(pieces), finishReason)],
      usage,
      system_fingerprint: 'fp_mock',
    })
    return
  }

  const chunk = (choices: unknown[], extra: Record<string, unknown> = {}): string =>
    JSON.stringify({ id, object: 'text_completion', created, model, choices, ...extra })
  exchange.startStream()
  for (let i = 0; i < pieces; i++) {
    const data = chunk([choice(mockPiece(i), null)])
    if (!(await exchange.event(data, { split: i === SPLIT_PIECE_INDEX }))) return
  }
  if (!(await exchange.event(chunk([choice('', finishReason)])))) return
  if (wantsUsage(context.json) && !(await exchange.event(chunk([], { usage })))) return
  if (await exchange.event('[DONE]')) exchange.end()
}
