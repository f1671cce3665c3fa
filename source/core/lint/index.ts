// The lint rules, as data: adding a rule is one entry here and its file. Ids are stable: scripts,
// docs and --json consumers refer to them.
import type {LoadResult} from '../pki/load.js';
import {buildChain} from './chain-index.js';
import {issuerNotCa, unknownAuthority} from './chain.js';
import {caNameClash, copyDiffers, manifestMismatch, openSecret} from './folder.js';
import {componentIdentity, groupInOu, kubeletIdentity} from './identity.js';
import {keyMismatch, keyPermissions} from './keys.js';
import {kubeconfigAuth, kubeconfigCaMismatch, kubeconfigContext, kubeconfigServerSan} from './kubeconfig.js';
import {apiserverSans} from './sans.js';
import {weakKey, weakSignature} from './strength.js';
import {certItems, type Finding, type Rule, type Severity} from './types.js';
import {unreadable} from './unreadable.js';
import {ekuMismatch} from './usage.js';
import {expired, expiresSoon, notYetValid} from './validity.js';

export type {Finding, Rule, Severity} from './types.js';

export const rules: readonly Rule[] = [
	kubeletIdentity,
	groupInOu,
	componentIdentity,
	apiserverSans,
	ekuMismatch,
	weakKey,
	weakSignature,
	expired,
	expiresSoon,
	notYetValid,
	unknownAuthority,
	issuerNotCa,
	keyMismatch,
	keyPermissions,
	kubeconfigContext,
	kubeconfigCaMismatch,
	kubeconfigServerSan,
	kubeconfigAuth,
	unreadable,
	caNameClash,
	copyDiffers,
	manifestMismatch,
	openSecret,
];

const severityOrder: Record<Severity, number> = {error: 0, warning: 1, info: 2};

/** Every finding of every rule over what was loaded, sorted by path, then severity, then rule. */
export function lint(loaded: LoadResult, options: {now?: Date} = {}): Finding[] {
	const context = {items: loaded.items, manifests: loaded.manifests, files: loaded.files, folders: loaded.folders, chain: buildChain(certItems(loaded.items)), now: options.now ?? new Date()};
	const findings = rules.flatMap(rule => rule.check(context));
	return findings.sort(
		(a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0) || severityOrder[a.severity] - severityOrder[b.severity] || (a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : 0),
	);
}

export function hasErrors(findings: readonly Finding[]): boolean {
	return findings.some(finding => finding.severity === 'error');
}
