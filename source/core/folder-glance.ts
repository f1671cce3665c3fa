// The wizard opened on a folder kubepki made (issue 13, item 5): the folder at a glance — what expires, worst
// first, and any lint error, where a CA rotation stands — and the things to do next: renew, change the cluster,
// rotate the CA (one step per visit, issue 16), or start a new cluster elsewhere. All of it is here, pure or
// reading the folder; the screen (source/ui/folder/) only draws this state and sends the keys as intents.
import {certCommands} from './by-hand.js';
import {etcdPeerPort} from './etcd.js';
import {expiryReport, type ExpiryRow, type ExpiryState} from './expiry.js';
import {inspectPaths} from './inspect.js';
import {urlHost} from './ip.js';
import type {Finding} from './lint/types.js';
import {buildPlan, renewWithinDays, specById, type Layout} from './plan.js';
import {folderCluster, planRenewal, type RenewalPlan} from './renew.js';
import {clusterChange} from './cluster-change.js';
import {kubeadmServiceAccount} from './placement.js';
import {caPicks} from './rotate-text.js';
import {nextStep, rotationFolder, rotationStatus, type CaChoice, type RotationPreview, type RotationResult, type RotationStatus, type RotationStep} from './rotate.js';
import type {Topology} from './topology.js';

export type FolderGlance = {
	readonly outDir: string;
	/** The cluster the folder's manifest records: what the wizard starts from. */
	readonly topology: Topology;
	/** Every certificate, worst first: ended or not started, then ending within the window, then the rest. */
	readonly rows: readonly ExpiryRow[];
	readonly withinDays: number;
	readonly lintErrors: readonly Finding[];
	readonly layout: Layout;
	/** What `kubepki renew` would do now (the leaves ending within the window); nothing is written. Undefined when renew cannot run here now (`renewRefusal` says why). */
	readonly renewal?: RenewalPlan;
	readonly renewRefusal?: string;
	/** Where the folder's CA rotation stands (`kubepki rotate-ca status`); undefined when it cannot be read (`rotateRefusal` says why). */
	readonly rotation?: RotationStatus;
	readonly rotateRefusal?: string;
};

/** True while a CA rotation is between its phases (started or reissued): generate and renew would undo it. */
export function rotating(glance: FolderGlance): boolean {
	return glance.rotation?.phase === 'started' || glance.rotation?.phase === 'reissued';
}

const stateRank: Record<ExpiryState, number> = {expired: 0, 'not-yet-valid': 0, within: 1, ok: 2};

