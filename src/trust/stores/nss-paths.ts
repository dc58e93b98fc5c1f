import path from 'node:path'
import type {TrustContext} from '../store.js'

/** A place an NSS database is (or should be). */
export interface NssLocation {
  dir: string
  label: string
  /** ready: cert9.db exists; create: we create it (a browser is installed but never made one); system: /etc/pki/nssdb (root). */
  state: 'ready' | 'create' | 'system'
}

export interface NssDiscovery {
  databases: NssLocation[]
  /** Profiles we know of but cannot use yet, with why. */
  unusable: Array<{dir: string; label: string; reason: string; hint: string}>
}

/** Firefox keeps profiles.ini in each of these (classic, Firefox ≥ 147 XDG, snap, flatpak; macOS; Windows). */
function firefoxRoots(ctx: TrustContext): Array<{root: string; label: string}> {
  const home = ctx.homeDir
  if (ctx.platform === 'darwin') return [{root: path.join(home, 'Library', 'Application Support', 'Firefox'), label: 'Firefox'}]
  if (ctx.platform === 'win32') return [{root: path.win32.join(ctx.env.APPDATA ?? path.win32.join(home, 'AppData', 'Roaming'), 'Mozilla', 'Firefox'), label: 'Firefox'}]
  const xdgConfig = ctx.env.XDG_CONFIG_HOME || path.join(home, '.config')
  return [
    {root: path.join(home, '.mozilla', 'firefox'), label: 'Firefox'},
    {root: path.join(xdgConfig, 'mozilla', 'firefox'), label: 'Firefox (XDG)'},
    {root: path.join(home, 'snap', 'firefox', 'common', '.mozilla', 'firefox'), label: 'Firefox (snap)'},
    {root: path.join(home, '.var', 'app', 'org.mozilla.firefox', '.mozilla', 'firefox'), label: 'Firefox (flatpak)'},
    {root: path.join(home, '.var', 'app', 'org.mozilla.firefox', 'config', 'mozilla', 'firefox'), label: 'Firefox (flatpak, XDG)'},
  ]
}

/** Chromium-family databases on Linux: the classic one, Chromium ≥ 146's XDG one, snap and flatpak ones. */
function chromiumDatabases(ctx: TrustContext): Array<{dir: string; label: string}> {
  const home = ctx.homeDir
  const xdgData = ctx.env.XDG_DATA_HOME || path.join(home, '.local', 'share')
  const snap = path.join(home, 'snap', 'chromium', 'current')
  return [
    {dir: path.join(home, '.pki', 'nssdb'), label: 'Chrome/Chromium'},
    {dir: path.join(xdgData, 'pki', 'nssdb'), label: 'Chromium ≥ 146'},
    {dir: path.join(snap, '.pki', 'nssdb'), label: 'Chromium (snap)'},
    {dir: path.join(snap, '.local', 'share', 'pki', 'nssdb'), label: 'Chromium (snap, ≥ 146)'},
    {dir: path.join(home, '.var', 'app', 'org.chromium.Chromium', '.pki', 'nssdb'), label: 'Chromium (flatpak)'},
    {dir: path.join(home, '.var', 'app', 'com.google.Chrome', '.pki', 'nssdb'), label: 'Chrome (flatpak)'},
  ]
}

const CHROMIUM_COMMANDS = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable', 'brave-browser', 'microsoft-edge', 'vivaldi']

/**
 * Profile directories listed in a profiles.ini: [Profile*] Path= (IsRelative=1 → under the root) and
 * [Install*] Default= (always relative). Paths use '/' even on Windows.
 * @example profileDirsFromIni('[Profile0]\nIsRelative=1\nPath=abc.default\n', '/home/me/.mozilla/firefox')
 */
