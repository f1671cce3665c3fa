/*
 * Every command kubepki has, as data: its name, what it does, its flags (with the help text), examples and
 * the function that runs it. The one table drives parsing, `kubepki help [COMMAND]`, `kubepki COMMAND --help`
 * and the unknown-flag message, so a flag cannot exist without its help line. Adding a command is adding one
 * entry here. The run functions import their module when called: headless commands never load Ink or React.
 */
import {parseArgs} from 'node:util';
import {copyAllScriptPath, copyScriptPath, copyScriptPaths, encryptionConfigName, hardwayCaCert, hardwayNames, manifestName} from '../core/placement.js';
import {UsageError, type CommandIo} from './io.js';

export const version = '0.1.0';

export type FlagSpec = {
	readonly type: 'string' | 'boolean';
	readonly short?: string;
	/** The placeholder shown after a string flag (`--out DIR`). */
	readonly value?: string;
	readonly help: string;
};

export type FlagValues = Record<string, string | boolean | undefined>;

export type Command = {
	/** '' is the wizard (`kubepki` with no command). */
	readonly name: string;
	readonly summary: string;
	/** What follows the flags in the usage line (`[PATH...]`), when the command takes arguments. */
	readonly args?: string;
	/** Lines after the usage: what the command does, in a few sentences. */
	readonly description?: readonly string[];
	readonly flags: Readonly<Record<string, FlagSpec>>;
	readonly examples: ReadonlyArray<readonly [command: string, meaning: string]>;
	readonly run: (positionals: string[], flags: FlagValues, io: CommandIo) => Promise<number>;
};

// Flags several commands share: one wording each.
const config: FlagSpec = {type: 'string', value: 'FILE', help: 'the cluster file (YAML, or the guide\'s node.cfg); without it, the built-in example cluster'};
const out: FlagSpec = {type: 'string', value: 'DIR', help: 'the output folder (default ./pki)'};
const algorithm: FlagSpec = {type: 'string', value: 'A', help: 'the key algorithm: rsa-2048 (default), rsa-4096 or ecdsa-p256'};
const layout: FlagSpec = {type: 'string', value: 'L', help: 'hardway (default: the guide\'s file names) or kubeadm (one /etc/kubernetes folder per machine)'};
const encryptionProvider: FlagSpec = {type: 'string', value: 'P', help: `the first provider of ${encryptionConfigName}: secretbox (default), aescbc (the guide's) or aesgcm; a folder's existing provider is kept`};
const json: FlagSpec = {type: 'boolean', help: 'machine-readable output (a documented, stable shape)'};

/** Flags every command takes; they are in every command's help too. */
export const globalFlags: Readonly<Record<string, FlagSpec>> = {
	help: {type: 'boolean', short: 'h', help: 'this help'},
	version: {type: 'boolean', short: 'v', help: 'the version of kubepki'},
};

function noArguments(command: string, positionals: readonly string[]) {
	if (positionals.length > 0) throw new UsageError(`${command}: unexpected argument ${JSON.stringify(positionals[0])}`);
}