/** Worst first; among equals the soonest end; then by path for a stable order. */
export function worstFirst(rows: readonly ExpiryRow[]): ExpiryRow[] {
	return [...rows].sort((a, b) => stateRank[a.state] - stateRank[b.state] || a.secondsLeft - b.secondsLeft || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/**
 * Read a folder for the wizard's first screen, or undefined when it holds no kubepki manifest, or a hard-way folder
 * renew cannot read (the wizard then starts as for a new cluster). Mid-rotation and in kubeadm's layout renew is not
 * offered, and the rotation is. Nothing is written (a killed run's commit is finished first, as lint does).
 */
export async function openFolder(outDir: string, now = new Date()): Promise<FolderGlance | undefined> {
	const recorded = await rotationFolder(outDir).catch(() => undefined);
	if (!recorded) return undefined;
	let rotation: RotationStatus | undefined;
	let rotateRefusal: string | undefined;
	try {
		rotation = await rotationStatus(outDir);
	} catch (error) {
		rotateRefusal = `rotate-ca cannot read this folder: ${(error as Error).message.split('\n')[0]}`;
	}

	const between = rotation?.phase === 'started' || rotation?.phase === 'reissued';
	let renewal: RenewalPlan | undefined;
	let renewRefusal: string | undefined;
	if (recorded.layout === 'hardway' && !between) {
		if (!(await folderCluster(outDir).catch(() => undefined))) return undefined;
		renewal = await planRenewal({outDir, selection: {kind: 'within', seconds: renewWithinDays * 86_400}, now}).catch(() => undefined);
		if (!renewal) return undefined;
	} else {
		renewRefusal = between
			? `Renew waits until the CA rotation is finished (phase ${rotation!.phase}): it would sign with the old CA the certificates the rotation replaces.`
			: 'Renew knows the hard-way layout; for kubeadm\'s layout run kubepki generate again (it signs every leaf afresh from the kept CAs).';
	}

	const inspection = await inspectPaths([outDir], now);
	const report = expiryReport(inspection.loaded, now, renewWithinDays * 86_400);
	return {
		outDir,
		topology: recorded.topology,
		layout: recorded.layout,
		rows: worstFirst(report.rows),
		withinDays: renewWithinDays,
		lintErrors: inspection.findings.filter(f => f.severity === 'error'),
		...(renewal ? {renewal} : {renewRefusal}),
		...(rotation ? {rotation} : {rotateRefusal}),
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

/** How a kubeadm folder's cluster is changed, since the stages cannot (they build the hard way's files). */
const kubeadmChangeAdvice = `To change it, edit the cluster file and run kubepki generate --layout kubeadm --config FILE --out FOLDER: it keeps the three CAs and ${kubeadmServiceAccount.key}, signs the leaves afresh and moves a removed machine's files to retired/.`;

export type FolderChoiceId = 'renew' | 'change' | 'rotate' | 'new-folder';

/** A choice; `blocked` says why enter does nothing on it now. */
export type FolderChoice = {readonly id: FolderChoiceId; readonly title: string; readonly explain: readonly string[]; readonly blocked?: string};

/** The step "Rotate the CA" runs on this visit. */
export function rotationStep(glance: FolderGlance): RotationStep {
	return nextStep(glance.rotation?.phase ?? 'none');
}

/** The choices, each explained as the stages are; mid-rotation "Rotate the CA" comes first (and is selected). */
export function folderChoices(glance: FolderGlance): FolderChoice[] {
	const due = glance.renewal?.renewed.length ?? 0;
	const between = rotating(glance);
	const renew: FolderChoice = {
		id: 'renew',
		title: glance.renewal ? (due > 0 ? `Renew ${due} certificate(s)` : 'Renew (nothing is due)') : 'Renew (not now)',
		explain: glance.renewal
			? [
					`Re-issue, from this folder's own CA, the leaves that end within ${glance.withinDays} days: same subject, SANs and usages, new dates and a new key each.`,
					'The CA, the service-account pair and the encryption key are never touched. Every kubeconfig and nodes/<host>/ copy that holds a renewed certificate is rebuilt; the files replaced are kept in .backup/<UTC time>/.',
					'You see each new certificate (the file it lands in, who reads it) and the restart order, and confirm, before anything is written.',
				]
			: [glance.renewRefusal ?? 'Renew cannot run on this folder.'],
		...(!glance.renewal && {blocked: glance.renewRefusal ?? 'renew cannot run on this folder'}),
	};
	const changeBlocked = between
		? `The stages would write this folder over the CA rotation in progress (phase ${glance.rotation!.phase}), undoing it: finish the rotation first (Rotate the CA).`
		: glance.layout === 'kubeadm'
			? `The stages build the hard-way layout; this folder is kubeadm's, and they would put a second PKI, with a new CA, beside its own. ${kubeadmChangeAdvice}`
			: undefined;
	const change: FolderChoice = {
		id: 'change',
		title: 'Change the cluster',
		explain: changeBlocked
			? [changeBlocked]
			: [
					'The Cluster stage with this folder\'s cluster: add or remove masters and workers, change SANs. Review & write then lists what is issued, kept, renewed and retired before anything is written.',
					'A removed machine\'s files move to retired/<UTC time>/; its certificate stays valid until its end date (Kubernetes checks no revocation list).',
				],
		...(changeBlocked && {blocked: changeBlocked}),
	};
	const step = rotationStep(glance);
	const index = ['start', 'reissue', 'finish'].indexOf(step) + 1;
	const rotate: FolderChoice = {
		id: 'rotate',
		title: between ? `Rotate the CA: step ${index} of 3, ${step}` : 'Rotate the CA',
		explain: glance.rotation
			? [
					'Replace this folder\'s CA in three steps, one per visit: start (a new CA beside the old, everything trusts both), reissue (every certificate signed by the new CA, each with a new key), finish (trust is the new CA alone; the old CA goes to retired/).',
					`This visit: ${step}. It shows what it makes before anything is written, writes as kubepki rotate-ca ${step} does, then lists per machine what to copy and the order to restart in; open the wizard again for the next step once the machines have restarted.`,
					...(glance.layout === 'kubeadm' && step === 'start' ? ['This layout has three CAs: you choose cluster, etcd, front-proxy or all, as --ca does.'] : []),
				]
			: [glance.rotateRefusal ?? 'rotate-ca cannot read this folder.'],
		...(!glance.rotation && {blocked: glance.rotateRefusal ?? 'rotate-ca cannot read this folder'}),
	};
	const newFolder: FolderChoice = {
		id: 'new-folder',
		title: 'Start a new cluster in another folder',
		explain: ['This folder is one cluster and stays as it is. Start the wizard again with another folder: kubepki --out OTHER-FOLDER.'],
	};
	return between ? [rotate, renew, change, newFolder] : [renew, change, rotate, newFolder];
}

/** The commands that do a choice by hand (`c`): openssl for one certificate, etcdctl for a member. */
export function folderChoiceCommands(glance: FolderGlance, id: FolderChoiceId): string[] {
	const plan = glance.renewal?.plan ?? buildPlan(glance.topology, {layout: glance.layout});
	if (id === 'rotate') {
		return [
			'# The same step from the shell (the same transaction: the folder\'s lock, a backup in .backup/):',
			`kubepki rotate-ca ${rotationStep(glance)} --out ${glance.outDir}${glance.layout === 'kubeadm' && rotationStep(glance) === 'start' ? ' --ca all   # or cluster, etcd, front-proxy' : ''}`,
			'# where the folder stands, what to copy next:',
			`kubepki rotate-ca status --out ${glance.outDir}`,
		];
	}

	if (id === 'renew') {
		const first = glance.renewal?.renewed[0]?.id ?? glance.rows.find(row => !row.isCA && row.id)?.id ?? 'admin';
		return [`# Renew one certificate by hand (${first}), signed by this folder's CA, with openssl:`, ...certCommands(plan, specById(plan, first), 'openssl')];
	}

	if (id === 'change') {
		const master = plan.topology.masters[0]!;
		return [
			...(glance.layout === 'kubeadm' ? ['# The cluster changed in a cluster file (this folder\'s is the "cluster" of its manifest), kubeadm\'s layout kept:', `kubepki generate --layout kubeadm --config cluster.yaml --out ${glance.outDir}`] : []),
			'# A new master joins etcd before its etcd starts (run on a master that stays):',
			`etcdctl member add NEW-MASTER --peer-urls=https://NEW-MASTER-IP:${etcdPeerPort}`,
			'# A master that leaves, first:',
			`etcdctl member remove $(etcdctl member list | awk -F', ' '$3 == "${master.name}" {print $1}')`,
			`# every master's etcd must then list the members; e.g. https://${urlHost(master.ip)}:${etcdPeerPort}`,
		];
	}

	return ['kubepki --out OTHER-FOLDER'];
}

/** Where the folder screen is: the glance, a renewal (review → confirm → writing → done), or one step of a CA rotation. */
export type FolderPhase =
	| 'glance'
	| 'review'
	| 'confirm'
	| 'writing'
	| 'done'
	| 'failed'
	| 'rotate-pick'
	| 'rotate-explain'
	| 'rotate-making'
	| 'rotate-review'
	| 'rotate-confirm'
	| 'rotate-writing'
	| 'rotate-done'
	| 'rotate-failed';

export type FolderState = {
	readonly phase: FolderPhase;
	readonly selected: number;
	readonly commands: boolean;
	/** The first line shown of the renewal text (review, done), which can be longer than the screen. */
	readonly scroll: number;
	readonly written?: RenewalPlan;
	readonly error?: string;
	/** Rotate the CA: the CA chosen (kubeadm's start), what the step made before writing, what it wrote. */
	readonly caPick: number;
	readonly rotationPreview?: RotationPreview;
	readonly rotated?: RotationResult;
	/** While the step's keys are made: how many of how many. */
	readonly keys?: {readonly done: number; readonly total: number};
	/** Counts the times the step was asked to be made: an answer to an earlier ask (left with esc) is dropped. */
	readonly ask: number;
};

/** An intent from the screen: a key by meaning, or what the engine answered. */
export type FolderIntent =
	| {readonly type: 'up' | 'down' | 'page-up' | 'page-down' | 'enter' | 'yes' | 'back' | 'commands' | 'quit'}
	| {readonly type: 'written'; readonly renewal: RenewalPlan}
	| {readonly type: 'keys'; readonly ask: number; readonly done: number; readonly total: number}
	| {readonly type: 'prepared'; readonly ask: number; readonly preview: RotationPreview}
	| {readonly type: 'rotated'; readonly result: RotationResult}
	| {readonly type: 'failed'; readonly message: string; readonly ask?: number};

/**
 * What the caller must do after a transition: write the renewal, make the rotation step's keys and certificates
 * (previewRotation), write the step as shown (rotateCa with them), open the wizard's stages, or leave.
 */
export type FolderEffect = 'write-renewal' | 'prepare-rotation' | 'write-rotation' | 'open-wizard' | 'quit' | undefined;

export const initialFolderState: FolderState = {phase: 'glance', selected: 0, commands: false, scroll: 0, caPick: 0, ask: 0};

/** The rotation step and the CA (`--ca`) the screen asks core for, as chosen. */
export function rotationRequest(glance: FolderGlance, state: FolderState): {step: RotationStep; ca: CaChoice} {
	const step = rotationStep(glance);
	return {step, ca: glance.layout === 'kubeadm' && step === 'start' ? caPicks[state.caPick]!.choice : 'all'};
}

const pageLines = 10;

export function folderReducer(state: FolderState, intent: FolderIntent, glance: FolderGlance): {state: FolderState; effect?: FolderEffect} {
	const choices = folderChoices(glance);
	const writing = state.phase === 'writing' || state.phase === 'rotate-writing';
	const pick = glance.layout === 'kubeadm' && rotationStep(glance) === 'start';
	switch (intent.type) {
		case 'quit':
			return writing ? {state} : {state, effect: 'quit'};
		case 'commands':
			return {state: {...state, commands: !state.commands}};
		case 'up':
		case 'down': {
			const step = intent.type === 'up' ? -1 : 1;
			if (state.phase === 'rotate-pick') return {state: {...state, caPick: (state.caPick + step + caPicks.length) % caPicks.length}};
			if (state.phase !== 'glance') return {state: {...state, scroll: Math.max(0, state.scroll + step)}};
			return {state: {...state, selected: (state.selected + step + choices.length) % choices.length, commands: false}};
		}

		case 'page-up':
		case 'page-down':
			return state.phase === 'glance' || state.phase === 'rotate-pick' ? {state} : {state: {...state, scroll: Math.max(0, state.scroll + (intent.type === 'page-up' ? -pageLines : pageLines))}};
		case 'back':
			switch (state.phase) {
				case 'confirm':
					return {state: {...state, phase: 'review'}};
				case 'review':
				case 'failed':
				case 'rotate-failed':
				case 'rotate-pick':
					return {state: {...state, phase: 'glance', error: undefined}};
				case 'rotate-explain':
				case 'rotate-making':
					return {state: {...state, phase: pick && state.phase === 'rotate-explain' ? 'rotate-pick' : 'glance', scroll: 0}};
				case 'rotate-review':
					return {state: {...state, phase: 'rotate-explain', rotationPreview: undefined, scroll: 0}};
				case 'rotate-confirm':
					return {state: {...state, phase: 'rotate-review'}};
				default:
					return {state};
			}

		case 'yes':
			if (state.phase === 'confirm') return {state: {...state, phase: 'writing'}, effect: 'write-renewal'};
			return state.phase === 'rotate-confirm' ? {state: {...state, phase: 'rotate-writing'}, effect: 'write-rotation'} : {state};
		case 'enter': {
			switch (state.phase) {
				case 'done':
				case 'rotate-done':
					return {state, effect: 'quit'};
				case 'review':
					return glance.renewal && glance.renewal.renewed.length > 0 ? {state: {...state, phase: 'confirm'}} : {state};
				case 'confirm':
					return {state: {...state, phase: 'writing'}, effect: 'write-renewal'};
				case 'rotate-pick':
					return {state: {...state, phase: 'rotate-explain', scroll: 0}};
				case 'rotate-explain':
					return {state: {...state, phase: 'rotate-making', scroll: 0, keys: undefined, ask: state.ask + 1}, effect: 'prepare-rotation'};
				case 'rotate-review':
					return {state: {...state, phase: 'rotate-confirm'}};
				case 'rotate-confirm':
					return {state: {...state, phase: 'rotate-writing'}, effect: 'write-rotation'};
				case 'glance':
					break;
				default:
					return {state};
			}

			const choice = choices[state.selected]!;
			if (choice.blocked) return {state};
			if (choice.id === 'renew') return {state: {...state, phase: 'review', commands: false, scroll: 0}};
			if (choice.id === 'change') return {state, effect: 'open-wizard'};
			if (choice.id === 'rotate') return {state: {...state, phase: pick ? 'rotate-pick' : 'rotate-explain', commands: false, scroll: 0}};
			return {state, effect: 'quit'};
		}

		case 'written':
			return {state: {...state, phase: 'done', written: intent.renewal, scroll: 0}};
		case 'keys':
			return state.phase === 'rotate-making' && intent.ask === state.ask ? {state: {...state, keys: {done: intent.done, total: intent.total}}} : {state};
		case 'prepared':
			// A preview asked for before esc left its screen is dropped (nothing was written): only the last ask is shown.
			return state.phase === 'rotate-making' && intent.ask === state.ask ? {state: {...state, phase: 'rotate-review', rotationPreview: intent.preview, scroll: 0}} : {state};
		case 'rotated':
			return {state: {...state, phase: 'rotate-done', rotated: intent.result, rotationPreview: undefined, scroll: 0}};
		case 'failed':
			if (state.phase === 'rotate-making' && intent.ask !== state.ask) return {state};
			if (state.phase === 'rotate-making' || state.phase === 'rotate-writing') return {state: {...state, phase: 'rotate-failed', error: intent.message, rotationPreview: undefined}};
			return state.phase.startsWith('rotate') || state.phase === 'glance' ? {state} : {state: {...state, phase: 'failed', error: intent.message}};
	}
}
