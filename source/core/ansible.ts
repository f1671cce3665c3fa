import path from 'node:path';
import {Document, isMap, isSeq} from 'yaml';
import type {OutputFile} from './write.js';
import {inventoryName, playbookName} from './placement.js';

/*
 * The Ansible inventory and playbook that put each machine's files where its services read them. kubepki writes
 * them and never runs them. Both are made from a placement (which host gets which file at which paths, read by
 * which services): distribution() for the hard way, kubeadmPlacement() for kubeadm, so a file added there is
 * copied, owned, moded and restarted for without a change here.
 *
 * The per-host facts (address, files, folders) are host variables of the inventory, so each host templates only its
 * own list (a 500-worker cluster does not make every host walk everyone's files); the playbook is the same few tasks
 * for any size. Sources are paths relative to the playbook's folder (`../<host>/...` for the host folders beside it).
 */

/** One file for one machine: where it is in the output folder, where it goes on the machine, who reads it there. */
export type AnsibleFile = {readonly from: string; readonly installTo: readonly string[]; readonly services: readonly string[]};

/** One machine: its name (the inventory's), address, group (masters, workers, loadbalancers) and files. */
export type AnsibleHost = {readonly host: string; readonly ip: string; readonly group: string; readonly files: readonly AnsibleFile[]};

/** A service that picks up a new configuration without a restart is reloaded instead (haproxy keeps its connections). */
const reloadedServices: ReadonlySet<string> = new Set(['haproxy']);

export type AnsiblePlacement = {
	/** Hosts and what each receives. */
	readonly hosts: readonly AnsibleHost[];
	/** The files written, to read each file's mode by its path. */
	readonly files: readonly OutputFile[];
	/** Where the inventory and playbook go, relative to the output folder; the host folders are its siblings. */
	readonly dir: string;
	/** Every service that may read a delivered file, in the order they restart (etcd before the API server). */
	readonly services: readonly string[];
	/** Files installed in this folder are systemd units: a change reloads systemd before the restarts. */
	readonly unitDir?: string;
};

export {inventoryName, playbookName};
const reloadHandler = 'reload systemd units';
const restartHandler = (service: string) => `${reloadedServices.has(service) ? 'reload' : 'restart'} ${service}`;
/** The mode of files that must never be shown (keys, kubeconfigs with keys in them, the encryption key). */
const secretMode = 0o600;

const octal = (mode: number) => `0${mode.toString(8)}`;

/** The handlers one file notifies: a unit reloads systemd first, then every service that reads it restarts. */
function handlersOf(delivery: AnsibleFile, unitDir: string | undefined): string[] {
	const unit = unitDir !== undefined && delivery.installTo.some(file => path.posix.dirname(file) === unitDir);
	return [...(unit ? [reloadHandler] : []), ...delivery.services.map(restartHandler)];
}

type FileVar = {src: string; dest: string; mode: string; notify: string};
type DirVar = {path: string; mode?: string};

/** One host's variables: where to reach it, its files (one entry per install path) and the folders they go into. */
function hostVars(bundle: AnsibleHost, placement: AnsiblePlacement, modes: ReadonlyMap<string, number>) {
	const files: FileVar[] = [];
	const secretDirs = new Set<string>();
	const dirs = new Set<string>();
	for (const delivery of bundle.files) {
		const mode = modes.get(delivery.from);
		if (mode === undefined) throw new Error(`bug: ${delivery.from} is placed on ${bundle.host} but was not made`);
		const notify = handlersOf(delivery, placement.unitDir).join(', ');
		const src = path.posix.relative(placement.dir, delivery.from);
		for (const dest of delivery.installTo) {
			files.push({src, dest, mode: octal(mode), notify});
			dirs.add(path.posix.dirname(dest));
			// A folder that receives a key is for root only; shared folders (/etc/systemd/system) keep their mode.
			if (mode === secretMode) secretDirs.add(path.posix.dirname(dest));
		}
	}

	const folders = [...dirs].sort().map((dir): DirVar => (secretDirs.has(dir) ? {path: dir, mode: '0700'} : {path: dir}));
	return {ansible_host: bundle.ip, kubepki_dirs: folders, kubepki_files: files};
}

function header(lines: readonly string[]): string {
	return lines.map(line => ` ${line}`).join('\n');
}

const inventoryHeader = [
	'Written by kubepki from the same plan as the host folders beside this one; kubepki never runs Ansible.',
	'Per host: its address, the files it receives (src from this folder, dest on the machine, mode, the handlers a change',
	'notifies) and the folders they go into (0700 where a key goes). No key or certificate is in this file.',
];

/** The inventory's data: group, host, that host's variables. */
export type InventoryGroups = Record<string, {hosts: Record<string, ReturnType<typeof hostVars>>}>;

export function inventoryGroups(placement: AnsiblePlacement): InventoryGroups {
	const modes = new Map(placement.files.map(file => [file.path, file.mode]));
	const children: InventoryGroups = {};
	for (const bundle of placement.hosts) {
		const group = (children[bundle.group] ??= {hosts: {}});
		group.hosts[bundle.host] = hostVars(bundle, placement, modes);
	}

	return children;
}

