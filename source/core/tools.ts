/** What a tool probe found: the Tools stage of the wizard and `kubepki doctor` both show it. */
export type ToolStatus = {
	readonly name: string;
	readonly found: boolean;
	readonly version?: string;
	/** What a person does with it, after "for": "reading any certificate", "building the PKI by hand". */
	readonly neededFor?: string;
	/** Set when the version found is older than the one to use today: that version, and why it matters. */
	readonly outdated?: {readonly current: string; readonly why: string};
	/** How to install it when missing, one line per system. */
	readonly install?: readonly string[];
};

/** How to ask one tool for its version, and what it is good for here. */
export type ToolProbe = {
	readonly name: string;
	/** Arguments that print the version and exit 0 without touching anything (no network, no cluster). */
	readonly versionArgs: readonly string[];
	/** The version number in what those arguments print; group 1 is the number. */
	readonly versionPattern: RegExp;
	readonly neededFor: string;
	readonly debian: string;
	readonly macos: string;
	/** A version below `below` (major.minor) is old: `current` is what to use, `why` says what is lost. */
	readonly current?: {readonly below: string; readonly current: string; readonly why: string};
};

/*
 * Package names are today's (reference §8): Debian's golang-cfssl instead of pkg.cfssl.org's R1.2 binaries,
 * kubernetes-client or the pkgs.k8s.io repository instead of apt.kubernetes.io (shut down in 2024), and
 * Debian's etcd-server/etcd-client instead of the coreos/etcd 3.3.5 tarball.
 */
export const toolProbes: readonly ToolProbe[] = [
	{
		name: 'openssl',
		versionArgs: ['version'],
		versionPattern: /OpenSSL\s+(\d[\w.+-]*)/,
		neededFor: 'reading any certificate (openssl x509 -text), checking a chain (openssl verify), building the PKI by hand (kubepki script --flavor openssl)',
		debian: 'sudo apt-get install openssl',
		macos: 'brew install openssl',
	},
	{
		name: 'cfssl',
		versionArgs: ['version'],
		versionPattern: /Version:\s*v?(\d[\w.+-]*)/,
		neededFor: 'building the PKI by hand the way the cfssl multi-master guide does (kubepki script --flavor cfssl)',
		debian: 'sudo apt-get install golang-cfssl',
		macos: 'brew install cfssl',
		current: {
			below: '1.6',
			current: '1.6.x',
			why: "1.2.0 is a 2016 snapshot (what Debian 12's golang-cfssl still ships); 1.6.x is the maintained release (github.com/cloudflare/cfssl/releases). The guide's commands work with both",
		},
	},
	{
		// Older cfssljson builds (Debian's) have no version flag: found then means "it runs", with no number.
		name: 'cfssljson',
		versionArgs: ['-version'],
		versionPattern: /Version:\s*v?(\d[\w.+-]*)/,
		neededFor: 'turning cfssl\'s JSON output into the .pem files',
		debian: 'sudo apt-get install golang-cfssl',
		macos: 'brew install cfssl',
	},
	{
		name: 'kubectl',
		versionArgs: ['version', '--client'],
		// `Client Version: v1.32.4`; before 1.28 without --short: `GitVersion:"v1.27.3"`.
		versionPattern: /(?:Client Version:\s*|GitVersion:")v?(\d[\w.+-]*)/,
		neededFor: 'building and reading kubeconfigs (kubectl config), and talking to the cluster',
		debian: 'sudo apt-get install kubernetes-client (Debian 13+), or add the pkgs.k8s.io apt repository: https://kubernetes.io/docs/tasks/tools/install-kubectl-linux/',
		macos: 'brew install kubernetes-cli',
	},
	{
		name: 'etcd',
		versionArgs: ['--version'],
		versionPattern: /etcd Version:\s*v?(\d[\w.+-]*)/,
		neededFor: 'running the cluster\'s database on the masters, with the units made here',
		debian: 'sudo apt-get install etcd-server',
		macos: 'brew install etcd',
		current: {below: '3.5', current: '3.5.x or 3.6.x', why: 'only the two newest minor releases get fixes from etcd-io (Debian 12 ships 3.4.23); the units made here work with 3.4 too'},
	},
	{
		name: 'etcdctl',
		versionArgs: ['version'],
		versionPattern: /etcdctl version:\s*v?(\d[\w.+-]*)/,
		neededFor: 'checking etcd (member list, endpoint health) with the certificates made here',
		debian: 'sudo apt-get install etcd-client',
		macos: 'brew install etcd',
	},
	{
		name: 'tmux',
		versionArgs: ['-V'],
		versionPattern: /tmux\s+(?:next-)?(\d[\w.+-]*)/,
		neededFor: 'kubepki\'s own end-to-end tests (not needed to learn)',
		debian: 'sudo apt-get install tmux',
		macos: 'brew install tmux',
	},
];

export function installLines(probe: ToolProbe): string[] {
	return [`Debian/Ubuntu: ${probe.debian}`, `macOS: ${probe.macos}`];
}

/** Whether `version` (1.2.0, 3.4.23) is below `below` (major.minor). */
export function isOlder(version: string, below: string): boolean {
	const parts = (text: string) => text.split(/[.+-]/).slice(0, 2).map(n => Number.parseInt(n, 10) || 0);
	const [major = 0, minor = 0] = parts(version);
	const [bMajor = 0, bMinor = 0] = parts(below);
	return major < bMajor || (major === bMajor && minor < bMinor);
}

/** The version number in a tool's output, or undefined when it prints none we know. */
export function parseToolVersion(probe: ToolProbe, output: string): string | undefined {
	return probe.versionPattern.exec(output)?.[1];
}

// A tool that hangs (a wrapper asking for a login, a broken network mount) must not hold up the wizard.
const probeTimeoutMs = 3000;

async function probeOne(probe: ToolProbe, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<ToolStatus> {
	const {execa} = await import('execa');
	// Only the PATH of `env` decides what is found: extendEnv false, and stdin ignored so Ink keeps the terminal.
	const result = await execa(probe.name, [...probe.versionArgs], {env, extendEnv: false, reject: false, stdin: 'ignore', timeout: timeoutMs, all: true});
	const about = {neededFor: probe.neededFor, install: installLines(probe)};
	// ENOENT: not on PATH; EACCES: there but not executable. Anything that started counts as found,
	// even with a non-zero exit (cfssljson rejects -version, yet it works).
	const code = (result as {code?: string}).code;
	if (result.failed && (code === 'ENOENT' || code === 'EACCES' || (result.exitCode === undefined && !result.timedOut))) {
		return {name: probe.name, found: false, ...about};
	}

	const version = parseToolVersion(probe, String(result.all ?? ''));
	const outdated = version && probe.current && isOlder(version, probe.current.below) ? {current: probe.current.current, why: probe.current.why} : undefined;
	return {name: probe.name, found: true, ...(version && {version}), ...(outdated && {outdated}), ...about};
}

/**
 * Every tool kubepki can use, probed in parallel with the PATH of `env`. Never throws. A probe still running after
 * `timeoutMs` (default 3 s; 0: no limit) is stopped, and its tool counted as found without a version.
 */
export async function probeTools(env: NodeJS.ProcessEnv = process.env, {timeoutMs = probeTimeoutMs}: {readonly timeoutMs?: number} = {}): Promise<ToolStatus[]> {
	return Promise.all(toolProbes.map(async probe => probeOne(probe, env, timeoutMs)));
}