export const commands: readonly Command[] = [
	{
		name: '',
		summary: 'the wizard: builds the PKI stage by stage, explaining each certificate (needs a terminal)',
		flags: {config, out, algorithm},
		examples: [
			['kubepki', 'the wizard with the built-in example cluster, writing ./pki'],
			['kubepki --config cluster.yaml --out /tmp/pki', 'your cluster pre-filled, written to /tmp/pki'],
		],
		async run(positionals, flags, io) {
			if (positionals.length > 0) throw new UsageError(`unknown command ${JSON.stringify(positionals[0])}; the commands are ${commandNames().join(', ')} (see kubepki help)`);
			if (!process.stdin.isTTY || !process.stdout.isTTY) {
				throw new UsageError('the wizard needs a terminal; for scripts use `kubepki generate --out DIR` (see kubepki help generate)');
			}

			const {runWizard} = await import('./wizard.js');
			return runWizard(flags, io);
		},
	},
	{
		name: 'generate',
		summary: 'write the whole PKI with no questions: certificates, keys, kubeconfigs, encryption config, bundles',
		description: [
			'Existing certificates that still match the cluster are kept; the CA is never replaced without --force.',
		],
		flags: {
			config,
			out,
			layout,
			algorithm,
			'encryption-provider': encryptionProvider,
			force: {type: 'boolean', help: 'replace an existing CA and every certificate (and make a new encryption key)'},
			quiet: {type: 'boolean', short: 'q', help: 'print nothing on success (errors still go to stderr)'},
		},
		examples: [
			['kubepki generate --out ./pki', 'the built-in example cluster'],
			['kubepki generate --config cluster.yaml --out ./pki', 'your cluster; run again after editing it to re-issue only what changed'],
			['kubepki generate --config cluster.yaml --layout kubeadm --out ./k', 'kubeadm\'s file names, one folder per machine'],
		],
		async run(positionals, flags, io) {
			noArguments('generate', positionals);
			const {runGenerate} = await import('./generate.js');
			return runGenerate(flags, io);
		},
	},
	{
		name: 'inspect',
		summary: 'read certificates, keys, CSRs and kubeconfigs; the viewer in a terminal, a report when piped',
		args: '[PATH | - | https://HOST:PORT | HOST:PORT ...]',
		description: [
			'PATH: files or folders (default ./pki). Exit 1 when a finding is an error. -: standard input.',
			'Kubernetes Secrets and ConfigMaps (YAML or JSON, a List, several documents) are read key by key, like files.',
			'An endpoint: connect, show the chain the server sends, check it against the CA (--ca, the kubeconfig\'s,',
			'else the CAs of ./pki), the name dialled against its SANs, whether it is a file of ./pki, and mutual TLS',
			'with a client certificate. A refused connection, a time-out or a port that is not TLS: one line, exit 2.',
		],
		flags: {
			json,
			servername: {type: 'string', value: 'NAME', help: 'endpoints: the name sent (SNI) and checked against the SANs, as kubectl\'s tls-server-name (default: the host dialled)'},
			ca: {type: 'string', value: 'FILE', help: 'endpoints: the CA certificate (or bundle) the served chain must lead to (default: the kubeconfig\'s, else the CAs of ./pki)'},
			kubeconfig: {type: 'string', value: 'FILE', help: 'endpoints: connect as this kubeconfig\'s current user (mutual TLS); its cluster\'s CA is the default CA'},
			cert: {type: 'string', value: 'FILE', help: 'endpoints: a client certificate for mutual TLS (with --key)'},
			key: {type: 'string', value: 'FILE', help: 'endpoints: the client certificate\'s private key (read only to connect; never printed)'},
			timeout: {type: 'string', value: 'T', help: 'endpoints: connect and handshake within T, such as 10s (default) or 500ms'},
		},
		examples: [
			['kubepki inspect', 'the viewer on ./pki (a text report when piped)'],
			[`kubepki inspect pki/${hardwayNames('admin').kubeconfig} pki/${hardwayCaCert}`, 'only these files'],
			['kubepki inspect --json pki | jq \'.items[].subject\'', 'machine-readable'],
			['kubectl get secret apiserver-tls -o yaml | kubepki inspect -', 'a Secret\'s keys: tls.crt, tls.key, its CA'],
			[`kubepki inspect https://127.0.0.1:2379 --cert pki/${hardwayNames('apiserver').cert} --key pki/${hardwayNames('apiserver').key}`, 'what etcd serves, checked against ./pki, mutual TLS'],
			[`kubepki inspect 10.0.0.5:6443 --servername kubernetes --kubeconfig pki/${hardwayNames('admin').kubeconfig}`, 'an API server as kubectl sees it'],
		],
		async run(positionals, flags, io) {
			const {runInspect} = await import('./inspect.js');
			return runInspect(positionals, flags, io);
		},
	},
	{
		name: 'lint',
		summary: 'find the known mistakes in a PKI; exit 1 when any finding is an error',
		args: '[PATH...]',
		description: ['PATH: files or folders (default ./pki).'],
		flags: {json},
		examples: [
			['kubepki lint', 'the rules on ./pki'],
			['kubepki lint --json /etc/kubernetes/pki', 'a kubeadm folder, machine-readable'],
		],
		async run(positionals, flags, io) {
			const {runLint} = await import('./lint.js');
			return runLint(positionals, flags, io);
		},
	},
	{
		name: 'doctor',
		summary: 'which of the tools kubepki works with are installed, and how to install the others',
		flags: {json},
		examples: [
			['kubepki doctor', 'one line per tool'],
			['kubepki doctor --json', 'machine-readable'],
		],
		async run(positionals, flags, io) {
			noArguments('doctor', positionals);
			const {runDoctor} = await import('./doctor.js');
			return runDoctor(flags, io);
		},
	},
	{
		name: 'script',
		summary: 'print the bash that makes the same PKI by hand (cfssl or openssl, then kubectl config)',
		flags: {
			flavor: {type: 'string', value: 'F', help: 'required: cfssl or openssl, the tools the printed bash uses'},
			config,
			layout,
			algorithm,
			'encryption-provider': encryptionProvider,
		},
		examples: [
			['kubepki script --flavor openssl > make-pki.sh', 'openssl commands for the built-in example cluster'],
			['kubepki script --flavor cfssl --config cluster.yaml | bash', 'make your cluster\'s PKI with cfssl, here'],
		],
		async run(positionals, flags, io) {
			noArguments('script', positionals);
			const {runScript} = await import('./script.js');
			return runScript(flags, io);
		},
	},
	{
		name: 'expiry',
		summary: 'every certificate, CAs first then soonest end; exit 1 when one ends within the window (for cron)',
		args: '[PATH...]',
		description: [
			'PATH: files or folders (default ./pki); both layouts, a folder without a manifest, a kubeadm /etc/kubernetes.',
			'One row per certificate however many copies nodes/ and kubeconfigs hold; retired/ and .backup/ only when named.',
			'The service-account certificate is listed, not counted: Kubernetes uses only that pair\'s keys.',
			'Exit 1 when a certificate has ended, has not started or ends within the window; 0 otherwise.',
		],
		flags: {
			within: {type: 'string', value: 'D', help: 'the warning window: days, hours or minutes such as 30d (default), 720h, 90m'},
			json,
		},
		examples: [
			['kubepki expiry', 'the table for ./pki'],
			['kubepki expiry /etc/kubernetes --within 60d', 'a kubeadm machine, two months ahead'],
			['kubepki expiry --json | jq \'.certificates[] | select(.state != "ok") | .path\'', 'what needs renewing, for a monitor'],
		],
		async run(positionals, flags, io) {
			const {runExpiry} = await import('./expiry.js');
			return runExpiry(positionals, flags, io);
		},
	},
	{
		name: 'renew',
		summary: 're-issue the leaves that end soon from the folder\'s own CA; kubeconfigs and nodes/ rebuilt; the restart order',
		description: [
			`The cluster comes from the folder's ${manifestName}; subject, SANs and usages stay as they are.`,
			'The CA, the service-account pair and the encryption key are never touched; a leaf never ends after its CA.',
			`Replaced files are kept in DIR/.backup/<UTC time>/; ${copyScriptPath} copies only what changed, ${copyAllScriptPath} all.`,
			'Ids are those of kubepki expiry (kubelet:node1, apiserver, admin, kube-proxy, ...).',
		],
		flags: {
			out: {type: 'string', value: 'DIR', help: 'the folder to renew (default ./pki)'},
			within: {type: 'string', value: 'D', help: 'renew the leaves that end within D (default 30d)'},
			all: {type: 'boolean', help: 'renew every leaf'},
			only: {type: 'string', value: 'IDS', help: 'renew only these, comma-separated (kubelet:node1,apiserver)'},
			validity: {type: 'string', value: 'D', help: 'the new leaves\' validity, such as 8760h or 365d (default: the folder\'s); recorded in the manifest'},
			'reuse-keys': {type: 'boolean', help: 'sign the same keys again instead of making new ones'},
			'dry-run': {type: 'boolean', help: 'print what would be renewed and restarted; write nothing'},
			quiet: {type: 'boolean', short: 'q', help: 'print nothing on success'},
		},
		examples: [
			['kubepki renew --dry-run', 'what would be renewed in ./pki, and the restart order'],
			['kubepki renew --all --validity 8760h', 'every leaf, for a year, with new keys'],
			['kubepki renew --only kubelet:node1 --reuse-keys', 'one kubelet, same key'],
		],
		async run(positionals, flags, io) {
			noArguments('renew', positionals);
			const {runRenew} = await import('./renew.js');
			return runRenew(flags, io);
		},
	},
	{
		name: 'rotate-ca',
		summary: 'replace a CA in three phases (start, reissue, finish) so machines one phase apart keep talking',
		args: 'start|reissue|finish|status',
		description: [
			`start: a new CA beside the old; every trust file (${hardwayCaCert}, each kubeconfig's CA) holds both; no leaf changes.`,
			'reissue: every leaf signed by the new CA with a new key; kubeconfigs rebuilt; trust still both.',
			'finish: trust is the new CA alone; the old CA\'s certificate and key move to DIR/retired/<UTC time>/.',
			'status: the phase, which files trust or are signed by which CA, what to copy next.',
			`Each phase: one transaction with a backup (DIR/.backup/<UTC time>/), ${copyScriptPath} of what changed`,
			`(kubeadm: ${copyScriptPaths('kubeadm').changed}, each file to its full path), the restart order and what to check before the`,
			'next phase. A phase cannot be skipped or run twice (the manifest records it).',
			'The service-account key and the encryption key are never touched.',
		],
		flags: {
			out: {type: 'string', value: 'DIR', help: 'the folder kubepki generate made (default ./pki)'},
			ca: {type: 'string', value: 'CA', help: 'which CA: cluster, etcd, front-proxy or all (default: all of the layout; the hard way has one, cluster)'},
			json: {type: 'boolean', help: 'status only: machine-readable (a documented, stable shape; see the README)'},
		},
		examples: [
			['kubepki rotate-ca start --out pki', 'make the new CA; trust both'],
			['kubepki rotate-ca status --json', 'where ./pki stands, machine-readable'],
			['kubepki rotate-ca reissue && kubepki rotate-ca finish', 'the next two phases, each after its checks'],
		],
		async run(positionals, flags, io) {
			const {runRotateCa} = await import('./rotate-ca.js');
			return runRotateCa(positionals, flags, io);
		},
	},
	{
		name: 'help',
		summary: 'this overview, or one command\'s usage, flags and examples',
		args: '[COMMAND]',
		flags: {},
		examples: [
			['kubepki help generate', 'the flags of generate (the same as kubepki generate --help)'],
		],
		async run(positionals, _flags, io) {
			if (positionals.length > 1) throw new UsageError(`help: one command at most (got ${positionals.length})`);
			const [name] = positionals;
			if (name === undefined) {
				io.stdout.write(overview());
				return 0;
			}

			io.stdout.write(commandHelp(findCommand(name)));
			return 0;
		},
	},
];

