/**
 * Deterministic content of the mock upstream. Everything here is a pure function of the request,
 * so tests can compute the exact text, token counts, vectors and audio bytes they should see.
 */

/**
 * The completion text, one piece per chunk (= one completion token). Multi-byte UTF-8 appears
 * early so even short streams carry it; piece 2 ('你好') is the one split across two writes.
 */
export const MOCK_PIECES: readonly string[] = [
  'Hello',
  ' café',
  ' 你好',
  ' from',
  ' the',
  ' mock',
  ' upstream',
  ' 👋',
  '.',
  ' Tokens',
  ' arrive',
  ' one',
  ' by',
  ' one',
  ',',
  ' in',
  ' order',
  ' —',
  ' crème',
  ' brûlée.',
]

/** Index of the piece whose first multi-byte character is split across two socket writes. */
export const SPLIT_PIECE_INDEX = 2

/** Models listed for a key unless `setModels` says otherwise. */
export const DEFAULT_MODELS: readonly string[] = [
  'gpt-4o-mini',
  'gpt-4o',
  'text-embedding-3-small',
  'whisper-1',
  'tts-1',
  'dall-e-3',
  'omni-moderation-latest',
]

/** The `i`-th completion piece (the list repeats). */
export function mockPiece(i: number): string {
  return MOCK_PIECES[i % MOCK_PIECES.length] ?? ''
}

/** The full completion text made of `pieces` pieces: what a stream of that length adds up to. */
export function mockText(pieces: number): string {
  let text = ''
  for (let i = 0; i < pieces; i++) text += mockPiece(i)
  return text
}

/** Token counts the mock reports, as plain numbers. */
export interface MockTokens {
  prompt: number
  completion: number
  total: number
  cached: number
  reasoning: number
}

/**
 * The mock's token arithmetic: prompt = ceil(prompt characters / 4) (JS string length),
 * cached = floor(prompt / 2), reasoning = floor(completion / 4). Non-zero cached and reasoning
 * counts let tests prove those fields are carried through.
 */
export function expectedTokens(promptChars: number, completionTokens: number): MockTokens {
  const prompt = Math.ceil(promptChars / 4)
  return {
    prompt,
    completion: completionTokens,
    total: prompt + completionTokens,
    cached: Math.floor(prompt / 2),
    reasoning: Math.floor(completionTokens / 4),
  }
}

/** Text length of a message `content` (a string, or an array of parts with `text`). */
export function contentChars(content: unknown): number {
  if (typeof content === 'string') return content.length
  if (!Array.isArray(content)) return 0
  let chars = 0
  for (const part of content) {
    if (part && typeof part === 'object' && typeof (part as { text?: unknown }).text === 'string') {
      chars += (part as { text: string }).text.length
    }
  }
  return chars
}

/** Prompt characters of a chat request: the content of every message. */
export function chatPromptChars(body: Record<string, unknown>): number {
  const messages = Array.isArray(body.messages) ? body.messages : []
  let chars = 0
  for (const message of messages) {
    if (message && typeof message === 'object') chars += contentChars(message.content)
  }
  return chars
}

/** Prompt characters of a Responses API request: `instructions` plus every input text. */
export function responsesPromptChars(body: Record<string, unknown>): number {
  let chars = typeof body.instructions === 'string' ? body.instructions.length : 0
  const input = body.input
  if (typeof input === 'string') return chars + input.length
  if (!Array.isArray(input)) return chars
  for (const item of input) {
    if (item && typeof item === 'object') chars += contentChars(item.content)
  }
  return chars
}

/** Prompt characters of a legacy completion or a moderation input (string or string array). */
export function textInputChars(input: unknown): number {
  if (typeof input === 'string') return input.length
  if (!Array.isArray(input)) return 0
  return input.reduce<number>((sum, item) => sum + (typeof item === 'string' ? item.length : 0), 0)
}

/** Number of completion pieces honouring `max_tokens`-style limits (min 1 when limited). */
export function completionPieces(streamChunks: number, limit: unknown): number {
  if (typeof limit !== 'number' || !Number.isFinite(limit)) return streamChunks
  return Math.max(1, Math.min(streamChunks, Math.floor(limit)))
}

/**
 * The embedding vector for one input. Values are k/64, exact in float32, so the base64
 * (Float32 little-endian) and float encodings decode to identical numbers.
 */
export function mockEmbedding(input: string, index: number, dimensions = 8): number[] {
  const vector: number[] = []
  for (let j = 0; j < dimensions; j++) {
    vector.push((((input.length * 31 + j * 17 + index * 7) % 128) - 64) / 64)
  }
  return vector
}

/** Float32 little-endian base64, the wire format the openai client asks for by default. */
export function float32Base64(vector: readonly number[]): string {
  const buffer = Buffer.alloc(vector.length * 4)
  vector.forEach((value, i) => buffer.writeFloatLE(value, i * 4))
  return buffer.toString('base64')
}

/** The speech bytes for an input text: 'ID3' then 16 bytes per input character. */
export function mockSpeechBytes(input: string): Buffer {
  const length = input.length * 16
  const bytes = Buffer.alloc(3 + length)
  bytes.write('ID3', 0, 'latin1')
  for (let k = 0; k < length; k++) bytes[3 + k] = (k * 31 + input.length) & 0xff
  return bytes
}

/** A 1×1 transparent PNG, for image endpoints answering with `b64_json`. */
export const TINY_PNG_BASE64 =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=='
