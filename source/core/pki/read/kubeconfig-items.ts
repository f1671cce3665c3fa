// A kubeconfig as items: its outline, then each certificate and key it embeds (a CA bundle block by block) or names
// as a file (read relative to the kubeconfig's folder, as kubectl does), each under the field it came from.
import path from 'node:path';
import {lstat} from 'node:fs/promises';
import type {ParsedKubeconfig} from '../../kubeconfig.js';
import {kubernetesMeaning} from '../meaning.js';
import {unreadable, type Item, type KubeconfigOutline, type ParseBytes} from './items.js';
import {pemBlocks, pemItem} from './pem.js';
import {readFileBounded} from './walk.js';

/** A cheap test before parsing: a top-level `clusters:`, `contexts:`, `users:` or `current-context:`. */
export function looksLikeKubeconfig(text: string): boolean {
	return /^\s*(?:clusters|contexts|users|current-context)\s*:/m.test(text) || /"(?:clusters|contexts|current-context)"\s*:/.test(text);
}

export function kubeconfigItems(file: string, config: ParsedKubeconfig): Item[] {
	const outline: KubeconfigOutline = {
		currentContext: config.currentContext ?? null,
		contexts: config.contexts.map(c => ({name: c.name, cluster: c.cluster, user: c.user})),
		clusters: config.clusters.map(c => ({
			name: c.name,
			server: c.server ?? null,
			...(c.caFile && !c.caPem ? {certificateAuthority: c.caFile} : {}),
			...(c.insecureSkipTlsVerify ? {insecureSkipTlsVerify: true} : {}),
		})),
		users: config.users.map(u => ({
			name: u.name,
			auth: u.auth,
			...(u.certFile && !u.certPem ? {clientCertificate: u.certFile} : {}),
			...(u.keyFile && !u.keyPem ? {clientKey: u.keyFile} : {}),
		})),
	};
	const items: Item[] = [{path: file, kind: 'kubeconfig', source: 'kubeconfig', kubeconfig: outline, kubernetes: kubernetesMeaning(file, undefined), raw: {parsedKubeconfig: config}}];
	const embedded = (where: string, pem: string, cert: boolean): Item => {
		const source = `kubeconfig:${where}`;
		const first = pemBlocks(pem)[0];
		if (!first) return unreadable(file, 'no PEM block', source);
		const item = pemItem(file, first.label, first.body, first.whole);
		if (cert && item.kind !== 'certificate' && item.kind !== 'unreadable') return unreadable(file, `expected a certificate, found a ${item.kind}`, source);
		return {...item, source};
	};

	for (const cluster of config.clusters) {
		if (!cluster.caPem) continue;
		// Trust may be a bundle (two CAs while one is rotated): every certificate in it is an item, numbered.
		const where = `clusters[${cluster.name}].certificate-authority-data`;
		const blocks = pemBlocks(cluster.caPem);
		if (blocks.length <= 1) items.push(embedded(where, cluster.caPem, true));
		else blocks.forEach((block, index) => items.push({...embedded(where, block.whole, true), block: index + 1}));
	}

	for (const user of config.users) {
		if (user.certPem) items.push(embedded(`users[${user.name}].client-certificate-data`, user.certPem, true));
		if (user.keyPem) items.push(embedded(`users[${user.name}].client-key-data`, user.keyPem, false));
	}

	// Data fields that were there but could not be decoded are items too: the person should see them.
	for (const problem of config.problems) {
		if (problem.code === 'bad-base64' || problem.code === 'not-pem') items.push(unreadable(file, `${problem.message}`, `kubeconfig:${problem.field}`));
	}

	return items;
}

/** A kubeconfig field of a user or cluster, embedded (`client-key-data`) or a file reference (`client-key`). */
export function kubeconfigField(source: string): {section: 'users' | 'clusters'; name: string; field: 'client-certificate' | 'client-key' | 'certificate-authority'; referenced: boolean} | undefined {
	const match = /^kubeconfig:(users|clusters)\[(.*)\]\.(client-certificate|client-key|certificate-authority)(-data)?$/.exec(source);
	if (!match) return undefined;
	return {section: match[1] as 'users' | 'clusters', name: match[2]!, field: match[3] as 'client-certificate' | 'client-key' | 'certificate-authority', referenced: match[4] === undefined};
}

/**
 * A kubeconfig that names files (`certificate-authority: <file>`, `client-certificate`, `client-key`: what kubectl
 * writes without --embed-certs, and what ~/.kube/config often holds) is read with them, relative to its folder,
 * as if they were embedded. A file that is not there is an unreadable item naming the field and the file.
 */
export async function followReferences(file: string, items: Item[], parse: ParseBytes): Promise<Item[]> {
	const config = items.find(item => item.kind === 'kubeconfig')?.raw?.parsedKubeconfig;
	if (!config) return items;
	const refs = [
		...config.clusters.filter(c => c.caFile && !c.caPem).map(c => ({field: `clusters[${c.name}].certificate-authority`, ref: c.caFile!, cert: true})),
		...config.users.flatMap(u => [
			...(u.certFile && !u.certPem ? [{field: `users[${u.name}].client-certificate`, ref: u.certFile, cert: true}] : []),
			...(u.keyFile && !u.keyPem ? [{field: `users[${u.name}].client-key`, ref: u.keyFile, cert: false}] : []),
		]),
	];
	if (refs.length === 0) return items;
	const dir = path.dirname(file);
	const followed = await Promise.all(
		refs.map(async ({field, ref, cert}): Promise<Item[]> => {
			const source = `kubeconfig:${field}`;
			const target = path.isAbsolute(ref) ? ref : path.join(dir, ref);
			const bytes = await readFileBounded(target);
			if (!bytes) {
				const why = (await lstat(target).catch(() => undefined)) ? 'cannot be read' : 'no such file';
				return [{...unreadable(file, `${ref}: ${why} (relative paths are taken from the kubeconfig's folder, ${dir || '.'})`, source), referenced: target}];
			}

			const all = parse(target, bytes);
			const readable = all.filter(item => item.kind !== 'unreadable');
			// A CA file may be a bundle (old and new CA, mid rotation): every certificate of it; a user's file: its first item.
			const chosen = field.endsWith('certificate-authority') && readable.length > 1 ? readable : [readable[0] ?? all[0]!];
			return chosen.map((parsed): Item => {
				if (cert && parsed.kind !== 'certificate' && parsed.kind !== 'unreadable') return {...unreadable(file, `${ref}: expected a certificate, found a ${parsed.kind}`, source), referenced: target};
				// The item belongs to the kubeconfig (its row, its checks); `referenced` says which file it came from.
				const {mode: _mode, ...rest} = parsed;
				return {...rest, path: file, source, referenced: target, kubernetes: parsed.cert ? kubernetesMeaning(file, parsed.cert) : rest.kubernetes};
			});
		}),
	);
	return [...items, ...followed.flat()];
}
