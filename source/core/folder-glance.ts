// The wizard opened on a folder kubepki made (issue 13, item 5): the folder at a glance — what expires, worst
// first, and any lint error — and the three things to do next: renew, change the cluster, or start a new
// cluster elsewhere. All of it is here, pure or reading the folder; the screen (source/ui/folder/) only draws
// this state and sends the keys as intents.
import {certCommands} from './by-hand.js';
import {etcdPeerPort} from './etcd.js';
import {expiryReport, type ExpiryRow, type ExpiryState} from './expiry.js';
import {inspectPaths} from './inspect.js';
import {urlHost} from './ip.js';
import type {Finding} from './lint/types.js';
import {renewWithinDays, specById} from './plan.js';
import {folderCluster, planRenewal, type RenewalPlan} from './renew.js';
import {clusterChange} from './cluster-change.js';
import type {Topology} from './topology.js';

export type FolderGlance = {
	readonly outDir: string;
	/** The cluster the folder's manifest records: what the wizard starts from. */
	readonly topology: Topology;
	/** Every certificate, worst first: ended or not started, then ending within the window, then the rest. */
	readonly rows: readonly ExpiryRow[];
	readonly withinDays: number;
	readonly lintErrors: readonly Finding[];
	/** What `kubepki renew` would do now (the leaves ending within the window); nothing is written. */
	readonly renewal: RenewalPlan;
};

const stateRank: Record<ExpiryState, number> = {expired: 0, 'not-yet-valid': 0, within: 1, ok: 2};

