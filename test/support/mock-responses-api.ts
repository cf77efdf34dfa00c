import {
  completionPieces,
  expectedTokens,
  mockPiece,
  mockText,
  responsesPromptChars,
  SPLIT_PIECE_INDEX,
  type MockTokens,
} from './mock-content'
import {
  nowSeconds,
  requireModel,
  sendMissingParameter,
  type RouteContext,
} from './mock-route-context'

/** Responses API usage (input/output naming, unlike chat). */
export function responsesUsage(tokens: MockTokens): Record<string, unknown> {
  return {
    input_tokens: tokens.prompt,
    input_tokens_details: { cached_tokens: tokens.cached },
    output_tokens: tokens.completion,
    output_tokens_details: { reasoning_tokens: tokens.reasoning },
    total_tokens: tokens.total,
  }
}

/**
 * `POST /v1/responses`, JSON or SSE. The stream follows OpenAI's full event sequence
 * (created, in_progress, output_item/content_part added, text deltas, the matching done events,
 * completed) because the openai SDK's stream accumulator validates every step. Like the real
 * API, the stream ends without `data: [DONE]`. `output_text` is left to the SDK, which
 * computes it client side.
 */
export async function responses(context: RouteContext): Promise<void> {
  const model = requireModel(context)
  if (!model) return
  const body = context.json
  if (body.input === undefined && body.previous_response_id === undefined) {
    return sendMissingParameter(context, 'input')
  }
  const { exchange } = context
  const pieces = completionPieces(context.streamChunks, body.max_output_tokens)
  const usage = responsesUsage(expectedTokens(responsesPromptChars(body), pieces))
  const id = `resp_mock${exchange.record.seq}`
  const messageId = `msg_mock${exchange.record.seq}`
  const createdAt = nowSeconds()
  const text = mockText(pieces)
  const part = (partText: string): Record<string, unknown> => ({
    type: 'output_text',
    annotations: [],
    logprobs: [],
    text: partText,
  })
  const message = (status: string, content: unknown[]): Record<string, unknown> => ({
    id: messageId,
    type: 'message',
    status,
    content,
    role: 'assistant',
  })
  const response = (status: string, output: unknown[], withUsage: boolean): unknown => ({
    id,
    object: 'response',
    created_at: createdAt,
    status,
    background: false,
    error: null,
    incomplete_details: null,
    instructions: typeof body.instructions === 'string' ? body.instructions : null,
    max_output_tokens: typeof body.max_output_tokens === 'number' ? body.max_output_tokens : null,
    model,
    output,
    parallel_tool_calls: true,
    previous_response_id:
      typeof body.previous_response_id === 'string' ? body.previous_response_id : null,
    reasoning: { effort: null, summary: null },
    service_tier: 'default',
    store: body.store !== false,
    temperature: 1,
    text: { format: { type: 'text' } },
    tool_choice: 'auto',
    tools: [],
    top_p: 1,
    truncation: 'disabled',
    usage: withUsage ? usage : null,
    user: null,
    metadata: {},
  })
  const finalOutput = [message('completed', [part(text)])]

  if (body.stream !== true) {
    await exchange.sendJson(200, response('completed', finalOutput, true))
    return
  }

  let sequence = 0
  const send = (type: string, fields: Record<string, unknown>, split = false): Promise<boolean> =>
    exchange.event(JSON.stringify({ type, sequence_number: sequence++, ...fields }), {
      name: type,
      split,
    })
  const at = { item_id: messageId, output_index: 0, content_index: 0 }

  exchange.startStream()
  if (!(await send('response.created', { response: response('in_progress', [], false) }))) return
  if (!(await send('response.in_progress', { response: response('in_progress', [], false) })))
    return
  const added = { output_index: 0, item: message('in_progress', []) }
  if (!(await send('response.output_item.added', added))) return
  if (!(await send('response.content_part.added', { ...at, part: part('') }))) return
  for (let i = 0; i < pieces; i++) {
    const delta = { ...at, delta: mockPiece(i), logprobs: [] }
    if (!(await send('response.output_text.delta', delta, i === SPLIT_PIECE_INDEX))) return
  }
  if (!(await send('response.output_text.done', { ...at, text, logprobs: [] }))) return
  if (!(await send('response.content_part.done', { ...at, part: part(text) }))) return
  const done = { output_index: 0, item: finalOutput[0] }
  if (!(await send('response.output_item.done', done))) return
  const completed = { response: response('completed', finalOutput, true) }
  if (await send('response.completed', completed)) exchange.end()
}
