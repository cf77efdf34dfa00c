import type { Readable } from 'node:stream'

/**
 * The body as text, or undefined when it is longer than `maxBytes`. The stream is always
 * consumed to its end or destroyed: an unread undici body holds its connection (and, with
 * keep-alive, the socket) until garbage collection.
 */
export async function readLimitedBody(
  body: Readable,
  maxBytes: number,
): Promise<string | undefined> {
  const chunks: Buffer[] = []
  let size = 0
  try {
    for await (const chunk of body) {
      const buffer = chunk as Buffer
      size += buffer.length
      if (size > maxBytes) {
        body.destroy()
        return undefined
      }
      chunks.push(buffer)
    }
  } catch (error) {
    body.destroy()
    throw error
  }
  return Buffer.concat(chunks, size).toString('utf8')
}

/** JSON when it parses, else the text itself (classification reads either). */
export function parseLoose(text: string | undefined): unknown {
  if (text === undefined || text === '') return undefined
  try {
    return JSON.parse(text) as unknown
  } catch {
    return text.slice(0, 500)
  }
}