function commandNames(): string[] {
	return commands.filter(c => c.name !== '').map(c => c.name);
}

function findCommand(name: string): Command {
	const command = commands.find(c => c.name === name && name !== '');
	if (!command) throw new UsageError(`unknown command ${JSON.stringify(name)}; the commands are ${commandNames().join(', ')} (see kubepki help)`);
	return command;
}

function title(command: Command): string {
	return command.name ? `kubepki ${command.name}` : 'kubepki';
}

function flagLabel(name: string, spec: FlagSpec): string {
	return `${spec.short ? `-${spec.short}, ` : ''}--${name}${spec.value ? ` ${spec.value}` : ''}`;
}

function usageLine(command: Command): string {
	const flags = Object.entries(command.flags).map(([name, spec]) => `[--${name}${spec.value ? ` ${spec.value}` : ''}]`);
	return [title(command), ...flags, ...(command.args ? [command.args] : [])].join(' ');
}

function flagTable(flags: Readonly<Record<string, FlagSpec>>): string[] {
	const entries = Object.entries(flags);
	const width = Math.max(...entries.map(([name, spec]) => flagLabel(name, spec).length));
	return entries.map(([name, spec]) => `  ${flagLabel(name, spec).padEnd(width)}  ${spec.help}`);
}

/** `kubepki help COMMAND` and `kubepki COMMAND --help`. */
export function commandHelp(command: Command): string {
	const exampleWidth = Math.max(...command.examples.map(([example]) => example.length));
	return [
		`${title(command)}: ${command.summary}`,
		'',
		'Usage',
		`  ${usageLine(command)}`,
		...(command.description ?? []).map(line => `  ${line}`),
		'',
		'Options',
		...flagTable({...command.flags, ...globalFlags}),
		'',
		'Examples',
		...command.examples.map(([example, meaning]) => `  ${example.padEnd(exampleWidth)}  # ${meaning}`),
		'',
		exitCodes,
		'',
	].join('\n');
}