function profileDirsFromIni(text: string, root: string): string[] {
  const dirs: string[] = []
  let section = ''
  let fields: Record<string, string> = {}
  const flush = () => {
    if (/^Profile/i.test(section) && fields.path) {
      dirs.push(fields.isrelative === '0' ? fields.path : path.join(root, ...fields.path.split('/')))
    } else if (/^Install/i.test(section) && fields.default) {
      dirs.push(path.join(root, ...fields.default.split('/')))
    }
  }
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim()
    const header = line.match(/^\[(.+)\]$/)
    if (header) {
      flush()
      section = header[1]!
      fields = {}
    } else if (line.includes('=') && !line.startsWith(';') && !line.startsWith('#')) {
      const at = line.indexOf('=')
      fields[line.slice(0, at).trim().toLowerCase()] = line.slice(at + 1).trim()
    }
  }
  flush()
  return dirs
}

/**
 * Every NSS database of this user: Firefox profiles from every profiles.ini (plus profile folders holding a
 * cert9.db that the ini does not list), the Chromium databases, /etc/pki/nssdb, and --nss-db extras.
 */
export async function discoverNssDatabases(ctx: TrustContext): Promise<NssDiscovery> {
  const databases: NssLocation[] = []
  const unusable: NssDiscovery['unusable'] = []
  const seen = new Set<string>()
  const add = async (dir: string, label: string, state: NssLocation['state']) => {
    const real = await ctx.fs.realpath(dir)
    if (seen.has(real)) return
    seen.add(real)
    databases.push({dir, label, state})
  }
  const classify = async (dir: string, label: string) => {
    if (await ctx.fs.exists(path.join(dir, 'cert9.db'))) return add(dir, label, 'ready')
    if (seen.has(await ctx.fs.realpath(dir))) return
    seen.add(await ctx.fs.realpath(dir))
    if (await ctx.fs.exists(path.join(dir, 'cert8.db'))) {
      unusable.push({dir, label, reason: 'old cert8.db database (Firefox < 58)', hint: 'start Firefox once with this profile so it upgrades the database, then run `localcert trust install --stores nss`'})
    } else {
      unusable.push({dir, label, reason: 'no certificate database yet (this profile never ran)', hint: 'start Firefox once with this profile, then run `localcert trust install --stores nss`'})
    }
  }

  for (const {root, label} of firefoxRoots(ctx)) {
    const ini = await ctx.fs.readText(path.join(root, 'profiles.ini'))
    const listed = ini ? profileDirsFromIni(ini, root) : []
    const unlisted: string[] = []
    for (const parent of [root, path.join(root, 'Profiles')]) {
      for (const entry of await ctx.fs.list(parent)) {
        const dir = path.join(parent, entry)
        if (await ctx.fs.exists(path.join(dir, 'cert9.db'))) unlisted.push(dir)
      }
    }
    for (const dir of [...new Set([...listed, ...unlisted])]) await classify(dir, `${label} profile ${path.basename(dir)}`)
  }

  if (ctx.platform === 'linux') {
    let userChromium = false
    for (const {dir, label} of chromiumDatabases(ctx)) {
      if (await ctx.fs.exists(path.join(dir, 'cert9.db'))) {
        await add(dir, label, 'ready')
        userChromium = true
      }
    }
    if (!userChromium) {
      for (const command of CHROMIUM_COMMANDS) {
        if (await ctx.which(command)) {
          // Chromium reads ~/.pki/nssdb when it exists (M146+ too); creating it there serves every version
          await add(path.join(ctx.homeDir, '.pki', 'nssdb'), `Chrome/Chromium (new database: ${command} is installed)`, 'create')
          break
        }
      }
    }
    if (await ctx.fs.exists('/etc/pki/nssdb/cert9.db')) await add('/etc/pki/nssdb', 'system-wide NSS database', 'system')
  }

  for (const dir of ctx.options.nssDbs ?? []) {
    const resolved = path.resolve(dir)
    await add(resolved, 'given with --nss-db', (await ctx.fs.exists(path.join(resolved, 'cert9.db'))) ? 'ready' : 'create')
  }
  return {databases, unusable}
}
