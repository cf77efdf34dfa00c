/** The longest message kept: enough for a state reason or a log row, too short to smuggle a body. */
export const maxMessageLength = 200

/** Only this much of an upstream message is scanned: bounded work on a huge error body. */
const maxScannedLength = 4_000

const marker = '[redacted]'

/** `sk-…` keys (OpenAI, DeepSeek, OpenRouter, our sub-keys), standalone or glued to other text. */
const skSecret = /(?<![A-Za-z0-9])sk-[A-Za-z0-9_-]+|sk-[A-Za-z0-9_-]{12,}/g
const bearer = /\b(Bearer|Basic)\s+\S+/gi
const tokenRun = /[A-Za-z0-9+/=_.-]{20,}/g
const uuid = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i

/**
 * Model names and paths (`gpt-4o-mini-2024-07-18`, `Meta-Llama-3.1-70B-Instruct`) are long runs
 * made of short parts; secrets are long runs of high-entropy characters. Keep only the former,
 * so that a reason stays readable without ever echoing a key (SECURITY.md S3).
 */
function redactToken(run: string): string {
  const readable = run.split(/[-._/]/).every((part) => part.length <= 12) && !uuid.test(run)
  return readable ? run : marker
}

/**
 * A short, single-line message safe to store and show: secrets (`sk-…`, `Bearer …`, long
 * base62/base64 tokens) become `[redacted]`, whitespace is collapsed, and the result is at most
 * `max` characters. Redaction runs before truncation, so a cut can never reveal part of a secret.
 */
export function redact(text: string | null | undefined, max = maxMessageLength): string {
  if (!text) return ''
  let scanned = text.slice(0, maxScannedLength)
  if (text.length > maxScannedLength) scanned = scanned.replace(/[A-Za-z0-9+/=_.-]+$/, '')
  const clean = scanned
    .replace(/\s+/g, ' ')
    .replace(bearer, (_match, scheme: string) => `${scheme} ${marker}`)
    .replace(skSecret, marker)
    .replace(tokenRun, redactToken)
    .trim()
  return clean.length <= max ? clean : `${clean.slice(0, max - 1)}…`
}