const exitCodes = 'Exit codes: 0 success, 1 errors found or action refused, 2 bad usage or bad input.';

/** `kubepki help` and `kubepki --help`: every command in one line, then the wizard's flags. */
export function overview(): string {
	const listed = commands.filter(c => c.name !== '');
	const width = Math.max(...listed.map(c => c.name.length));
	const wizard = commands.find(c => c.name === '')!;
	return [
		`kubepki ${version}: the certificates of a multi-master Kubernetes the Hard Way cluster`,
		'',
		'Usage',
		`  ${usageLine(wizard)}    ${wizard.summary}`,
		'  kubepki COMMAND [OPTIONS]',
		'',
		'Commands',
		...listed.map(c => `  ${c.name.padEnd(width)}  ${c.summary}`),
		'',
		'Options of the wizard',
		...flagTable({...wizard.flags, ...globalFlags}),
		'',
		'Each command has its own help: kubepki help COMMAND, or kubepki COMMAND --help.',
		exitCodes,
		'',
	].join('\n');
}

export type Invocation = {command: Command; positionals: string[]; flags: FlagValues};

/**
 * Parse the arguments against the table. A flag the command does not take is one line naming it and the
 * command's flags (and the command it belongs to, when it is another's), never Node's own parser message.
 */
export function parseInvocation(argv: readonly string[]): Invocation {
	// The command is the first word that is not a flag; flags may come before it (`kubepki --json inspect`).
	const all: Record<string, FlagSpec> = {...globalFlags};
	for (const c of commands) Object.assign(all, c.flags);
	const loose = parseArgs({args: [...argv], options: toParseOptions(all), allowPositionals: true, strict: false, tokens: true});
	const first = loose.tokens.find(t => t.kind === 'positional');
	const command = first?.kind === 'positional' ? findCommandOrWizard(first.value) : commands.find(c => c.name === '')!;
	const own = {...command.flags, ...globalFlags};

	for (const token of loose.tokens) {
		if (token.kind !== 'option') continue;
		const spec = own[token.name];
		if (!spec) throw new UsageError(strayFlagMessage(command, token.rawName, token.name));
		if (spec.type === 'string' && token.value === undefined) {
			throw new UsageError(`${token.rawName}: needs a value (${flagLabel(token.name, spec)})`);
		}

		// `--out --force`: the next flag is not meant as the folder's name (`--out=--force` still is).
		if (spec.type === 'string' && !token.inlineValue && token.value?.startsWith('-')) {
			throw new UsageError(`${token.rawName}: needs a value (${flagLabel(token.name, spec)}), got the flag ${JSON.stringify(token.value)}; write ${token.rawName}=${token.value} if you mean it`);
		}

		if (spec.type === 'boolean' && token.value !== undefined && token.inlineValue) {
			throw new UsageError(`${token.rawName}: takes no value (got ${JSON.stringify(token.value)})`);
		}
	}

	const positionals = loose.positionals.slice();
	if (command.name !== '' && first?.kind === 'positional') positionals.splice(positionals.indexOf(first.value), 1);
	return {command, positionals, flags: loose.values as FlagValues};
}

