/** Small formatting helpers shared by commands (terminal-only concerns live here, not in the core). */
export function formatDate(iso: string | Date): string {
  const date = typeof iso === 'string' ? new Date(iso) : iso
  return date.toISOString().slice(0, 10)
}

export function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length)))
  return rows.map((row) => row.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd()).join('\n')
}

/** mkcert's file naming: first name, `*` → `_wildcard`, `:` → `_`, `+N` for N more names. */
export function defaultBaseName(names: readonly string[], client: boolean): string {
  const first = names[0]!.replace(/^\*/, '_wildcard').replace(/:/g, '_').replace(/[/\\]/g, '_')
  return `${first}${names.length > 1 ? `+${names.length - 1}` : ''}${client ? '-client' : ''}`
}
