/** How localcert runs a command as root from a user's shell: sudo (or doas), prompting only on a terminal. */

/** What sudo/doas say when they would need a password but cannot ask for one. */
export const PASSWORD_NEEDED = /password is required|a terminal is required|no tty present|askpass/i

export type Elevator = 'sudo' | 'doas'

/**
 * sudo if installed, else doas, else undefined.
 * @example const elevator = await findElevator(onPath)
 */
export async function findElevator(which: (command: string) => Promise<boolean>): Promise<Elevator | undefined> {
  return (await which('sudo')) ? 'sudo' : (await which('doas')) ? 'doas' : undefined
}

/**
 * The arguments before the command: a labelled prompt on a terminal, `-n` (never prompt) without one.
 * @example exec('sudo', [...elevatorPrefix('sudo', false), 'tee', file]) // sudo -n -- tee FILE
 */
export function elevatorPrefix(elevator: Elevator, interactive: boolean): string[] {
  if (interactive) return elevator === 'sudo' ? ['--prompt=[localcert] password for %u: ', '--'] : []
  return ['-n', ...(elevator === 'sudo' ? ['--'] : [])]
}