function findCommandOrWizard(word: string): Command {
	// An unknown word is left to the wizard's entry, which refuses it as an unknown command.
	return commands.find(c => c.name === word && word !== '') ?? commands.find(c => c.name === '')!;
}

function strayFlagMessage(command: Command, raw: string, name: string): string {
	const owners = commands.filter(c => c.flags[name]);
	const where = command.name ? `kubepki ${command.name}` : 'the wizard';
	const takes = Object.entries({...command.flags, ...globalFlags}).map(([flag]) => `--${flag}`).join(', ');
	const shown = raw;
	if (owners.length > 0) {
		return `${shown} is not an option of ${where} (it is one of ${owners.map(title).join(', ')}); ${where} takes ${takes}`;
	}

	const close = Object.keys(command.flags).find(flag => name.startsWith(flag) || flag.startsWith(name));
	return `unknown option ${shown} for ${where}${close ? ` (did you mean --${close}?)` : ''}; it takes ${takes}`;
}

function toParseOptions(flags: Record<string, FlagSpec>) {
	return Object.fromEntries(Object.entries(flags).map(([name, spec]) => [name, spec.short ? {type: spec.type, short: spec.short} : {type: spec.type}])) as Record<
		string,
		{type: 'string' | 'boolean'; short?: string}
	>;
}

/** Run one invocation: --help and --version first, then the command. Returns the exit code. */
export async function runInvocation({command, positionals, flags}: Invocation, io: CommandIo): Promise<number> {
	if (flags.help) {
		if (command.name === '' && positionals.length > 0) findCommand(positionals[0]!);
		io.stdout.write(command.name === '' ? overview() : commandHelp(command));
		return 0;
	}

	if (flags.version) {
		io.stdout.write(`${version}\n`);
		return 0;
	}

	return command.run(positionals, flags, io);
}
