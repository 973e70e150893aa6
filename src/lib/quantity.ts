// Kubernetes resource quantities for CPU and memory, as app settings accept them: "250m", "0.5",
// "1" cores; "128Mi", "1Gi", "500M" bytes. Parsed to compare against the admin's caps.

const CPU = /^(\d+(?:\.\d+)?)(m?)$/
const MEMORY = /^(\d+(?:\.\d+)?)(k|Ki|M|Mi|G|Gi|T|Ti)?$/
const BYTES: Record<string, number> = { '': 1, k: 1e3, Ki: 1024, M: 1e6, Mi: 1024 ** 2, G: 1e9, Gi: 1024 ** 3, T: 1e12, Ti: 1024 ** 4 }

/** Millicores of a CPU quantity, or null when it is not one. */
export function cpuMillis(q: string): number | null {
  const m = CPU.exec(q)
  return m ? Number(m[1]) * (m[2] ? 1 : 1000) : null
}

/** Bytes of a memory quantity, or null when it is not one. */
export function memoryBytes(q: string): number | null {
  const m = MEMORY.exec(q)
  return m ? Number(m[1]) * BYTES[m[2] ?? '']! : null
}