/** The inventory as the yaml package writes it from its document model (what inventoryYaml's own lines must equal). */
export function inventoryDocumentYaml(children: InventoryGroups): string {
	const doc = new Document({all: {children}}, {aliasDuplicateObjects: false});
	// One line per file and per folder: a 500-worker inventory stays readable (and a third smaller).
	for (const [group, {hosts}] of Object.entries(children)) {
		for (const host of Object.keys(hosts)) {
			for (const list of ['kubepki_files', 'kubepki_dirs']) {
				const seq = doc.getIn(['all', 'children', group, 'hosts', host, list], true);
				if (isSeq(seq)) for (const item of seq.items) if (isMap(item)) item.flow = true;
			}
		}
	}

	doc.commentBefore = header(inventoryHeader);
	return doc.toString({lineWidth: 0});
}

/*
 * The inventory's lines written here: the document model above spent a tenth of a 50-worker generate's CPU on
 * them. A value written as it is (a path, a host name, an address) needs no quoting in a flow map or as a block
 * value; any other value is written once by the yaml package itself, in the same place (a flow map's value, a
 * block value, a block key), and reused. A shape the lines below do not cover (an empty list) goes to the model.
 * test/core/ansible.test.ts holds the text to inventoryDocumentYaml.
 */
const plainValue = /^(?:\.\.\/|\/|[A-Za-z])[\w./-]*$/;
const yamlWords = /^(?:y|n|yes|no|true|false|on|off|null)$/i;
const scalarTexts = new Map<string, string>();
function scalarText(where: 'flow' | 'value' | 'key', value: string): string {
	if (plainValue.test(value) && !yamlWords.test(value)) return value;
	const memo = `${where} ${value}`;
	let text = scalarTexts.get(memo);
	if (text === undefined) {
		if (where === 'flow') {
			const doc = new Document({k: value});
			if (isMap(doc.contents)) doc.contents.flow = true;
			text = doc.toString({lineWidth: 0}).slice('{ k: '.length, -' }\n'.length);
		} else if (where === 'value') {
			text = new Document({k: value}).toString({lineWidth: 0}).slice('k: '.length, -1);
		} else {
			text = new Document({[value]: 0}).toString({lineWidth: 0}).slice(0, -': 0\n'.length);
		}

		if (scalarTexts.size > 4096) scalarTexts.clear();
		scalarTexts.set(memo, text);
	}

	return text;
}

const flowMap = (entries: ReadonlyArray<readonly [string, string]>) => `{ ${entries.map(([key, value]) => `${key}: ${scalarText('flow', value)}`).join(', ')} }`;

/** The inventory: one group per role (masters, workers, ...), each host with its address and what it receives. Nothing secret. */
export function inventoryYaml(placement: AnsiblePlacement): string {
	const children = inventoryGroups(placement);
	const hosts = Object.values(children).flatMap(group => Object.values(group.hosts));
	if (hosts.some(vars => vars.kubepki_dirs.length === 0 || vars.kubepki_files.length === 0)) return inventoryDocumentYaml(children);
	const lines = [...inventoryHeader.map(line => `# ${line}`), '', 'all:', '  children:'];
	for (const [group, {hosts}] of Object.entries(children)) {
		lines.push(`    ${scalarText('key', group)}:`, '      hosts:');
		for (const [host, vars] of Object.entries(hosts)) {
			lines.push(`        ${scalarText('key', host)}:`, `          ansible_host: ${scalarText('value', vars.ansible_host)}`, '          kubepki_dirs:');
			for (const dir of vars.kubepki_dirs) lines.push(`            - ${flowMap(dir.mode === undefined ? [['path', dir.path]] : [['path', dir.path], ['mode', dir.mode]])}`);
			lines.push('          kubepki_files:');
			for (const file of vars.kubepki_files) {
				lines.push(`            - ${flowMap([['src', file.src], ['dest', file.dest], ['mode', file.mode], ['notify', file.notify]])}`);
			}
		}
	}

	return lines.join('\n') + '\n';
}