/** Worst first; among equals the soonest end; then by path for a stable order. */
export function worstFirst(rows: readonly ExpiryRow[]): ExpiryRow[] {
	return [...rows].sort((a, b) => stateRank[a.state] - stateRank[b.state] || a.secondsLeft - b.secondsLeft || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/**
 * Read a folder for the wizard's first screen, or undefined when it holds no kubepki hard-way manifest (the
 * wizard then starts as for a new cluster). Nothing is written (a killed run's commit is finished first, as
 * lint does).
 */
export async function openFolder(outDir: string, now = new Date()): Promise<FolderGlance | undefined> {
	const recorded = await folderCluster(outDir).catch(() => undefined);
	if (!recorded) return undefined;
	const inspection = await inspectPaths([outDir], now);
	const report = expiryReport(inspection.loaded, now, renewWithinDays * 86_400);
	const renewal = await planRenewal({outDir, selection: {kind: 'within', seconds: renewWithinDays * 86_400}, now});
	return {
		outDir,
		topology: recorded.topology,
		rows: worstFirst(report.rows),
		withinDays: renewWithinDays,
		lintErrors: inspection.findings.filter(f => f.severity === 'error'),
		renewal,
	};
}

/**
 * How a --config given with the folder differs from the cluster its manifest records (the --config wins for
 * "Change the cluster"), in one line; undefined when they are the same in what it compares.
 */
export function configDifference(recorded: Topology, given: Topology): string | undefined {
	const change = clusterChange(recorded, given);
	const names = (hosts: ReadonlyArray<{name: string}>) => hosts.map(h => h.name).join(', ');
	const parts = [
		...(recorded.cluster === given.cluster ? [] : [`cluster ${recorded.cluster} → ${given.cluster}`]),
		...(change.addedMasters.length > 0 ? [`masters added: ${names(change.addedMasters)}`] : []),
		...(change.removedMasters.length > 0 ? [`masters removed: ${names(change.removedMasters)}`] : []),
		...(change.addedWorkers.length > 0 ? [`workers added: ${names(change.addedWorkers)}`] : []),
		...(change.removedWorkers.length > 0 ? [`workers removed: ${names(change.removedWorkers)}`] : []),
		...(recorded.algorithm === given.algorithm ? [] : [`algorithm ${recorded.algorithm} → ${given.algorithm}`]),
		...(recorded.validity.leaf === given.validity.leaf ? [] : [`leaf validity ${recorded.validity.leaf}h → ${given.validity.leaf}h`]),
	];
	return parts.length > 0 ? `the --config differs from this folder's cluster (${parts.join('; ')}); Change the cluster starts from the --config` : undefined;
}

export type FolderChoiceId = 'renew' | 'change' | 'new-folder';

export type FolderChoice = {readonly id: FolderChoiceId; readonly title: string; readonly explain: readonly string[]};

/** The three choices, each explained as the stages are. */
export function folderChoices(glance: FolderGlance): FolderChoice[] {
	const due = glance.renewal.renewed.length;
	return [
		{
			id: 'renew',
			title: due > 0 ? `Renew ${due} certificate(s)` : 'Renew (nothing is due)',
			explain: [
				`Re-issue, from this folder's own CA, the leaves that end within ${glance.withinDays} days: same subject, SANs and usages, new dates and a new key each.`,
				'The CA, the service-account pair and the encryption key are never touched. Every kubeconfig and nodes/<host>/ copy that holds a renewed certificate is rebuilt; the files replaced are kept in .backup/<UTC time>/.',
				'You see each new certificate and the restart order before anything is written.',
			],
		},
		{
			id: 'change',
			title: 'Change the cluster',
			explain: [
				'The Cluster stage with this folder\'s cluster: add or remove masters and workers, change SANs. Review & write then lists what is issued, kept, renewed and retired before anything is written.',
				'A removed machine\'s files move to retired/<UTC time>/; its certificate stays valid until its end date (Kubernetes checks no revocation list).',
			],
		},
		{
			id: 'new-folder',
			title: 'Start a new cluster in another folder',
			explain: ['This folder is one cluster and stays as it is. Start the wizard again with another folder: kubepki --out OTHER-FOLDER.'],
		},
	];
}

/** The commands that do a choice by hand (`c`): openssl for one certificate, etcdctl for a member. */
export function folderChoiceCommands(glance: FolderGlance, id: FolderChoiceId): string[] {
	const {plan} = glance.renewal;
	if (id === 'renew') {
		const first = glance.renewal.renewed[0]?.id ?? glance.rows.find(row => !row.isCA && row.id)?.id ?? 'admin';
		return [`# Renew one certificate by hand (${first}), signed by this folder's CA, with openssl:`, ...certCommands(plan, specById(plan, first), 'openssl')];
	}

	if (id === 'change') {
		const master = plan.topology.masters[0]!;
		return [
			'# A new master joins etcd before its etcd starts (run on a master that stays):',
			`etcdctl member add NEW-MASTER --peer-urls=https://NEW-MASTER-IP:${etcdPeerPort}`,
			'# A master that leaves, first:',
			`etcdctl member remove $(etcdctl member list | awk -F', ' '$3 == "${master.name}" {print $1}')`,
			`# every master's etcd must then list the members; e.g. https://${urlHost(master.ip)}:${etcdPeerPort}`,
		];
	}

	return ['kubepki --out OTHER-FOLDER'];
}

/** Where the folder screen is. */
export type FolderPhase = 'glance' | 'review' | 'writing' | 'done' | 'failed';

export type FolderState = {
	readonly phase: FolderPhase;
	readonly selected: number;
	readonly commands: boolean;
	/** The first line shown of the renewal text (review, done), which can be longer than the screen. */
	readonly scroll: number;
	readonly written?: RenewalPlan;
	readonly error?: string;
};

/** An intent from the screen: a key by meaning, or what the engine answered. */
export type FolderIntent =
	| {readonly type: 'up' | 'down' | 'enter' | 'back' | 'commands' | 'quit'}
	| {readonly type: 'written'; readonly renewal: RenewalPlan}
	| {readonly type: 'failed'; readonly message: string};

/** What the caller must do after a transition: write the renewal, open the wizard's stages, or leave. */
export type FolderEffect = 'write-renewal' | 'open-wizard' | 'quit' | undefined;

export const initialFolderState: FolderState = {phase: 'glance', selected: 0, commands: false, scroll: 0};

export function folderReducer(state: FolderState, intent: FolderIntent, glance: FolderGlance): {state: FolderState; effect?: FolderEffect} {
	const choices = folderChoices(glance);
	switch (intent.type) {
		case 'quit':
			return state.phase === 'writing' ? {state} : {state, effect: 'quit'};
		case 'commands':
			return {state: {...state, commands: !state.commands}};
		case 'up':
		case 'down': {
			const step = intent.type === 'up' ? -1 : 1;
			if (state.phase !== 'glance') return {state: {...state, scroll: Math.max(0, state.scroll + step)}};
			return {state: {...state, selected: (state.selected + step + choices.length) % choices.length, commands: false}};
		}

		case 'back':
			return state.phase === 'review' || state.phase === 'failed' ? {state: {...state, phase: 'glance', error: undefined}} : {state};
		case 'enter': {
			if (state.phase === 'done') return {state, effect: 'quit'};
			if (state.phase === 'review') return glance.renewal.renewed.length > 0 ? {state: {...state, phase: 'writing'}, effect: 'write-renewal'} : {state};
			if (state.phase !== 'glance') return {state};
			const choice = choices[state.selected]!.id;
			if (choice === 'renew') return {state: {...state, phase: 'review', commands: false, scroll: 0}};
			if (choice === 'change') return {state, effect: 'open-wizard'};
			return {state, effect: 'quit'};
		}

		case 'written':
			return {state: {...state, phase: 'done', written: intent.renewal, scroll: 0}};
		case 'failed':
			return {state: {...state, phase: 'failed', error: intent.message}};
	}
}
