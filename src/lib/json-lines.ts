// Reads a child process's stdout as JSON lines (the zygote's and the validator's protocol).

/** Calls `onMessage` for every JSON line of `stream`, `onBadLine` for lines that do not parse. */
export async function readJsonLines<T>(
  stream: ReadableStream<Uint8Array>,
  onMessage: (msg: T) => void,
  onBadLine: (line: string) => void = () => {},
): Promise<void> {
  const decoder = new TextDecoder()
  let buf = ''
  for await (const chunk of stream as unknown as AsyncIterable<Uint8Array>) {
    buf += decoder.decode(chunk, { stream: true })
    let nl: number
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl)
      buf = buf.slice(nl + 1)
      if (!line.trim()) continue
      let msg: T
      try {
        msg = JSON.parse(line) as T
      } catch {
        onBadLine(line)
        continue
      }
      onMessage(msg)
    }
  }
}