/** The tasks and handlers of one play (one group): a copy task per set of handlers, keys apart so their content is never diffed. */
function play(group: string, bundles: readonly AnsibleHost[], placement: AnsiblePlacement) {
	const notifySets = new Map<string, string[]>();
	const secretSets = new Set<string>();
	const plainSets = new Set<string>();
	const modes = new Map(placement.files.map(file => [file.path, file.mode]));
	for (const bundle of bundles) {
		for (const delivery of bundle.files) {
			const handlers = handlersOf(delivery, placement.unitDir);
			const key = handlers.join(', ');
			notifySets.set(key, handlers);
			(modes.get(delivery.from) === secretMode ? secretSets : plainSets).add(key);
		}
	}

	const prefixed = (field: string) => `{{ kubepki_prefix }}{{ item.${field} }}`;
	const copyTask = (key: string, secret: boolean) => {
		const handlers = notifySets.get(key) ?? [];
		const what = secret ? 'keys and kubeconfigs (never diffed)' : 'files';
		const select = `selectattr('notify', 'equalto', ${JSON.stringify(key)}) | ${secret ? 'selectattr' : 'rejectattr'}('mode', 'equalto', '${octal(secretMode)}')`;
		return {
			name: `${what} that ${key === '' ? 'restart nothing' : key}`,
			'ansible.builtin.copy': {src: '{{ playbook_dir }}/{{ item.src }}', dest: prefixed('dest'), owner: 'root', group: 'root', mode: '{{ item.mode }}'},
			loop: `{{ kubepki_files | ${select} | list }}`,
			loop_control: {label: '{{ item.dest }}'},
			...(secret && {diff: false}),
			...(handlers.length > 0 && {notify: handlers}),
		};
	};

	const used = new Set<string>(bundles.flatMap(b => b.files.flatMap(d => d.services)));
	const unknown = [...used].filter(s => !placement.services.includes(s));
	if (unknown.length > 0) throw new Error(`bug: no restart order for ${unknown.join(', ')}`);
	// Handlers run in the order they are listed: that is the restart order.
	const services = placement.services.filter(s => used.has(s));
	const usesUnits = [...notifySets.values()].some(handlers => handlers.includes(reloadHandler));
	const when = 'kubepki_restarts | bool';
	const handlers = [
		...(usesUnits ? [{name: reloadHandler, 'ansible.builtin.systemd_service': {daemon_reload: true}, when}] : []),
		...services.map(service => ({
			name: restartHandler(service),
			'ansible.builtin.systemd_service': {name: service, state: reloadedServices.has(service) ? 'reloaded' : 'restarted'},
			when,
		})),
	];

	const keys = [...notifySets.keys()];
	return {
		name: group === 'masters' ? 'masters, one at a time (etcd and the API servers restart one by one)' : group,
		hosts: group,
		...(group === 'masters' && {serial: 1}),
		gather_facts: false,
		become: '{{ kubepki_become | default(true) | bool }}',
		vars: {
			kubepki_prefix: "{{ (kubepki_root | default('/')) | regex_replace('/+$', '') }}",
			// Check mode shows which handlers a change notifies without asking systemd anything.
			kubepki_restarts: '{{ (kubepki_restart | default(true) | bool) and not ansible_check_mode }}',
		},
		tasks: [
			{
				name: 'folders (0700 where keys go)',
				'ansible.builtin.file': {path: prefixed('path'), state: 'directory', owner: 'root', group: 'root', mode: '{{ item.mode | default(omit) }}'},
				loop: '{{ kubepki_dirs }}',
				loop_control: {label: '{{ item.path }}'},
			},
			...keys.filter(key => plainSets.has(key)).map(key => copyTask(key, false)),
			...keys.filter(key => secretSets.has(key)).map(key => copyTask(key, true)),
		],
		...(handlers.length > 0 && {handlers}),
	};
}

/** The playbook: one play per group, masters first and one at a time. */
export function playbookYaml(placement: AnsiblePlacement): string {
	const groups = [...new Set(placement.hosts.map(b => b.group))].sort((a, b) => (a === 'masters' ? -1 : b === 'masters' ? 1 : 0));
	const plays = groups.map(group => play(group, placement.hosts.filter(b => b.group === group), placement));
	const doc = new Document(plays, {aliasDuplicateObjects: false});
	doc.commentBefore = header([
		'Written by kubepki; kubepki never runs it. From the output folder:',
		`  ansible-playbook -i ${placement.dir}/${inventoryName} ${placement.dir}/${playbookName}`,
		'Copies each host\'s files (from ../<host>/) to where its services read them, owner root, with the modes they',
		'have here, and restarts only the services whose files changed (masters one at a time). Variables (-e):',
		'  kubepki_root=DIR       prefix for every destination (default /)',
		'  kubepki_restart=false  copy only; notified handlers are skipped (also in --check)',
		'  kubepki_become=false   no privilege escalation (already root, e.g. -c local as root)',
	]);
	return doc.toString({lineWidth: 0});
}

/** A placement's hosts from bundles whose files are in `<folder>/<host>/<target>` of the output folder. */
export function hostsOf(bundles: ReadonlyArray<{host: string; ip: string; role: string; files: ReadonlyArray<{target: string; installTo: readonly string[]; services: readonly string[]}>}>, folder: string): AnsibleHost[] {
	return bundles.map(b => ({
		host: b.host,
		ip: b.ip,
		group: `${b.role}s`,
		files: b.files.map(d => ({from: path.posix.join(folder, b.host, d.target), installTo: d.installTo, services: d.services})),
	}));
}

/** The inventory and the playbook for a placement. */
export function ansibleFiles(placement: AnsiblePlacement): OutputFile[] {
	return [
		{path: `${placement.dir}/${inventoryName}`, content: inventoryYaml(placement), mode: 0o644, kind: 'ansible-inventory'},
		{path: `${placement.dir}/${playbookName}`, content: playbookYaml(placement), mode: 0o644, kind: 'ansible-playbook'},
	];
}
